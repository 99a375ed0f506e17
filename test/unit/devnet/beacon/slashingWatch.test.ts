import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {SlashingWatch} from "../../../../src/devnet/beacon/slashingWatch.js";

function vote(source: number, target: number, root = 0) {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.source.epoch = source;
  data.target.epoch = target;
  data.beaconBlockRoot = new Uint8Array(32).fill(root);
  return {data, rootHex: Buffer.from(ssz.phase0.AttestationData.hashTreeRoot(data)).toString("hex")};
}

describe("devnet/beacon: SlashingWatch", () => {
  it("tells new, duplicate, double and surround votes apart, per validator", () => {
    const w = new SlashingWatch();
    const a = vote(2, 5);
    expect(w.checkVote(0, a.data, a.rootHex).result).to.equal("new");
    w.recordVote(0, a.data, a.rootHex);
    expect(w.checkVote(0, a.data, a.rootHex).result).to.equal("duplicate");
    const double = vote(2, 5, 1);
    expect(w.checkVote(0, double.data, double.rootHex)).to.include({result: "slashable", kind: "double-vote"});
    const surrounding = vote(1, 6);
    expect(w.checkVote(0, surrounding.data, surrounding.rootHex)).to.include({kind: "surround-vote"});
    const surrounded = vote(3, 4);
    expect(w.checkVote(0, surrounded.data, surrounded.rootHex)).to.include({kind: "surround-vote"});
    const next = vote(5, 6);
    expect(w.checkVote(0, next.data, next.rootHex).result).to.equal("new");
    expect(w.checkVote(1, double.data, double.rootHex).result).to.equal("new");
  });

  it("flags a second, different block for one slot by one proposer", () => {
    const w = new SlashingWatch();
    w.recordProposal(3, 10, "0xaa");
    expect(w.checkProposal(3, 10, "0xaa").result).to.equal("duplicate");
    expect(w.checkProposal(3, 10, "0xbb").result).to.equal("slashable");
    expect(w.checkProposal(3, 11, "0xbb").result).to.equal("new");
    expect(w.checkProposal(4, 10, "0xbb").result).to.equal("new");
  });
});

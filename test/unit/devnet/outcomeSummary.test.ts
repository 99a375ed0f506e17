import {expect} from "chai";
import {summarizeOutcomes} from "../../../src/devnet/summary.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";

describe("devnet summary from the nodes' outcomes only (external beacon node)", () => {
  const submitted = (
    slot: number,
    type: DutyOutcome["type"],
    latencyMs: number,
    consensusRound = 1,
    validator = "0x1",
  ): DutyOutcome => ({
    status: "submitted",
    type,
    slot,
    validator,
    latencyMs,
    consensusRound,
  });
  const failed = (slot: number, reason: "consensus_timeout" | "bn_rejected", validator = "0x1"): DutyOutcome => ({
    status: "failed",
    type: "attester",
    slot,
    validator,
    reason,
    detail: "",
  });
  const counts = (duties: number, done: number, nodeSubmitted: number, nodeFailed: number) => ({
    duties,
    done,
    failed: duties - done,
    nodeSubmitted,
    nodeFailed,
  });

  it("counts each validator duty once, with the node outcomes, latency and rounds; all done passes", () => {
    const s = summarizeOutcomes({from: 1, to: 2}, [
      submitted(1, "attester", 100),
      submitted(1, "attester", 300, 2),
      submitted(2, "proposer", 200),
      submitted(3, "proposer", 999), // after the range: not counted
    ]);
    expect(s.duties.attester).to.deep.equal(counts(1, 1, 2, 0));
    expect(s.duties.proposer).to.deep.equal(counts(1, 1, 1, 0));
    expect(s.duties.syncMessage).to.deep.equal(counts(0, 0, 0, 0));
    expect(s.latencyMs.attester).to.deep.equal({median: 300, p99: 300});
    expect(s.latencyMs.proposer).to.deep.equal({median: 200, p99: 200});
    expect(s.consensusRounds).to.deep.equal({1: 2, 2: 1});
    expect(s.failuresByReason).to.deep.equal({});
    expect(s.verdict).to.equal("pass");
    expect(s).to.not.have.property("slashable");
  });

  it("a duty no node got to the BN fails the verdict; node failures are counted by reason", () => {
    const s = summarizeOutcomes({from: 0, to: 5}, [
      submitted(1, "attester", 100),
      failed(2, "bn_rejected"),
      failed(3, "bn_rejected"),
      failed(3, "consensus_timeout"),
    ]);
    expect(s.duties.attester).to.deep.equal(counts(3, 1, 1, 3));
    expect(s.failuresByReason).to.deep.equal({bn_rejected: 2, consensus_timeout: 1});
    expect(s.verdict).to.equal("fail");
  });

  it("nodes sharing one BN: one node's publish done, the others' failures do not fail the duty", () => {
    const s = summarizeOutcomes({from: 0, to: 5}, [
      submitted(2, "proposer", 100),
      {status: "failed", type: "proposer", slot: 2, validator: "0x1", reason: "bn_rejected", detail: "500"},
      {status: "failed", type: "proposer", slot: 2, validator: "0x1", reason: "bn_rejected", detail: "500"},
      submitted(2, "attester", 100, 1, "0x1"),
      submitted(2, "attester", 100, 1, "0x2"),
      failed(2, "consensus_timeout", "0x2"),
    ]);
    expect(s.duties.proposer).to.deep.equal(counts(1, 1, 1, 2));
    expect(s.duties.attester).to.deep.equal(counts(2, 2, 2, 1));
    expect(s.failuresByReason).to.deep.equal({bn_rejected: 2, consensus_timeout: 1});
    expect(s.verdict).to.equal("pass");
  });

  it("sync contributions count once per subcommittee", () => {
    const contribution = (subcommitteeIndex: number): DutyOutcome => ({
      ...submitted(1, "syncContribution", 50),
      subcommitteeIndex,
    });
    const s = summarizeOutcomes({from: 0, to: 5}, [contribution(0), contribution(0), contribution(1)]);
    expect(s.duties.syncContribution).to.deep.equal(counts(2, 2, 3, 0));
  });

  it("no outcome at all is not a pass (the run showed nothing)", () => {
    expect(summarizeOutcomes({from: 0, to: 7}, []).verdict).to.equal("fail");
    expect(summarizeOutcomes({from: 0, to: 7}, [submitted(9, "attester", 1)]).verdict).to.equal("fail");
  });
});

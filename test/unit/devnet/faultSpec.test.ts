import {expect} from "chai";
import {FaultSpecError, parseFaultPlan} from "../../../src/devnet/faultSpec.js";
import {summarize} from "../../../src/devnet/summary.js";

describe("devnet/faultSpec and summary", () => {
  it("parses --byzantine, --kill-node and --restart-node", () => {
    const plan = parseFaultPlan(
      {byzantine: ["1:garbage", "1:invalid-shares", "2:wrong-slot"], killNode: ["3@10"], restartNode: ["3@18"]},
      4,
    );
    expect([...plan.byzantine.entries()]).to.deep.equal([
      [1, ["garbage", "invalid-shares"]],
      [2, ["wrong-slot"]],
    ]);
    expect(plan.kills).to.deep.equal([{node: 3, slot: 10}]);
    expect(plan.restarts).to.deep.equal([{node: 3, slot: 18}]);
  });

  it("refuses unknown modes, node indexes out of range and malformed slots, naming the flag", () => {
    const flagOf = (args: Parameters<typeof parseFaultPlan>[0]) => {
      try {
        parseFaultPlan(args, 4);
      } catch (e) {
        if (e instanceof FaultSpecError) return e.flag;
      }
      return null;
    };
    expect(flagOf({byzantine: ["1:lazy"]})).to.equal("byzantine");
    expect(flagOf({byzantine: ["4:garbage"]})).to.equal("byzantine");
    expect(flagOf({killNode: ["1"]})).to.equal("kill-node");
    expect(flagOf({restartNode: ["x@3"]})).to.equal("restart-node");
  });

  it("summarises the chain's records and the nodes' outcomes into a verdict", () => {
    const records = [
      {slot: 1, type: "proposer", status: "included"},
      {slot: 1, type: "attester", status: "accepted"},
      {slot: 2, type: "proposer", status: "missed"},
      {slot: 9, type: "proposer", status: "missed"}, // outside the range
    ];
    const outcomes = [
      {
        status: "submitted" as const,
        type: "attester" as const,
        slot: 1,
        validator: "0x1",
        latencyMs: 100,
        consensusRound: 1,
      },
      {
        status: "submitted" as const,
        type: "proposer" as const,
        slot: 1,
        validator: "0x1",
        latencyMs: 300,
        consensusRound: 2,
      },
      {
        status: "failed" as const,
        type: "proposer" as const,
        slot: 2,
        validator: "0x1",
        reason: "consensus_timeout" as const,
        detail: "",
      },
    ];
    const s = summarize({from: 0, to: 7}, records, outcomes, 0);
    expect(s.duties).to.deep.equal({
      attester: {expected: 1, submitted: 1, accepted: 1},
      proposer: {expected: 2, submitted: 1, accepted: 1},
      aggregator: {expected: 0, submitted: 0, accepted: 0},
      syncMessage: {expected: 0, submitted: 0, accepted: 0},
      syncContribution: {expected: 0, submitted: 0, accepted: 0},
    });
    expect(s.latencyMs.proposer).to.deep.equal({median: 300, p99: 300});
    expect(s.consensusRounds).to.deep.equal({1: 1, 2: 1});
    expect(s.failuresByReason).to.deep.equal({consensus_timeout: 1});
    expect(s.verdict).to.equal("fail");
    expect(summarize({from: 0, to: 1}, records, outcomes, 0).verdict).to.equal("pass");
    expect(summarize({from: 0, to: 1}, records, outcomes, 1).verdict).to.equal("fail");
  });
});

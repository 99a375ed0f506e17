import {expect} from "chai";
import {summarizeOutcomes} from "../../../src/devnet/summary.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";

describe("devnet summary from the nodes' outcomes only (external beacon node)", () => {
  const submitted = (slot: number, type: DutyOutcome["type"], latencyMs: number, consensusRound = 1): DutyOutcome => ({
    status: "submitted",
    type,
    slot,
    validator: "0x1",
    latencyMs,
    consensusRound,
  });
  const failed = (slot: number, reason: "consensus_timeout" | "bn_rejected"): DutyOutcome => ({
    status: "failed",
    type: "attester",
    slot,
    validator: "0x1",
    reason,
    detail: "",
  });

  it("counts submitted outcomes per type with latency and rounds; all submitted passes", () => {
    const s = summarizeOutcomes({from: 1, to: 2}, [
      submitted(1, "attester", 100),
      submitted(1, "attester", 300, 2),
      submitted(2, "proposer", 200),
      submitted(3, "proposer", 999), // after the range: not counted
    ]);
    expect(s.duties.attester).to.deep.equal({submitted: 2, failed: 0});
    expect(s.duties.proposer).to.deep.equal({submitted: 1, failed: 0});
    expect(s.duties.syncMessage).to.deep.equal({submitted: 0, failed: 0});
    expect(s.latencyMs.attester).to.deep.equal({median: 300, p99: 300});
    expect(s.latencyMs.proposer).to.deep.equal({median: 200, p99: 200});
    expect(s.consensusRounds).to.deep.equal({1: 2, 2: 1});
    expect(s.failuresByReason).to.deep.equal({});
    expect(s.verdict).to.equal("pass");
    expect(s).to.not.have.property("slashable");
  });

  it("one failed outcome fails the verdict and is counted by reason", () => {
    const s = summarizeOutcomes({from: 0, to: 5}, [
      submitted(1, "attester", 100),
      failed(2, "bn_rejected"),
      failed(3, "bn_rejected"),
      failed(3, "consensus_timeout"),
    ]);
    expect(s.duties.attester).to.deep.equal({submitted: 1, failed: 3});
    expect(s.failuresByReason).to.deep.equal({bn_rejected: 2, consensus_timeout: 1});
    expect(s.verdict).to.equal("fail");
  });

  it("no outcome at all is not a pass (the run showed nothing)", () => {
    expect(summarizeOutcomes({from: 0, to: 7}, []).verdict).to.equal("fail");
    expect(summarizeOutcomes({from: 0, to: 7}, [submitted(9, "attester", 1)]).verdict).to.equal("fail");
  });
});

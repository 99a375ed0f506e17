import {expect} from "chai";
import {outcomeSlotLine, renderLiveView, slotLine} from "../../../src/devnet/liveView.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";

describe("devnet/liveView", () => {
  it("renders the header, the slot lines and one row per node with its duty counts and last failure", () => {
    const text = renderLiveView({
      header: "cohort devnet: 2 nodes",
      slotLines: ["slot    1  proposer 1/1 accepted", "slot    2  no duty"],
      nodes: [
        {
          index: 0,
          status: "running",
          health: {ready: true, notReady: [], peers: [{index: 1, connected: true, rttMs: 0.5}]},
        },
        {index: 1, status: "stopped"},
      ],
      outcomes: [
        {node: 0, status: "submitted", type: "attester", slot: 1, validator: "0x1", latencyMs: 10, consensusRound: 1},
        {node: 1, status: "failed", type: "proposer", slot: 2, validator: "0x1", reason: "stopped", detail: ""},
      ],
    });
    const lines = text.split("\n");
    expect(lines[0]).to.equal("cohort devnet: 2 nodes");
    expect(text).to.include("slot    2  no duty");
    expect(lines.find((l) => /│ 0 +│ running/.test(l))).to.match(/│ ready +│ 1\/1 \(rtt 0\.5 ms\) +│ 1 +│ 0 +│/);
    expect(lines.find((l) => /│ 1 +│ stopped/.test(l))).to.include("slot 2 proposer: stopped");
  });

  describe("slot lines", () => {
    const submitted = (
      node: number,
      latencyMs: number,
      decideMs?: number,
      round = 1,
    ): DutyOutcome & {node: number} => ({
      node,
      status: "submitted",
      type: "attester",
      slot: 3,
      validator: "0x1",
      latencyMs,
      consensusRound: round,
      ...(decideMs === undefined ? {} : {decideMs}),
    });
    const outcomes = [
      submitted(0, 300, 100),
      submitted(1, 500, 250, 2),
      submitted(2, 400, 120),
      {
        node: 3,
        status: "failed" as const,
        type: "attester" as const,
        slot: 3,
        validator: "0x1",
        reason: "bn_rejected" as const,
        detail: "",
      },
      submitted(0, 999, 999), // another slot: not counted
    ];
    outcomes[4].slot = 4;

    it("shows per duty type the rounds, the median time to decide and to submit, and the slot's shares", () => {
      const records = [
        {slot: 3, type: "attester", status: "included"},
        {slot: 3, type: "proposer", status: "missed"},
      ];
      expect(slotLine(3, records, outcomes, {received: 24, combined: 8, invalid: 3})).to.equal(
        "slot    3  proposer 0/1 accepted (round -, decide -, median - trigger→submitted) | " +
          "attester 1/1 accepted (round 1,2, decide 120 ms, median 400 ms trigger→submitted) failures: node 3: bn_rejected" +
          " | shares 24 rcvd/8 combined/3 invalid",
      );
      expect(slotLine(5, records, outcomes, null)).to.equal("slot    5  no duty | shares -");
      expect(slotLine(5, records, outcomes)).to.equal("slot    5  no duty");
    });

    it("from the nodes' outcomes alone (external BN); outcomes without decideMs show '-'", () => {
      expect(outcomeSlotLine(3, outcomes, {received: 2, combined: 1, invalid: 0})).to.equal(
        "slot    3  attester 1/1 done (3/4 node outcomes submitted) (round 1,2, decide 120 ms, median 400 ms trigger→submitted) failures: node 3: bn_rejected" +
          " | shares 2 rcvd/1 combined/0 invalid",
      );
      expect(outcomeSlotLine(3, [submitted(0, 300)])).to.equal(
        "slot    3  attester 1/1 done (1/1 node outcomes submitted) (round 1, decide -, median 300 ms trigger→submitted)",
      );
    });
  });
});

import {expect} from "chai";
import {renderLiveView} from "../../../src/devnet/liveView.js";

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
});

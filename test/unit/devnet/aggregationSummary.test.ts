import {expect} from "chai";
import {summarize} from "../../../src/devnet/summary.js";

describe("devnet summary: aggregator duties", () => {
  const records = [
    {slot: 1, type: "attester", status: "included"},
    {slot: 1, type: "aggregator", status: "accepted"},
    {slot: 2, type: "attester", status: "included"},
    {slot: 2, type: "aggregator", status: "missed"},
  ];
  const outcomes = [
    {
      status: "submitted" as const,
      type: "aggregator" as const,
      slot: 1,
      validator: "0x1",
      latencyMs: 120,
      consensusRound: 1,
    },
  ];

  it("counts aggregations and their latency; a missed aggregation fails the verdict", () => {
    const s = summarize({from: 0, to: 2}, records, outcomes, 0);
    expect(s.duties.aggregator).to.deep.equal({expected: 2, submitted: 1, accepted: 1});
    expect(s.latencyMs.aggregator).to.deep.equal({median: 120, p99: 120});
    expect(s.verdict).to.equal("fail");
    expect(summarize({from: 0, to: 1}, records, outcomes, 0).verdict).to.equal("pass");
  });
});

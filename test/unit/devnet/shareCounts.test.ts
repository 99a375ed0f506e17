import {expect} from "chai";
import {Registry} from "prom-client";
import {createCombineMetrics} from "../../../src/combine/metrics.js";
import {
  formatShareCounts,
  parseShareCounts,
  type ShareCounts,
  ShareCountTracker,
} from "../../../src/devnet/shareCounts.js";
import {summarize, summarizeOutcomes} from "../../../src/devnet/summary.js";
import {createP2pMetrics} from "../../../src/p2p/metrics.js";

const counts = (received: number, combined: number, invalid: number): ShareCounts => ({received, combined, invalid});

describe("devnet/shareCounts", () => {
  it("reads the share counters from a node's real /metrics text (the combine and p2p metrics' names)", async () => {
    const register = new Registry();
    const combine = createCombineMetrics(register);
    const p2p = createP2pMetrics(register);
    combine.invalidShares.inc({share_index: 2, reason: "COMBINE_INVALID_SHARE"});
    combine.invalidShares.inc({share_index: 3, reason: "COMBINE_INVALID_SHARE"}, 2);
    combine.recoveries.inc(4);
    combine.duplicateShares.inc(9);
    p2p.messagesReceived.inc({peer: "1", topic: "shares"}, 5);
    p2p.messagesReceived.inc({peer: "2", topic: "shares"}, 1);
    p2p.messagesReceived.inc({peer: "1", topic: "consensus"}, 7);
    expect(parseShareCounts(await register.metrics())).to.deep.equal(counts(6, 4, 3));
    expect(parseShareCounts("")).to.deep.equal(counts(0, 0, 0));
    expect(parseShareCounts("cohort_combine_invalid_shares_total NaN\ngarbage")).to.deep.equal(counts(0, 0, 0));
  });

  it("sums the nodes' increases over the run, a restart's reset included, and gives per-slot deltas", () => {
    const t = new ShareCountTracker();
    t.observe(0, counts(10, 2, 0));
    t.observe(1, counts(8, 2, 1));
    t.mark(5);
    t.observe(0, counts(16, 4, 0));
    t.observe(1, null); // down: adds nothing
    t.mark(6);
    t.observe(0, counts(20, 5, 0));
    t.observe(1, counts(3, 1, 2)); // restarted: counters from 0 again
    t.mark(7);
    expect(t.forSlot(5)).to.deep.equal(counts(6, 2, 0));
    expect(t.forSlot(6)).to.deep.equal(counts(7, 2, 2));
    expect(t.forSlot(7)).to.equal(null); // the start of slot 8 not sampled yet
    expect(t.forSlot(4)).to.equal(null);
    expect(t.totals()).to.deep.equal(counts(10 + 8 + 6 + 4 + 3, 2 + 2 + 2 + 1 + 1, 1 + 2));
  });

  it("formats a slot's share counts, or '-' when not sampled", () => {
    expect(formatShareCounts(counts(24, 8, 1))).to.equal("shares 24 rcvd/8 combined/1 invalid");
    expect(formatShareCounts(null)).to.equal("shares -");
  });
});

describe("devnet summary: invalid shares", () => {
  const records = [{slot: 1, type: "attester", status: "included"}];
  const outcomes = [
    {
      status: "submitted" as const,
      type: "attester" as const,
      slot: 1,
      validator: "0x1",
      latencyMs: 90,
      consensusRound: 1,
    },
  ];

  it("carries the invalid shares the nodes saw; they do not fail the verdict; null when not measured", () => {
    const s = summarize({from: 0, to: 1}, records, outcomes, 0, 7);
    expect(s.invalidShares).to.equal(7);
    expect(s.verdict).to.equal("pass");
    expect(JSON.parse(JSON.stringify(s)).invalidShares).to.equal(7); // in --json
    expect(summarize({from: 0, to: 1}, records, outcomes, 0).invalidShares).to.equal(null);
    expect(summarizeOutcomes({from: 0, to: 1}, outcomes, 3).invalidShares).to.equal(3);
    expect(summarizeOutcomes({from: 0, to: 1}, outcomes).invalidShares).to.equal(null);
  });
});

import {expect} from "chai";
import {leaderOf, MsgType} from "../../../src/consensus/types.js";
import {bytesEqual} from "../../../src/util/hex.js";
import {DELTA} from "./sim/scenarios.js";
import {BYZ_A, BYZ_B, honestValue, runSimulation, type SimConfig, safetyViolations} from "./sim/simulation.js";

// n = 4 and (slot 100, dutyType 0): leader of round r is r mod 4, so 1 leads round 1, 2 round 2, 3 round 3.
const base: SimConfig = {
  n: 4,
  seed: 1,
  slot: 100,
  dutyType: 0,
  deadlineMs: 8 * DELTA,
  maxDelayMs: 20,
  stableDelayMs: 20,
};

async function run(cfg: Partial<SimConfig>) {
  const full = {...base, ...cfg};
  const r = await runSimulation(full);
  expect(safetyViolations(r, full)).to.deep.equal([]);
  return r;
}

function roundsOf(r: Awaited<ReturnType<typeof runSimulation>>): Record<number, number> {
  return Object.fromEntries([...r.decisions].map(([i, d]) => [i, d.round]));
}

describe("consensus/round-change paths (expected decision rounds)", () => {
  it("the schedule: leaders 1, 2, 3 for rounds 1, 2, 3", () => {
    expect([1, 2, 3].map((r) => leaderOf(100, 0, r, 4))).to.deep.equal([1, 2, 3]);
  });

  it("no fault: decided in round 1 on the round-1 leader's value", async () => {
    const r = await run({});
    expect(roundsOf(r)).to.deep.equal({0: 1, 1: 1, 2: 1, 3: 1});
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(1));
  });

  it("round-1 leader crashed: decided in round 2 on the round-2 leader's value", async () => {
    const r = await run({crashed: {1: 0}});
    expect(roundsOf(r)).to.deep.equal({0: 2, 2: 2, 3: 2});
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(2));
  });

  it("round-1 leader proposes a value every predicate rejects: round 2, and that value is never decided", async () => {
    const bad = honestValue(1);
    const r = await run({isValid: (_node, v) => !bytesEqual(v, bad)});
    expect(roundsOf(r)).to.deep.equal({0: 2, 1: 2, 2: 2, 3: 2});
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(2));
    expect(r.drops.invalid_value).to.equal(4);
  });

  it("round-1 leader equivocates (A to some, B to others): no quorum in round 1, decided in round 2", async () => {
    const r = await run({byzantine: {1: "equivocate"}});
    expect(roundsOf(r)).to.deep.equal({0: 2, 2: 2, 3: 2});
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(2));
  });

  it("partition during commit (every round-1 COMMIT lost): round 2 re-proposes the prepared value", async () => {
    const r = await run({dropIf: (_f, _t, m) => m.signed.data.type === MsgType.commit && m.signed.data.round === 1});
    expect(roundsOf(r)).to.deep.equal({0: 2, 1: 2, 2: 2, 3: 2});
    // Round 2's leader had its own proposal, but the lock makes it propose round 1's prepared value.
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(1));
  });

  it("partition during commit, one node decides in round 1: the others adopt its decision proof", async () => {
    const r = await run({
      dropIf: (_f, to, m) => m.signed.data.type === MsgType.commit && m.signed.data.round === 1 && to !== 3,
    });
    // Node 3 answers the others' late messages with its proof: everyone decides round 1's value.
    expect(roundsOf(r)).to.deep.equal({0: 1, 1: 1, 2: 1, 3: 1});
    for (const d of r.decisions.values()) expect(d.value).to.deep.equal(honestValue(1));
  });

  it("partition during commit, then a Byzantine round-2 leader ignores the lock: rejected, decided in round 3", async () => {
    const r = await run({
      byzantine: {2: "equivocate"},
      dropIf: (_f, _t, m) => m.signed.data.type === MsgType.commit && m.signed.data.round === 1,
    });
    expect(roundsOf(r)).to.deep.equal({0: 3, 1: 3, 3: 3});
    for (const d of r.decisions.values()) {
      expect(d.value).to.deep.equal(honestValue(1));
      expect(bytesEqual(d.value, BYZ_A) || bytesEqual(d.value, BYZ_B)).to.equal(false);
    }
    expect(r.drops.not_highest_prepared).to.equal(3);
  });

  it("a lagging node that missed everything decides from a peer's decision proof", async () => {
    // Node 0 hears nothing until 2.5 s; its next copy of its ROUND-CHANGE (re-sent every Δ/5) is answered
    // with round 1's proof, before its round 3 ends at 3 s.
    const r = await run({partitions: [{groups: [[0], [1, 2, 3]], fromMs: 0, untilMs: 2500}]});
    expect(roundsOf(r)).to.deep.equal({0: 1, 1: 1, 2: 1, 3: 1});
    expect(r.decisions.get(0)!.at).to.be.within(2500, 2500 + DELTA / 5 + 100);
    expect(r.decisions.get(1)!.at).to.be.below(DELTA);
  });
});

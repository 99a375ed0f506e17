import {expect} from "chai";
import {noQuorumConfig, safetyConfig, terminationConfig} from "./sim/scenarios.js";
import {runSimulation, type SimConfig, type SimResult, safetyViolations} from "./sim/simulation.js";

// Seeded simulations of whole clusters. QBFT_SIM_RUNS=<multiplier> runs more (e.g. 10 for ten times as many);
// a failure names the n and seed, and runSimulation(<config>(n, seed)) replays it exactly.
const MULTIPLIER = Number(process.env.QBFT_SIM_RUNS ?? "1");
const scaled = (runs: number) => Math.max(1, Math.round(runs * MULTIPLIER));

const RUNS: Record<number, {termination: number; safety: number; noQuorum: number}> = {
  4: {termination: 500, safety: 300, noQuorum: 200},
  5: {termination: 150, safety: 80, noQuorum: 40},
  7: {termination: 80, safety: 50, noQuorum: 30},
  10: {termination: 40, safety: 30, noQuorum: 20},
};

async function forSeeds(
  n: number,
  runs: number,
  config: (n: number, seed: number) => SimConfig,
  check: (r: SimResult, cfg: SimConfig) => string[],
): Promise<SimResult[]> {
  const failures: string[] = [];
  const results: SimResult[] = [];
  const total = scaled(runs);
  for (let seed = 1; seed <= total; seed++) {
    const cfg = config(n, seed);
    const r = await runSimulation(cfg);
    results.push(r);
    for (const p of check(r, cfg)) failures.push(`n=${n} seed=${seed}: ${p}`);
    if (failures.length > 5) break;
  }
  expect(failures, failures.join("\n")).to.deep.equal([]);
  return results;
}

describe("consensus/properties (seeded simulations)", function () {
  this.timeout(120_000 * Math.max(1, MULTIPLIER));

  for (const n of [4, 5, 7, 10]) {
    const runs = RUNS[n];
    describe(`n = ${n}`, () => {
      it(`agreement, validity and termination after GST with ≤ f faulty (${scaled(runs.termination)} runs)`, async () => {
        const results = await forSeeds(n, runs.termination, terminationConfig, (r, cfg) => {
          const problems = safetyViolations(r, cfg);
          for (const i of r.correct)
            if (!r.decisions.has(i)) problems.push(`termination: node ${i} ${r.gaveUp.get(i) ?? "undecided"}`);
          return problems;
        });
        // The faults really exercised round changes.
        expect(results.some((r) => [...r.decisions.values()].some((d) => d.round > 1))).to.equal(true);
      });

      it(`agreement and validity with permanent faults and disagreeing predicates (${scaled(runs.safety)} runs)`, async () => {
        const results = await forSeeds(n, runs.safety, safetyConfig, safetyViolations);
        // Not vacuous: many of these runs still decide.
        expect(results.filter((r) => r.decisions.size > 0).length).to.be.greaterThan(results.length / 10);
      });

      it(`no decision with fewer than a quorum of honest reachable nodes (${scaled(runs.noQuorum)} runs)`, async () => {
        await forSeeds(n, runs.noQuorum, noQuorumConfig, (r) =>
          [...r.decisions.keys()].map((i) => `node ${i} decided without a reachable quorum`),
        );
      });
    });
  }

  for (const n of [1, 2, 3]) {
    it(`n = ${n} (f = 0): agreement, validity and termination after GST; nothing without a quorum`, async () => {
      await forSeeds(n, 40, terminationConfig, (r, cfg) => {
        const problems = safetyViolations(r, cfg);
        for (const i of r.correct) if (!r.decisions.has(i)) problems.push(`termination: node ${i} undecided`);
        return problems;
      });
      if (n > 1) {
        await forSeeds(n, 20, noQuorumConfig, (r) =>
          [...r.decisions.keys()].map((i) => `node ${i} decided without quorum`),
        );
      }
    });
  }

  it("holds with real secp256k1 signatures too (n = 4, Byzantine and lossy configurations)", async () => {
    const results = await forSeeds(
      4,
      30,
      (n, seed) => ({...terminationConfig(n, seed + 100_000), realSignatures: true}),
      (r, cfg) => {
        const problems = safetyViolations(r, cfg);
        for (const i of r.correct) if (!r.decisions.has(i)) problems.push(`termination: node ${i} undecided`);
        return problems;
      },
    );
    expect(results.every((r) => r.decisions.size > 0)).to.equal(true);
  });

  it("is deterministic: a seed replays to the same run", async () => {
    const cfg = terminationConfig(7, 4242);
    const a = await runSimulation(cfg);
    const b = await runSimulation(cfg);
    const summary = (r: SimResult) => ({
      decisions: [...r.decisions].map(([i, d]) => [i, Buffer.from(d.value).toString("hex"), d.round, d.at]),
      drops: r.drops,
      delivered: r.delivered,
      endTime: r.endTime,
    });
    expect(summary(a)).to.deep.equal(summary(b));
  });
});

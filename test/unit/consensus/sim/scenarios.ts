import {faultTolerance, quorumSize} from "../../../../src/consensus/types.js";
import {bytesEqual} from "../../../../src/util/hex.js";
import {Prng} from "./prng.js";
import {type ByzantineKind, EVIL_VALUE, type Partition, type SimConfig} from "./simulation.js";

/** Random fault configurations drawn from a seed, for the property tests. */

const KINDS: ByzantineKind[] = ["equivocate", "voteBoth", "badJustification", "replay", "mixed"];
export const DELTA = 1000;

function randomPartition(rng: Prng, n: number, untilMs: number): Partition {
  const nodes = rng.sample(
    Array.from({length: n}, (_, i) => i),
    n,
  );
  const cut = rng.int(1, n - 1);
  return {groups: [nodes.slice(0, cut), nodes.slice(cut)], fromMs: rng.int(0, Math.max(0, untilMs - 1)), untilMs};
}

/** ≤ f faulty (Byzantine or crashing) operators, an unstable network that stabilises at GST. */
export function terminationConfig(n: number, seed: number): SimConfig {
  const rng = new Prng(seed * 7919 + n);
  const f = faultTolerance(n);
  const faulty = rng.sample(
    Array.from({length: n}, (_, i) => i),
    rng.int(0, f),
  );
  const byzantine: Record<number, ByzantineKind> = {};
  const crashed: Record<number, number> = {};
  for (const i of faulty) {
    if (rng.chance(0.6)) byzantine[i] = rng.pick(KINDS);
    else crashed[i] = rng.chance(0.5) ? 0 : rng.int(1, 3000);
  }
  const gstMs = rng.pick([0, 0, 500, 1500, 3000, 4000]);
  const partitions = gstMs > 0 && rng.chance(0.3) ? [randomPartition(rng, n, gstMs)] : [];
  return {
    n,
    seed,
    dutyType: rng.int(0, 5),
    byzantine,
    crashed,
    dropRate: gstMs > 0 ? rng.float() * 0.4 : 0,
    dupRate: rng.float() * 0.2,
    maxDelayMs: rng.int(0, gstMs > 0 ? 1500 : 40),
    gstMs,
    partitions,
    startJitterMs: rng.int(0, 300),
    proposeDelayMs: rng.int(0, 400),
    // The first f + 1 full rounds after GST include one with an honest leader; one more for slack.
    deadlineMs: Math.ceil(gstMs / DELTA) * DELTA + (f + 3) * DELTA,
    roundDurationMs: DELTA,
  };
}

/**
 * Safety under worse conditions: a permanently lossy network, ≤ f Byzantine, and honest predicates
 * that disagree (each honest node rejects some honest proposals, as differing slashing DBs would).
 */
export function safetyConfig(n: number, seed: number): SimConfig {
  const base = terminationConfig(n, seed);
  const rng = new Prng(seed * 104729 + n);
  const rejects = new Map<number, Set<number>>();
  for (let i = 0; i < n; i++) {
    const set = new Set<number>();
    for (let j = 0; j < n; j++) if (rng.chance(0.3)) set.add(j);
    rejects.set(i, set);
  }
  const enc = new TextEncoder();
  const proposals = Array.from({length: n}, (_, j) => enc.encode(`proposal of operator ${j}`));
  return {
    ...base,
    dropRate: rng.float() * 0.3,
    // Half the runs never stabilise; the others do late, so decisions happen under stress.
    gstMs: rng.chance(0.5) ? Number.POSITIVE_INFINITY : rng.int(2000, 6000),
    maxDelayMs: rng.int(0, 1200),
    partitions: rng.chance(0.3) ? [randomPartition(rng, n, rng.chance(0.5) ? 1e9 : rng.int(1000, 6000))] : [],
    deadlineMs: 10 * DELTA,
    isValid: (node, v) => {
      if (bytesEqual(v, EVIL_VALUE)) return false;
      for (const j of rejects.get(node) ?? []) if (bytesEqual(v, proposals[j])) return false;
      return true;
    },
  };
}

/** Fewer than a quorum of honest operators can talk to each other: nothing may be decided. */
export function noQuorumConfig(n: number, seed: number): SimConfig {
  const rng = new Prng(seed * 15485863 + n);
  const q = quorumSize(n);
  const all = Array.from({length: n}, (_, i) => i);
  const base = {
    n,
    seed,
    dutyType: rng.int(0, 5),
    dropRate: rng.float() * 0.2,
    dupRate: rng.float() * 0.2,
    maxDelayMs: rng.int(0, 300),
    startJitterMs: rng.int(0, 300),
    deadlineMs: 6 * DELTA,
    roundDurationMs: DELTA,
  };
  if (n > 1 && rng.chance(0.5)) {
    // A permanent partition into groups all smaller than a quorum.
    const shuffled = rng.sample(all, n);
    const groups: number[][] = [];
    for (let i = 0; i < n; i += q - 1) groups.push(shuffled.slice(i, i + q - 1));
    return {...base, partitions: [{groups, fromMs: 0, untilMs: Number.POSITIVE_INFINITY}]};
  }
  const crashed: Record<number, number> = {};
  for (const i of rng.sample(all, n - q + 1)) crashed[i] = 0;
  return {...base, crashed};
}

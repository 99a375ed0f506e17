import os from "node:os";
import {type PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {planCluster} from "../../src/cluster/create.js";
import {parseClusterLock, serializeClusterLock} from "../../src/cluster/lock.js";
import {knownNetwork} from "../../src/cluster/networks.js";
import {seededRandom} from "../../src/cluster/random.js";
import {randomScalar, scalarToBytes, splitSecretKey} from "../../src/cluster/shamir.js";
import {interpolateSignatures} from "../../src/combine/herumi.js";
import {
  Combiner,
  combineShares,
  initHerumi,
  parseShareSignature,
  recoverSignature,
  type ShareSubmission,
  type ValidatorKeys,
  VerifyPool,
  verifyShare,
  verifyShareBatch,
} from "../../src/combine/index.js";
import {integerLagrangeCoefficients} from "../../src/combine/lagrange.js";
import {type BenchResult, type BenchSuite, measure, summarize} from "../harness.js";

interface Split {
  secretKey: SecretKey;
  shares: SecretKey[];
  keys: ValidatorKeys;
  validator: string;
}

function split(seed: string, t: number, n: number): Split {
  const random = seededRandom(seed);
  const secret = scalarToBytes(randomScalar(random));
  const secretKey = SecretKey.fromBytes(secret);
  const shares = splitSecretKey(secret, t, n, random).map((s) => SecretKey.fromBytes(s));
  const publicKey: PublicKey = secretKey.toPublicKey();
  return {
    secretKey,
    shares,
    keys: {publicKey, publicKeyShares: shares.map((s) => s.toPublicKey())},
    validator: publicKey.toHex(),
  };
}

const SUITE = "combine";

/**
 * Times `fn` and the floor alternately (one call of each per round), so both see the same machine
 * load and their ratio holds even on a busy machine. Returns the medians in ms. Every "x the floor"
 * note is measured this way.
 */
async function sideBySide(
  fn: () => unknown,
  floor: () => unknown,
  rounds: number,
): Promise<{fnMs: number; floorMs: number; ratio: number}> {
  const a = [];
  const b = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    fn();
    a.push(performance.now() - t);
    t = performance.now();
    floor();
    b.push(performance.now() - t);
  }
  const fnMs = summarize(a).medianMs;
  const floorMs = summarize(b).medianMs;
  return {fnMs, floorMs, ratio: fnMs / floorMs};
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchResult[]> {
    await initHerumi();
    const results: BenchResult[] = [];
    const root = new Uint8Array(32).fill(0x42);
    const opts = {minTimeMs: 1000, minIterations: 20};

    // The physical floor: one blst signature made and verified.
    const floorKey = SecretKey.fromKeygen(new Uint8Array(32).fill(1));
    const floorPk = floorKey.toPublicKey();
    const floorFn = () => verify(root, floorPk, floorKey.sign(root));
    const floor = await measure(floorFn, opts);
    results.push({suite: SUITE, name: "floor: blst sign + verify one signature", value: floor.medianMs, unit: "ms"});
    const vsFloor = (r: {ratio: number; floorMs: number}) =>
      `${r.ratio.toFixed(2)}x the floor (${r.floorMs.toFixed(2)} ms)`;

    const s4 = split("bench-4", 3, 4);
    const shares4 = s4.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(root).toBytes()}));
    const single = await sideBySide(() => verifyShare(shares4[0], s4.keys.publicKeyShares[0], root), floorFn, 300);
    results.push({
      suite: SUITE,
      name: "verify one share (parse + blst verify)",
      value: single.fnMs,
      unit: "ms",
      note: vsFloor(single),
    });

    // Batched: 128 shares of different validators (same signing root, as attestations in one slot).
    const many = Array.from({length: 128}, (_, v) => split(`bench-batch-${v}`, 3, 4));
    const batchChecks = many.map((s) => {
      const bytes = s.shares[0].sign(root).toBytes();
      return {
        index: 1,
        bytes,
        signature: Signature.fromBytes(bytes),
        publicKey: s.keys.publicKeyShares[0],
        signingRoot: root,
      };
    });
    const batch = await sideBySide(() => verifyShareBatch(batchChecks), floorFn, 30);
    const perShare = batch.fnMs / batchChecks.length;
    results.push({
      suite: SUITE,
      name: "verify shares batched (128 per batch, one root), per share",
      value: perShare,
      unit: "ms",
      note: `${(perShare / batch.floorMs).toFixed(2)}x the floor (${batch.floorMs.toFixed(2)} ms)`,
    });

    const parsed4 = shares4.map((s) => ({index: s.index, signature: parseShareSignature(s.index, s.signature)}));
    const rec4 = await sideBySide(() => recoverSignature(parsed4.slice(0, 3), 3), floorFn, 300);
    const herumi4 = await sideBySide(
      () =>
        interpolateSignatures(
          parsed4.slice(0, 3).map((p) => ({index: p.index, uncompressed: p.signature.toBytes(false)})),
        ),
      floorFn,
      300,
    );
    results.push({
      suite: SUITE,
      name: "recover 3-of-4, shares 1, 2, 3 (Lagrange by blst point additions: λ = 3, −3, 1)",
      value: rec4.fnMs,
      unit: "ms",
      note: `${vsFloor(rec4)}; herumi on the same shares ${herumi4.fnMs.toFixed(3)} ms (${(herumi4.fnMs / rec4.fnMs).toFixed(0)}x), same run`,
    });
    const fractional = [parsed4[0], parsed4[1], parsed4[3]];
    const rec124 = await sideBySide(() => recoverSignature(fractional, 3), floorFn, 300);
    results.push({
      suite: SUITE,
      name: "recover 3-of-4, shares 1, 2, 4 (λ = 8/3, −2, 1/3: herumi)",
      value: rec124.fnMs,
      unit: "ms",
      note: vsFloor(rec124),
    });

    const s10 = split("bench-10", 7, 10);
    const shares10 = s10.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(root).toBytes()}));
    const parsed10 = shares10.map((s) => ({index: s.index, signature: Signature.fromBytes(s.signature, true)}));
    const rec10 = await sideBySide(() => recoverSignature(parsed10.slice(3), 7), floorFn, 200);
    results.push({
      suite: SUITE,
      name: `recover 7-of-10, shares 4-10 (Lagrange, ${integerLagrangeCoefficients([4, 5, 6, 7, 8, 9, 10]) ? "point additions" : "herumi"})`,
      value: rec10.fnMs,
      unit: "ms",
      note: vsFloor(rec10),
    });

    const full4 = await sideBySide(() => combineShares(s4.keys, 3, root, shares4.slice(1)), floorFn, 300);
    results.push({
      suite: SUITE,
      name: "full combine 3-of-4: verify 3 shares + recover + verify result",
      value: full4.fnMs,
      unit: "ms",
      target: "< 4 ms",
      met: full4.fnMs < 4,
      note: vsFloor(full4),
    });
    const full10 = await sideBySide(() => combineShares(s10.keys, 7, root, shares10.slice(0, 7)), floorFn, 150);
    results.push({
      suite: SUITE,
      name: "full combine 7-of-10: verify 7 shares + recover + verify result",
      value: full10.fnMs,
      unit: "ms",
      note: vsFloor(full10),
    });

    // 1,000 validators' attestations: three operators' batches of shares arrive; the third completes all.
    const V = 1000;
    const validators = Array.from({length: V}, (_, v) => split(`bench-1000-${v}`, 3, 4));
    const keys = new Map(validators.map((s) => [s.validator, s.keys]));
    const byOperator: ShareSubmission[][] = [1, 2, 3].map((index) =>
      validators.map((s) => ({
        duty: "attester/100",
        validator: s.validator,
        signingRoot: root,
        shareIndex: index,
        signature: s.shares[index - 1].sign(root).toBytes(),
      })),
    );
    let combined = 0;
    const combineAll = () => {
      const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators: keys});
      combined = 0;
      for (const batchOfShares of byOperator) {
        for (const r of combiner.submitMany(batchOfShares)) if (r.status === "combined") combined++;
      }
    };
    // The floor for 1,000 validators: 1,000 single signatures made and verified, interleaved.
    const floorThousand = () => {
      for (let v = 0; v < V; v++) floorFn();
    };
    const thousand = await sideBySide(combineAll, floorThousand, 2);
    if (combined !== V) throw new Error(`combined ${combined} of ${V}`);
    const seconds = thousand.fnMs / 1000;
    results.push({
      suite: SUITE,
      name: "1,000 validators' attestations combined (3-of-4, shares and results verified in one batch at threshold)",
      value: seconds,
      unit: "s",
      target: "< 2 s",
      met: seconds < 2,
      note: `${thousand.ratio.toFixed(2)}x the floor (1,000 sign+verify: ${(thousand.floorMs / 1000).toFixed(2)} s)`,
    });

    // The same on arrival (every batch of shares verified as it comes, then the results) and on a
    // pool of 2 worker threads, alternated so they see the same load.
    const pool = new VerifyPool({size: 2});
    await pool.ready();
    const onArrival: number[] = [];
    const onPool: number[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        let t0 = performance.now();
        const eager = new Combiner({threshold: 3}, {validators: keys});
        let n = 0;
        for (const batchOfShares of byOperator)
          for (const r of eager.submitMany(batchOfShares)) if (r.status === "combined") n++;
        onArrival.push(performance.now() - t0);
        t0 = performance.now();
        const pooled = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators: keys, verifyPool: pool});
        for (const batchOfShares of byOperator) {
          for (const r of await pooled.submitManyAsync(batchOfShares)) if (r.status === "combined") n++;
        }
        onPool.push(performance.now() - t0);
        if (n !== 2 * V) throw new Error(`combined ${n} of ${2 * V}`);
      }
    } finally {
      await pool.close();
    }
    results.push({
      suite: SUITE,
      name: "1,000 validators' attestations combined, shares verified on arrival (main thread)",
      value: summarize(onArrival).medianMs / 1000,
      unit: "s",
      note: "how the combiner verified before; alternated with the pool row",
    });
    results.push({
      suite: SUITE,
      name: "1,000 validators' attestations combined, verified at threshold on 2 worker threads",
      value: summarize(onPool).medianMs / 1000,
      unit: "s",
      note: `wall time; ${os.availableParallelism()} cores on this machine`,
    });

    // Loading (fully validating) the lock of a 4-operator cluster of 1,000 validators.
    const network = knownNetwork("hoodi");
    const plan = planCluster({nodes: 4, validators: V, network}, {random: seededRandom("bench-lock")});
    const lockJson: unknown = JSON.parse(serializeClusterLock(plan.lock));
    const load = await measure(() => parseClusterLock(lockJson), {warmup: 0, minIterations: 1, minTimeMs: 0});
    results.push({
      suite: SUITE,
      name: "validate a cluster lock: 1,000 validators, 4 operators (keys + interpolation)",
      value: load.medianMs / 1000,
      unit: "s",
    });
    return results;
  },
};

export default suite;

import type {Signature} from "@chainsafe/blst";
import {expect} from "chai";
import {
  blamedShareIndex,
  CombineError,
  Combiner,
  initHerumi,
  parseShareSignature,
  type ShareCheck,
  type ShareSubmission,
  type SubmitResult,
  VerifyPool,
  verifyShareBatch,
  verifyShareBatchAsync,
} from "../../../src/combine/index.js";
import {combineWithIntegerCoefficients} from "../../../src/combine/lagrange.js";
import {makeSplitKey, root, type SplitKey} from "./splitKey.js";

// Share verification on worker threads: the same answers as on the main thread, and the Combiner's
// safety rule (every share used and every result verified; bad shares named and dropped) through it.
describe("combine/VerifyPool", function () {
  this.timeout(60_000);
  let pool: VerifyPool;
  before(async () => {
    await initHerumi();
    pool = new VerifyPool({size: 2});
    await pool.ready();
  });
  after(() => pool.close());

  const keys = Array.from({length: 40}, (_, i) => makeSplitKey(`pool-${i}`, 3, 4));
  const validators = new Map(keys.map((k) => [k.validator, k.keys] as const));
  const share = (v: SplitKey, index: number, msg: Uint8Array, duty = "attester/1"): ShareSubmission => ({
    duty,
    validator: v.validator,
    signingRoot: msg,
    shareIndex: index,
    signature: v.shares[index - 1].sign(msg).toBytes(),
  });
  const withSignature = (s: ShareSubmission, sig: Signature): ShareSubmission => ({...s, signature: sig.toBytes()});
  const combined = (r: SubmitResult): Uint8Array => {
    if (r.status !== "combined") throw new Error(`expected combined, got ${r.status}`);
    return r.signature;
  };
  const expected = (v: SplitKey, msg: Uint8Array) => v.secretKey.sign(msg).toBytes();

  it("names exactly the bad checks, as verifyShareBatch does, in batches split across workers", async () => {
    const m1 = root(1);
    const m2 = root(2);
    const bad = new Set([3, 77, 78, 150, 159]);
    const checks: ShareCheck[] = [];
    for (let i = 0; i < 160; i++) {
      const v = keys[i % keys.length];
      const index = (i % 4) + 1;
      const msg = i % 3 === 0 ? m2 : m1;
      const signer = bad.has(i) ? v.shares[index % 4] : v.shares[index - 1];
      const bytes = signer.sign(msg).toBytes();
      checks.push({
        index,
        bytes,
        signature: parseShareSignature(index, bytes),
        publicKey: v.keys.publicKeyShares[index - 1],
        signingRoot: msg,
      });
    }
    // Not a signature: the point at infinity (what bad shares can sum to) is invalid, not an error.
    const infinity = new Uint8Array(96);
    infinity[0] = 0xc0;
    checks.push({...checks[0], bytes: infinity, signature: parseShareSignature(1, infinity)});
    const expectedValid = checks.map((_, i) => !bad.has(i) && i !== 160);
    expect(verifyShareBatch(checks.slice(0, 160))).to.deep.equal(expectedValid.slice(0, 160));
    expect(await verifyShareBatchAsync(checks, pool)).to.deep.equal(expectedValid);
    // Big enough to be split across both workers (≥ 256 checks), all valid.
    const many = Array.from({length: 300}, (_, i) => ({...checks[i % 3 === 0 ? 0 : 1]}));
    expect((await verifyShareBatchAsync(many, pool)).every(Boolean)).to.equal(true);
  });

  it("combines through the pool: shares and result verified off the main thread, each validator once", async () => {
    const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, verifyPool: pool});
    const msg = root(3);
    for (const i of [1, 2]) {
      const r = await combiner.submitManyAsync(keys.map((v) => share(v, i, msg)));
      expect(r.every((x) => x.status === "pending")).to.equal(true);
    }
    const third = keys.map((v) => share(v, 3, msg));
    third[5] = withSignature(third[5], keys[5].shares[0].sign(msg));
    const results = await combiner.submitManyAsync(third);
    results.forEach((r, i) => {
      if (i === 5) expect(r.status === "invalid" && blamedShareIndex(r.error)).to.equal(3);
      else expect(combined(r)).to.deep.equal(expected(keys[i], msg));
    });
    const fourth = await combiner.submitManyAsync(keys.map((v) => share(v, 4, msg)));
    expect(fourth.map((r) => r.status)).to.deep.equal(keys.map((_, i) => (i === 5 ? "combined" : "already_combined")));
  });

  it("never uses colluding bad shares whose recovery alone would verify", async () => {
    const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, verifyPool: pool});
    const v = keys[0];
    const msg = root(4);
    const [s1, s2, s3] = v.shares.map((sk) => sk.sign(msg));
    const delta = v.shares[3].sign(root(44));
    const bad2 = parseShareSignature(2, combineWithIntegerCoefficients([s2, delta], [1, 1]));
    const bad3 = parseShareSignature(3, combineWithIntegerCoefficients([s3, delta], [1, 3]));
    const results = await combiner.submitManyAsync([
      withSignature(share(v, 1, msg), s1),
      withSignature(share(v, 2, msg), bad2),
      withSignature(share(v, 3, msg), bad3),
    ]);
    expect(results.map((r) => (r.status === "invalid" ? blamedShareIndex(r.error) : r.status))).to.deep.equal([
      "pending",
      2,
      3,
    ]);
    expect(await combiner.submitManyAsync([share(v, 4, msg)])).to.deep.equal([{status: "pending", have: 2}]);
    expect(combined((await combiner.submitManyAsync([share(v, 2, msg)]))[0])).to.deep.equal(expected(v, msg));
  });

  it("concurrent calls: shares arriving while a verification runs join it, and a bad one is replaced", async () => {
    const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, verifyPool: pool});
    const v = keys[1];
    const msg = root(5);
    await combiner.submitManyAsync([share(v, 1, msg), share(v, 2, msg)]);
    const wrong = withSignature(share(v, 3, msg), v.shares[0].sign(msg));
    // Share 3 (bad) starts a verification; share 4 comes in while it runs and completes the next round.
    const first = combiner.submitManyAsync([wrong]);
    const second = combiner.submitManyAsync([share(v, 4, msg)]);
    const [r1, r2] = await Promise.all([first, second]);
    // Held then: 1, 2, the unverified 3 and 4.
    expect(r2).to.deep.equal([{status: "pending", have: 4}]);
    // The running call reports the combination (at its only position), the bad share in the log/metrics.
    expect(combined(r1[0])).to.deep.equal(expected(v, msg));
    expect(await combiner.submitManyAsync([share(v, 3, msg)])).to.deep.equal([{status: "already_combined"}]);
  });

  it("recovers on the pool with herumi when the Lagrange coefficients are fractions (shares 1, 2, 4)", async () => {
    const v = keys[3];
    const msg = root(7);
    const sigs = v.shares.map((sk) => sk.sign(msg));
    const sets = [
      [1, 2, 4],
      [2, 3, 4],
    ].map((set) => set.map((index) => ({index, uncompressed: sigs[index - 1].toBytes(false)})));
    const recovered = await pool.recover(sets, 3);
    expect(recovered.map((r) => Buffer.from(r).toString("hex"))).to.deep.equal(
      sets.map(() => Buffer.from(expected(v, msg)).toString("hex")),
    );
    const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, verifyPool: pool});
    const results = await combiner.submitManyAsync([4, 1, 2].map((i) => share(v, i, msg)));
    expect(combined(results[2])).to.deep.equal(expected(v, msg));
  });

  it("does not wait for workers that are not up yet: verifies on the main thread meanwhile", async () => {
    const fresh = new VerifyPool({size: 1});
    try {
      expect(fresh.isReady).to.equal(false);
      const combiner = new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, verifyPool: fresh});
      const v = keys[4];
      const msg = root(8);
      const bad = withSignature(share(v, 3, msg), v.shares[0].sign(msg));
      const results = await combiner.submitManyAsync([share(v, 1, msg), share(v, 2, msg), bad, share(v, 4, msg)]);
      expect(results.map((r) => (r.status === "invalid" ? blamedShareIndex(r.error) : r.status))).to.deep.equal([
        "pending",
        "pending",
        3,
        "combined",
      ]);
      await fresh.ready();
      expect(fresh.isReady).to.equal(true);
    } finally {
      await fresh.close();
    }
  });

  it("refuses a pool without workers; a closed pool rejects checks instead of hanging", async () => {
    expect(() => new VerifyPool({size: 0}))
      .to.throw(CombineError)
      .with.property("code", "COMBINE_INVALID_POOL_SIZE");
    const small = new VerifyPool({size: 1});
    const check = share(keys[2], 1, root(6));
    const c: ShareCheck = {
      index: 1,
      bytes: check.signature,
      signature: parseShareSignature(1, check.signature),
      publicKey: keys[2].keys.publicKeyShares[0],
      signingRoot: check.signingRoot,
    };
    expect(await verifyShareBatchAsync([c], small)).to.deep.equal([true]);
    await small.close();
    let error: Error | null = null;
    await verifyShareBatchAsync([c], small).catch((e: Error) => {
      error = e;
    });
    expect(error).to.be.instanceOf(Error);
  });
});

import {SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import {VerifyPool} from "../../../src/combine/index.js";
import {SignatureBatchChecker} from "../../../src/eth/signingCheck.js";

const COUNT = 24;
const secretKeys = Array.from({length: COUNT}, (_, i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)));
const pubkeys = secretKeys.map((sk) => sk.toPublicKey().toBytes());
const rootA = new Uint8Array(32).fill(0xaa);
const rootB = new Uint8Array(32).fill(0xbb);
/** Validators alternate between two signing roots (two committees' attestation data). */
const rootOf = (i: number) => (i % 2 === 0 ? rootA : rootB);
const good = (i: number) => secretKeys[i].sign(rootOf(i)).toBytes();

/** Checks every answer at once (as a duty's answers come back), returns one boolean per validator. */
function checkAll(checker: SignatureBatchChecker, answer: (i: number) => Uint8Array): Promise<boolean[]> {
  return Promise.all(pubkeys.map((pk, i) => checker.check(pk, rootOf(i), answer(i))));
}

describe("eth/SignatureBatchChecker (signer answers verified in batches)", () => {
  it("accepts valid answers over several roots, checked in one batch", async () => {
    const checker = new SignatureBatchChecker();
    expect(await checkAll(checker, good)).to.deep.equal(new Array(COUNT).fill(true));
    expect(checker.stats).to.deep.equal({batches: 1, answers: COUNT});
  });

  it("names the one bad answer among many (another key, another root, garbage, wrong length)", async () => {
    const bad: Record<number, Uint8Array> = {
      3: secretKeys[4].sign(rootOf(3)).toBytes(),
      10: secretKeys[10].sign(new Uint8Array(32)).toBytes(),
      17: new Uint8Array(96).fill(0x11),
      20: good(20).subarray(0, 95),
    };
    for (const [at, answer] of Object.entries(bad)) {
      const checker = new SignatureBatchChecker();
      const result = await checkAll(checker, (i) => (i === Number(at) ? answer : good(i)));
      expect(result, `bad answer at ${at}`).to.deep.equal(pubkeys.map((_, i) => i !== Number(at)));
    }
  });

  it("refuses every answer when all are bad", async () => {
    const checker = new SignatureBatchChecker();
    const result = await checkAll(checker, (i) => secretKeys[(i + 2) % COUNT].sign(rootOf(i)).toBytes());
    expect(result).to.deep.equal(new Array(COUNT).fill(false));
  });

  it("catches swapped answers whose sum is a valid aggregate (random coefficients)", async () => {
    // σ(sk0) + σ(sk2) over one root: the swapped pair adds up to the same aggregate, a plain sum passes.
    const checker = new SignatureBatchChecker();
    const result = await checkAll(checker, (i) => (i === 0 ? good(2) : i === 2 ? good(0) : good(i)));
    expect(result).to.deep.equal(pubkeys.map((_, i) => i !== 0 && i !== 2));
  });

  it("refuses an answer checked against an invalid public key", async () => {
    const checker = new SignatureBatchChecker();
    expect(await checker.check(new Uint8Array(48).fill(0x22), rootA, good(0))).to.equal(false);
    expect(await checker.check(pubkeys[0], rootA, good(0))).to.equal(true);
  });

  it("holds answers while requests are in flight and checks them together once the last is answered", async () => {
    const checker = new SignatureBatchChecker({maxWaitMs: 60_000});
    const answered = pubkeys.map(() => checker.requestStarted());
    const settled: boolean[] = [];
    const check = (i: number) => {
      answered[i]();
      return checker.check(pubkeys[i], rootOf(i), good(i)).then((ok) => settled.push(ok));
    };
    const first = pubkeys.slice(1).map((_, k) => check(k + 1));
    // Request 0 is still in flight: the other answers are held for it.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(settled).to.deep.equal([]);
    await Promise.all([check(0), ...first]);
    expect(settled).to.deep.equal(new Array(COUNT).fill(true));
    expect(checker.stats).to.deep.equal({batches: 1, answers: COUNT});
  });

  it("checks held answers after maxWaitMs even while a request is still in flight", async () => {
    const checker = new SignatureBatchChecker({maxWaitMs: 1});
    const slow = checker.requestStarted();
    const answered = checker.requestStarted();
    answered();
    expect(await checker.check(pubkeys[0], rootA, good(0))).to.equal(true);
    slow();
  });

  it("checks once maxBatch answers are held", async () => {
    const checker = new SignatureBatchChecker({maxBatch: 8, maxWaitMs: 60_000});
    const slow = checker.requestStarted();
    const result = await Promise.all(pubkeys.slice(0, 8).map((pk, i) => checker.check(pk, rootOf(i), good(i))));
    expect(result).to.deep.equal(new Array(8).fill(true));
    slow();
  });

  it("gives the same answers on a verify pool's worker thread", async function () {
    this.timeout(20_000);
    const pool = new VerifyPool({size: 1});
    try {
      await pool.ready();
      const checker = new SignatureBatchChecker({}, {verifyPool: pool});
      const result = await checkAll(checker, (i) => (i === 7 ? good(8) : good(i)));
      expect(result).to.deep.equal(pubkeys.map((_, i) => i !== 7));
      expect(await checkAll(checker, () => new Uint8Array(96).fill(0x11))).to.deep.equal(new Array(COUNT).fill(false));
    } finally {
      await pool.close();
    }
  });
});

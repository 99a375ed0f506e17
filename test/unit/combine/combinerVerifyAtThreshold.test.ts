import {Signature} from "@chainsafe/blst";
import {expect} from "chai";
import {Registry} from "prom-client";
import {
  blamedShareIndex,
  Combiner,
  createCombineMetrics,
  initHerumi,
  type ShareSubmission,
  type SubmitResult,
} from "../../../src/combine/index.js";
import {combineWithIntegerCoefficients} from "../../../src/combine/lagrange.js";
import {makeSplitKey, root, type SplitKey} from "./splitKey.js";

// The Combiner with `verifyAtThreshold`: shares are held unverified until t are in, then verified with
// the recovered signature in one batch. The safety rule is the same as verifying on arrival: nothing
// is returned unless every share used and the result verified; bad shares are named and dropped.
describe("combine/Combiner verifyAtThreshold", () => {
  before(() => initHerumi());

  const a = makeSplitKey("validator-a", 3, 4);
  const b = makeSplitKey("validator-b", 3, 4);
  const many = Array.from({length: 12}, (_, i) => makeSplitKey(`many-${i}`, 3, 4));
  const validators = new Map([a, b, ...many].map((k) => [k.validator, k.keys] as const));
  const make = (metrics?: ReturnType<typeof createCombineMetrics>) =>
    new Combiner({threshold: 3, verifyAtThreshold: true}, {validators, metrics});
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
  const invalidCount = async (register: Registry, index: number) => {
    const text = await register.getSingleMetricAsString("cohort_combine_invalid_shares_total");
    const line = text.split("\n").find((l) => l.includes(`share_index="${index}",reason="COMBINE_INVALID_SHARE"`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  };

  it("returns the validator signature exactly once, when the t-th share arrives", () => {
    const combiner = make();
    const msg = root(1);
    expect(combiner.submit(share(a, 4, msg))).to.deep.equal({status: "pending", have: 1});
    expect(combiner.submit(share(a, 4, msg))).to.deep.equal({status: "duplicate"});
    expect(combiner.submit(share(a, 2, msg))).to.deep.equal({status: "pending", have: 2});
    expect(combined(combiner.submit(share(a, 1, msg)))).to.deep.equal(expected(a, msg));
    expect(combiner.submit(share(a, 3, msg))).to.deep.equal({status: "already_combined"});
  });

  it("a bad share held from an earlier call is found at the threshold, named, dropped; the good ones combine later", async () => {
    const register = new Registry();
    const combiner = make(createCombineMetrics(register));
    const msg = root(2);
    const wrongKey = withSignature(share(a, 2, msg), a.shares[0].sign(msg));
    expect(combiner.submit(wrongKey)).to.deep.equal({status: "pending", have: 1});
    expect(combiner.submit(share(a, 1, msg))).to.deep.equal({status: "pending", have: 2});
    // t shares held: the batch fails, share 2 is blamed and dropped, nothing is returned.
    expect(combiner.submit(share(a, 3, msg))).to.deep.equal({status: "pending", have: 2});
    expect(await invalidCount(register, 2)).to.equal(1);
    // The sender's genuine share is accepted afterwards (its index was freed) and completes it.
    expect(combined(combiner.submit(share(a, 2, msg)))).to.deep.equal(expected(a, msg));
  });

  it("a bad share in the completing call is reported invalid there, and a spare good share of the call is used", async () => {
    const register = new Registry();
    const combiner = make(createCombineMetrics(register));
    const msg = root(3);
    combiner.submitMany([share(a, 1, msg), share(a, 2, msg)]);
    const wrongMsg = withSignature(share(a, 3, msg), a.shares[2].sign(root(33)));
    const results = combiner.submitMany([wrongMsg, share(a, 4, msg)]);
    expect(results[0].status === "invalid" && blamedShareIndex(results[0].error)).to.equal(3);
    expect(combined(results[1])).to.deep.equal(expected(a, msg));
    expect(await invalidCount(register, 3)).to.equal(1);
  });

  it("never uses shares that do not verify, even when they cancel out into a valid signature", () => {
    const combiner = make();
    const msg = root(4);
    const [s1, s2, s3] = a.shares.map((sk) => sk.sign(msg));
    // δ any point; λ(1,2,3) = (3, −3, 1): σ2 + δ and σ3 + 3δ leave 3σ1 − 3(σ2 + δ) + σ3 + 3δ unchanged.
    const delta = a.shares[3].sign(root(44));
    const bad2 = Signature.fromBytes(combineWithIntegerCoefficients([s2, delta], [1, 1]));
    const bad3 = Signature.fromBytes(combineWithIntegerCoefficients([s3, delta], [1, 3]));
    const colluded = Signature.fromBytes(combineWithIntegerCoefficients([s1, bad2, bad3], [3, -3, 1]));
    expect(colluded.toBytes()).to.deep.equal(expected(a, msg)); // the result alone would verify
    const results = combiner.submitMany([
      withSignature(share(a, 1, msg), s1),
      withSignature(share(a, 2, msg), bad2),
      withSignature(share(a, 3, msg), bad3),
    ]);
    expect(results.map((r) => (r.status === "invalid" ? blamedShareIndex(r.error) : r.status))).to.deep.equal([
      "pending",
      2,
      3,
    ]);
    expect(combiner.submit(share(a, 4, msg))).to.deep.equal({status: "pending", have: 2});
    expect(combined(combiner.submit(share(a, 3, msg)))).to.deep.equal(expected(a, msg));
  });

  it("rejects a share crafted to make the recovered point infinity (no signature at all)", () => {
    const combiner = make();
    const msg = root(5);
    const [s1, s2] = a.shares.map((sk) => sk.sign(msg));
    // σ3' = −(3σ1 − 3σ2): the recovery 3σ1 − 3σ2 + σ3' is the point at infinity.
    const cancel = Signature.fromBytes(combineWithIntegerCoefficients([s1, s2], [-3, 3]));
    const results = combiner.submitMany([
      withSignature(share(a, 1, msg), s1),
      withSignature(share(a, 2, msg), s2),
      withSignature(share(a, 3, msg), cancel),
    ]);
    expect(results.map((r) => (r.status === "invalid" ? blamedShareIndex(r.error) : r.status))).to.deep.equal([
      "pending",
      "pending",
      3,
    ]);
    expect(combined(combiner.submit(share(a, 4, msg)))).to.deep.equal(expected(a, msg));
  });

  it("combines many validators from one batch; one bad share among them is found and blocks only its validator", () => {
    const combiner = make();
    const msg = root(6);
    expect(combiner.submitMany(many.map((v) => share(v, 1, msg))).every((r) => r.status === "pending")).to.equal(true);
    expect(combiner.submitMany(many.map((v) => share(v, 2, msg))).every((r) => r.status === "pending")).to.equal(true);
    const third = many.map((v) => share(v, 3, msg));
    third[7] = withSignature(third[7], many[7].shares[1].sign(msg));
    const results = combiner.submitMany(third);
    results.forEach((r, i) => {
      if (i === 7) expect(r.status === "invalid" && blamedShareIndex(r.error)).to.equal(3);
      else expect(combined(r)).to.deep.equal(expected(many[i], msg));
    });
    const fourth = combiner.submitMany(many.map((v) => share(v, 4, msg)));
    expect(fourth.map((r) => r.status)).to.deep.equal(many.map((_, i) => (i === 7 ? "combined" : "already_combined")));
    expect(combined(fourth[7])).to.deep.equal(expected(many[7], msg));
  });

  it("never returns a recovered signature that does not verify under the validator key", () => {
    const mismatched = {publicKey: b.keys.publicKey, publicKeyShares: a.keys.publicKeyShares};
    const combiner = new Combiner(
      {threshold: 3, verifyAtThreshold: true},
      {validators: new Map([[a.validator, mismatched]])},
    );
    const msg = root(7);
    const results = combiner.submitMany([1, 2, 3].map((i) => share(a, i, msg)));
    expect(results.map((r) => r.status)).to.deep.equal(["pending", "pending", "invalid"]);
    const last = results[2];
    expect(last.status === "invalid" && last.error.code).to.equal("COMBINE_RECOVERED_INVALID");
    expect(combiner.submit(share(a, 4, msg))).to.deep.equal({status: "already_combined"});
  });
});

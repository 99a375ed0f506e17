import {Signature, verify} from "@chainsafe/blst";
import {expect} from "chai";
import {Registry} from "prom-client";
import {
  blamedShareIndex,
  CombineError,
  Combiner,
  combineShares,
  createCombineMetrics,
  initHerumi,
  type ShareSubmission,
  type SubmitResult,
} from "../../../src/combine/index.js";
import {makeSplitKey, root} from "./splitKey.js";

describe("combine/Combiner", () => {
  before(() => initHerumi());

  const a = makeSplitKey("validator-a", 3, 4);
  const b = makeSplitKey("validator-b", 3, 4);
  const validators = new Map([
    [a.validator, a.keys],
    [b.validator, b.keys],
  ]);
  const share = (v: typeof a, index: number, msg: Uint8Array, duty = "attester/1"): ShareSubmission => ({
    duty,
    validator: v.validator,
    signingRoot: msg,
    shareIndex: index,
    signature: v.shares[index - 1].sign(msg).toBytes(),
  });
  const combined = (r: SubmitResult): Uint8Array => {
    if (r.status !== "combined") throw new Error(`expected combined, got ${r.status}`);
    return r.signature;
  };

  it("returns the verified validator signature exactly once, when the t-th valid share arrives", () => {
    let now = 1000;
    const register = new Registry();
    const metrics = createCombineMetrics(register);
    const combiner = new Combiner({threshold: 3}, {validators, metrics, now: () => now});
    const msg = root(1);
    expect(combiner.submit(share(a, 4, msg))).to.deep.equal({status: "pending", have: 1});
    expect(combiner.submit(share(a, 2, msg))).to.deep.equal({status: "pending", have: 2});
    now = 1250;
    const sig = combined(combiner.submit(share(a, 1, msg)));
    expect(Buffer.from(sig).equals(Buffer.from(a.secretKey.sign(msg).toBytes()))).to.equal(true);
    expect(verify(msg, a.keys.publicKey, Signature.fromBytes(sig, true))).to.equal(true);
    expect(combiner.submit(share(a, 3, msg))).to.deep.equal({status: "already_combined"});
    expect(combiner.submit(share(a, 1, msg))).to.deep.equal({status: "already_combined"});
    return Promise.all([
      register.getSingleMetricAsString("cohort_combine_latency_seconds"),
      register.getSingleMetricAsString("cohort_combine_recoveries_total"),
    ]).then(([latency, recoveries]) => {
      expect(latency).to.include("cohort_combine_latency_seconds_sum 0.25");
      expect(recoveries).to.include("cohort_combine_recoveries_total 1");
    });
  });

  it("ignores duplicates: t−1 distinct shares sent many times never combine", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    const msg = root(2);
    expect(combiner.submit(share(a, 1, msg)).status).to.equal("pending");
    expect(combiner.submit(share(a, 1, msg))).to.deep.equal({status: "duplicate"});
    const results = combiner.submitMany([share(a, 2, msg), share(a, 2, msg), share(a, 1, msg)]);
    expect(results.map((r) => r.status)).to.deep.equal(["pending", "duplicate", "duplicate"]);
  });

  it("rejects bad shares naming the sender, counts them by sender, and still combines from good ones", async () => {
    const register = new Registry();
    const combiner = new Combiner({threshold: 3}, {validators, metrics: createCombineMetrics(register)});
    const msg = root(3);
    const wrongKey = {...share(a, 2, msg), signature: a.shares[0].sign(msg).toBytes()};
    const wrongMsg = {...share(a, 3, msg), signature: a.shares[2].sign(root(33)).toBytes()};
    const garbage = {...share(a, 4, msg), signature: new Uint8Array(96).fill(0xab)};
    const results = combiner.submitMany([share(a, 1, msg), wrongKey, wrongMsg, garbage]);
    expect(results.map((r) => r.status)).to.deep.equal(["pending", "invalid", "invalid", "invalid"]);
    expect(results.slice(1).map((r) => (r.status === "invalid" ? blamedShareIndex(r.error) : null))).to.deep.equal([
      2, 3, 4,
    ]);
    // The senders' genuine shares are still accepted afterwards.
    expect(combiner.submit(share(a, 2, msg)).status).to.equal("pending");
    const sig = combined(combiner.submit(share(a, 4, msg)));
    expect(Buffer.from(sig).equals(Buffer.from(a.secretKey.sign(msg).toBytes()))).to.equal(true);
    const text = await register.getSingleMetricAsString("cohort_combine_invalid_shares_total");
    expect(text).to.include('share_index="2",reason="COMBINE_INVALID_SHARE"} 1');
    expect(text).to.include('share_index="4",reason="COMBINE_MALFORMED_SHARE"} 1');
  });

  it("rejects unknown validators and out-of-range indices", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    const msg = root(4);
    const unknown = combiner.submit({...share(a, 1, msg), validator: `0x${"11".repeat(48)}`});
    expect(unknown.status === "invalid" && unknown.error.code).to.equal("COMBINE_UNKNOWN_VALIDATOR");
    for (const index of [0, 5, 1.5]) {
      const r = combiner.submit({...share(a, 1, msg), shareIndex: index});
      expect(r.status === "invalid" && r.error.code).to.equal("COMBINE_UNKNOWN_SHARE_INDEX");
    }
  });

  it("keeps duties, validators and signing roots apart; one share per operator", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    const m1 = root(5);
    const m2 = root(6);
    // Operators 2 and 3 signed another root than 1 and 4: the two roots' shares never mix.
    const results = combiner.submitMany([
      share(a, 1, m1),
      share(a, 2, m2),
      share(a, 3, m2),
      share(a, 4, m1),
      share(b, 1, m1),
      share(b, 2, m1),
      share(a, 1, m1, "attester/2"),
      share(a, 2, m1, "attester/2"),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(Array(8).fill("pending"));
    // Operator 2 now sends a share for the other root: one share per operator and duty, so it is ignored.
    expect(combiner.submit(share(a, 2, m1))).to.deep.equal({status: "duplicate"});
    expect(combined(combiner.submit(share(b, 4, m1)))).to.deep.equal(b.secretKey.sign(m1).toBytes());
    expect(combined(combiner.submit(share(a, 3, m1, "attester/2")))).to.deep.equal(a.secretKey.sign(m1).toBytes());
    expect(combiner.dutyCount).to.equal(2);
    combiner.forgetDuty("attester/2");
    expect(combiner.dutyCount).to.equal(1);
  });

  it("keeps no state for shares that fail verification", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    for (let k = 0; k < 5; k++) {
      const bad = {...share(a, 1, root(1), `junk/${k}`), signature: a.shares[1].sign(root(1)).toBytes()};
      expect(combiner.submit(bad).status).to.equal("invalid");
    }
    expect(combiner.dutyCount).to.equal(0);
  });

  it("combines many validators from batches of shares, each exactly once", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    const msg = root(8);
    const byOperator = [1, 2, 3, 4].map((i) => [share(a, i, msg), share(b, i, msg)]);
    expect(combiner.submitMany(byOperator[0]).map((r) => r.status)).to.deep.equal(["pending", "pending"]);
    expect(combiner.submitMany(byOperator[1]).map((r) => r.status)).to.deep.equal(["pending", "pending"]);
    const third = combiner.submitMany(byOperator[2]);
    expect(third.map(combined)).to.deep.equal([a.secretKey.sign(msg).toBytes(), b.secretKey.sign(msg).toBytes()]);
    expect(combiner.submitMany(byOperator[3]).map((r) => r.status)).to.deep.equal([
      "already_combined",
      "already_combined",
    ]);
    // All t shares in a single batch: combined once, the extra one is late.
    const once = combiner.submitMany([1, 2, 3, 4].map((i) => share(a, i, msg, "attester/9")));
    expect(once.map((r) => r.status)).to.deep.equal(["pending", "pending", "combined", "already_combined"]);
  });

  it("accepts validator keys in any hex case", () => {
    const combiner = new Combiner({threshold: 3}, {validators});
    const msg = root(9);
    const upper = (s: ShareSubmission) => ({...s, validator: `0x${s.validator.slice(2).toUpperCase()}`});
    expect(combiner.submit(upper(share(a, 1, msg))).status).to.equal("pending");
    expect(combiner.submit(share(a, 1, msg)).status).to.equal("duplicate");
    expect(combiner.submit(share(a, 2, msg)).status).to.equal("pending");
    expect(combiner.submit(upper(share(a, 3, msg))).status).to.equal("combined");
  });

  it("never returns a recovered signature that does not verify under the validator key", () => {
    // Keys whose shares are a's but whose validator key is b's: every share verifies, the result cannot.
    const mismatched = {publicKey: b.keys.publicKey, publicKeyShares: a.keys.publicKeyShares};
    const combiner = new Combiner({threshold: 3}, {validators: new Map([[a.validator, mismatched]])});
    const msg = root(10);
    const results = combiner.submitMany([1, 2, 3].map((i) => share(a, i, msg)));
    expect(results.map((r) => r.status)).to.deep.equal(["pending", "pending", "invalid"]);
    const last = results[2];
    expect(last.status === "invalid" && last.error.code).to.equal("COMBINE_RECOVERED_INVALID");
    expect(() =>
      combineShares(
        mismatched,
        3,
        msg,
        [1, 2, 3].map((i) => ({index: i, signature: a.shares[i - 1].sign(msg).toBytes()})),
      ),
    )
      .to.throw(CombineError)
      .with.property("code", "COMBINE_RECOVERED_INVALID");
  });

  it("refuses a threshold larger than the number of shares", () => {
    expect(() => new Combiner({threshold: 5}, {validators})).to.throw(/threshold 5 out of range/);
  });
});

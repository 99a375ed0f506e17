import {SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import fc from "fast-check";
import {ClusterError} from "../../../src/cluster/errors.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {
  BLS_CURVE_ORDER,
  lagrangeAtZero,
  randomScalar,
  recoverSecretKey,
  scalarToBytes,
  splitSecretKey,
} from "../../../src/cluster/shamir.js";

describe("cluster/shamir", () => {
  it("r is the BLS12-381 group order herumi and blst use", () => {
    expect(BLS_CURVE_ORDER.toString()).to.equal(
      "52435875175126190479447740508185965837690552500527637822603658699938581184513",
    );
  });

  it("property: any t of the n shares recover the secret; the shares are valid BLS keys", () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 10}), fc.integer({min: 0, max: 1000}), fc.string(), (n, tSeed, seed) => {
        const t = 1 + (tSeed % n);
        const random = seededRandom(seed);
        const secret = scalarToBytes(randomScalar(random));
        const shares = splitSecretKey(secret, t, n, random);
        expect(shares).to.have.length(n);
        for (const s of shares) SecretKey.fromBytes(s);
        const order = Array.from({length: n}, (_, i) => i + 1).sort(() => (random(1)[0] & 1 ? 1 : -1));
        const chosen = order.slice(0, t).map((index) => ({index, secret: shares[index - 1]}));
        expect(recoverSecretKey(chosen, t)).to.deep.equal(secret);
        if (t > 1) {
          expect(() => recoverSecretKey(chosen.slice(1), t)).to.throw(ClusterError);
          // t − 1 shares plus a duplicate are still too few.
          expect(() => recoverSecretKey([...chosen.slice(1), chosen[1]], t)).to.throw(ClusterError);
        }
      }),
      {numRuns: 60, seed: 3},
    );
  });

  it("Lagrange coefficients at 0 sum to 1 (they interpolate a constant)", () => {
    const sum = lagrangeAtZero([1, 3, 4, 9]).reduce((a, b) => (a + b) % BLS_CURVE_ORDER, 0n);
    expect(sum).to.equal(1n);
  });

  it("refuses bad secrets and thresholds", () => {
    const random = seededRandom("bad");
    expect(() => splitSecretKey(new Uint8Array(32), 2, 3, random)).to.throw(ClusterError);
    expect(() => splitSecretKey(scalarToBytes(BLS_CURVE_ORDER), 2, 3, random)).to.throw(ClusterError);
    const secret = scalarToBytes(5n);
    for (const [t, n] of [
      [0, 3],
      [4, 3],
    ]) {
      expect(() => splitSecretKey(secret, t, n, random))
        .to.throw(ClusterError)
        .with.property("code", "CLUSTER_INVALID_THRESHOLD");
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const make = (seed: string) => {
      const random = seededRandom(seed);
      return splitSecretKey(scalarToBytes(randomScalar(random)), 3, 4, random);
    };
    expect(make("a")).to.deep.equal(make("a"));
    expect(make("a")).to.not.deep.equal(make("b"));
  });
});

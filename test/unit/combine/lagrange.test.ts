import {Signature} from "@chainsafe/blst";
import {expect} from "chai";
import {interpolateSignatures} from "../../../src/combine/herumi.js";
import {initHerumi} from "../../../src/combine/index.js";
import {combineWithIntegerCoefficients, integerLagrangeCoefficients} from "../../../src/combine/lagrange.js";
import {makeSplitKey, root} from "./splitKey.js";

function subsets(items: number[], k: number): number[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

describe("combine/lagrange", () => {
  before(() => initHerumi());

  it("gives the integer Lagrange coefficients at 0, and null when one is a fraction", () => {
    expect(integerLagrangeCoefficients([1, 2, 3])).to.deep.equal([3, -3, 1]);
    expect(integerLagrangeCoefficients([1, 3, 4])).to.deep.equal([2, -2, 1]);
    expect(integerLagrangeCoefficients([2, 3, 4])).to.deep.equal([6, -8, 3]);
    expect(integerLagrangeCoefficients([4, 3, 2])).to.deep.equal([3, -8, 6]);
    // 8/3, −2, 1/3
    expect(integerLagrangeCoefficients([1, 2, 4])).to.equal(null);
    expect(integerLagrangeCoefficients([1])).to.deep.equal([1]);
    // Integers, but too many additions (λ = 5, −10, 10, −5, 1 sums to 31 ≤ 64; 7-of-7 does not fit).
    expect(integerLagrangeCoefficients([1, 2, 3, 4, 5])).to.deep.equal([5, -10, 10, -5, 1]);
    expect(integerLagrangeCoefficients([1, 2, 3, 4, 5, 6, 7])).to.equal(null);
  });

  it("point additions recover the same bytes as herumi for every integer-coefficient subset of 6 shares", () => {
    for (const t of [2, 3, 4]) {
      const split = makeSplitKey(`lagrange-${t}`, t, 6);
      const msg = root(t);
      const expected = split.secretKey.sign(msg).toBytes();
      const shares = split.shares.map((sk) => sk.sign(msg));
      let integerSubsets = 0;
      for (const subset of subsets([1, 2, 3, 4, 5, 6], t)) {
        const herumi = interpolateSignatures(
          subset.map((i) => ({index: i, uncompressed: shares[i - 1].toBytes(false)})),
        );
        expect(Buffer.from(herumi).equals(Buffer.from(expected))).to.equal(true);
        const coefficients = integerLagrangeCoefficients(subset);
        if (coefficients === null) continue;
        integerSubsets++;
        const added = combineWithIntegerCoefficients(
          subset.map((i) => shares[i - 1]),
          coefficients,
        );
        expect(Buffer.from(added).equals(Buffer.from(expected)), `t ${t} subset ${subset}`).to.equal(true);
      }
      expect(integerSubsets).to.be.greaterThan(0);
    }
  });

  it("a wrong share gives a wrong result, never the validator's signature", () => {
    const split = makeSplitKey("lagrange-bad", 3, 4);
    const msg = root(1);
    const shares = split.shares.map((sk) => sk.sign(msg));
    const bad = split.shares[0].sign(root(2));
    const added = combineWithIntegerCoefficients([bad, shares[1], shares[2]], [3, -3, 1]);
    expect(Buffer.from(added).equals(Buffer.from(split.secretKey.sign(msg).toBytes()))).to.equal(false);
    expect(() => Signature.fromBytes(added, true)).to.not.throw();
  });
});

import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {expect} from "chai";
import fc from "fast-check";
import {seededRandom} from "../../../src/cluster/random.js";
import {
  blamedShareIndex,
  CombineError,
  combineShares,
  defaultThreshold,
  initHerumi,
  parseShareSignature,
  recoverSignature,
  resolveThreshold,
  verifyShare,
  verifyShareBatch,
} from "../../../src/combine/index.js";
import {makeSplitKey, root} from "./splitKey.js";

function subsets<T>(items: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

describe("combine/recover", () => {
  before(() => initHerumi());

  it("every 3-subset of 4 shares recovers the undivided key's signature byte for byte", () => {
    const split = makeSplitKey("n4", 3, 4);
    const msg = root(7);
    const expected = split.secretKey.sign(msg).toBytes();
    const shares = split.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(msg)}));
    const all = subsets(shares, 3);
    expect(all).to.have.length(4);
    for (const subset of all) {
      const recovered = recoverSignature(subset, 3);
      expect(Buffer.from(recovered).equals(Buffer.from(expected)), `subset ${subset.map((s) => s.index)}`).to.equal(
        true,
      );
      expect(verify(msg, split.keys.publicKey, Signature.fromBytes(recovered, true))).to.equal(true);
    }
  });

  it("random 7-subsets of 10 shares recover the undivided key's signature byte for byte", () => {
    const split = makeSplitKey("n10", 7, 10);
    const msg = root(9);
    const expected = split.secretKey.sign(msg).toBytes();
    const shares = split.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(msg)}));
    const random = seededRandom("subsets");
    const all = subsets(shares, 7);
    expect(all).to.have.length(120);
    for (let k = 0; k < 15; k++) {
      const subset = all[random(1)[0] % all.length];
      const recovered = recoverSignature(subset, 7);
      expect(Buffer.from(recovered).equals(Buffer.from(expected))).to.equal(true);
      expect(verify(msg, split.keys.publicKey, Signature.fromBytes(recovered, true))).to.equal(true);
    }
  });

  it("threshold: ceil(2n/3) by default, any 1 ≤ t ≤ n when configured", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(defaultThreshold)).to.deep.equal([1, 2, 2, 3, 4, 4, 5, 7]);
    expect(resolveThreshold(4)).to.equal(3);
    expect(resolveThreshold(4, 1)).to.equal(1);
    expect(resolveThreshold(4, 4)).to.equal(4);
    for (const bad of [0, 5, 2.5, -1]) {
      expect(() => resolveThreshold(4, bad))
        .to.throw(CombineError)
        .with.property("code", "COMBINE_INVALID_THRESHOLD");
    }
  });

  it("refuses thresholds out of range in recover and combine", () => {
    const split = makeSplitKey("range", 2, 3);
    const shares = split.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(root(1)).toBytes()}));
    for (const t of [0, 4, 1.5]) {
      expect(() => combineShares(split.keys, t, root(1), shares))
        .to.throw(CombineError)
        .with.property("code", "COMBINE_INVALID_THRESHOLD");
    }
    expect(() => recoverSignature([], 0))
      .to.throw(CombineError)
      .with.property("code", "COMBINE_INVALID_THRESHOLD");
  });

  it("1-of-n and n-of-n splits recover too", () => {
    for (const [t, n] of [
      [1, 3],
      [5, 5],
    ]) {
      const split = makeSplitKey(`edge${t}${n}`, t, n);
      const msg = root(1);
      const shares = split.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(msg)}));
      const recovered = recoverSignature(shares.slice(n - t), t);
      expect(Buffer.from(recovered).equals(Buffer.from(split.secretKey.sign(msg).toBytes()))).to.equal(true);
    }
  });

  it("property: fewer than t distinct shares never recover (duplicates are not counted twice)", () => {
    const split = makeSplitKey("few", 5, 7);
    const msg = root(3);
    const shares = split.shares.map((sk, i) => ({index: i + 1, signature: sk.sign(msg).toBytes()}));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({min: 1, max: 7}), {minLength: 0, maxLength: 4}),
        fc.array(fc.integer({min: 0, max: 3}), {maxLength: 6}),
        (indices, dupPositions) => {
          const chosen = indices.map((i) => shares[i - 1]);
          const withDups = [...chosen, ...dupPositions.filter((p) => p < chosen.length).map((p) => chosen[p])];
          const parsed = withDups.map((s) => ({index: s.index, signature: Signature.fromBytes(s.signature)}));
          expect(() => recoverSignature(parsed, 5))
            .to.throw(CombineError)
            .with.property("code", "COMBINE_NOT_ENOUGH_SHARES");
          expect(() => combineShares(split.keys, 5, msg, withDups))
            .to.throw(CombineError)
            .with.property("code", "COMBINE_NOT_ENOUGH_SHARES");
        },
      ),
      {numRuns: 40, seed: 42},
    );
  });

  it("property: corrupted shares are detected and named; recombination succeeds from the valid rest", () => {
    const n = 7;
    const t = 5;
    const split = makeSplitKey("corrupt", t, n);
    const msg = root(4);
    const otherMsg = root(5);
    const expected = split.secretKey.sign(msg).toBytes();
    const corruptions = ["other-key", "other-message", "random-bytes", "flipped-bit", "truncated", "infinity"] as const;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({min: 1, max: n}), {maxLength: n}),
        fc.array(fc.constantFrom(...corruptions), {minLength: n, maxLength: n}),
        fc.array(fc.integer({min: 0, max: 255}), {minLength: 96, maxLength: 96}),
        (badIndices, kinds, noise) => {
          const shares = split.shares.map((sk, i) => {
            const index = i + 1;
            if (!badIndices.includes(index)) return {index, signature: sk.sign(msg).toBytes()};
            const good = sk.sign(msg).toBytes();
            switch (kinds[i]) {
              case "other-key":
                return {index, signature: split.shares[i === 0 ? 1 : 0].sign(msg).toBytes()};
              case "other-message":
                return {index, signature: sk.sign(otherMsg).toBytes()};
              case "random-bytes":
                return {index, signature: Uint8Array.from(noise)};
              case "flipped-bit": {
                const b = Uint8Array.from(good);
                b[50] ^= 1;
                return {index, signature: b};
              }
              case "truncated":
                return {index, signature: good.subarray(0, 95)};
              default: {
                // infinity
                const b = new Uint8Array(96);
                b[0] = 0xc0;
                return {index, signature: b};
              }
            }
          });
          // Every bad share is named by the one-by-one checks.
          for (const s of shares) {
            const pk = split.keys.publicKeyShares[s.index - 1];
            if (badIndices.includes(s.index)) {
              let caught: unknown = null;
              try {
                verifyShare(s, pk, msg);
              } catch (e) {
                caught = e;
              }
              expect(caught).to.be.instanceOf(CombineError);
              expect(blamedShareIndex(caught as CombineError)).to.equal(s.index);
            } else {
              verifyShare(s, pk, msg);
            }
          }
          const goodCount = n - badIndices.length;
          if (goodCount >= t) {
            const result = combineShares(split.keys, t, msg, shares);
            expect(Buffer.from(result.signature).equals(Buffer.from(expected))).to.equal(true);
            for (const e of result.rejected) expect(badIndices).to.include(blamedShareIndex(e));
          } else {
            expect(() => combineShares(split.keys, t, msg, shares)).to.throw(CombineError);
          }
        },
      ),
      {numRuns: 30, seed: 7},
    );
  });

  it("batch verification falls back to name each bad share", () => {
    const split = makeSplitKey("batch", 3, 4);
    const check = (i: number, signed: Uint8Array, msg: Uint8Array) => {
      const bytes = split.shares[i].sign(signed).toBytes();
      return {
        index: i + 1,
        bytes,
        signature: Signature.fromBytes(bytes),
        publicKey: split.keys.publicKeyShares[i],
        signingRoot: msg,
      };
    };
    // Different roots (one group each) and one root shared by all (one folded group).
    const distinct = [0, 1, 2, 3].map((i) => check(i, root(i === 2 ? 99 : i), root(i)));
    expect(verifyShareBatch(distinct)).to.deep.equal([true, true, false, true]);
    expect(verifyShareBatch(distinct.filter((c) => c.index !== 3))).to.deep.equal([true, true, true]);
    const same = [0, 1, 2, 3].map((i) => check(i, i === 1 ? root(98) : root(7), root(7)));
    expect(verifyShareBatch(same)).to.deep.equal([true, false, true, true]);
    expect(verifyShareBatch(same.filter((c) => c.index !== 2))).to.deep.equal([true, true, true]);
    // A share swapped between two operators: each is a valid signature, under the wrong key.
    const swapped = [check(0, root(7), root(7)), check(1, root(7), root(7)), check(2, root(7), root(7))];
    [swapped[0].publicKey, swapped[1].publicKey] = [swapped[1].publicKey, swapped[0].publicKey];
    expect(verifyShareBatch(swapped)).to.deep.equal([false, false, true]);
    // Mixed: one group of three on one root plus a singleton on another.
    expect(verifyShareBatch([...same.filter((c) => c.index !== 2), distinct[3]])).to.deep.equal([
      true,
      true,
      true,
      true,
    ]);
    expect(verifyShareBatch([...same.filter((c) => c.index !== 2), distinct[2]])).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
    expect(verifyShareBatch([])).to.deep.equal([]);
  });

  it("property: batches of any size and mix of roots name exactly the bad signatures (bisection)", () => {
    const pool = Array.from({length: 12}, (_, v) => makeSplitKey(`pool-${v}`, 2, 3));
    const roots = [root(1), root(2)];
    const signed = pool.flatMap((s) =>
      s.shares.flatMap((sk, i) =>
        roots.map((r, k) => {
          const bytes = sk.sign(r).toBytes();
          const bad = sk.sign(roots[1 - k]).toBytes();
          return {
            good: {
              index: i + 1,
              bytes,
              signature: Signature.fromBytes(bytes),
              publicKey: s.keys.publicKeyShares[i],
              signingRoot: r,
            },
            bad: {
              index: i + 1,
              bytes: bad,
              signature: Signature.fromBytes(bad),
              publicKey: s.keys.publicKeyShares[i],
              signingRoot: r,
            },
          };
        }),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({pick: fc.integer({min: 0, max: signed.length - 1}), bad: fc.boolean()}), {maxLength: 40}),
        (items) => {
          const checks = items.map((it) => (it.bad ? signed[it.pick].bad : signed[it.pick].good));
          expect(verifyShareBatch(checks)).to.deep.equal(items.map((it) => !it.bad));
        },
      ),
      {numRuns: 25, seed: 11},
    );
  });

  it("a share claiming another operator's index is rejected naming the claimed index", () => {
    const split = makeSplitKey("index", 3, 4);
    const msg = root(2);
    const share = {index: 2, signature: split.shares[0].sign(msg).toBytes()};
    expect(() => verifyShare(share, split.keys.publicKeyShares[1], msg))
      .to.throw(CombineError)
      .with.deep.property("type", {code: "COMBINE_INVALID_SHARE", shareIndex: 2});
    const result = combineShares(split.keys, 3, msg, [
      share,
      ...[1, 3, 4].map((i) => ({index: i, signature: split.shares[i - 1].sign(msg).toBytes()})),
    ]);
    expect(result.rejected.map(blamedShareIndex)).to.deep.equal([2]);
    const outOfRange = combineShares(split.keys, 3, msg, [
      {index: 5, signature: split.shares[0].sign(msg).toBytes()},
      {index: 0, signature: split.shares[0].sign(msg).toBytes()},
      ...[1, 3, 4].map((i) => ({index: i, signature: split.shares[i - 1].sign(msg).toBytes()})),
    ]);
    expect(outOfRange.rejected.map((e) => e.code)).to.deep.equal([
      "COMBINE_UNKNOWN_SHARE_INDEX",
      "COMBINE_UNKNOWN_SHARE_INDEX",
    ]);
  });

  it("parses only subgroup points of the right length", () => {
    expect(() => parseShareSignature(3, new Uint8Array(96).fill(0xff)))
      .to.throw(CombineError)
      .with.deep.property("type", {code: "COMBINE_MALFORMED_SHARE", shareIndex: 3});
    const split = makeSplitKey("parse", 1, 1);
    const sig = split.secretKey.sign(root(0)).toBytes();
    expect(parseShareSignature(1, sig).toBytes()).to.deep.equal(sig);
    expect(PublicKey.fromBytes(split.keys.publicKey.toBytes(), true)).to.be.instanceOf(PublicKey);
  });
});

import {type PublicKey, SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import fc from "fast-check";
import {firstInconsistentWindow} from "../../../src/cluster/consistency.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {randomScalar, scalarToBytes, splitSecretKey} from "../../../src/cluster/shamir.js";
import {initHerumi, interpolatePublicKeys} from "../../../src/combine/herumi.js";

const pub = (secret: Uint8Array): PublicKey => SecretKey.fromBytes(secret).toPublicKey();

describe("cluster/consistency (public key shares on one polynomial)", () => {
  before(() => initHerumi());

  it("property: Shamir shares of degree t−1 pass; any t of them interpolate to the key (herumi cross-check)", () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 8}), fc.nat(), fc.string(), (n, tSeed, seed) => {
        const t = 1 + (tSeed % n);
        const random = seededRandom(seed);
        const secret = scalarToBytes(randomScalar(random));
        const shares = splitSecretKey(secret, t, n, random).map(pub);
        const pk = pub(secret);
        expect(firstInconsistentWindow(pk, shares, t)).to.equal(null);
        const last = Array.from({length: t}, (_, k) => n - k);
        const recovered = interpolatePublicKeys(
          last.map((i) => ({index: i, uncompressed: shares[i - 1].toBytes(false)})),
        );
        expect(Buffer.from(recovered).equals(Buffer.from(pk.toBytes()))).to.equal(true);
      }),
      {numRuns: 30, seed: 5},
    );
  });

  it("property: a polynomial of degree t, a swapped or replaced share, or another key fail", () => {
    fc.assert(
      fc.property(fc.integer({min: 2, max: 8}), fc.nat(), fc.nat(), fc.string(), (n, tSeed, pick, seed) => {
        const t = 1 + (tSeed % (n - 1));
        const random = seededRandom(seed);
        const secret = scalarToBytes(randomScalar(random));
        const pk = pub(secret);
        // Degree t (threshold t + 1) shares are not a t-of-n split.
        const tooHigh = splitSecretKey(secret, t + 1, n, random).map(pub);
        expect(firstInconsistentWindow(pk, tooHigh, t)).to.not.equal(null);
        const shares = splitSecretKey(secret, t, n, random).map(pub);
        const i = pick % n;
        const replaced = [...shares];
        replaced[i] = pub(scalarToBytes(randomScalar(random)));
        expect(firstInconsistentWindow(pk, replaced, t)).to.not.equal(null);
        const swapped = [...shares];
        const j = (i + 1) % n;
        [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
        // With t = 1 every share equals the key, so a swap changes nothing.
        if (t > 1) expect(firstInconsistentWindow(pk, swapped, t)).to.not.equal(null);
        expect(firstInconsistentWindow(pub(scalarToBytes(randomScalar(random))), shares, t)).to.not.equal(null);
      }),
      {numRuns: 30, seed: 6},
    );
  });
});

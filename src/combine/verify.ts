import {type PublicKey, Signature, verify, verifyMultipleAggregateSignatures} from "@chainsafe/blst";
import {CombineError} from "./errors.js";

/** A signature share as sent by an operator: its 1-based share index and the 96-byte compressed signature. */
export interface SignatureShare {
  index: number;
  signature: Uint8Array;
}

/** What checking one share needs: the share, its signing root and the public key share of its index. */
export interface ShareCheck {
  index: number;
  signature: Signature;
  publicKeyShare: PublicKey;
  signingRoot: Uint8Array;
}

/**
 * Deserialises a share with blst, with the infinity and subgroup checks; malformed bytes or a point
 * off the curve or out of the subgroup get COMBINE_MALFORMED_SHARE naming the index.
 */
export function parseShareSignature(index: number, bytes: Uint8Array): Signature {
  if (bytes.length !== 96) throw new CombineError({code: "COMBINE_MALFORMED_SHARE", shareIndex: index});
  try {
    return Signature.fromBytes(bytes, true, true);
  } catch {
    throw new CombineError({code: "COMBINE_MALFORMED_SHARE", shareIndex: index});
  }
}

/**
 * Checks one parsed share against its public key share (the public keys come from a validated lock,
 * and the signature was subgroup-checked when parsed, so blst skips both checks here).
 */
export function isValidShare(check: ShareCheck): boolean {
  return verify(check.signingRoot, check.publicKeyShare, check.signature, false, false);
}

/** Throws COMBINE_MALFORMED_SHARE or COMBINE_INVALID_SHARE (naming the index) unless the share verifies. */
export function verifyShare(share: SignatureShare, publicKeyShare: PublicKey, signingRoot: Uint8Array): Signature {
  const signature = parseShareSignature(share.index, share.signature);
  if (!isValidShare({index: share.index, signature, publicKeyShare, signingRoot})) {
    throw new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: share.index});
  }
  return signature;
}

/**
 * Verifies many parsed shares at once with blst's random-linear-combination batch check; when the batch
 * fails it falls back to checking each share, so the result still names every bad one. Returns one
 * boolean per check, in order.
 */
export function verifyShareBatch(checks: ShareCheck[]): boolean[] {
  if (checks.length === 0) return [];
  if (checks.length === 1) return [isValidShare(checks[0])];
  const sets = checks.map((c) => ({msg: c.signingRoot, pk: c.publicKeyShare, sig: c.signature}));
  if (verifyMultipleAggregateSignatures(sets, false, false)) return checks.map(() => true);
  return checks.map(isValidShare);
}

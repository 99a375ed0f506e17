import type {PublicKey} from "@chainsafe/blst";
import {blamedShareIndex, CombineError} from "./errors.js";
import {type ParsedShare, recoverVerified} from "./recover.js";
import {parseShareSignature, type SignatureShare, verifyShareBatch} from "./verify.js";

/** One validator's keys as the combine step needs them (parsed once from the cluster lock). */
export interface ValidatorKeys {
  publicKey: PublicKey;
  /** Public key share i + 1 at position i (1-based share indices). */
  publicKeyShares: PublicKey[];
}

export interface CombineResult {
  /** The validator's 96-byte signature, verified against its public key. */
  signature: Uint8Array;
  /** Shares rejected on the way, each naming its share index; they never block recombination. */
  rejected: CombineError[];
}

/**
 * One-shot combine of one validator's signature from the shares at hand: every share used is verified
 * against its public key share first (batch-verified, per share on failure), bad and duplicate shares
 * are set aside, then any `threshold` valid ones are recovered and the result verified. Only as many
 * shares as needed are checked: a bad one is replaced by the next candidate.
 */
export function combineShares(
  keys: ValidatorKeys,
  threshold: number,
  signingRoot: Uint8Array,
  shares: SignatureShare[],
  validator = "",
): CombineResult {
  const n = keys.publicKeyShares.length;
  const rejected: CombineError[] = [];
  const candidates: ParsedShare[] = [];
  const seen = new Set<number>();
  for (const share of shares) {
    if (seen.has(share.index)) continue;
    if (!Number.isInteger(share.index) || share.index < 1 || share.index > n) {
      rejected.push(new CombineError({code: "COMBINE_UNKNOWN_SHARE_INDEX", shareIndex: share.index, n}));
      continue;
    }
    try {
      candidates.push({index: share.index, signature: parseShareSignature(share.index, share.signature)});
      seen.add(share.index);
    } catch (e) {
      if (!(e instanceof CombineError)) throw e;
      rejected.push(e);
    }
  }

  const valid: ParsedShare[] = [];
  let next = 0;
  while (valid.length < threshold && next < candidates.length) {
    const batch = candidates.slice(next, next + threshold - valid.length);
    next += batch.length;
    const ok = verifyShareBatch(
      batch.map((s) => ({...s, publicKeyShare: keys.publicKeyShares[s.index - 1], signingRoot})),
    );
    batch.forEach((s, i) => {
      if (ok[i]) valid.push(s);
      else rejected.push(new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: s.index}));
    });
  }
  if (valid.length < threshold) {
    throw new CombineError(
      {code: "COMBINE_NOT_ENOUGH_SHARES", have: valid.length, threshold},
      `${valid.length} valid shares of ${threshold} needed; rejected share indices: ${
        rejected.map(blamedShareIndex).join(",") || "none"
      }`,
    );
  }
  return {signature: recoverVerified(valid, threshold, keys.publicKey, signingRoot, validator), rejected};
}

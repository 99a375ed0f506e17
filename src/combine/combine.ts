import type {PublicKey} from "@chainsafe/blst";
import {blamedShareIndex, CombineError} from "./errors.js";
import {recoverSignature} from "./recover.js";
import {parseShareSignature, type ShareCheck, type SignatureShare, verifyShareBatch} from "./verify.js";

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
 * One-shot combine of one validator's signature from the shares at hand. Takes `threshold` distinct
 * candidates, interpolates them, then verifies the t shares (each against its public key share) and the
 * result (against the validator key) in one batch: nothing is returned unless every share used and the
 * result verify. When the batch fails, each is checked alone; bad shares are rejected naming their
 * index and replaced by the next candidates. Duplicate indices are ignored.
 */
export function combineShares(
  keys: ValidatorKeys,
  threshold: number,
  signingRoot: Uint8Array,
  shares: SignatureShare[],
  validator = "",
): CombineResult {
  const n = keys.publicKeyShares.length;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > n) {
    throw new CombineError({code: "COMBINE_INVALID_THRESHOLD", threshold, n});
  }
  const rejected: CombineError[] = [];
  const candidates: ShareCheck[] = [];
  const seen = new Set<number>();
  for (const share of shares) {
    if (seen.has(share.index)) continue;
    if (!Number.isInteger(share.index) || share.index < 1 || share.index > n) {
      rejected.push(new CombineError({code: "COMBINE_UNKNOWN_SHARE_INDEX", shareIndex: share.index, n}));
      continue;
    }
    try {
      const signature = parseShareSignature(share.index, share.signature);
      candidates.push({
        index: share.index,
        bytes: share.signature,
        signature,
        publicKey: keys.publicKeyShares[share.index - 1],
        signingRoot,
      });
      seen.add(share.index);
    } catch (e) {
      if (!(e instanceof CombineError)) throw e;
      rejected.push(e);
    }
  }

  const valid: ShareCheck[] = [];
  let next = 0;
  for (;;) {
    const needed = threshold - valid.length;
    if (needed > candidates.length - next) {
      throw new CombineError(
        {code: "COMBINE_NOT_ENOUGH_SHARES", have: valid.length + candidates.length - next, threshold},
        `not enough valid shares (${threshold} needed); rejected share indices: ${rejected.map(blamedShareIndex).join(",") || "none"}`,
      );
    }
    const fresh = candidates.slice(next, next + needed);
    next += needed;
    const using = [...valid, ...fresh];
    const bytes = recoverSignature(using, threshold);
    const result: ShareCheck = {
      index: 0,
      bytes,
      signature: parseShareSignature(0, bytes),
      publicKey: keys.publicKey,
      signingRoot,
    };
    // Shares already known valid are checked again only inside the batch (it is one pairing either way).
    const ok = verifyShareBatch([...using, result]);
    if (ok.every(Boolean)) return {signature: bytes, rejected};
    valid.length = 0;
    using.forEach((s, i) => {
      if (ok[i]) valid.push(s);
      else rejected.push(new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: s.index}));
    });
    if (valid.length === threshold) {
      // Every share verified but the result did not: the public key shares do not match the validator key.
      throw new CombineError({code: "COMBINE_RECOVERED_INVALID", validator});
    }
  }
}

import {CohortError} from "../util/errors.js";

export type CombineErrorType =
  /** The share does not verify against its sender's public key share (wrong key, message or index). */
  | {code: "COMBINE_INVALID_SHARE"; shareIndex: number}
  /** The share bytes are not a 96-byte compressed G2 point in the right subgroup. */
  | {code: "COMBINE_MALFORMED_SHARE"; shareIndex: number}
  /** The share index is outside 1..n. */
  | {code: "COMBINE_UNKNOWN_SHARE_INDEX"; shareIndex: number; n: number}
  /** The validator is not one of the cluster's. */
  | {code: "COMBINE_UNKNOWN_VALIDATOR"; validator: string}
  /** Fewer distinct shares than the threshold. */
  | {code: "COMBINE_NOT_ENOUGH_SHARES"; have: number; threshold: number}
  /** The recombined signature does not verify under the validator public key (never expected once shares verify). */
  | {code: "COMBINE_RECOVERED_INVALID"; validator: string}
  | {code: "COMBINE_INVALID_THRESHOLD"; threshold: number; n: number}
  /** A VerifyPool needs a whole number of workers, at least one. */
  | {code: "COMBINE_INVALID_POOL_SIZE"; size: number};

/** A signature-share or recombination failure; share errors name the sender's 1-based share index. */
export class CombineError extends CohortError<CombineErrorType> {}

/** The share index a CombineError blames, if it blames one. */
export function blamedShareIndex(error: CombineError): number | null {
  return "shareIndex" in error.type ? error.type.shareIndex : null;
}

import {CohortError} from "../util/errors.js";

export type ClusterErrorType =
  | {code: "CLUSTER_INVALID_SECRET_KEY"}
  | {code: "CLUSTER_INVALID_THRESHOLD"; threshold: number; n: number}
  /** t < ceil(2n/3) without --unsafe-threshold. */
  | {code: "CLUSTER_UNSAFE_THRESHOLD"; threshold: number; n: number; safe: number}
  | {code: "CLUSTER_NOT_ENOUGH_SHARES"; have: number; threshold: number}
  | {code: "CLUSTER_UNKNOWN_NETWORK"; network: string}
  /** A lock field is missing, malformed or inconsistent; `field` is its JSON path, e.g. validators[2].public_key_shares[1]. */
  | {code: "CLUSTER_LOCK_INVALID_FIELD"; file: string; field: string; reason: string}
  | {code: "CLUSTER_LOCK_HASH_MISMATCH"; file: string; expected: string; actual: string}
  /** An operator's signature of the lock hash is missing or does not verify (operatorIndex is 0-based). */
  | {code: "CLUSTER_LOCK_OPERATOR_SIGNATURE"; file: string; operatorIndex: number; reason: string}
  /** A lock of a version this release does not load (a v1 lock: upgrade it). */
  | {code: "CLUSTER_LOCK_VERSION"; file: string; version: string}
  | {code: "CLUSTER_FILE_UNREADABLE"; path: string; reason: string}
  /** A file of a node directory (identity key, keystore, password) is missing or malformed. */
  | {code: "CLUSTER_NODE_FILE_INVALID"; path: string; reason: string}
  | {code: "CLUSTER_OUTPUT_EXISTS"; path: string};

/** A cluster-lock, key-split or node-directory failure; lock errors name the offending field. */
export class ClusterError extends CohortError<ClusterErrorType> {}

export type DepositErrorType =
  | {code: "DEPOSIT_INVALID_ADDRESS"; field: string; value: string}
  | {code: "DEPOSIT_COUNT_MISMATCH"; field: string; given: number; expected: number}
  | {code: "DEPOSIT_INVALID_AMOUNT"; value: string}
  /** Compounding (0x02) credentials asked for on a network with no Electra fork scheduled. */
  | {code: "DEPOSIT_COMPOUNDING_UNSUPPORTED"; network: string}
  /** A deposit data entry is malformed or does not check; `field` is its JSON path, e.g. [1].signature. */
  | {code: "DEPOSIT_INVALID_FIELD"; field: string; reason: string};

/** Deposit data, withdrawal credentials and fee recipients: bad input or a deposit that does not check. */
export class DepositError extends CohortError<DepositErrorType> {}

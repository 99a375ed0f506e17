import {CohortError} from "../util/errors.js";

/** Why a node refused to start: its BN, RS or DB does not match the cluster, or it was given none, or aborted. */
export type NodeErrorType =
  | {code: "NODE_CHAIN_MISMATCH"; field: string; expected: string; actual: string}
  | {code: "NODE_SIGNER_MISSING_SHARE"; validator: string; share: string}
  | {code: "NODE_NO_BEACON_NODE"}
  | {code: "NODE_NO_SIGNER"}
  | {code: "NODE_ABORTED"}
  /** Exactly one of a remote signer and a validator API (validator-API mode) must be configured. */
  | {code: "NODE_SIGNER_MODE"; remoteSigner: boolean; validatorApi: boolean};

export class NodeError extends CohortError<NodeErrorType> {}

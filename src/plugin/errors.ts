import {CohortError} from "../util/errors.js";

/** Why a node refused to start: its BN, RS or DB does not match the cluster. */
export type NodeErrorType =
  | {code: "NODE_CHAIN_MISMATCH"; field: string; expected: string; actual: string}
  | {code: "NODE_SIGNER_MISSING_SHARE"; validator: string; share: string};

export class NodeError extends CohortError<NodeErrorType> {}

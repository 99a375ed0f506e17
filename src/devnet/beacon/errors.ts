import {CohortError} from "../../util/errors.js";

/**
 * Why the simulated chain refused a request or a submission (each maps to a 4xx answer, except
 * SIMCHAIN_BLOCK_ALREADY_KNOWN: 500, as Lodestar answers a second publish of a block it produced).
 */
export type SimChainErrorType =
  | {code: "SIMCHAIN_INVALID_OPTIONS"; field: string}
  | {code: "SIMCHAIN_UNKNOWN_VALIDATOR"; id: string}
  | {code: "SIMCHAIN_UNKNOWN_STATE"; id: string}
  | {code: "SIMCHAIN_UNKNOWN_BLOCK"; id: string}
  | {code: "SIMCHAIN_NO_AGGREGATE"; dataRoot: string; slot: number; committeeIndex: number}
  | {code: "SIMCHAIN_EPOCH_OUT_OF_RANGE"; epoch: number; currentEpoch: number}
  | {code: "SIMCHAIN_SLOT_OUT_OF_RANGE"; slot: number; currentSlot: number}
  | {code: "SIMCHAIN_INVALID_COMMITTEE"; slot: number; committeeIndex: number}
  | {code: "SIMCHAIN_INVALID_SIGNATURE"; what: string}
  | {code: "SIMCHAIN_INVALID_ATTESTATION"; reason: string}
  | {code: "SIMCHAIN_INVALID_AGGREGATE"; reason: string}
  | {code: "SIMCHAIN_NOT_AGGREGATOR"; validatorIndex: number; slot: number}
  | {code: "SIMCHAIN_INVALID_BLOCK"; reason: string}
  | {code: "SIMCHAIN_INVALID_BLOBS"; slot: number; reason: string}
  | {code: "SIMCHAIN_SLASHABLE"; what: string}
  | {code: "SIMCHAIN_BLOCK_ALREADY_KNOWN"; root: string}
  | {code: "SIMCHAIN_UNSUPPORTED"; what: string}
  | {code: "SIMCHAIN_INVALID_SYNC_MESSAGE"; reason: string}
  | {code: "SIMCHAIN_INVALID_CONTRIBUTION"; reason: string}
  | {code: "SIMCHAIN_NO_CONTRIBUTION"; slot: number; subcommitteeIndex: number};

export class SimChainError extends CohortError<SimChainErrorType> {}

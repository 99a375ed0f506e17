import {CohortError} from "../util/errors.js";
import type {GiveUpReason} from "./qbft.js";

export type ConsensusErrorType =
  /** The duty's deadline passed without a decision. */
  | {code: "CONSENSUS_DEADLINE"; slot: number; dutyType: number; round: number; reason: GiveUpReason}
  /** decide() was called twice for one (slot, dutyType). */
  | {code: "CONSENSUS_DUPLICATE_INSTANCE"; slot: number; dutyType: number}
  /** The service was closed before the instance decided. */
  | {code: "CONSENSUS_STOPPED"; slot: number; dutyType: number}
  | {code: "CONSENSUS_INVALID_OPTIONS"; reason: string};

export class ConsensusError extends CohortError<ConsensusErrorType> {}

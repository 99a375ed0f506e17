import {CohortError} from "../util/errors.js";

export type P2pErrorType =
  | {code: "P2P_INVALID_PEER"; index: number; reason: string}
  | {code: "P2P_SELF_NOT_MEMBER"}
  | {code: "P2P_INVALID_OPTION"; option: string; reason: string}
  | {code: "P2P_UNKNOWN_PEER"; index: number}
  | {code: "P2P_NOT_STARTED"}
  | {code: "P2P_MESSAGE_TOO_LARGE"; bytes: number; maxBytes: number};

/** Errors of the co-validator network's configuration and lifecycle (peer messages are dropped, never thrown). */
export class P2pError extends CohortError<P2pErrorType> {}

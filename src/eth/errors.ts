import {CohortError} from "../util/errors.js";

/** A message that cannot be signed as given: wrong fork, malformed payload, missing fork info. */
export type SigningErrorType =
  | {code: "SIGNING_INVALID_MESSAGE"; messageType: string; reason: string}
  | {code: "SIGNING_FORK_MISMATCH"; messageType: string; fork: string; reason: string};

export class SigningError extends CohortError<SigningErrorType> {
  constructor(type: SigningErrorType) {
    super(type, `${type.messageType}: ${type.reason}`);
  }
}

/** A Web3Signer (remote signer) call that failed; `endpoint` is the signer's base URL. */
export type SignerErrorType =
  | {code: "SIGNER_UNREACHABLE"; endpoint: string; reason: string}
  | {code: "SIGNER_TIMEOUT"; endpoint: string; timeoutMs: number}
  | {code: "SIGNER_UNKNOWN_KEY"; endpoint: string; status: 404; pubkey: string}
  | {code: "SIGNER_SLASHING_REFUSED"; endpoint: string; status: 412; pubkey: string; messageType: string}
  | {code: "SIGNER_BAD_REQUEST"; endpoint: string; status: 400; reason: string}
  | {code: "SIGNER_SERVER_ERROR"; endpoint: string; status: number; attempts: number}
  | {code: "SIGNER_UNEXPECTED_STATUS"; endpoint: string; status: number}
  | {code: "SIGNER_INVALID_RESPONSE"; endpoint: string; status: number; reason: string}
  | {code: "SIGNER_INVALID_SIGNATURE"; endpoint: string; pubkey: string; messageType: string};

export class SignerError extends CohortError<SignerErrorType> {}

/** One failed attempt at one Beacon Node. */
export interface BeaconNodeAttempt {
  endpoint: string;
  status: number | null;
  reason: string;
}

/** A Beacon API call that failed; `endpoint` is the BN's URL (credentials stripped). */
export type BeaconNodeErrorType =
  | {code: "BN_REQUEST_REJECTED"; operationId: string; endpoint: string; status: number; reason: string}
  | {code: "BN_UNAVAILABLE"; operationId: string; attempts: BeaconNodeAttempt[]};

export class BeaconNodeError extends CohortError<BeaconNodeErrorType> {}

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

import {CohortError} from "../util/errors.js";

export type VapiErrorType =
  /** The VC's partial signature is malformed or does not verify against its key share. */
  | {code: "VAPI_INVALID_SIGNATURE"; sharePubkey: string; type: string}
  /** The VC signed something other than the value the cluster decided (or nothing is awaiting a signature). */
  | {code: "VAPI_NOT_DECIDED"; type: string; slot: number}
  /** Nothing came in time: the pipeline's request or the VC's signature. */
  | {code: "VAPI_TIMEOUT"; type: string; slot: number}
  /** A public key the VC named is not one of this node's key shares. */
  | {code: "VAPI_UNKNOWN_SHARE"; pubkey: string}
  | {code: "VAPI_STOPPED"};

export class VapiError extends CohortError<VapiErrorType> {}

import {CohortError} from "../util/errors.js";

/** Why a signing was refused, or why the DB could not be used. Pubkeys and roots are 0x-hex. */
export type SlashingProtectionErrorType =
  | {code: "SLASHING_DOUBLE_PROPOSAL"; pubkey: string; slot: number; existingSigningRoot: string | null}
  | {code: "SLASHING_BLOCK_BELOW_LOW_WATERMARK"; pubkey: string; slot: number; minSlot: number}
  | {code: "SLASHING_DOUBLE_VOTE"; pubkey: string; targetEpoch: number; existingSigningRoot: string | null}
  | {
      code: "SLASHING_SURROUNDING_VOTE";
      pubkey: string;
      sourceEpoch: number;
      targetEpoch: number;
      existingSourceEpoch: number;
      existingTargetEpoch: number;
    }
  | {
      code: "SLASHING_SURROUNDED_VOTE";
      pubkey: string;
      sourceEpoch: number;
      targetEpoch: number;
      existingSourceEpoch: number;
      existingTargetEpoch: number;
    }
  | {
      code: "SLASHING_ATTESTATION_BELOW_LOW_WATERMARK";
      pubkey: string;
      sourceEpoch: number;
      targetEpoch: number;
      minSourceEpoch: number;
      minTargetEpoch: number;
    }
  | {code: "SLASHING_SOURCE_EXCEEDS_TARGET"; pubkey: string; sourceEpoch: number; targetEpoch: number}
  | {code: "SLASHING_INVALID_INPUT"; field: string; reason: string}
  | {code: "SLASHING_GENESIS_VALIDATORS_ROOT_MISMATCH"; expected: string; actual: string}
  | {code: "SLASHING_GENESIS_VALIDATORS_ROOT_REQUIRED"; path: string}
  | {code: "SLASHING_DB_SCHEMA_UNSUPPORTED"; path: string; version: number};

export class SlashingProtectionError extends CohortError<SlashingProtectionErrorType> {
  /** True when the refusal is because the message would be slashable (or is outside the protected range). */
  get isSlashable(): boolean {
    return ![
      "SLASHING_INVALID_INPUT",
      "SLASHING_GENESIS_VALIDATORS_ROOT_MISMATCH",
      "SLASHING_GENESIS_VALIDATORS_ROOT_REQUIRED",
      "SLASHING_DB_SCHEMA_UNSUPPORTED",
    ].includes(this.code);
  }
}

/** A malformed or foreign EIP-3076 interchange file; `path` names the offending entry. */
export type InterchangeErrorType =
  | {code: "INTERCHANGE_INVALID_JSON"; reason: string}
  | {code: "INTERCHANGE_INVALID_FIELD"; path: string; reason: string}
  | {code: "INTERCHANGE_UNSUPPORTED_VERSION"; version: string}
  | {code: "INTERCHANGE_GENESIS_VALIDATORS_ROOT_MISMATCH"; expected: string; actual: string};

export class InterchangeError extends CohortError<InterchangeErrorType> {}

import type {SignedRegistration, ValidatorSettings} from "../duties/interfaces.js";

/** The per-validator fields of a lock v2 this reads (a v1 lock has none of them: nothing is checked or sent). */
export interface SettingsOfLockValidator {
  publicKey: string;
  feeRecipient?: string;
  builderRegistration?: SignedRegistration;
}

/**
 * The fee recipient and pre-signed builder registration of each validator, as the cluster lock states them
 * (the lock verified the registrations' signatures when it loaded). Lookups ignore hex case.
 */
export function lockValidatorSettings(lock: {validators: readonly SettingsOfLockValidator[]}): ValidatorSettings {
  const byKey = new Map(lock.validators.map((v) => [v.publicKey.toLowerCase(), v]));
  return {
    feeRecipientOf: (pubkey) => byKey.get(pubkey.toLowerCase())?.feeRecipient?.toLowerCase(),
    registrationOf: (pubkey) => byKey.get(pubkey.toLowerCase())?.builderRegistration,
  };
}

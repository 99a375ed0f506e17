import type {ValidatorSettings} from "../duties/interfaces.js";
import type {ClusterLock} from "./lock.js";

/**
 * The fee recipient and pre-signed builder registration of each validator, as the cluster lock states them
 * (the lock verified the registrations' signatures when it loaded). Lookups ignore hex case; a key that is
 * not a validator of the lock has neither.
 */
export function lockValidatorSettings(lock: Pick<ClusterLock, "validators">): ValidatorSettings {
  const byKey = new Map(lock.validators.map((v) => [v.publicKey.toLowerCase(), v]));
  return {
    feeRecipientOf: (pubkey) => byKey.get(pubkey.toLowerCase())?.feeRecipient.toLowerCase(),
    registrationOf: (pubkey) => byKey.get(pubkey.toLowerCase())?.builderRegistration,
  };
}

/**
 * Builder registrations kept in the lock: signed once at creation by the validator key, over
 * DOMAIN_APPLICATION_BUILDER with the network's genesis fork version and a zero genesis validators
 * root (the builder-specs rule: a registration is valid on every fork of the chain).
 */
import {type PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {DOMAIN_APPLICATION_BUILDER} from "@lodestar/params";
import {ssz} from "@lodestar/types";
import {computeDomain, computeSigningRootFromObjectRoot} from "../eth/signing.js";
import {fromHex, toHex} from "../util/hex.js";

/** What current validator clients register by default (Lodestar's validatorStore defaultGasLimit is 60_000_000). */
export const DEFAULT_GAS_LIMIT = 60_000_000;

/** A signed builder registration (builder-specs `SignedValidatorRegistrationV1`), hex strings and numbers. */
export interface ClusterBuilderRegistration {
  message: {feeRecipient: string; gasLimit: number; timestamp: number; pubkey: string};
  /** 0x + 96 bytes: by the validator key over DOMAIN_APPLICATION_BUILDER (genesis fork version, zero GVR). */
  signature: string;
}

const ZERO_ROOT = new Uint8Array(32);

/** compute_signing_root of the registration over the builder domain of the network. */
export function registrationSigningRoot(
  message: ClusterBuilderRegistration["message"],
  genesisForkVersion: string,
): Uint8Array {
  const root = ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot({
    feeRecipient: fromHex(message.feeRecipient, 20),
    gasLimit: message.gasLimit,
    timestamp: message.timestamp,
    pubkey: fromHex(message.pubkey, 48),
  });
  const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, fromHex(genesisForkVersion, 4), ZERO_ROOT);
  return computeSigningRootFromObjectRoot(root, domain);
}

/** Signs a registration with the (undivided) validator secret key: only the dealer holds it, at creation. */
export function signBuilderRegistration(
  secretKey: Uint8Array,
  message: Omit<ClusterBuilderRegistration["message"], "pubkey">,
  genesisForkVersion: string,
): ClusterBuilderRegistration {
  const sk = SecretKey.fromBytes(secretKey);
  const full = {...message, pubkey: toHex(sk.toPublicKey().toBytes())};
  return {message: full, signature: toHex(sk.sign(registrationSigningRoot(full, genesisForkVersion)).toBytes())};
}

/** True when the registration's signature is the validator key's over the builder domain of the network. */
export function verifyBuilderRegistration(
  registration: ClusterBuilderRegistration,
  publicKey: PublicKey,
  genesisForkVersion: string,
): boolean {
  let signature: Signature;
  try {
    signature = Signature.fromBytes(fromHex(registration.signature, 96), true);
  } catch {
    return false;
  }
  return verify(registrationSigningRoot(registration.message, genesisForkVersion), publicKey, signature);
}

/** The registration as the Beacon/builder APIs carry it (`@lodestar/types` value). */
export function toSignedValidatorRegistration(
  registration: ClusterBuilderRegistration,
): ReturnType<typeof ssz.bellatrix.SignedValidatorRegistrationV1.defaultValue> {
  return {
    message: {
      feeRecipient: fromHex(registration.message.feeRecipient, 20),
      gasLimit: registration.message.gasLimit,
      timestamp: registration.message.timestamp,
      pubkey: fromHex(registration.message.pubkey, 48),
    },
    signature: fromHex(registration.signature, 96),
  };
}

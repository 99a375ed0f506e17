/**
 * Operator signatures over the lock hash: each operator's identity key (secp256k1) signs
 * "cohort/lock/v2/operator" ‖ lock_hash (32 bytes), as IdentityKey signs everything: ECDSA over the
 * SHA-256 of that message, 64 bytes r‖s, low-s. The prefix keeps the signature from ever being
 * mistaken for a p2p message signature by the same key.
 */
import {type IdentityKey, verifyIdentitySignature} from "../p2p/identity.js";
import {fromHex, isHex, toHex} from "../util/hex.js";

export const OPERATOR_SIGNATURE_DOMAIN = "cohort/lock/v2/operator";

function signedMessage(lockHash: string): Uint8Array {
  const prefix = new TextEncoder().encode(OPERATOR_SIGNATURE_DOMAIN);
  const message = new Uint8Array(prefix.length + 32);
  message.set(prefix, 0);
  message.set(fromHex(lockHash, 32), prefix.length);
  return message;
}

/** 0x + 64 bytes: the operator's signature of the lock hash. */
export function signLockHash(identity: IdentityKey, lockHash: string): string {
  return toHex(identity.sign(signedMessage(lockHash)));
}

/** True when `signature` is the identity key's signature of the lock hash. */
export function verifyLockHashSignature(identityPublicKey: string, lockHash: string, signature: string): boolean {
  if (!isHex(signature, 64)) return false;
  return verifyIdentitySignature(fromHex(identityPublicKey, 33), signedMessage(lockHash), fromHex(signature, 64));
}

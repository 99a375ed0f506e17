import {type IdentityKey, verifyIdentitySignature} from "../p2p/identity.js";

/** Signs this node's consensus messages and verifies the other operators' (by 0-based index). */
export interface MessageAuth {
  sign(bytes: Uint8Array): Uint8Array;
  verify(source: number, bytes: Uint8Array, signature: Uint8Array): boolean;
}

/** Production auth: the node's secp256k1 identity key, and the operators' identity public keys in lock order. */
export function identityAuth(key: IdentityKey, operatorPublicKeys: Uint8Array[]): MessageAuth {
  return {
    sign: (bytes) => key.sign(bytes),
    verify: (source, bytes, signature) => {
      const pubkey = operatorPublicKeys[source];
      return pubkey !== undefined && verifyIdentitySignature(pubkey, bytes, signature);
    },
  };
}

import {privateKeyFromRaw, publicKeyFromRaw} from "@libp2p/crypto/keys";
import {peerIdFromPublicKey} from "@libp2p/peer-id";
import type {IdentityKey} from "../p2p/identity.js";

/** The libp2p peer id (base58 string) of an operator's 33-byte compressed secp256k1 identity public key. */
export function peerIdOfIdentityKey(identityPublicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(identityPublicKey)).toString();
}

/** The node's libp2p private key (secp256k1) from its identity key, for `createLibp2p({privateKey})`. */
export function libp2pPrivateKeyOf(identity: IdentityKey): ReturnType<typeof privateKeyFromRaw> {
  return privateKeyFromRaw(identity.exportSecret());
}

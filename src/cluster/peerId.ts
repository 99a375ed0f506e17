import {publicKeyFromRaw} from "@libp2p/crypto/keys";
import {peerIdFromPublicKey} from "@libp2p/peer-id";

/** The libp2p peer id (base58 string) of an operator's 33-byte compressed secp256k1 identity public key. */
export function peerIdOfIdentityKey(identityPublicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(identityPublicKey)).toString();
}

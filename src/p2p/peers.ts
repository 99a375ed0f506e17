import {privateKeyFromRaw, publicKeyFromRaw} from "@libp2p/crypto/keys";
import type {PeerId, PrivateKey} from "@libp2p/interface";
import {peerIdFromPublicKey} from "@libp2p/peer-id";
import {type Multiaddr, multiaddr} from "@multiformats/multiaddr";
import {bytesEqual} from "../util/hex.js";
import {P2pError} from "./errors.js";
import {type IdentityKey, isValidIdentityPublicKey} from "./identity.js";

/** One operator of the cluster as the network needs it (from the cluster lock, or a plain list). */
export interface ClusterPeer {
  /** 0-based operator index. */
  index: number;
  /** 33-byte compressed secp256k1 identity public key. */
  publicKey: Uint8Array;
  /** Where to dial it, e.g. "/ip4/10.0.0.2/tcp/3610"; may be empty for a peer that only dials in. */
  multiaddrs: string[];
}

export interface MemberPeer {
  index: number;
  publicKey: Uint8Array;
  peerId: PeerId;
  peerIdStr: string;
  multiaddrs: Multiaddr[];
}

/** The libp2p peer id of an operator: derived from its secp256k1 identity public key. */
export function peerIdFromIdentityPublicKey(publicKey: Uint8Array): PeerId {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey));
}

/** The libp2p private key of this node: the same secp256k1 secret as its identity key. */
export function libp2pPrivateKey(identity: IdentityKey): PrivateKey {
  return privateKeyFromRaw(identity.exportSecret());
}

/**
 * The validated member table: indices 0..n-1 exactly once, valid distinct keys, parseable
 * multiaddrs, and this node's key among them. Bad input throws a P2pError and builds nothing.
 */
export class PeerTable {
  readonly members: readonly MemberPeer[];
  readonly selfIndex: number;
  private readonly byPeerId: Map<string, MemberPeer>;

  constructor(peers: readonly ClusterPeer[], self: IdentityKey) {
    const sorted = [...peers].sort((a, b) => a.index - b.index);
    const members: MemberPeer[] = sorted.map((p, position) => {
      if (p.index !== position) {
        throw new P2pError(
          {code: "P2P_INVALID_PEER", index: p.index, reason: "indices must be 0..n-1, each once"},
          `peer index ${p.index}: operator indices must be 0..n-1, each exactly once`,
        );
      }
      if (p.publicKey.length !== 33 || !isValidIdentityPublicKey(p.publicKey)) {
        throw new P2pError(
          {code: "P2P_INVALID_PEER", index: p.index, reason: "invalid identity public key"},
          `peer ${p.index}: identity public key must be a valid 33-byte compressed secp256k1 key`,
        );
      }
      const multiaddrs = p.multiaddrs.map((addr) => {
        try {
          return multiaddr(addr);
        } catch {
          throw new P2pError(
            {code: "P2P_INVALID_PEER", index: p.index, reason: `invalid multiaddr ${addr}`},
            `peer ${p.index}: invalid multiaddr "${addr}"`,
          );
        }
      });
      const peerId = peerIdFromIdentityPublicKey(p.publicKey);
      return {
        index: p.index,
        publicKey: Uint8Array.from(p.publicKey),
        peerId,
        peerIdStr: peerId.toString(),
        multiaddrs,
      };
    });
    this.byPeerId = new Map();
    for (const m of members) {
      if (this.byPeerId.has(m.peerIdStr)) {
        throw new P2pError(
          {code: "P2P_INVALID_PEER", index: m.index, reason: "duplicate identity key"},
          `peer ${m.index}: identity key already used by another operator`,
        );
      }
      this.byPeerId.set(m.peerIdStr, m);
    }
    const selfIndex = members.findIndex((m) => bytesEqual(m.publicKey, self.publicKey));
    if (selfIndex < 0) {
      throw new P2pError({code: "P2P_SELF_NOT_MEMBER"}, "this node's identity key is not an operator of the cluster");
    }
    this.members = members;
    this.selfIndex = selfIndex;
  }

  /** The other operators. */
  others(): MemberPeer[] {
    return this.members.filter((m) => m.index !== this.selfIndex);
  }

  byPeer(peerId: PeerId | string): MemberPeer | undefined {
    return this.byPeerId.get(typeof peerId === "string" ? peerId : peerId.toString());
  }

  get(index: number): MemberPeer | undefined {
    return this.members[index];
  }
}

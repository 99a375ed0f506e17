/**
 * The interfaces between the components of the duty pipeline, in one place (Charon's core/interfaces.go
 * is the model): a reader sees the whole flow here before opening any component.
 *
 * Indices: an operator's index is 0-based (its position in the cluster lock's operator list; the QBFT
 * leader of round r is (slot + dutyType + r) mod n). A key share's index is 1-based: operator i holds
 * share i + 1 of every validator.
 */

/** The two co-validator protocols. */
export type Topic = "consensus" | "shares";

/** A message delivered by the network: already authenticated as coming from operator `from`. */
export interface NetworkMessage {
  topic: Topic;
  /** 0-based operator index of the sender (the connection's authenticated peer). */
  from: number;
  payload: Uint8Array;
}

export interface PeerStatus {
  /** 0-based operator index. */
  index: number;
  peerId: string;
  connected: boolean;
  /** Last ping round-trip time, null until measured or while disconnected. */
  rttMs: number | null;
}

/** Co-validator network: libp2p in production (src/p2p), in memory in tests. */
export interface Network {
  /** Sends the payload to every other operator; never throws for an unreachable peer. */
  broadcast(topic: Topic, payload: Uint8Array): void;
  /** Sends the payload to one operator (answers to catch-up requests). */
  send(to: number, topic: Topic, payload: Uint8Array): void;
  /** Registers the handler of a topic; returns the function that unregisters it. */
  onMessage(topic: Topic, handler: (msg: NetworkMessage) => void): () => void;
  /** Connectivity of every other operator. */
  peers(): PeerStatus[];
}

/** A builder registration as the lock keeps it (0x-hex), signed by the validator key (DOMAIN_APPLICATION_BUILDER). */
export interface SignedRegistration {
  message: {feeRecipient: string; gasLimit: number; timestamp: number; pubkey: string};
  signature: string;
}

/**
 * What the cluster lock says of each validator beyond its keys (lock v2): the fee recipient its blocks pay
 * and its pre-signed builder registration. Keys are 0x-hex validator public keys; undefined for a
 * validator the lock names none for (a v1 lock), in which case nothing is checked or sent.
 */
export interface ValidatorSettings {
  feeRecipientOf(pubkey: string): string | undefined;
  registrationOf(pubkey: string): SignedRegistration | undefined;
}

import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import {type Identify, identify} from "@libp2p/identify";
import type {ConnectionGater, PeerId, PrivateKey} from "@libp2p/interface";
import {type Ping, ping} from "@libp2p/ping";
import {tcp} from "@libp2p/tcp";
import {createLibp2p, type Libp2p} from "libp2p";

export const CONSENSUS_PROTOCOL = "/cohort/consensus/1.0.0";
export const SHARES_PROTOCOL = "/cohort/shares/1.0.0";

export type CohortLibp2p = Libp2p<{identify: Identify; ping: Ping}>;

export interface CohortLibp2pOpts {
  privateKey: PrivateKey;
  listenAddrs: string[];
  /** Decides, once a peer id is known, whether it may connect (checked inbound and outbound). */
  isAllowed: (peerId: PeerId) => boolean;
  /** Called on each refusal, for metrics. */
  onRefused?: (direction: "inbound" | "outbound", peerId: PeerId) => void;
  /** Upper bound of open connections (a small cluster needs about two per peer). */
  maxConnections?: number;
}

/**
 * A libp2p node for co-validators: TCP, noise, yamux, identify, ping; no discovery, no relay. The
 * gater refuses other peer ids right after the noise handshake (the earliest point the remote's key
 * is known) and before the muxer or any protocol runs; outbound, before dialling at all.
 */
export async function createCohortLibp2p(opts: CohortLibp2pOpts): Promise<CohortLibp2p> {
  const deny = (direction: "inbound" | "outbound", peerId: PeerId): boolean => {
    if (opts.isAllowed(peerId)) return false;
    opts.onRefused?.(direction, peerId);
    return true;
  };
  const connectionGater: ConnectionGater = {
    denyDialPeer: (peerId) => deny("outbound", peerId),
    denyInboundEncryptedConnection: (peerId) => deny("inbound", peerId),
    denyOutboundEncryptedConnection: (peerId) => deny("outbound", peerId),
    // Private addresses (127.0.0.1, 10.x) are normal for co-validators: do not filter them.
    denyDialMultiaddr: () => false,
  };
  return createLibp2p({
    start: false,
    privateKey: opts.privateKey,
    addresses: {listen: opts.listenAddrs},
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater,
    // cohort pings peers itself (it reports RTT per operator); the built-in monitor would duplicate it.
    connectionMonitor: {enabled: false},
    connectionManager: {maxConnections: opts.maxConnections ?? 64},
    services: {identify: identify(), ping: ping()},
  });
}

import {Counter, Gauge, Histogram, type Registry} from "prom-client";

/**
 * The co-validator network's metrics. `peer` labels are 0-based operator indices (bounded by the
 * cluster size: only members can connect); `reason` labels come from small fixed sets.
 */
export interface P2pMetrics {
  /** Connections refused by the gater (non-members, self, banned peers), by direction. */
  connectionsRefused: Counter<"direction">;
  /** Valid messages handed on, by sender and topic. */
  messagesReceived: Counter<"peer" | "topic">;
  /** Incoming frames dropped, by sender (the connection's peer) and DropReason. */
  messagesDropped: Counter<"peer" | "reason">;
  /** Frames written to a peer's stream, by topic. */
  messagesSent: Counter<"peer" | "topic">;
  /** Outgoing frames not delivered to a peer: not_connected, queue_full, stream_failed. */
  sendDropped: Counter<"peer" | "reason">;
  /** Peers banned for misbehaviour. */
  peerBans: Counter<"peer">;
  /** Dial attempts, by result. */
  dials: Counter<"peer" | "result">;
  /** 1 while connected. */
  peerConnected: Gauge<"peer">;
  /** Last ping round trip. */
  peerRttSeconds: Gauge<"peer">;
  /** Catch-up requests answered / refused (rate limit), and share messages re-sent. */
  catchUpRequests: Counter<"peer" | "result">;
  catchUpSharesResent: Counter<"peer">;
  /** Time to verify and deliver one incoming message. */
  inboundProcessingSeconds: Histogram<"topic">;
  /** Lock hash checks on connect (/cohort/lock/1), by result: ok, mismatch (peer refused), error (no answer). */
  lockChecks: Counter<"peer" | "result">;
}

export function createP2pMetrics(register: Registry): P2pMetrics {
  const registers = [register];
  return {
    connectionsRefused: new Counter({
      name: "cohort_p2p_connections_refused_total",
      help: "Connections refused by the connection gater",
      labelNames: ["direction"],
      registers,
    }),
    messagesReceived: new Counter({
      name: "cohort_p2p_messages_received_total",
      help: "Authenticated messages delivered",
      labelNames: ["peer", "topic"],
      registers,
    }),
    messagesDropped: new Counter({
      name: "cohort_p2p_messages_dropped_total",
      help: "Incoming frames dropped, by peer and reason",
      labelNames: ["peer", "reason"],
      registers,
    }),
    messagesSent: new Counter({
      name: "cohort_p2p_messages_sent_total",
      help: "Frames written to peer streams",
      labelNames: ["peer", "topic"],
      registers,
    }),
    sendDropped: new Counter({
      name: "cohort_p2p_send_dropped_total",
      help: "Outgoing frames not delivered to a peer, by reason",
      labelNames: ["peer", "reason"],
      registers,
    }),
    peerBans: new Counter({
      name: "cohort_p2p_peer_bans_total",
      help: "Peers disconnected for a while for sending garbage",
      labelNames: ["peer"],
      registers,
    }),
    dials: new Counter({
      name: "cohort_p2p_dials_total",
      help: "Dial attempts by result",
      labelNames: ["peer", "result"],
      registers,
    }),
    peerConnected: new Gauge({
      name: "cohort_p2p_peer_connected",
      help: "1 while the peer is connected",
      labelNames: ["peer"],
      registers,
    }),
    peerRttSeconds: new Gauge({
      name: "cohort_p2p_peer_rtt_seconds",
      help: "Last ping round-trip time to the peer",
      labelNames: ["peer"],
      registers,
    }),
    catchUpRequests: new Counter({
      name: "cohort_p2p_catch_up_requests_total",
      help: "Share catch-up requests received, by result (answered, rate_limited)",
      labelNames: ["peer", "result"],
      registers,
    }),
    catchUpSharesResent: new Counter({
      name: "cohort_p2p_catch_up_shares_resent_total",
      help: "Share messages re-sent to a peer catching up",
      labelNames: ["peer"],
      registers,
    }),
    inboundProcessingSeconds: new Histogram({
      name: "cohort_p2p_inbound_processing_seconds",
      help: "Time to authenticate and deliver one incoming message",
      labelNames: ["topic"],
      buckets: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
      registers,
    }),
    lockChecks: new Counter({
      name: "cohort_p2p_lock_checks_total",
      help: "Cluster lock hash checks with a newly connected peer, by result (ok, mismatch: disconnected, error)",
      labelNames: ["peer", "result"],
      registers,
    }),
  };
}

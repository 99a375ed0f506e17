import {Counter, Gauge, Histogram, type Registry} from "prom-client";

export type ConsensusMetrics = ReturnType<typeof createConsensusMetrics>;

/** Consensus metrics, registered on the injected registry. */
export function createConsensusMetrics(register: Registry) {
  return {
    messagesReceived: new Counter({
      name: "cohort_consensus_messages_received_total",
      help: "Consensus messages received from peers, by type, before any check",
      labelNames: ["type"] as const,
      registers: [register],
    }),
    messagesDropped: new Counter({
      name: "cohort_consensus_messages_dropped_total",
      help: "Consensus messages dropped, by reason (malformed, non_member, bad_signature, duplicate, ...)",
      labelNames: ["reason"] as const,
      registers: [register],
    }),
    messagesResent: new Counter({
      name: "cohort_consensus_messages_resent_total",
      help: "Copies of this node's undecided-instance messages sent again (per peer), and decision proofs pushed, by type",
      labelNames: ["type"] as const,
      registers: [register],
    }),
    decisions: new Counter({
      name: "cohort_consensus_decisions_total",
      help: "Instances decided, by duty type",
      labelNames: ["duty"] as const,
      registers: [register],
    }),
    decidedRound: new Histogram({
      name: "cohort_consensus_decided_round",
      help: "Round in which instances decided",
      buckets: [1, 2, 3, 4, 5, 6, 8, 10],
      registers: [register],
    }),
    decisionSeconds: new Histogram({
      name: "cohort_consensus_decision_duration_seconds",
      help: "Time from the duty's start to the decision",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
      registers: [register],
    }),
    gaveUp: new Counter({
      name: "cohort_consensus_gave_up_total",
      help: "Instances that reached their deadline undecided, by reason",
      labelNames: ["reason"] as const,
      registers: [register],
    }),
    instances: new Gauge({
      name: "cohort_consensus_instances",
      help: "Instances held in memory (running, or decided and answering until their deadline)",
      registers: [register],
    }),
    bufferedMessages: new Gauge({
      name: "cohort_consensus_buffered_messages",
      help: "Messages held for instances this node has not started yet",
      registers: [register],
    }),
  };
}

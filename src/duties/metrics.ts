import {Counter, Histogram, type Registry} from "prom-client";
import type {DutyOutcome} from "./outcome.js";

export type DutyMetrics = ReturnType<typeof createDutyMetrics>;

/** Duty outcomes (per validator) by type, status and failure reason, trigger → submitted latency, refused proposals. */
export function createDutyMetrics(register: Registry) {
  const outcomes = new Counter({
    name: "cohort_duty_outcomes_total",
    help: "Duty outcomes per validator, by duty type, status (submitted/failed) and failure reason",
    labelNames: ["type", "status", "reason"] as const,
    registers: [register],
  });
  const latency = new Histogram({
    name: "cohort_duty_latency_seconds",
    help: "Time from a duty's trigger to the beacon node accepting its submission",
    labelNames: ["type"] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [register],
  });
  const proposalsRefused = new Counter({
    name: "cohort_block_proposals_refused_total",
    help: "Block proposals the validity predicate refused (no vote), by reason (wrong_fee_recipient, slashable, ...)",
    labelNames: ["reason"] as const,
    registers: [register],
  });
  return {
    proposalsRefused,
    record(o: DutyOutcome): void {
      if (o.status === "submitted") {
        outcomes.inc({type: o.type, status: "submitted", reason: ""});
        latency.observe({type: o.type}, o.latencyMs / 1000);
      } else {
        outcomes.inc({type: o.type, status: "failed", reason: o.reason});
      }
    },
  };
}

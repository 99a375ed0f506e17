import {Counter, Histogram, type Registry} from "prom-client";

/** The combine step's metrics, registered on the injected registry. */
export interface CombineMetrics {
  /** Shares rejected, by the 1-based share index of the sender and the reason. */
  invalidShares: Counter<"share_index" | "reason">;
  duplicateShares: Counter;
  recoveries: Counter;
  /** Compute time of recover + verify of one validator signature. */
  recoverySeconds: Histogram;
  /** Time from the first share of a (duty, validator) to its combined signature. */
  latencySeconds: Histogram;
}

export function createCombineMetrics(register: Registry): CombineMetrics {
  return {
    invalidShares: new Counter({
      name: "cohort_combine_invalid_shares_total",
      help: "Signature shares rejected, by sender share index and reason",
      labelNames: ["share_index", "reason"],
      registers: [register],
    }),
    duplicateShares: new Counter({
      name: "cohort_combine_duplicate_shares_total",
      help: "Signature shares ignored because a valid share of the same index was already held",
      registers: [register],
    }),
    recoveries: new Counter({
      name: "cohort_combine_recoveries_total",
      help: "Validator signatures recombined and verified",
      registers: [register],
    }),
    recoverySeconds: new Histogram({
      name: "cohort_combine_recovery_seconds",
      help: "Compute time of Lagrange recovery plus verification of one validator signature",
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.05],
      registers: [register],
    }),
    latencySeconds: new Histogram({
      name: "cohort_combine_latency_seconds",
      help: "Time from the first share of a duty's validator signature to its recombination",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 12],
      registers: [register],
    }),
  };
}

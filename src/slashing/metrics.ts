import {Counter, Histogram, type Registry} from "prom-client";

export type SlashingMetrics = ReturnType<typeof createSlashingMetrics>;

/** The slashing DB's metrics: records accepted or refused, and the durable check-and-insert time. */
export function createSlashingMetrics(register: Registry) {
  return {
    records: new Counter({
      name: "cohort_slashing_records_total",
      help: "Signings checked by the slashing-protection DB, by kind and result",
      labelNames: ["kind", "result"] as const,
      registers: [register],
    }),
    checkAndInsertSeconds: new Histogram({
      name: "cohort_slashing_check_and_insert_seconds",
      help: "Time of one durable check-and-insert transaction (single or batch)",
      labelNames: ["kind"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [register],
    }),
  };
}

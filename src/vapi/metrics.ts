import {Counter, type Registry} from "prom-client";

export type VapiMetrics = ReturnType<typeof createVapiMetrics>;

export function createVapiMetrics(register: Registry) {
  return {
    partialSignatures: new Counter<"type" | "result">({
      name: "cohort_vapi_partial_signatures_total",
      help: "Partial signatures handed in by the validator client, by message type and result (accepted, invalid, not_decided, timeout, no_lock_registration)",
      labelNames: ["type", "result"],
      registers: [register],
    }),
    lockRegistrations: new Counter<"result">({
      name: "cohort_vapi_lock_registrations_total",
      help: "The cluster lock's builder registrations sent to the beacon node for the validator client's, by result (ok, error)",
      labelNames: ["result"],
      registers: [register],
    }),
    proxiedRequests: new Counter<"status">({
      name: "cohort_vapi_proxied_requests_total",
      help: "Validator client requests passed through to the beacon node unchanged, by response status",
      labelNames: ["status"],
      registers: [register],
    }),
  };
}

import {Counter, Histogram, type Registry} from "prom-client";

export type EthMetrics = ReturnType<typeof createEthMetrics>;

/** Metrics of the BN client, the Web3Signer client and `cohort signer`'s server. */
export function createEthMetrics(register: Registry) {
  return {
    bnRequestSeconds: new Histogram({
      name: "cohort_bn_request_seconds",
      help: "Time of one Beacon API request to one BN, by operation and endpoint",
      labelNames: ["operation", "endpoint"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [register],
    }),
    bnRequestErrors: new Counter({
      name: "cohort_bn_request_errors_total",
      help: "Failed Beacon API requests to one BN (then tried on the next), by operation, endpoint and status",
      labelNames: ["operation", "endpoint", "status"] as const,
      registers: [register],
    }),
    bnAlreadyKnown: new Counter({
      name: "cohort_bn_already_known_total",
      help: "Submissions a BN refused only because it already had them (done, not failed), by operation and endpoint",
      labelNames: ["operation", "endpoint"] as const,
      registers: [register],
    }),
    signerRequestSeconds: new Histogram({
      name: "cohort_remote_signer_request_seconds",
      help: "Time of one successful sign call to the remote signer (including the BLS verification), by type",
      labelNames: ["type"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [register],
    }),
    signerErrors: new Counter({
      name: "cohort_remote_signer_errors_total",
      help: "Failed remote signer calls, by error code",
      labelNames: ["code"] as const,
      registers: [register],
    }),
    signerServerRequests: new Counter({
      name: "cohort_signer_server_sign_requests_total",
      help: "Sign requests answered by cohort signer, by type (unknown when unparsable) and HTTP status",
      labelNames: ["type", "status"] as const,
      registers: [register],
    }),
  };
}

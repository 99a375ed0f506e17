/** Why a duty failed; every duty ends in exactly one outcome. */
export type DutyFailureReason =
  | "no_data" // the BN gave no data to propose and no peer led with a valid value
  | "consensus_timeout"
  | "slashing_refused" // the slashing DB refused the decided value
  | "signer_refused" // the RS refused (412) or failed
  | "combine_expired" // fewer than t valid shares before the deadline
  | "bn_rejected"
  | "stopped";

/** The duty types of the pipeline (outcome label, metrics label). */
export type DutyOutcomeType = "attester" | "proposer" | "aggregator" | "syncMessage" | "syncContribution";

export type DutyOutcome =
  | {
      status: "submitted";
      type: DutyOutcomeType;
      slot: number;
      validator: string;
      /** From the duty's trigger to the BN's acceptance. */
      latencyMs: number;
      consensusRound: number;
      /** From the duty's trigger to its consensus decision (absent where no runner measured it). */
      decideMs?: number;
      /** Sync contributions: one outcome per subcommittee the validator aggregates. */
      subcommitteeIndex?: number;
    }
  | {
      status: "failed";
      type: DutyOutcomeType;
      slot: number;
      validator: string;
      reason: DutyFailureReason;
      detail: string;
      subcommitteeIndex?: number;
    };

/** The failure reason of an interrupted step: "stopped" when the node is shutting down, else `otherwise`. */
export function failureReason(e: unknown, otherwise: DutyFailureReason): DutyFailureReason {
  const code = (e as {code?: unknown} | null)?.code;
  return code === "CONSENSUS_STOPPED" || code === "SHARES_STOPPED" ? "stopped" : otherwise;
}

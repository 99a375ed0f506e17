import type {DutyOutcome} from "../duties/outcome.js";
import type {LockSettingsCheck} from "./lockChecks.js";

/** A duty the simulated chain accepted (and maybe already included in a block). */
export function isAccepted(record: {status: string}): boolean {
  return record.status === "accepted" || record.status === "included";
}

/** The duty types the summary counts (the chain's record types). */
export const SUMMARY_DUTY_TYPES = ["attester", "proposer", "aggregator", "syncMessage", "syncContribution"] as const;
export type SummaryDutyType = (typeof SUMMARY_DUTY_TYPES)[number];

export interface DevnetSummary {
  slots: {from: number; to: number};
  duties: Record<SummaryDutyType, {expected: number; submitted: number; accepted: number}>;
  /** Trigger → submitted, over every node's submissions. */
  latencyMs: Record<SummaryDutyType, {median: number | null; p99: number | null}>;
  /** Submitted outcomes (per node and validator) by the consensus round that decided them. */
  consensusRounds: Record<string, number>;
  failuresByReason: Record<string, number>;
  slashable: number;
  /**
   * Signature shares the nodes' combiners rejected over the run, summed over nodes (their
   * `cohort_combine_invalid_shares_total`, restarts included); null when not measured.
   */
  invalidShares: number | null;
  /** The lock's fee recipients paid and registrations at the BN (src/devnet/lockChecks.ts); null when not checked. */
  lock: LockSettingsCheck | null;
  verdict: "pass" | "fail";
}

/**
 * The devnet's end-of-run summary over slots `from..to`, from the chain's record of each duty and the
 * nodes' outcomes. The verdict passes when every duty the chain expected was accepted, the chain saw
 * nothing slashable and (when checked) every cluster block paid the lock's fee recipient and every
 * validator's registration reached the BN as the lock signed it. Invalid shares do not fail it: a Byzantine
 * node's bad shares are what t-of-n absorbs.
 */
export function summarize(
  range: {from: number; to: number},
  records: {slot: number; type: string; status: string}[],
  outcomes: DutyOutcome[],
  slashable: number,
  invalidShares: number | null = null,
  lock: LockSettingsCheck | null = null,
): DevnetSummary {
  const inRange = <T extends {slot: number}>(xs: T[]) => xs.filter((x) => x.slot >= range.from && x.slot <= range.to);
  const recs = inRange(records);
  const outs = inRange(outcomes);
  const duties = Object.fromEntries(SUMMARY_DUTY_TYPES.map((t) => [t, count(t)])) as DevnetSummary["duties"];
  function count(type: string) {
    const mine = recs.filter((r) => r.type === type);
    return {
      expected: mine.length,
      submitted: mine.filter((r) => r.status !== "missed" && r.status !== "pending").length,
      accepted: mine.filter(isAccepted).length,
    };
  }
  const latency = (type: string) => {
    const ms = outs
      .filter((o) => o.type === type && o.status === "submitted")
      .map((o) => (o.status === "submitted" ? o.latencyMs : 0))
      .sort((a, b) => a - b);
    const at = (q: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] : null);
    return {median: at(0.5), p99: at(0.99)};
  };
  const consensusRounds: Record<string, number> = {};
  const failuresByReason: Record<string, number> = {};
  for (const o of outs) {
    if (o.status === "submitted") consensusRounds[o.consensusRound] = (consensusRounds[o.consensusRound] ?? 0) + 1;
    else failuresByReason[o.reason] = (failuresByReason[o.reason] ?? 0) + 1;
  }
  const allAccepted = SUMMARY_DUTY_TYPES.every((t) => duties[t].accepted === duties[t].expected);
  return {
    slots: range,
    duties,
    latencyMs: Object.fromEntries(SUMMARY_DUTY_TYPES.map((t) => [t, latency(t)])) as DevnetSummary["latencyMs"],
    consensusRounds,
    failuresByReason,
    slashable,
    invalidShares,
    lock,
    verdict: allAccepted && slashable === 0 && (lock === null || lock.pass) ? "pass" : "fail",
  };
}

/** Per duty type against an external BN: each validator duty once, and the nodes' outcomes behind them. */
export interface OutcomeDutyCounts {
  /** Validator duties (type, slot, validator, subcommittee) some node reported an outcome for. */
  duties: number;
  /** Duties the BN took from at least one node (accepted, or it already had them). */
  done: number;
  /** Duties no node got to the BN. */
  failed: number;
  /** The nodes' outcomes (one per node, duty and validator): submitted / failed. */
  nodeSubmitted: number;
  nodeFailed: number;
}

/** The summary of a run against an external BN: only the nodes' outcomes (a real BN keeps no duty book). */
export interface OutcomeSummary {
  slots: {from: number; to: number};
  duties: Record<SummaryDutyType, OutcomeDutyCounts>;
  latencyMs: Record<SummaryDutyType, {median: number | null; p99: number | null}>;
  consensusRounds: Record<string, number>;
  /** The nodes' failed outcomes by reason (a duty another node got to the BN counts here too). */
  failuresByReason: Record<string, number>;
  /** As in DevnetSummary: shares the nodes' combiners rejected, summed over nodes; null when not measured. */
  invalidShares: number | null;
  verdict: "pass" | "fail";
}

/** One validator duty: its type, slot, validator and (sync contributions) subcommittee. */
export function dutyKey(o: Pick<DutyOutcome, "type" | "slot" | "validator" | "subcommitteeIndex">): string {
  return `${o.type}:${o.slot}:${o.validator}:${o.subcommitteeIndex ?? ""}`;
}

/**
 * The end-of-run summary over slots `from..to` from the nodes' outcomes only, counting each validator duty
 * once: it is done when at least one node got it to the BN (the BN answered 200, or that it already had
 * it), whatever the other nodes reported — every node of a cluster submits the same message, and nodes
 * sharing one BN (or whose BN had it from gossip first) are not failing. The verdict passes when there was
 * at least one duty and every duty was done: with no outcome at all, the run showed nothing (e.g. the BN's
 * genesis validators are not the cluster's).
 */
export function summarizeOutcomes(
  range: {from: number; to: number},
  outcomes: DutyOutcome[],
  invalidShares: number | null = null,
): OutcomeSummary {
  const outs = outcomes.filter((o) => o.slot >= range.from && o.slot <= range.to);
  const fromOutcomes = summarize(range, [], outs, 0);
  const duties = Object.fromEntries(
    SUMMARY_DUTY_TYPES.map((t): [SummaryDutyType, OutcomeDutyCounts] => {
      const mine = outs.filter((o) => o.type === t);
      const done = new Set<string>();
      const all = new Set<string>();
      for (const o of mine) {
        all.add(dutyKey(o));
        if (o.status === "submitted") done.add(dutyKey(o));
      }
      const nodeSubmitted = mine.filter((o) => o.status === "submitted").length;
      return [
        t,
        {
          duties: all.size,
          done: done.size,
          failed: all.size - done.size,
          nodeSubmitted,
          nodeFailed: mine.length - nodeSubmitted,
        },
      ];
    }),
  ) as OutcomeSummary["duties"];
  const counts = Object.values(duties);
  const any = counts.some((d) => d.duties > 0);
  const failed = counts.some((d) => d.failed > 0);
  return {
    slots: range,
    duties,
    latencyMs: fromOutcomes.latencyMs,
    consensusRounds: fromOutcomes.consensusRounds,
    failuresByReason: fromOutcomes.failuresByReason,
    invalidShares,
    verdict: any && !failed ? "pass" : "fail",
  };
}

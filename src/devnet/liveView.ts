import Table from "cli-table3";
import {createLogUpdate} from "log-update";
import type {DutyOutcome} from "../duties/outcome.js";
import {formatPeers, formatReadiness, type NodeHealth} from "./nodeHealth.js";
import {formatShareCounts, type ShareCounts} from "./shareCounts.js";
import {dutyKey, isAccepted} from "./summary.js";

export interface LiveViewState {
  header: string;
  /** The latest slot lines, oldest first. */
  slotLines: string[];
  nodes: {index: number; status: string; health?: NodeHealth}[];
  outcomes: (DutyOutcome & {node: number})[];
}

/** The devnet's live view as text: the header, the latest slots, and per node its state and duty counts. */
export function renderLiveView(state: LiveViewState): string {
  const nodes = new Table({
    head: ["node", "state", "health", "peers", "submitted", "failed", "last failure"],
    style: {head: [], border: []},
  });
  for (const n of state.nodes) {
    const mine = state.outcomes.filter((o) => o.node === n.index);
    const failed = mine.filter((o) => o.status === "failed");
    const last = failed.at(-1);
    nodes.push([
      String(n.index),
      n.status,
      formatReadiness(n.health),
      formatPeers(n.health),
      String(mine.length - failed.length),
      String(failed.length),
      last && last.status === "failed" ? `slot ${last.slot} ${last.type}: ${last.reason}` : "",
    ]);
  }
  return [state.header, "", ...state.slotLines, "", nodes.toString()].join("\n");
}

/** Redraws the view in place on a TTY (log-update); the caller prints plain lines elsewhere. */
export class LiveView {
  private readonly update: ReturnType<typeof createLogUpdate>;

  constructor(stream: NodeJS.WriteStream) {
    this.update = createLogUpdate(stream);
  }

  render(state: LiveViewState): void {
    this.update(renderLiveView(state));
  }

  /** Leaves the last frame on screen. */
  done(): void {
    this.update.done();
  }
}

const SLOT_LINE_TYPES = ["proposer", "attester", "aggregator", "syncMessage", "syncContribution"] as const;
type NodeOutcome = DutyOutcome & {node: number};

/**
 * A slot's line from the chain's duty book and the nodes' outcomes: per duty type, how many the chain
 * accepted, the deciding round(s), the median time to decide and to submit; then the share exchange of
 * the slot over all nodes (share messages received, signatures combined, invalid shares), or "shares -"
 * when not sampled. Omitted with `shares` undefined.
 */
export function slotLine(
  slot: number,
  records: {slot: number; type: string; status: string}[],
  outcomes: NodeOutcome[],
  shares?: ShareCounts | null,
): string {
  const parts: string[] = [];
  for (const type of SLOT_LINE_TYPES) {
    const duties = records.filter((r) => r.slot === slot && r.type === type);
    if (duties.length === 0) continue;
    const mine = outcomes.filter((o) => o.slot === slot && o.type === type);
    parts.push(`${type} ${duties.filter(isAccepted).length}/${duties.length} accepted ${outcomeStats(mine)}`);
  }
  return withShares(`slot ${String(slot).padStart(4)}  ${parts.join(" | ") || "no duty"}`, shares);
}

/** A slot's line from the nodes' outcomes alone (an external BN keeps no duty book). */
export function outcomeSlotLine(slot: number, outcomes: NodeOutcome[], shares?: ShareCounts | null): string {
  const parts: string[] = [];
  for (const type of SLOT_LINE_TYPES) {
    const mine = outcomes.filter((o) => o.slot === slot && o.type === type);
    if (mine.length === 0) continue;
    const submitted = mine.filter((o) => o.status === "submitted").length;
    const duties = new Set(mine.map(dutyKey));
    const done = new Set(mine.filter((o) => o.status === "submitted").map(dutyKey));
    parts.push(
      `${type} ${done.size}/${duties.size} done (${submitted}/${mine.length} node outcomes submitted) ${outcomeStats(mine)}`,
    );
  }
  return withShares(`slot ${String(slot).padStart(4)}  ${parts.join(" | ") || "no duty"}`, shares);
}

/** "(round 1, decide 120 ms, median 300 ms trigger→submitted) failures: node 2: bn_rejected" */
function outcomeStats(outcomes: NodeOutcome[]): string {
  const submitted = outcomes.flatMap((o) => (o.status === "submitted" ? [o] : []));
  const rounds = [...new Set(submitted.map((o) => o.consensusRound))].join(",");
  const decide = median(submitted.flatMap((o) => (o.decideMs === undefined ? [] : [o.decideMs])));
  const latency = median(submitted.map((o) => o.latencyMs));
  const failed = outcomes.flatMap((o) => (o.status === "failed" ? [`node ${o.node}: ${o.reason}`] : []));
  const stats = `(round ${rounds || "-"}, decide ${decide}, median ${latency} trigger→submitted)`;
  return `${stats}${failed.length ? ` failures: ${failed.join("; ")}` : ""}`;
}

function median(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted.length > 0 ? `${sorted[Math.floor(sorted.length / 2)]} ms` : "-";
}

function withShares(line: string, shares: ShareCounts | null | undefined): string {
  return shares === undefined ? line : `${line} | ${formatShareCounts(shares)}`;
}

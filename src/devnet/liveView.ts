import Table from "cli-table3";
import {createLogUpdate} from "log-update";
import type {DutyOutcome} from "../duties/outcome.js";
import {formatPeers, formatReadiness, type NodeHealth} from "./nodeHealth.js";

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

/**
 * What the devnet shows of the share exchange: per node, cumulative counters read from its /metrics
 * (`cohort_p2p_messages_received_total{topic="shares"}`, `cohort_combine_recoveries_total`,
 * `cohort_combine_invalid_shares_total`), turned into per-slot deltas and run totals over all nodes.
 */
export interface ShareCounts {
  /** Share messages delivered from peers (one message carries a duty's shares, and is re-sent until answered). */
  received: number;
  /** Validator signatures recombined from t shares and verified. */
  combined: number;
  /** Shares the combiner rejected (bad signature, unknown index, …). */
  invalid: number;
}

const ZERO: ShareCounts = {received: 0, combined: 0, invalid: 0};

/** The share counters of a node's Prometheus text (0 where a counter has no sample yet). */
export function parseShareCounts(text: string): ShareCounts {
  const counts = {...ZERO};
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/;
  for (const l of text.split("\n")) {
    const m = sample.exec(l.trim());
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === "cohort_p2p_messages_received_total" && /topic="shares"/.test(m[2] ?? "")) counts.received += value;
    else if (m[1] === "cohort_combine_recoveries_total") counts.combined += value;
    else if (m[1] === "cohort_combine_invalid_shares_total") counts.invalid += value;
  }
  return counts;
}

/** Reads a node's share counters from its monitoring base URL; null when it does not answer. */
export async function fetchShareCounts(baseUrl: string, timeoutMs = 1500): Promise<ShareCounts | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, {signal: AbortSignal.timeout(timeoutMs)});
    return res.ok ? parseShareCounts(await res.text()) : null;
  } catch {
    return null;
  }
}

/**
 * Accumulates the nodes' counters over a run. A node whose counters went down was restarted (they start
 * again at 0): its increase is then their new values, as Prometheus' `increase()` reads a reset. A
 * node that did not answer adds nothing until it answers again.
 */
export class ShareCountTracker {
  private readonly last = new Map<number, ShareCounts>();
  private total: ShareCounts = {...ZERO};
  /** The run totals at the start of each slot (as sampled then). */
  private readonly marks = new Map<number, ShareCounts>();

  observe(node: number, counts: ShareCounts | null): void {
    if (counts === null) return;
    // A process's counters reset together: any one going down means all start again from 0.
    const last = this.last.get(node) ?? ZERO;
    const reset = counts.received < last.received || counts.combined < last.combined || counts.invalid < last.invalid;
    const prev = reset ? ZERO : last;
    const inc = (k: keyof ShareCounts) => counts[k] - prev[k];
    this.total = {
      received: this.total.received + inc("received"),
      combined: this.total.combined + inc("combined"),
      invalid: this.total.invalid + inc("invalid"),
    };
    this.last.set(node, counts);
  }

  /** Records the totals so far as those at the start of `slot`. */
  mark(slot: number): void {
    this.marks.set(slot, {...this.total});
    for (const s of this.marks.keys()) if (s < slot - 64) this.marks.delete(s);
  }

  /** Over all nodes, from the start of `slot` to the start of the next; null without both samples. */
  forSlot(slot: number): ShareCounts | null {
    const from = this.marks.get(slot);
    const to = this.marks.get(slot + 1);
    if (!from || !to) return null;
    return {
      received: to.received - from.received,
      combined: to.combined - from.combined,
      invalid: to.invalid - from.invalid,
    };
  }

  /** Over all nodes and the whole run. */
  totals(): ShareCounts {
    return {...this.total};
  }
}

/** "shares 24 rcvd/8 combined/0 invalid" — the slot line's share part ("shares -" when not sampled). */
export function formatShareCounts(counts: ShareCounts | null): string {
  return counts === null
    ? "shares -"
    : `shares ${counts.received} rcvd/${counts.combined} combined/${counts.invalid} invalid`;
}

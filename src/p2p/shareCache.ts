/**
 * The node's own recently broadcast share payloads, re-sent to a peer that asks (it restarted or
 * missed them). Bounded by count, total bytes and age; the oldest go first.
 */
export class RecentShares {
  private readonly entries: {payload: Uint8Array; addedMs: number; seq: number}[] = [];
  private bytes = 0;
  private seq = 0;

  constructor(private readonly opts: {maxMessages: number; maxBytes: number; ttlMs: number}) {}

  add(payload: Uint8Array, nowMs: number): void {
    if (payload.length > this.opts.maxBytes) return;
    this.entries.push({payload, addedMs: nowMs, seq: this.seq++});
    this.bytes += payload.length;
    while (this.entries.length > this.opts.maxMessages || this.bytes > this.opts.maxBytes) this.dropOldest();
  }

  /**
   * The payloads younger than the TTL, oldest first; with `beforeSeq`, only those added before that
   * point (a peer connected since then already got the later ones).
   */
  recent(nowMs: number, beforeSeq = Number.POSITIVE_INFINITY): Uint8Array[] {
    while (this.entries.length > 0 && nowMs - this.entries[0].addedMs > this.opts.ttlMs) this.dropOldest();
    return this.entries.filter((e) => e.seq < beforeSeq).map((e) => e.payload);
  }

  /** The sequence number the next added payload gets. */
  get nextSeq(): number {
    return this.seq;
  }

  get size(): number {
    return this.entries.length;
  }

  private dropOldest(): void {
    const dropped = this.entries.shift();
    if (dropped !== undefined) this.bytes -= dropped.payload.length;
  }
}

/**
 * Remembers which (timestamp, nonce) pairs each sender has used within the acceptance window, so an
 * envelope delivered twice is dropped. Bounded per sender: when full, the oldest entry is evicted
 * and the sender's watermark rises to its timestamp; anything at or below the watermark is refused,
 * so eviction never reopens a replay.
 */
export class ReplayCache {
  private readonly bySender = new Map<number, {seen: Map<string, number>; watermarkMs: number}>();

  constructor(private readonly opts: {windowMs: number; maxEntriesPerSender: number}) {}

  /** "fresh" records the pair; otherwise nothing changes. Call only for authenticated envelopes. */
  check(sender: number, timestampMs: number, nonce: bigint, nowMs: number): "fresh" | "replayed" | "stale" {
    if (Math.abs(nowMs - timestampMs) > this.opts.windowMs) return "stale";
    let state = this.bySender.get(sender);
    if (state === undefined) {
      state = {seen: new Map(), watermarkMs: -1};
      this.bySender.set(sender, state);
    }
    if (timestampMs <= state.watermarkMs) return "stale";
    const key = `${timestampMs}:${nonce}`;
    if (state.seen.has(key)) return "replayed";
    // Expire from the oldest insertion while outside the window (the window check refuses those anyway).
    for (const [k, ts] of state.seen) {
      if (ts >= nowMs - this.opts.windowMs) break;
      state.seen.delete(k);
    }
    while (state.seen.size >= this.opts.maxEntriesPerSender) {
      const [oldestKey, oldestTs] = state.seen.entries().next().value as [string, number];
      state.seen.delete(oldestKey);
      state.watermarkMs = Math.max(state.watermarkMs, oldestTs);
    }
    state.seen.set(key, timestampMs);
    return "fresh";
  }

  size(sender: number): number {
    return this.bySender.get(sender)?.seen.size ?? 0;
  }
}

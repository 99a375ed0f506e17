/**
 * Counts each peer's dropped frames in a fixed window; a peer reaching the threshold is banned for a
 * while (disconnected and refused by the gater). Memory: one small record per member.
 */
export class MisbehaviourTracker {
  private readonly counts = new Map<number, {windowStartMs: number; count: number}>();
  private readonly bannedUntilMs = new Map<number, number>();

  constructor(
    private readonly opts: {threshold: number; windowMs: number; banMs: number},
    private readonly modules: {now: () => number},
  ) {}

  /** Records one offence; true when this offence bans the peer. */
  record(peer: number): boolean {
    const now = this.modules.now();
    if (this.isBanned(peer)) return false;
    let entry = this.counts.get(peer);
    if (entry === undefined || now - entry.windowStartMs >= this.opts.windowMs) {
      entry = {windowStartMs: now, count: 0};
      this.counts.set(peer, entry);
    }
    entry.count++;
    if (entry.count < this.opts.threshold) return false;
    this.counts.delete(peer);
    this.bannedUntilMs.set(peer, now + this.opts.banMs);
    return true;
  }

  isBanned(peer: number): boolean {
    const until = this.bannedUntilMs.get(peer);
    if (until === undefined) return false;
    if (this.modules.now() < until) return true;
    this.bannedUntilMs.delete(peer);
    return false;
  }

  /** Milliseconds until the ban ends (0 when not banned). */
  banRemainingMs(peer: number): number {
    const until = this.bannedUntilMs.get(peer);
    return until === undefined ? 0 : Math.max(0, until - this.modules.now());
  }
}

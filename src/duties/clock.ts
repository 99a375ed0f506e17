/** Wall time and timers, injected so that everything time-based is testable with a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` at `atMs` (or at once when that is past); returns the function that cancels it. */
  setTimer(atMs: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return () => clearTimeout(t);
  },
};

/** A clock that only moves when told to: `advance` fires every timer that falls due, in time order. */
export class ManualClock implements Clock {
  private timers: {atMs: number; seq: number; fn: () => void}[] = [];
  private seq = 0;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(atMs: number, fn: () => void): () => void {
    const timer = {atMs, seq: this.seq++, fn};
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward to `nowMs + ms`, firing due timers (including ones they set) in order. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.atMs <= target).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = Math.max(this.nowMs, due.atMs);
      due.fn();
    }
    this.nowMs = target;
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

export interface SlotClockOpts {
  genesisTimeSec: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
}

/** Slots and epochs from the chain's genesis time and timing (from the BN's genesis and spec). */
export class SlotClock {
  readonly slotMs: number;

  constructor(
    readonly opts: SlotClockOpts,
    readonly clock: Clock,
  ) {
    this.slotMs = opts.secondsPerSlot * 1000;
  }

  /** The current slot (0 before genesis). */
  currentSlot(): number {
    return Math.max(0, Math.floor((this.clock.now() - this.opts.genesisTimeSec * 1000) / this.slotMs));
  }

  currentEpoch(): number {
    return this.epochOf(this.currentSlot());
  }

  epochOf(slot: number): number {
    return Math.floor(slot / this.opts.slotsPerEpoch);
  }

  startSlotOf(epoch: number): number {
    return epoch * this.opts.slotsPerEpoch;
  }

  /** Wall time (ms) at `fraction` of the slot: 0 for its start, 1/3 for attestations, 2/3 for aggregates. */
  timeInSlot(slot: number, fraction = 0): number {
    return this.opts.genesisTimeSec * 1000 + slot * this.slotMs + Math.round(fraction * this.slotMs);
  }
}

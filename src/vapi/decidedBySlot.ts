import type {Decider} from "../duties/attester.js";
import type {Clock} from "../duties/clock.js";

export interface DecidedBySlotOpts<T> {
  /** The consensus duty type whose decisions are kept. */
  dutyType: number;
  /** The decided value as the VC needs it, or null when it cannot be read (then nothing is kept). */
  decode(slot: number, value: Uint8Array): T | null;
  /** Values older than this many slots behind the newest are forgotten. */
  keepSlots?: number;
}

/**
 * What one duty type's consensus decided, by slot, for the routes that must hand the VC the decided data
 * rather than its BN's. `observe` wraps the node's consensus; `wait` resolves once decided, or with null.
 */
export class DecidedBySlot<T> {
  private readonly bySlot = new Map<number, T>();
  private readonly waiters = new Map<number, Set<(value: T | null) => void>>();
  private readonly keepSlots: number;

  constructor(
    private readonly opts: DecidedBySlotOpts<T>,
    private readonly clock: Clock,
  ) {
    this.keepSlots = opts.keepSlots ?? 64;
  }

  observe(inner: Decider): Decider {
    return {
      decide: async (slot, dutyType, decideOpts) => {
        const decided = await inner.decide(slot, dutyType, decideOpts);
        if (dutyType === this.opts.dutyType) {
          const value = this.opts.decode(slot, decided.value);
          if (value !== null) this.record(slot, value);
        }
        return decided;
      },
    };
  }

  get(slot: number): T | undefined {
    return this.bySlot.get(slot);
  }

  /** The decided value of `slot`, now or once decided; null at `untilMs` or on stop. */
  wait(slot: number, untilMs: number): Promise<T | null> {
    const known = this.bySlot.get(slot);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(slot) ?? new Set();
      this.waiters.set(slot, set);
      const done = (value: T | null) => {
        cancel();
        set.delete(done);
        if (set.size === 0) this.waiters.delete(slot);
        resolve(value);
      };
      const cancel = this.clock.setTimer(untilMs, () => done(null));
      set.add(done);
    });
  }

  stop(): void {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w(null);
    this.waiters.clear();
  }

  private record(slot: number, value: T): void {
    this.bySlot.set(slot, value);
    for (const w of [...(this.waiters.get(slot) ?? [])]) w(value);
    for (const s of this.bySlot.keys()) if (s < slot - this.keepSlots) this.bySlot.delete(s);
  }
}

import type {Decider} from "../duties/attester.js";
import type {Clock} from "../duties/clock.js";
import {SYNC_MESSAGE_DUTY_TYPE} from "../duties/syncCommitteeMessage.js";

/**
 * The block root each slot's sync committee message consensus decided: the root the VC must sign, handed
 * out instead of its BN's head (the nodes' BNs may briefly disagree; partials over different roots never
 * combine). `observe` wraps the node's consensus; `wait` resolves with the root once decided, or null.
 */
export class DecidedSyncRoots {
  private readonly bySlot = new Map<number, Uint8Array>();
  private readonly waiters = new Map<number, Set<(root: Uint8Array | null) => void>>();

  constructor(
    private readonly clock: Clock,
    /** Roots older than this many slots behind the newest are forgotten. */
    private readonly keepSlots = 64,
  ) {}

  observe(inner: Decider): Decider {
    return {
      decide: async (slot, dutyType, opts) => {
        const decided = await inner.decide(slot, dutyType, opts);
        if (dutyType === SYNC_MESSAGE_DUTY_TYPE) this.record(slot, decided.value);
        return decided;
      },
    };
  }

  get(slot: number): Uint8Array | undefined {
    return this.bySlot.get(slot);
  }

  /** The decided root of `slot`, now or once decided; null at `untilMs` or on stop. */
  wait(slot: number, untilMs: number): Promise<Uint8Array | null> {
    const known = this.bySlot.get(slot);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(slot) ?? new Set();
      this.waiters.set(slot, set);
      const done = (root: Uint8Array | null) => {
        cancel();
        set.delete(done);
        if (set.size === 0) this.waiters.delete(slot);
        resolve(root);
      };
      const cancel = this.clock.setTimer(untilMs, () => done(null));
      set.add(done);
    });
  }

  stop(): void {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w(null);
    this.waiters.clear();
  }

  private record(slot: number, root: Uint8Array): void {
    this.bySlot.set(slot, root);
    for (const w of [...(this.waiters.get(slot) ?? [])]) w(root);
    for (const s of this.bySlot.keys()) if (s < slot - this.keepSlots) this.bySlot.delete(s);
  }
}

import type {Clock} from "../duties/clock.js";
import type {VcSyncMessage, VcSyncMessages} from "../duties/syncMessageFromVc.js";
import {toHex} from "../util/hex.js";
import {VapiError} from "./errors.js";

/**
 * The validator client's partial sync committee messages, verified, until the slot's message duty takes
 * them (see runVcSyncMessageDuty): the VC sends them as soon as it sees the slot's block, often before the
 * duty starts at 1/3 of the slot. One per (slot, key share): the first wins. Slots more than `keepSlots`
 * behind the newest are forgotten.
 */
export class VcSyncMessageStore implements VcSyncMessages {
  private readonly bySlot = new Map<number, Map<string, VcSyncMessage>>();
  private readonly waiters = new Map<string, Set<(m: VcSyncMessage | null) => void>>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly keepSlots = 4,
  ) {}

  /** Keeps a verified partial; false when one of this key share and slot is already kept (it stays). */
  offer(shareKeyHex: string, slot: number, message: VcSyncMessage): boolean {
    const key = shareKeyHex.toLowerCase();
    let ofSlot = this.bySlot.get(slot);
    if (ofSlot === undefined) {
      ofSlot = new Map();
      this.bySlot.set(slot, ofSlot);
      for (const s of this.bySlot.keys()) if (s < slot - this.keepSlots) this.bySlot.delete(s);
    }
    if (ofSlot.has(key)) return false;
    ofSlot.set(key, message);
    for (const w of [...(this.waiters.get(waiterKey(slot, key)) ?? [])]) w(message);
    return true;
  }

  awaitPartial(shareKey: Uint8Array, slot: number, untilMs: number): Promise<VcSyncMessage> {
    const key = toHex(shareKey);
    const kept = this.bySlot.get(slot)?.get(key);
    if (kept) return Promise.resolve(kept);
    if (this.stopped) return Promise.reject(new VapiError({code: "VAPI_STOPPED"}));
    return new Promise((resolve, reject) => {
      const wk = waiterKey(slot, key);
      const set = this.waiters.get(wk) ?? new Set();
      this.waiters.set(wk, set);
      const done = (m: VcSyncMessage | null) => {
        cancel();
        set.delete(done);
        if (set.size === 0) this.waiters.delete(wk);
        if (m) resolve(m);
        else if (this.stopped) reject(new VapiError({code: "VAPI_STOPPED"}));
        else {
          reject(
            new VapiError(
              {code: "VAPI_TIMEOUT", type: "SYNC_COMMITTEE_MESSAGE", slot},
              `no SYNC_COMMITTEE_MESSAGE partial signature from the validator client for slot ${slot} in time`,
            ),
          );
        }
      };
      const cancel = this.clock.setTimer(untilMs, () => done(null));
      set.add(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w(null);
    this.waiters.clear();
  }
}

function waiterKey(slot: number, shareKeyHex: string): string {
  return `${slot}/${shareKeyHex}`;
}

import type {routes} from "@lodestar/api";
import {EPOCHS_PER_SYNC_COMMITTEE_PERIOD} from "@lodestar/params";
import type {Logger} from "../util/logger.js";
import type {SlotClock} from "./clock.js";
import type {SyncDuty} from "./syncCommitteeMessage.js";
import {syncPeriodOfEpoch, syncPeriodOfMessageSlot} from "./syncCommitteeSelection.js";

export type SyncCommitteeSubscription = routes.validator.SyncCommitteeSubscription;

/** The BN calls of the sync duty scheduler. */
export interface SyncDutiesSource {
  /** `POST /eth/v1/validator/duties/sync/{epoch}` (any epoch of the current or the next period). */
  syncDuties(epoch: number, indices: number[]): Promise<SyncDuty[]>;
  /** `POST /eth/v1/validator/sync_committee_subscriptions`. */
  subscribe(subscriptions: SyncCommitteeSubscription[]): Promise<void>;
}

/**
 * A due step of a slot's sync committee work, for every cluster validator in the committee: selection
 * proofs a slot ahead (at the start of the slot before), the message at 1/3, the contribution at 2/3
 * (aggregators only).
 */
export interface SyncDutyTrigger {
  type: "syncSelection" | "syncMessage" | "syncContribution";
  slot: number;
  duties: SyncDuty[];
}

export interface SyncDutySchedulerOpts {
  validatorIndices: number[];
}

export interface SyncDutySchedulerModules {
  slotClock: SlotClock;
  source: SyncDutiesSource;
  logger: Logger;
  onDuty(trigger: SyncDutyTrigger): void;
}

/**
 * Sync committee duties per period: fetched at start for the current and the next period, and again at
 * every slot for a period still missing (a failed fetch, a new next period). Each fetched period's
 * members are subscribed to their subnets at once, until the period ends; a period is fetched a whole
 * period ahead, which is in time for the BN to join the subnets.
 */
export class SyncDutyScheduler {
  private readonly byPeriod = new Map<number, SyncDuty[]>();
  private readonly fetching = new Set<number>();
  private readonly cancels = new Set<() => void>();
  /** "type:slot" of the triggers fired (a message fires at the slot's block or at 1/3, once). */
  private readonly fired = new Set<string>();
  private running = false;

  constructor(
    private readonly opts: SyncDutySchedulerOpts,
    private readonly modules: SyncDutySchedulerModules,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    await this.refresh();
    const slot = this.modules.slotClock.currentSlot();
    // The current slot's selection proofs were due a slot ago: late, but its contribution still needs them.
    this.fire("syncSelection", slot);
    this.scheduleSlot(slot);
  }

  stop(): void {
    this.running = false;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  /** Duties of a period, once fetched (for status and tests). */
  dutiesOfPeriod(period: number): SyncDuty[] | undefined {
    return this.byPeriod.get(period);
  }

  /** The duties whose messages are due at `slot`. */
  dutiesAt(slot: number): SyncDuty[] {
    return this.byPeriod.get(syncPeriodOfMessageSlot(slot, this.modules.slotClock.opts.slotsPerEpoch)) ?? [];
  }

  private async refresh(): Promise<void> {
    const {slotClock} = this.modules;
    const period = syncPeriodOfEpoch(slotClock.currentEpoch());
    // A BN serves the next period's committee from a state of this period: asked right at the period's
    // first slot, a BN whose clock is a few ms behind ours still sees the previous period and refuses (Lodestar
    // logs EPOCH_CONTEXT_ERROR_NO_SYNC_COMMITTEE as an error). The next period is a whole period away: wait a slot.
    const firstSlotOfPeriod = period * EPOCHS_PER_SYNC_COMMITTEE_PERIOD * slotClock.opts.slotsPerEpoch;
    const atBoundary = period > 0 && slotClock.currentSlot() === firstSlotOfPeriod;
    await Promise.all((atBoundary ? [period] : [period, period + 1]).map((p) => this.fetch(p)));
    for (const p of this.byPeriod.keys()) if (p < period - 1) this.byPeriod.delete(p);
  }

  private async fetch(period: number): Promise<void> {
    if (this.byPeriod.has(period) || this.fetching.has(period) || this.opts.validatorIndices.length === 0) return;
    this.fetching.add(period);
    const firstEpoch = period * EPOCHS_PER_SYNC_COMMITTEE_PERIOD;
    const epoch = Math.max(firstEpoch, this.modules.slotClock.currentEpoch());
    try {
      const duties = await this.modules.source.syncDuties(epoch, this.opts.validatorIndices);
      this.byPeriod.set(period, duties);
      if (duties.length > 0) {
        this.modules.logger.info("sync committee duties", {period, validators: duties.length});
        await this.modules.source
          .subscribe(
            duties.map((d) => ({
              validatorIndex: d.validatorIndex,
              syncCommitteeIndices: d.validatorSyncCommitteeIndices,
              untilEpoch: firstEpoch + EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
            })),
          )
          .catch((e: unknown) => {
            this.modules.logger.warn("sync committee subscription failed", {period, reason: (e as Error).message});
          });
      }
    } catch (e) {
      this.modules.logger.warn("sync duties fetch failed, will retry", {period, reason: (e as Error).message});
    } finally {
      this.fetching.delete(period);
    }
  }

  /**
   * The slot's block arrived (a head event): its sync messages go at once, as validator clients sign
   * them (at the block or at 1/3 of the slot, whichever comes first); the 1/3 timer then does nothing.
   */
  onHead(slot: number): void {
    if (slot === this.modules.slotClock.currentSlot()) this.fire("syncMessage", slot);
  }

  private scheduleSlot(slot: number): void {
    if (!this.running) return;
    const {slotClock} = this.modules;
    // Late triggers (start-up mid-slot) fire at once, in order: selection, message, contribution.
    // Selection proofs a slot ahead: the contribution at 2/3 must not wait for their exchange, and a lost
    // share has a whole slot to be re-sent (a third of a slot is 1 s on 3 s slots).
    this.at(slotClock.timeInSlot(slot, 0), () => this.fire("syncSelection", slot + 1));
    this.at(slotClock.timeInSlot(slot, 1 / 3), () => this.fire("syncMessage", slot));
    this.at(slotClock.timeInSlot(slot, 2 / 3), () => this.fire("syncContribution", slot));
    this.at(slotClock.timeInSlot(slot + 1, 0), () => {
      const next = Math.max(slot + 1, slotClock.currentSlot());
      void this.refresh();
      this.scheduleSlot(next);
    });
  }

  private fire(type: SyncDutyTrigger["type"], slot: number): void {
    if (!this.running) return;
    const key = `${type}:${slot}`;
    if (this.fired.has(key)) return;
    const duties = this.dutiesAt(slot);
    if (duties.length === 0) return;
    this.fired.add(key);
    // Only the latest slots' keys are needed to fire each trigger once.
    for (const k of this.fired) if (Number(k.split(":")[1]) < slot - 2) this.fired.delete(k);
    try {
      this.modules.onDuty({type, slot, duties});
    } catch (e) {
      this.modules.logger.error("sync duty handler failed", {type, slot}, e);
    }
  }

  private at(atMs: number, fn: () => void): void {
    const cancel = this.modules.slotClock.clock.setTimer(atMs, () => {
      this.cancels.delete(cancel);
      fn();
    });
    this.cancels.add(cancel);
  }
}

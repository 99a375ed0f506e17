import type {routes} from "@lodestar/api";
import type {Logger} from "../util/logger.js";
import type {SlotClock} from "./clock.js";

export type AttesterDuty = routes.validator.AttesterDuty;
export type ProposerDuty = routes.validator.ProposerDuty;

/** The BN calls the scheduler needs (the Beacon API client implements them). */
export interface DutiesSource {
  attesterDuties(epoch: number, indices: number[]): Promise<{dependentRoot: string; duties: AttesterDuty[]}>;
  proposerDuties(epoch: number): Promise<{dependentRoot: string; duties: ProposerDuty[]}>;
}

/** A duty that is due: every validator of the cluster with that duty in that slot, together. */
export type DutyTrigger =
  | {type: "proposer"; slot: number; duties: ProposerDuty[]}
  | {type: "attester"; slot: number; duties: AttesterDuty[]}
  /** The slot's attester duties again at 2/3 of the slot: those whose selection proof selects them aggregate. */
  | {type: "aggregator"; slot: number; duties: AttesterDuty[]};

/** The head event's dependent roots (Beacon API `head` topic). */
export interface HeadEvent {
  slot: number;
  previousDutyDependentRoot: string;
  currentDutyDependentRoot: string;
}

export interface DutySchedulerOpts {
  /** The cluster's validator indices. */
  validatorIndices: number[];
  /** Fire "aggregator" triggers at 2/3 of each slot with attester duties. */
  aggregation?: boolean;
}

export interface DutySchedulerModules {
  slotClock: SlotClock;
  source: DutiesSource;
  logger: Logger;
  /** Called when a duty is due: proposers at the start of their slot, attesters at 1/3 of it. */
  onDuty(trigger: DutyTrigger): void;
  /** Called with an epoch's attester duties whenever they are (re)fetched: selection proofs start here. */
  onAttesterDuties?(epoch: number, duties: AttesterDuty[]): void;
}

interface EpochDuties<T> {
  dependentRoot: string;
  duties: T[];
}

/**
 * Fetches duties and fires them on time. At start: the current and next epoch; at every epoch start:
 * epoch + 1; again whenever a head event shows that the dependent root a duty set was fetched with changed
 * (a re-org), replacing the duties that moved. A failed fetch is retried at the next slot.
 */
export class DutyScheduler {
  private readonly attester = new Map<number, EpochDuties<AttesterDuty>>();
  private readonly proposer = new Map<number, EpochDuties<ProposerDuty>>();
  private readonly cancels = new Set<() => void>();
  private readonly fired = new Set<string>();
  private running = false;

  constructor(
    private readonly opts: DutySchedulerOpts,
    private readonly modules: DutySchedulerModules,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    const epoch = this.modules.slotClock.currentEpoch();
    await Promise.all([this.refresh(epoch), this.refresh(epoch + 1)]);
    this.scheduleSlot(this.modules.slotClock.currentSlot());
  }

  stop(): void {
    this.running = false;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  /** Duties known for an epoch (for status and tests). */
  dutiesOf(epoch: number): {attester: AttesterDuty[]; proposer: ProposerDuty[]} {
    return {attester: this.attester.get(epoch)?.duties ?? [], proposer: this.proposer.get(epoch)?.duties ?? []};
  }

  /**
   * Attests at once when the slot's block arrives (as validator clients do: at the block or at 1/3 of the
   * slot, whichever comes first), then refetches what a re-org moved: attester duties of this and the next
   * epoch, proposer duties of this one.
   */
  async onHead(head: HeadEvent): Promise<void> {
    if (head.slot === this.modules.slotClock.currentSlot()) this.fire("attester", head.slot);
    const epoch = this.modules.slotClock.epochOf(head.slot);
    const stale: Promise<void>[] = [];
    const att = this.attester.get(epoch);
    if (att && att.dependentRoot !== head.previousDutyDependentRoot) stale.push(this.fetchAttester(epoch));
    const next = this.attester.get(epoch + 1);
    if (next && next.dependentRoot !== head.currentDutyDependentRoot) stale.push(this.fetchAttester(epoch + 1));
    const prop = this.proposer.get(epoch);
    if (prop && prop.dependentRoot !== head.currentDutyDependentRoot) stale.push(this.fetchProposer(epoch));
    if (stale.length > 0) {
      this.modules.logger.info("dependent root changed, refetching duties", {slot: head.slot, refetches: stale.length});
      await Promise.all(stale);
    }
  }

  private async refresh(epoch: number): Promise<void> {
    const work: Promise<void>[] = [];
    if (!this.attester.has(epoch)) work.push(this.fetchAttester(epoch));
    if (!this.proposer.has(epoch)) work.push(this.fetchProposer(epoch));
    await Promise.all(work);
  }

  private async fetchAttester(epoch: number): Promise<void> {
    try {
      const res = await this.modules.source.attesterDuties(epoch, this.opts.validatorIndices);
      this.attester.set(epoch, res);
      try {
        this.modules.onAttesterDuties?.(epoch, res.duties);
      } catch (e) {
        this.modules.logger.error("attester duties handler failed", {epoch}, e);
      }
    } catch (e) {
      this.modules.logger.warn("attester duties fetch failed, will retry", {epoch, reason: (e as Error).message});
    }
  }

  private async fetchProposer(epoch: number): Promise<void> {
    try {
      const res = await this.modules.source.proposerDuties(epoch);
      const ours = new Set(this.opts.validatorIndices);
      this.proposer.set(epoch, {
        dependentRoot: res.dependentRoot,
        duties: res.duties.filter((d) => ours.has(d.validatorIndex)),
      });
    } catch (e) {
      this.modules.logger.warn("proposer duties fetch failed, will retry", {epoch, reason: (e as Error).message});
    }
  }

  /** Sets the slot's triggers and the timer of the next slot. */
  private scheduleSlot(slot: number): void {
    if (!this.running) return;
    const {slotClock} = this.modules;
    // A trigger whose time has passed within its slot (start-up mid-slot, a late timer) fires at once:
    // a late duty still earns more than a missed one.
    this.at(slotClock.timeInSlot(slot, 0), () => this.fire("proposer", slot));
    this.at(slotClock.timeInSlot(slot, 1 / 3), () => this.fire("attester", slot));
    if (this.opts.aggregation) this.at(slotClock.timeInSlot(slot, 2 / 3), () => this.fire("aggregator", slot));
    this.at(slotClock.timeInSlot(slot + 1, 0), () => {
      // After a stall longer than a slot, resume at the current slot: the skipped ones are missed.
      const next = Math.max(slot + 1, slotClock.currentSlot());
      const nextEpoch = slotClock.epochOf(next);
      // Fetch epoch + 1 at each epoch start, and retry anything missing at every slot.
      void this.refresh(nextEpoch).then(() => this.refresh(nextEpoch + 1));
      this.prune(nextEpoch);
      this.scheduleSlot(next);
    });
  }

  private fire(type: DutyTrigger["type"], slot: number): void {
    const key = `${type}:${slot}`;
    if (this.fired.has(key) || !this.running) return;
    const epoch = this.modules.slotClock.epochOf(slot);
    if (type === "proposer") {
      const duties = (this.proposer.get(epoch)?.duties ?? []).filter((d) => d.slot === slot);
      if (duties.length > 0) this.emit(key, {type, slot, duties});
    } else {
      const duties = (this.attester.get(epoch)?.duties ?? []).filter((d) => d.slot === slot);
      if (duties.length > 0) this.emit(key, {type, slot, duties});
    }
  }

  private emit(key: string, trigger: DutyTrigger): void {
    this.fired.add(key);
    try {
      this.modules.onDuty(trigger);
    } catch (e) {
      this.modules.logger.error("duty handler failed", {type: trigger.type, slot: trigger.slot}, e);
    }
  }

  private at(atMs: number, fn: () => void): void {
    const cancel = this.modules.slotClock.clock.setTimer(atMs, () => {
      this.cancels.delete(cancel);
      fn();
    });
    this.cancels.add(cancel);
  }

  private prune(currentEpoch: number): void {
    for (const map of [this.attester, this.proposer]) {
      for (const epoch of map.keys()) if (epoch < currentEpoch - 1) map.delete(epoch);
    }
    const minSlot = this.modules.slotClock.startSlotOf(Math.max(0, currentEpoch - 1));
    for (const key of this.fired) if (Number(key.split(":")[1]) < minSlot) this.fired.delete(key);
  }
}

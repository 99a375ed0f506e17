import {EPOCHS_PER_SYNC_COMMITTEE_PERIOD} from "@lodestar/params";
import {expect} from "chai";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {SyncDuty} from "../../../src/duties/syncCommitteeMessage.js";
import {
  type SyncCommitteeSubscription,
  SyncDutyScheduler,
  type SyncDutyTrigger,
} from "../../../src/duties/syncScheduler.js";
import {nullLogger} from "../../../src/util/logger.js";

const SLOTS_PER_EPOCH = 4;
const SLOT_MS = 1200;
const PERIOD_SLOTS = EPOCHS_PER_SYNC_COMMITTEE_PERIOD * SLOTS_PER_EPOCH;

const duty = (validatorIndex: number): SyncDuty => ({
  pubkey: new Uint8Array(48).fill(validatorIndex),
  validatorIndex,
  validatorSyncCommitteeIndices: [validatorIndex],
});

describe("duties/syncScheduler", () => {
  let clock: ManualClock;
  let scheduler: SyncDutyScheduler | null = null;
  afterEach(() => scheduler?.stop());

  function start(atSlot: number, fetch: (epoch: number) => Promise<SyncDuty[]>) {
    clock = new ManualClock(atSlot * SLOT_MS);
    const slotClock = new SlotClock(
      {genesisTimeSec: 0, secondsPerSlot: SLOT_MS / 1000, slotsPerEpoch: SLOTS_PER_EPOCH},
      clock,
    );
    const triggers: (SyncDutyTrigger & {atMs: number})[] = [];
    const asked: number[] = [];
    const subscriptions: SyncCommitteeSubscription[][] = [];
    scheduler = new SyncDutyScheduler(
      {validatorIndices: [1, 2]},
      {
        slotClock,
        logger: nullLogger(),
        source: {
          syncDuties: (epoch) => {
            asked.push(epoch);
            return fetch(epoch);
          },
          subscribe: async (s) => void subscriptions.push(s),
        },
        onDuty: (t) => triggers.push({...t, atMs: clock.now()}),
      },
    );
    return {triggers, asked, subscriptions, started: scheduler.start()};
  }

  it("fetches the current and next period at start, subscribes each until its end, and fires selection proofs a slot ahead, then 1/3, 2/3", async () => {
    const {triggers, asked, subscriptions, started} = start(0, async (epoch) =>
      epoch < EPOCHS_PER_SYNC_COMMITTEE_PERIOD ? [duty(1)] : [duty(2)],
    );
    await started;
    expect(asked).to.deep.equal([0, EPOCHS_PER_SYNC_COMMITTEE_PERIOD]);
    expect(subscriptions).to.deep.equal([
      [{validatorIndex: 1, syncCommitteeIndices: [1], untilEpoch: EPOCHS_PER_SYNC_COMMITTEE_PERIOD}],
      [{validatorIndex: 2, syncCommitteeIndices: [2], untilEpoch: 2 * EPOCHS_PER_SYNC_COMMITTEE_PERIOD}],
    ]);
    clock.advance(SLOT_MS - 1);
    // At start the current slot's proofs (late), then at each slot start the next slot's.
    expect(triggers.map((t) => [t.type, t.slot, t.atMs])).to.deep.equal([
      ["syncSelection", 0, 0],
      ["syncSelection", 1, 0],
      ["syncMessage", 0, SLOT_MS / 3],
      ["syncContribution", 0, (2 * SLOT_MS) / 3],
    ]);
    expect(triggers[0].duties.map((d) => d.validatorIndex)).to.deep.equal([1]);
    clock.advance(1);
    expect(triggers.slice(4).map((t) => [t.type, t.slot, t.atMs])).to.deep.equal([["syncSelection", 2, SLOT_MS]]);
  });

  it("started mid-slot: the slot's selection proofs at once, before its late message and contribution", async () => {
    const {triggers, started} = start(0, async () => [duty(1)]);
    clock.advance(SLOT_MS / 2);
    await started;
    clock.advance(0);
    expect(triggers.map((t) => [t.type, t.slot])).to.deep.equal([
      ["syncSelection", 0],
      ["syncSelection", 1],
      ["syncMessage", 0],
    ]);
  });

  it("uses the next period's committee for the last slot of a period (its messages go in the next period's block)", async () => {
    const {triggers, started} = start(PERIOD_SLOTS - 2, async (epoch) =>
      epoch < EPOCHS_PER_SYNC_COMMITTEE_PERIOD ? [duty(1)] : [duty(2)],
    );
    await started;
    clock.advance(3 * SLOT_MS);
    const messages = triggers.filter((t) => t.type === "syncMessage");
    expect(messages.map((t) => [t.slot, t.duties[0].validatorIndex])).to.deep.equal([
      [PERIOD_SLOTS - 2, 1],
      [PERIOD_SLOTS - 1, 2],
      [PERIOD_SLOTS, 2],
    ]);
    // The proofs fired a slot ahead are those of the slot they are for: the next committee's from PERIOD_SLOTS - 1.
    const selections = triggers.filter((t) => t.type === "syncSelection");
    expect(selections.map((t) => [t.slot, t.duties[0].validatorIndex])).to.deep.equal([
      [PERIOD_SLOTS - 2, 1],
      [PERIOD_SLOTS - 1, 2],
      [PERIOD_SLOTS, 2],
      [PERIOD_SLOTS + 1, 2],
      [PERIOD_SLOTS + 2, 2],
    ]);
  });

  it("asks the next period a slot after a period begins, not at its first slot (a BN a few ms behind refuses it)", async () => {
    const {asked, started} = start(PERIOD_SLOTS - 1, async () => [duty(1)]);
    await started;
    const E = EPOCHS_PER_SYNC_COMMITTEE_PERIOD;
    expect(asked).to.deep.equal([E - 1, E]);
    clock.advance(SLOT_MS); // the first slot of period 1: nothing new asked
    await new Promise((r) => setImmediate(r));
    expect(asked).to.deep.equal([E - 1, E]);
    clock.advance(SLOT_MS);
    await new Promise((r) => setImmediate(r));
    expect(asked).to.deep.equal([E - 1, E, 2 * E]);
  });

  it("fires the slot's messages when its block arrives (head event), before 1/3, and only once", async () => {
    const {triggers, started} = start(1, async () => [duty(1)]);
    await started;
    clock.advance(100);
    scheduler?.onHead(0); // a late block of the slot before: nothing
    scheduler?.onHead(1);
    clock.advance(2 * SLOT_MS);
    expect(triggers.filter((t) => t.type === "syncMessage").map((t) => [t.slot, t.atMs])).to.deep.equal([
      [1, SLOT_MS + 100],
      [2, 2 * SLOT_MS + SLOT_MS / 3],
    ]);
  });

  it("retries a failed fetch at the next slot and fires nothing for a slot without duties", async () => {
    let fail = true;
    const {triggers, asked, started} = start(0, async () => {
      if (fail) throw new Error("BN down");
      return [duty(1)];
    });
    await started;
    fail = false;
    clock.advance(SLOT_MS - 1);
    expect(triggers).to.deep.equal([]);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(asked.length).to.equal(4); // both periods again
    clock.advance(SLOT_MS / 2);
    // The retry runs at the slot start, with that slot's selection trigger: the duties arrive for its message.
    expect(triggers.map((t) => [t.type, t.slot])).to.deep.equal([["syncMessage", 1]]);
  });
});

import {expect} from "chai";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import {
  type AttesterDuty,
  type DutiesSource,
  DutyScheduler,
  type DutyTrigger,
  type ProposerDuty,
} from "../../../src/duties/scheduler.js";
import {nullLogger} from "../../../src/util/logger.js";

const SLOTS_PER_EPOCH = 8;
const SECONDS_PER_SLOT = 6;
const genesisTimeSec = 1_000;

function attesterDuty(validatorIndex: number, slot: number, committeeIndex = 0): AttesterDuty {
  return {
    pubkey: new Uint8Array(48).fill(validatorIndex),
    validatorIndex,
    committeeIndex,
    committeeLength: 4,
    committeesAtSlot: 1,
    validatorCommitteeIndex: validatorIndex % 4,
    slot,
  };
}

function proposerDuty(validatorIndex: number, slot: number): ProposerDuty {
  return {pubkey: new Uint8Array(48).fill(validatorIndex), validatorIndex, slot};
}

/** A BN stand-in whose duties and dependent roots the test controls; records every fetch. */
class FakeSource implements DutiesSource {
  fetches: string[] = [];
  roots = new Map<string, string>();
  failNext = 0;
  attesterSlotOffset = 2;

  async attesterDuties(epoch: number, indices: number[]) {
    this.fetches.push(`attester:${epoch}`);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("BN unreachable");
    }
    const slot = epoch * SLOTS_PER_EPOCH + this.attesterSlotOffset;
    // Attester duties of epoch e+1 share their dependent root with the proposer duties of epoch e.
    const fallback = epoch === 0 ? "0xaa" : "0xbb";
    return {dependentRoot: this.roots.get(`a${epoch}`) ?? fallback, duties: indices.map((i) => attesterDuty(i, slot))};
  }

  async proposerDuties(epoch: number) {
    this.fetches.push(`proposer:${epoch}`);
    const duties = [proposerDuty(1, epoch * SLOTS_PER_EPOCH + 5), proposerDuty(99, epoch * SLOTS_PER_EPOCH + 6)];
    return {dependentRoot: this.roots.get(`p${epoch}`) ?? "0xbb", duties};
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("duties/scheduler", () => {
  let clock: ManualClock;
  let source: FakeSource;
  let triggers: {trigger: DutyTrigger; atMs: number}[];
  let scheduler: DutyScheduler;

  function setup(startMs: number): void {
    clock = new ManualClock(startMs);
    source = new FakeSource();
    triggers = [];
    const slotClock = new SlotClock(
      {genesisTimeSec, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH},
      clock,
    );
    scheduler = new DutyScheduler(
      {validatorIndices: [1, 2]},
      {slotClock, source, logger: nullLogger(), onDuty: (trigger) => triggers.push({trigger, atMs: clock.now()})},
    );
  }

  afterEach(() => scheduler.stop());

  it("fetches the current and next epoch at start, then epoch + 1 at each epoch start", async () => {
    setup(genesisTimeSec * 1000); // genesis, slot 0
    await scheduler.start();
    expect(source.fetches.sort()).to.deep.equal(["attester:0", "attester:1", "proposer:0", "proposer:1"]);
    source.fetches = [];
    clock.advance(SLOTS_PER_EPOCH * SECONDS_PER_SLOT * 1000); // to the start of epoch 1
    await flush();
    expect(source.fetches.sort()).to.deep.equal(["attester:2", "proposer:2"]);
  });

  it("fires proposers at the slot start and attesters at 1/3 of the slot, only ours, once", async () => {
    setup(genesisTimeSec * 1000);
    await scheduler.start();
    clock.advance(SLOTS_PER_EPOCH * SECONDS_PER_SLOT * 1000 - 1);
    const slotStart = (slot: number) => (genesisTimeSec + slot * SECONDS_PER_SLOT) * 1000;
    expect(triggers.map((t) => [t.trigger.type, t.trigger.slot, t.atMs])).to.deep.equal([
      ["attester", 2, slotStart(2) + 2000],
      ["proposer", 5, slotStart(5)],
    ]);
    const attester = triggers[0].trigger;
    expect(attester.duties.map((d) => d.validatorIndex)).to.deep.equal([1, 2]);
    // Validator 99's proposal is not ours.
    expect(triggers[1].trigger.duties.map((d) => d.validatorIndex)).to.deep.equal([1]);
  });

  it("with aggregation: fires the slot's attester duties again at 2/3 as an aggregator trigger; reports each epoch's attester duties", async () => {
    clock = new ManualClock(genesisTimeSec * 1000);
    source = new FakeSource();
    triggers = [];
    const reported: [number, number[]][] = [];
    const slotClock = new SlotClock(
      {genesisTimeSec, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH},
      clock,
    );
    scheduler = new DutyScheduler(
      {validatorIndices: [1, 2], aggregation: true},
      {
        slotClock,
        source,
        logger: nullLogger(),
        onDuty: (trigger) => triggers.push({trigger, atMs: clock.now()}),
        onAttesterDuties: (epoch, duties) => reported.push([epoch, duties.map((d) => d.validatorIndex)]),
      },
    );
    await scheduler.start();
    expect(reported.sort()).to.deep.equal([
      [0, [1, 2]],
      [1, [1, 2]],
    ]);
    clock.advance(SLOTS_PER_EPOCH * SECONDS_PER_SLOT * 1000 - 1);
    const slotStart = (slot: number) => (genesisTimeSec + slot * SECONDS_PER_SLOT) * 1000;
    expect(triggers.map((t) => [t.trigger.type, t.trigger.slot, t.atMs])).to.deep.equal([
      ["attester", 2, slotStart(2) + 2000],
      ["aggregator", 2, slotStart(2) + 4000],
      ["proposer", 5, slotStart(5)],
    ]);
    expect(triggers[1].trigger.duties.map((d) => d.validatorIndex)).to.deep.equal([1, 2]);
  });

  it("attests at once when the slot's block arrives (head event), before 1/3, and only once", async () => {
    setup(genesisTimeSec * 1000);
    await scheduler.start();
    const slotStart = (genesisTimeSec + 2 * SECONDS_PER_SLOT) * 1000;
    // A head event of an earlier slot (a late block) does not attest for the current one.
    clock.advance(slotStart + 300 - clock.now());
    await scheduler.onHead({slot: 1, previousDutyDependentRoot: "0xaa", currentDutyDependentRoot: "0xbb"});
    expect(triggers.filter((t) => t.trigger.type === "attester")).to.deep.equal([]);
    clock.advance(200);
    await scheduler.onHead({slot: 2, previousDutyDependentRoot: "0xaa", currentDutyDependentRoot: "0xbb"});
    clock.advance(SECONDS_PER_SLOT * 1000);
    expect(triggers.filter((t) => t.trigger.type === "attester").map((t) => [t.trigger.slot, t.atMs])).to.deep.equal([
      [2, slotStart + 500],
    ]);
  });

  it("refetches duties whose dependent root changed (re-org) and fires the moved duty", async () => {
    setup(genesisTimeSec * 1000);
    await scheduler.start();
    source.fetches = [];
    // Same roots: nothing to do.
    await scheduler.onHead({slot: 1, previousDutyDependentRoot: "0xaa", currentDutyDependentRoot: "0xbb"});
    expect(source.fetches).to.deep.equal([]);
    // The attester duties of epoch 0 moved to slot 4.
    source.attesterSlotOffset = 4;
    source.roots.set("a0", "0xcc");
    await scheduler.onHead({slot: 1, previousDutyDependentRoot: "0xcc", currentDutyDependentRoot: "0xbb"});
    expect(source.fetches).to.deep.equal(["attester:0"]);
    clock.advance(5 * SECONDS_PER_SLOT * 1000);
    expect(triggers.filter((t) => t.trigger.type === "attester").map((t) => t.trigger.slot)).to.deep.equal([4]);
  });

  it("retries a failed fetch at the next slot and keeps running", async () => {
    setup(genesisTimeSec * 1000);
    source.failNext = 2;
    await scheduler.start();
    expect(scheduler.dutiesOf(0).attester).to.have.length(0);
    clock.advance(SECONDS_PER_SLOT * 1000);
    await flush();
    expect(scheduler.dutiesOf(0).attester).to.have.length(2);
    clock.advance(SECONDS_PER_SLOT * 1000 * 2);
    expect(triggers.map((t) => t.trigger.slot)).to.include(2);
  });

  it("starting mid-slot fires that slot's due duties at once, and stop() clears every timer", async () => {
    setup((genesisTimeSec + 2 * SECONDS_PER_SLOT) * 1000 + 3000); // slot 2, past 1/3
    await scheduler.start();
    clock.advance(0);
    expect(triggers.map((t) => [t.trigger.type, t.trigger.slot])).to.deep.equal([["attester", 2]]);
    scheduler.stop();
    expect(clock.pendingTimers()).to.equal(0);
  });
});

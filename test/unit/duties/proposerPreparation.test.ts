import type {routes} from "@lodestar/api";
import type {bellatrix} from "@lodestar/types";
import {expect} from "chai";
import {Registry} from "prom-client";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {SignedRegistration, ValidatorSettings} from "../../../src/duties/interfaces.js";
import {
  createPreparationMetrics,
  type PreparationBeaconNode,
  ProposerPreparation,
} from "../../../src/duties/proposerPreparation.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

const SLOTS_PER_EPOCH = 8;
const SLOT_MS = 2000;
const EPOCH_MS = SLOTS_PER_EPOCH * SLOT_MS;
const keys = [1, 2, 3].map((i) => `0x${String(i).repeat(96)}`);
const fee = (i: number) => `0x${String(i + 4).repeat(40)}`;
const registration = (i: number): SignedRegistration => ({
  message: {feeRecipient: fee(i), gasLimit: 36_000_000, timestamp: 1_700_000_000, pubkey: keys[i]},
  signature: `0x${String(i + 7).repeat(192)}`,
});
/** The lock names fee recipients and registrations of validators 0 and 1 only (2: a v1-like entry). */
const settings: ValidatorSettings = {
  feeRecipientOf: (pubkey) => {
    const i = keys.indexOf(pubkey);
    return i >= 0 && i < 2 ? fee(i) : undefined;
  },
  registrationOf: (pubkey) => {
    const i = keys.indexOf(pubkey);
    return i >= 0 && i < 2 ? registration(i) : undefined;
  },
};

/** A beacon node that knows validators by index as told, records the calls and fails on demand. */
class RecordingBeaconNode implements PreparationBeaconNode {
  known = new Map<string, number>();
  prepared: {atMs: number; proposers: routes.validator.ProposerPreparationData[]}[] = [];
  registered: {atMs: number; registrations: bellatrix.SignedValidatorRegistrationV1[]}[] = [];
  failing = false;
  constructor(private readonly clock: ManualClock) {}
  async getValidatorIndices(pubkeys: Uint8Array[]): Promise<Map<string, number>> {
    return new Map(
      pubkeys.map((p) => toHex(p)).flatMap((k) => (this.known.has(k) ? [[k, this.known.get(k) as number]] : [])),
    );
  }
  async prepareBeaconProposer(proposers: routes.validator.ProposerPreparationData[]): Promise<void> {
    if (this.failing) throw new Error("BN down");
    this.prepared.push({atMs: this.clock.now(), proposers});
  }
  async registerValidator(registrations: bellatrix.SignedValidatorRegistrationV1[]): Promise<void> {
    if (this.failing) throw new Error("BN down");
    this.registered.push({atMs: this.clock.now(), registrations});
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

describe("duties/proposerPreparation (signer mode: prepare_beacon_proposer and register_validator from the lock)", () => {
  let clock: ManualClock;
  let bn: RecordingBeaconNode;
  let register: Registry;
  let prep: ProposerPreparation;

  function start(opts: {firstEpoch?: number; atMs?: number} = {}) {
    clock = new ManualClock(opts.atMs ?? 0);
    bn = new RecordingBeaconNode(clock);
    register = new Registry();
    const slotClock = new SlotClock(
      {genesisTimeSec: 0, secondsPerSlot: SLOT_MS / 1000, slotsPerEpoch: SLOTS_PER_EPOCH},
      clock,
    );
    bn.known.set(keys[0], 10);
    bn.known.set(keys[2], 12);
    prep = new ProposerPreparation(
      {validators: keys, knownIndices: new Map([[keys[0], 10]]), firstEpoch: opts.firstEpoch},
      {slotClock, beaconNode: bn, settings, logger: nullLogger(), metrics: createPreparationMetrics(register)},
    );
    prep.start();
  }
  afterEach(() => prep.stop());

  it("at start and at every epoch start: the lock's fee recipients and pre-signed registrations of the validators the BN knows", async () => {
    start({atMs: 3 * SLOT_MS + 100});
    await flush();
    // Validator 1 is not deposited (unknown to the BN): skipped. Validator 2 has no lock settings.
    expect(bn.prepared).to.deep.equal([
      {atMs: 3 * SLOT_MS + 100, proposers: [{validatorIndex: 10, feeRecipient: fee(0)}]},
    ]);
    expect(bn.registered).to.have.length(1);
    const sent = bn.registered[0].registrations;
    expect(sent.map((r) => toHex(r.message.pubkey))).to.deep.equal([keys[0]]);
    expect(toHex(sent[0].message.feeRecipient)).to.equal(fee(0));
    expect(sent[0].message.gasLimit).to.equal(36_000_000);
    expect(sent[0].message.timestamp).to.equal(1_700_000_000);
    expect(toHex(sent[0].signature)).to.equal(registration(0).signature);

    // Validator 1 gets deposited: the next epoch includes it.
    bn.known.set(keys[1], 11);
    clock.advance(EPOCH_MS - clock.now() - 1);
    await flush();
    expect(bn.prepared).to.have.length(1);
    clock.advance(1);
    await flush();
    expect(bn.prepared).to.have.length(2);
    expect(bn.prepared[1]).to.deep.equal({
      atMs: EPOCH_MS,
      proposers: [
        {validatorIndex: 10, feeRecipient: fee(0)},
        {validatorIndex: 11, feeRecipient: fee(1)},
      ],
    });
    expect(bn.registered[1].registrations.map((r) => toHex(r.message.pubkey))).to.deep.equal([keys[0], keys[1]]);
    clock.advance(EPOCH_MS);
    await flush();
    expect(bn.prepared.map((p) => p.atMs)).to.deep.equal([3 * SLOT_MS + 100, EPOCH_MS, 2 * EPOCH_MS]);
  });

  it("a BN error is logged and counted, never fatal: the next epoch sends again", async () => {
    start();
    await flush();
    bn.failing = true;
    clock.advance(EPOCH_MS);
    await flush();
    bn.failing = false;
    clock.advance(EPOCH_MS);
    await flush();
    expect(bn.prepared.map((p) => p.atMs)).to.deep.equal([0, 2 * EPOCH_MS]);
    const calls = (await register.getSingleMetric("cohort_proposer_preparation_calls_total")?.get())?.values ?? [];
    const count = (call: string, result: string) =>
      calls.find((v) => v.labels.call === call && v.labels.result === result)?.value;
    expect(count("prepare_beacon_proposer", "ok")).to.equal(2);
    expect(count("prepare_beacon_proposer", "error")).to.equal(1);
    expect(count("register_validator", "error")).to.equal(1);
  });

  it("sends nothing before its first epoch (Bellatrix − 1), then every epoch", async () => {
    start({firstEpoch: 2});
    await flush();
    clock.advance(EPOCH_MS);
    await flush();
    expect(bn.prepared).to.deep.equal([]);
    clock.advance(EPOCH_MS);
    await flush();
    expect(bn.prepared.map((p) => p.atMs)).to.deep.equal([2 * EPOCH_MS]);
  });

  it("stops: no call after stop()", async () => {
    start();
    await flush();
    prep.stop();
    clock.advance(3 * EPOCH_MS);
    await flush();
    expect(bn.prepared).to.have.length(1);
  });
});

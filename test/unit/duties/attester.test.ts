import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {initHerumi} from "../../../src/combine/index.js";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {
  attestationSigningRoot,
  type Decider,
  isValidAttesterValue,
  runAttesterDuty,
  type ShareSigner,
} from "../../../src/duties/attester.js";
import {encodeAttesterValue} from "../../../src/duties/attesterValue.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import type {AttesterDuty} from "../../../src/duties/scheduler.js";
import type {ShareExchange} from "../../../src/duties/shareExchange.js";
import {UndecidedGate} from "../../../src/duties/undecidedGate.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

const config = createBeaconConfig(createSimChainConfig(), new Uint8Array(32).fill(9));
const SLOTS_PER_EPOCH = 8;
const slot = 3 * SLOTS_PER_EPOCH + 2; // epoch 3
const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(1));
const validatorKey = sk.toPublicKey().toBytes();

function attestationData(overrides: {slot?: number; source?: number; target?: number; root?: number} = {}) {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = overrides.slot ?? slot;
  data.index = 0;
  data.beaconBlockRoot = new Uint8Array(32).fill(overrides.root ?? 1);
  data.source = {epoch: overrides.source ?? 2, root: new Uint8Array(32).fill(2)};
  data.target = {epoch: overrides.target ?? 3, root: new Uint8Array(32).fill(3)};
  return data;
}

const duty: AttesterDuty = {
  pubkey: validatorKey,
  validatorIndex: 5,
  committeeIndex: 1,
  committeeLength: 4,
  committeesAtSlot: 2,
  validatorCommitteeIndex: 2,
  slot,
};

describe("duties/attester", () => {
  let db: SlashingProtection;
  const clock = new ManualClock(0);
  const slotClock = new SlotClock({genesisTimeSec: 0, secondsPerSlot: 2, slotsPerEpoch: SLOTS_PER_EPOCH}, clock);
  const modules = () => ({config, slashing: db, logger: nullLogger(), slotClock});
  const value = (d = attestationData()) => encodeAttesterValue([{committeeIndex: 0, data: d}]);

  before(async () => initHerumi());
  beforeEach(() => {
    db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: new Uint8Array(32).fill(9)});
  });
  afterEach(() => db.close());

  describe("validity predicate (safety rule 1)", () => {
    const valid = (v: Uint8Array) => isValidAttesterValue(v, slot, [duty], [0], true, modules());

    it("accepts the slot's data with source before target", () => {
      expect(valid(value())).to.equal(true);
    });

    it("refuses another slot, another target epoch, source not before target, a committee index, garbage", () => {
      expect(valid(value(attestationData({slot: slot + 1})))).to.equal(false);
      expect(valid(value(attestationData({target: 4})))).to.equal(false);
      expect(valid(value(attestationData({source: 3, target: 3})))).to.equal(false);
      const wrongIndex = attestationData();
      wrongIndex.index = 1;
      expect(valid(value(wrongIndex))).to.equal(false);
      expect(valid(new Uint8Array([1, 2, 3]))).to.equal(false);
      expect(valid(encodeAttesterValue([]))).to.equal(false);
    });

    it("refuses data slashable against the node's DB", () => {
      const signed = attestationData({root: 7});
      db.checkAndInsertAttestation(validatorKey, {
        sourceEpoch: 2,
        targetEpoch: 3,
        signingRoot: attestationSigningRoot(config, signed),
      });
      expect(valid(value(attestationData({root: 8})))).to.equal(false); // double vote
      expect(valid(value(signed))).to.equal(true); // the identical attestation again
    });
  });

  describe("the flow (safety rule 3: durable record before signing)", () => {
    function run(signer: ShareSigner, outcomes: DutyOutcome[], decide?: Decider["decide"]) {
      const published: unknown[] = [];
      const shares = {
        publish: (_ref: unknown, s: unknown[]) => published.push(...s),
        awaitCombined: async () => new Uint8Array(96),
      } as unknown as ShareExchange;
      return runAttesterDuty(slot, [duty], {
        ...modules(),
        gate: new UndecidedGate(),
        beaconNode: {
          produceAttestationData: async () => attestationData(),
          submitAttestations: async () => {},
        },
        consensus: {decide: decide ?? (async (_s, _t, opts) => ({value: await opts.propose(), round: 1}))},
        signer,
        shares,
        shareKeys: new Map([[toHex(validatorKey), validatorKey]]),
        onOutcome: (o) => outcomes.push(o),
      }).then(() => published);
    }

    it("records the attestation durably before the signer is asked", async () => {
      let recordedBeforeSign = false;
      const outcomes: DutyOutcome[] = [];
      await run(
        {
          sign: async (_key, msg) => {
            // At signing time the DB must already refuse a conflicting vote for this target.
            const conflicting = {sourceEpoch: 2, targetEpoch: 3, signingRoot: new Uint8Array(32).fill(0xee)};
            recordedBeforeSign = db.isSlashableAttestation(validatorKey, conflicting)?.code === "SLASHING_DOUBLE_VOTE";
            expect(msg.type).to.equal("ATTESTATION");
            return sk.sign(new Uint8Array(32)).toBytes();
          },
        },
        outcomes,
      );
      expect(recordedBeforeSign).to.equal(true);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted"]);
    });

    it("never asks the signer when the DB refuses the decided value", async () => {
      db.checkAndInsertAttestation(validatorKey, {
        sourceEpoch: 2,
        targetEpoch: 3,
        signingRoot: new Uint8Array(32).fill(0xee),
      });
      let signed = 0;
      const outcomes: DutyOutcome[] = [];
      const published = await run(
        {
          sign: async () => {
            signed++;
            return new Uint8Array(96);
          },
        },
        outcomes,
      );
      expect(signed).to.equal(0);
      expect(published).to.deep.equal([]);
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({status: "failed", reason: "slashing_refused"});
    });

    it("submits the validators combined together in one BN call; a rejection fails only its own validator", async () => {
      const keys = [1, 2, 3, 4].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)).toPublicKey().toBytes());
      const duties = keys.map((pubkey, i) => ({...duty, pubkey, validatorIndex: 10 + i}));
      const calls: number[][] = [];
      const runWith = async (rejectIndex: number | null) => {
        calls.length = 0;
        const outcomes: DutyOutcome[] = [];
        const shares = {
          publish: () => {},
          awaitCombined: async () => new Uint8Array(96),
        } as unknown as ShareExchange;
        await runAttesterDuty(slot + SLOTS_PER_EPOCH * (rejectIndex === null ? 1 : 2), duties, {
          ...modules(),
          gate: new UndecidedGate(),
          beaconNode: {
            produceAttestationData: async (s) =>
              attestationData({
                slot: s,
                source: Math.floor(s / SLOTS_PER_EPOCH) - 1,
                target: Math.floor(s / SLOTS_PER_EPOCH),
              }),
            submitAttestations: async (atts) => {
              const indices = atts.map((a) => (a as {attesterIndex: number}).attesterIndex);
              calls.push(indices);
              if (rejectIndex !== null && indices.includes(rejectIndex)) throw new Error(`rejected ${rejectIndex}`);
            },
          },
          consensus: {decide: async (_s, _t, opts) => ({value: await opts.propose(), round: 1})},
          signer: {sign: async () => new Uint8Array(96)},
          shares,
          shareKeys: new Map(keys.map((k) => [toHex(k), k])),
          onOutcome: (o) => outcomes.push(o),
        });
        return outcomes;
      };
      const all = await runWith(null);
      expect(calls).to.deep.equal([[10, 11, 12, 13]]);
      expect(all.map((o) => o.status)).to.deep.equal(["submitted", "submitted", "submitted", "submitted"]);
      const oneRejected = await runWith(12);
      // The batch failed, then each alone: only validator 12's duty fails.
      expect(calls).to.deep.equal([[10, 11, 12, 13], [10], [11], [12], [13]]);
      expect(oneRejected).to.have.length(4);
      const failed = oneRejected.filter((o) => o.status === "failed");
      expect(failed).to.have.length(1);
      expect(failed[0]).to.include({reason: "bn_rejected", validator: toHex(keys[2])});
    });

    it("submits as soon as the peers' shares combine, before its own RS answers; its share still goes out", async () => {
      let answer: (sig: Uint8Array) => void = () => {};
      const outcomes: DutyOutcome[] = [];
      const published: unknown[] = [];
      const shares = {
        publish: (_ref: unknown, s: unknown[]) => published.push(...s),
        awaitCombined: async () => new Uint8Array(96),
      } as unknown as ShareExchange;
      const running = runAttesterDuty(slot, [duty], {
        ...modules(),
        gate: new UndecidedGate(),
        beaconNode: {produceAttestationData: async () => attestationData(), submitAttestations: async () => {}},
        consensus: {decide: async (_s, _t, opts) => ({value: await opts.propose(), round: 1})},
        signer: {sign: () => new Promise((resolve) => (answer = resolve))},
        shares,
        shareKeys: new Map([[toHex(validatorKey), validatorKey]]),
        onOutcome: (o) => outcomes.push(o),
      });
      for (let i = 0; i < 20 && outcomes.length === 0; i++) await new Promise((r) => setImmediate(r));
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted"]);
      expect(published).to.deep.equal([]);
      answer(new Uint8Array(96).fill(5));
      await running;
      expect(published).to.have.length(1);
      expect(outcomes).to.have.length(1);
    });

    it("a refusing RS ends the validator's duty as signer_refused while nothing combined", async () => {
      const outcomes: DutyOutcome[] = [];
      const shares = {
        publish: () => {
          throw new Error("nothing to publish");
        },
        awaitCombined: () => new Promise(() => {}),
      } as unknown as ShareExchange;
      await runAttesterDuty(slot, [duty], {
        ...modules(),
        gate: new UndecidedGate(),
        beaconNode: {produceAttestationData: async () => attestationData(), submitAttestations: async () => {}},
        consensus: {decide: async (_s, _t, opts) => ({value: await opts.propose(), round: 1})},
        signer: {
          sign: async () => {
            throw new Error("refused by the RS's slashing protection");
          },
        },
        shares,
        shareKeys: new Map([[toHex(validatorKey), validatorKey]]),
        onOutcome: (o) => outcomes.push(o),
      });
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({status: "failed", reason: "signer_refused"});
    });

    it("reports the time to decide (trigger → decided) beside the trigger → submitted latency", async () => {
      const outcomes: DutyOutcome[] = [];
      await run(
        {
          sign: async () => {
            clock.advance(200); // signing, exchange, combination: after the decision
            return sk.sign(new Uint8Array(32)).toBytes();
          },
        },
        outcomes,
        async (_s, _t, opts) => {
          const value = await opts.propose();
          clock.advance(300);
          return {value, round: 2};
        },
      );
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({status: "submitted", consensusRound: 2, decideMs: 300, latencyMs: 500});
    });

    it('ends in exactly one outcome per validator: "stopped" when consensus is stopped, nothing signed', async () => {
      let signed = 0;
      const outcomes: DutyOutcome[] = [];
      const stopped = Object.assign(new Error("consensus stopped"), {code: "CONSENSUS_STOPPED"});
      await run(
        {
          sign: async () => {
            signed++;
            return new Uint8Array(96);
          },
        },
        outcomes,
        async () => {
          throw stopped;
        },
      );
      expect(signed).to.equal(0);
      expect(outcomes.map((o) => (o.status === "failed" ? o.reason : o.status))).to.deep.equal(["stopped"]);
    });
  });

  describe("one undecided instance per validator (safety rule 2)", () => {
    it("a later duty of the same validator starts consensus only once the earlier one has decided", async () => {
      const otherKey = SecretKey.fromKeygen(new Uint8Array(32).fill(2)).toPublicKey().toBytes();
      const otherDuty = {...duty, pubkey: otherKey, validatorIndex: 6};
      const gate = new UndecidedGate();
      const decideCalls: string[] = [];
      let releaseFirst: () => void = () => {};
      const firstMayDecide = new Promise<void>((resolve) => (releaseFirst = resolve));
      const outcomes: DutyOutcome[] = [];
      const nextEpoch = slot + SLOTS_PER_EPOCH; // the next epoch's duty: not slashable against the first
      const runFor = (s: number, d: AttesterDuty) =>
        runAttesterDuty(s, [d], {
          ...modules(),
          gate,
          beaconNode: {
            produceAttestationData: async (at) =>
              attestationData({
                slot: at,
                source: Math.floor(at / SLOTS_PER_EPOCH) - 1,
                target: Math.floor(at / SLOTS_PER_EPOCH),
              }),
            submitAttestations: async () => {},
          },
          consensus: {
            decide: async (s, _t, opts) => {
              decideCalls.push(`${s}:${toHex(d.pubkey)}`);
              if (s === slot) await firstMayDecide;
              return {value: await opts.propose(), round: 1};
            },
          },
          signer: {sign: async () => new Uint8Array(96)},
          shares: {publish: () => {}, awaitCombined: async () => new Uint8Array(96)} as unknown as ShareExchange,
          shareKeys: new Map([
            [toHex(validatorKey), validatorKey],
            [toHex(otherKey), otherKey],
          ]),
          onOutcome: (o) => outcomes.push(o),
        });
      const first = runFor(slot, duty);
      const second = runFor(nextEpoch, {...duty, slot: nextEpoch});
      const otherValidator = runFor(nextEpoch, {...otherDuty, slot: nextEpoch});
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      // The first instance is undecided: the same validator's second waits; another validator does not.
      expect(decideCalls).to.deep.equal([`${slot}:${toHex(validatorKey)}`, `${nextEpoch}:${toHex(otherKey)}`]);
      expect(gate.held).to.equal(1);
      releaseFirst();
      await Promise.all([first, second, otherValidator]);
      expect(decideCalls).to.deep.equal([
        `${slot}:${toHex(validatorKey)}`,
        `${nextEpoch}:${toHex(otherKey)}`,
        `${nextEpoch}:${toHex(validatorKey)}`,
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted", "submitted", "submitted"]);
      expect(gate.held).to.equal(0);
    });
  });
});

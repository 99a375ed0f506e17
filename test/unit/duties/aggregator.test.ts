import {SecretKey} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import type {routes} from "@lodestar/api";
import {createBeaconConfig} from "@lodestar/config";
import {MAX_COMMITTEES_PER_SLOT} from "@lodestar/params";
import {type electra, type SignedAggregateAndProof, ssz} from "@lodestar/types";
import {expect} from "chai";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {
  AGGREGATOR_DUTY_TYPE,
  AggregationDuties,
  type AggregatorBeaconNode,
  isValidAggregatorValue,
  SELECTION_PROOF_DUTY_TYPE,
} from "../../../src/duties/aggregator.js";
import {encodeAggregatorValue} from "../../../src/duties/aggregatorValue.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import type {AttesterDuty} from "../../../src/duties/scheduler.js";
import {isAggregator} from "../../../src/duties/selection.js";
import type {DutyRef, OwnShare, ShareExchange} from "../../../src/duties/shareExchange.js";
import type {SignableMessage} from "../../../src/eth/signing.js";
import type {SlashingProtection} from "../../../src/slashing/index.js";
import {bytesEqual, toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

const config = createBeaconConfig(createSimChainConfig(), new Uint8Array(32).fill(9));
const SLOTS_PER_EPOCH = 8;
const slot = 3 * SLOTS_PER_EPOCH + 2;
const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(1));
const validatorKey = sk.toPublicKey().toBytes();
const validator = toHex(validatorKey);
const aPoint = sk.sign(new Uint8Array(32).fill(5)).toBytes();

function attestationData() {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = slot;
  data.beaconBlockRoot = new Uint8Array(32).fill(1);
  data.source = {epoch: 2, root: new Uint8Array(32).fill(2)};
  data.target = {epoch: 3, root: new Uint8Array(32).fill(3)};
  return data;
}
const dataRoot = ssz.phase0.AttestationData.hashTreeRoot(attestationData());

function duty(overrides: Partial<AttesterDuty> = {}): AttesterDuty {
  return {
    pubkey: validatorKey,
    validatorIndex: 5,
    committeeIndex: 1,
    committeeLength: 4,
    committeesAtSlot: 2,
    validatorCommitteeIndex: 2,
    slot,
    ...overrides,
  };
}

function aggregate(overrides: Partial<electra.Attestation> = {}): electra.Attestation {
  const aggregationBits = BitArray.fromBitLen(4);
  aggregationBits.set(2, true);
  aggregationBits.set(0, true);
  return {
    aggregationBits,
    data: attestationData(),
    signature: aPoint,
    committeeBits: BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 1),
    ...overrides,
  };
}

describe("duties/aggregator", () => {
  describe("validity predicate: the decided data, coherent bits, a signature point", () => {
    const expected = {
      committees: [1],
      committeeLengths: new Map([[1, 4]]),
      dataRootOf: (ci: number) => (ci === 1 ? dataRoot : null),
      postElectra: true,
    };
    const valid = (a: electra.Attestation, committeeIndex = 1) =>
      isValidAggregatorValue(encodeAggregatorValue([{committeeIndex, aggregate: a}], true), expected);

    it("accepts the aggregate of the decided data for the committee", () => {
      expect(valid(aggregate())).to.equal(true);
    });

    it("refuses other data, another committee bit, bits of the wrong length or none, a non-point signature, garbage", () => {
      const other = attestationData();
      other.beaconBlockRoot = new Uint8Array(32).fill(7);
      expect(valid(aggregate({data: other}))).to.equal(false);
      expect(valid(aggregate({committeeBits: BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 0)}))).to.equal(false);
      const two = BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 1);
      two.set(3, true);
      expect(valid(aggregate({committeeBits: two}))).to.equal(false);
      expect(valid(aggregate({aggregationBits: BitArray.fromSingleBit(5, 2)}))).to.equal(false);
      expect(valid(aggregate({aggregationBits: BitArray.fromBitLen(4)}))).to.equal(false);
      expect(valid(aggregate({signature: new Uint8Array(96).fill(0x13)}))).to.equal(false);
      expect(valid(aggregate(), 2)).to.equal(false); // a committee without a cluster aggregator
      expect(isValidAggregatorValue(encodeAggregatorValue([], true), expected)).to.equal(false);
      expect(isValidAggregatorValue(new Uint8Array([1, 2, 3]), expected)).to.equal(false);
    });
  });

  describe("the flow: selection proof → is_aggregator → subscriptions → consensus on the aggregate → sign, combine, submit", () => {
    const combinedProof = sk.sign(new Uint8Array(32).fill(6)).toBytes();
    const combinedAggregateSig = sk.sign(new Uint8Array(32).fill(8)).toBytes();
    let clock: ManualClock;
    let slotClock: SlotClock;
    let outcomes: DutyOutcome[];
    let signed: SignableMessage[];
    let published: {ref: DutyRef; shares: OwnShare[]}[];
    let subscriptions: routes.validator.BeaconCommitteeSubscription[];
    let submitted: SignedAggregateAndProof[];
    let decides: number[];
    let failProof: boolean;

    function setup(bn: Partial<AggregatorBeaconNode> = {}) {
      clock = new ManualClock(0);
      slotClock = new SlotClock({genesisTimeSec: 0, secondsPerSlot: 2, slotsPerEpoch: SLOTS_PER_EPOCH}, clock);
      clock.advance(slotClock.timeInSlot(slot - 10));
      outcomes = [];
      signed = [];
      published = [];
      subscriptions = [];
      submitted = [];
      decides = [];
      failProof = false;
      const shares = {
        publish: (ref: DutyRef, s: OwnShare[]) => published.push({ref, shares: s}),
        awaitCombined: async (ref: DutyRef) => {
          if (ref.dutyType === SELECTION_PROOF_DUTY_TYPE) {
            if (failProof) throw Object.assign(new Error("expired"), {code: "SHARES_EXPIRED"});
            return combinedProof;
          }
          return combinedAggregateSig;
        },
      } as unknown as ShareExchange;
      return new AggregationDuties({
        config,
        consensus: {
          decide: async (_s, dutyType, opts) => {
            decides.push(dutyType);
            const value = await opts.propose();
            if (!opts.isValid(value)) throw new Error("own proposal invalid");
            return {value, round: 1};
          },
        },
        slashing: {} as SlashingProtection,
        signer: {
          sign: async (_key, msg) => {
            signed.push(msg);
            return aPoint;
          },
        },
        shares,
        slotClock,
        logger: nullLogger(),
        shareKeys: new Map([[validator, validatorKey]]),
        onOutcome: (o) => outcomes.push(o),
        beaconNode: {
          getAggregatedAttestation: async (s, root, ci) => {
            expect([s, toHex(root), ci]).to.deep.equal([slot, toHex(dataRoot), 1]);
            return aggregate();
          },
          publishAggregateAndProofs: async (list) => {
            submitted.push(...list);
          },
          prepareBeaconCommitteeSubnets: async (subs) => {
            subscriptions.push(...subs);
          },
          ...bn,
        },
      });
    }

    it("prepares the selection proof an epoch ahead and subscribes with is_aggregator", async () => {
      const duties = setup();
      const prepared = duties.prepare([duty()]);
      expect(signed).to.deep.equal([]); // not before one epoch ahead of the slot
      clock.advance(slotClock.timeInSlot(slot - SLOTS_PER_EPOCH) - clock.now());
      await prepared;
      expect(signed).to.deep.equal([{type: "AGGREGATION_SLOT", data: {slot}}]);
      expect(published.map((p) => p.ref)).to.deep.equal([{slot, dutyType: SELECTION_PROOF_DUTY_TYPE}]);
      expect(subscriptions).to.deep.equal([
        {validatorIndex: 5, committeeIndex: 1, committeesAtSlot: 2, slot, isAggregator: true},
      ]);
    });

    it("at 2/3 of the slot: consensus on the aggregate, AGGREGATE_AND_PROOF_V2 share, combined and submitted", async () => {
      const duties = setup();
      const prepared = duties.prepare([duty()]);
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      await prepared;
      duties.decided.set(slot, [{committeeIndex: 0, data: attestationData()}]);
      await duties.run(slot, [duty()]);
      expect(decides).to.deep.equal([AGGREGATOR_DUTY_TYPE]);
      const share = signed.find((m) => m.type === "AGGREGATE_AND_PROOF_V2");
      expect(share?.type === "AGGREGATE_AND_PROOF_V2" && share.data.version).to.equal("fulu");
      expect(published.map((p) => p.ref.dutyType)).to.deep.equal([SELECTION_PROOF_DUTY_TYPE, AGGREGATOR_DUTY_TYPE]);
      expect(submitted).to.have.length(1);
      const {message, signature} = submitted[0];
      expect(message.aggregatorIndex).to.equal(5);
      expect(bytesEqual(message.selectionProof, combinedProof)).to.equal(true);
      expect(bytesEqual(signature, combinedAggregateSig)).to.equal(true);
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({status: "submitted", type: "aggregator", slot, validator, consensusRound: 1});
    });

    it("waits for the BN's aggregate to hold the aggregator's own attestation before proposing it", async () => {
      let calls = 0;
      const duties = setup({
        getAggregatedAttestation: async () => {
          calls++;
          if (calls === 1) throw new Error("404: no aggregate yet");
          return calls === 2 ? aggregate({aggregationBits: BitArray.fromSingleBit(4, 0)}) : aggregate();
        },
      });
      duties.decided.set(slot, [{committeeIndex: 0, data: attestationData()}]);
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      const run = duties.run(slot, [duty()]);
      for (let i = 0; i < 10 && submitted.length === 0; i++) {
        await new Promise((r) => setImmediate(r));
        clock.advance(200);
      }
      await run;
      expect(calls).to.equal(3);
      expect(submitted[0].message.aggregate.aggregationBits.get(2)).to.equal(true);
    });

    it("keeps asking after the slot ends while the BN has no aggregate at all (its proposal is made once)", async () => {
      let calls = 0;
      const duties = setup({
        getAggregatedAttestation: async () => {
          calls++;
          if (calls <= 8) throw new Error("404: no aggregate yet"); // 8 × 200 ms: past the slot's end
          return aggregate({aggregationBits: BitArray.fromSingleBit(4, 0)}); // not ours: fine after the slot
        },
      });
      duties.decided.set(slot, [{committeeIndex: 0, data: attestationData()}]);
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      const run = duties.run(slot, [duty()]);
      for (let i = 0; i < 20 && submitted.length === 0; i++) {
        await new Promise((r) => setImmediate(r));
        clock.advance(200);
      }
      await run;
      expect(calls).to.equal(9);
      expect(clock.now()).to.be.above(slotClock.timeInSlot(slot + 1));
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted"]);
    });

    it("a non-aggregator (large committee, proof does not select) does nothing and reports nothing", async () => {
      const duties = setup();
      const large = duty({committeeLength: 160});
      expect(isAggregator(160, combinedProof)).to.equal(false);
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      const run = duties.run(slot, [large]);
      clock.advance(0);
      await run;
      expect(decides).to.deep.equal([]);
      expect(outcomes).to.deep.equal([]);
    });

    it("ends in exactly one outcome: selection proof not combined, no decided attestation data, stopped", async () => {
      let duties = setup();
      failProof = true;
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      let run = duties.run(slot, [duty()]);
      clock.advance(0);
      await run;
      expect(outcomes.map((o) => (o.status === "failed" ? [o.reason, o.detail] : o.status))).to.deep.equal([
        ["combine_expired", "selection proof: expired"],
      ]);

      duties = setup();
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      run = duties.run(slot, [duty()]);
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
      clock.advance(slotClock.timeInSlot(slot + SLOTS_PER_EPOCH) - clock.now());
      await run;
      expect(outcomes.map((o) => o.status === "failed" && o.reason)).to.deep.equal(["no_data"]);
      expect(decides).to.deep.equal([]);

      duties = setup();
      clock.advance(slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      run = duties.run(slot, [duty()]);
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
      duties.stop();
      await run;
      expect(outcomes.map((o) => o.status === "failed" && o.reason)).to.deep.equal(["stopped"]);
    });
  });
});

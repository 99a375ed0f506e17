/**
 * The duties build the messages themselves (the RANDAO epoch, the block, the attestation data from the BN,
 * the sync committee message's slot): run at the last Electra slot and at the first Fulu slot on a
 * one-node cluster whose share is the validator key, what each duty hands the BN must verify against the
 * root Lodestar's state transition checks it with (test/unit/eth/forkBoundary.ts).
 */
import {SecretKey, Signature, verify} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  ForkName,
  MAX_COMMITTEES_PER_SLOT,
  SLOTS_PER_EPOCH,
} from "@lodestar/params";
import {
  computeSigningRoot,
  getAttestationDataSigningRoot,
  getBlockProposerSignatureSet,
  getRandaoRevealSignatureSet,
} from "@lodestar/state-transition";
import {
  type altair,
  type BeaconBlock,
  type BlockContents,
  type electra,
  type SignedAggregateAndProof,
  type SignedBeaconBlock,
  type SignedBlockContents,
  ssz,
} from "@lodestar/types";
import {expect} from "chai";
import {AggregationDuties} from "../../../src/duties/aggregator.js";
import type {ShareSigner} from "../../../src/duties/attester.js";
import {runAttesterDuty} from "../../../src/duties/attester.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import {runProposerDuty} from "../../../src/duties/proposer.js";
import type {AttesterDuty} from "../../../src/duties/scheduler.js";
import type {DutyRef, OwnShare, ShareExchange} from "../../../src/duties/shareExchange.js";
import {runSyncContributionDuty, runSyncSelectionProofs} from "../../../src/duties/syncCommitteeContribution.js";
import {runSyncMessageDuty} from "../../../src/duties/syncCommitteeMessage.js";
import {SYNC_SUBCOMMITTEE_SIZE} from "../../../src/duties/syncCommitteeSelection.js";
import {UndecidedGate} from "../../../src/duties/undecidedGate.js";
import {signingRootOnNetwork} from "../../../src/eth/signing.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {
  BOUNDARY_GENESIS_VALIDATORS_ROOT,
  boundaryAttestationData,
  boundaryConfig,
  FIRST_FULU_SLOT,
  inclusionRoots,
  LAST_ELECTRA_SLOT,
  STATE_AFTER_BOUNDARY,
} from "../eth/forkBoundary.js";

const config = boundaryConfig();
const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(0x17));
const pubkey = sk.toPublicKey().toBytes();
const VALIDATOR_INDEX = 21;
const SIDES = [
  [ForkName.electra, LAST_ELECTRA_SLOT],
  [ForkName.fulu, FIRST_FULU_SLOT],
] as const;

function verifies(signingRoot: Uint8Array, signature: Uint8Array): boolean {
  return verify(signingRoot, sk.toPublicKey(), Signature.fromBytes(signature));
}

/**
 * One node, threshold 1: the signer signs with the validator key over the root the duty asks for, and the
 * "combined" signature of a duty is the node's own share.
 */
function modules(slot: number) {
  const outcomes: DutyOutcome[] = [];
  // A duty may wait for the combination before its own share is published: the wait resolves on publish.
  const own = new Map<string, {signature: Promise<Uint8Array>; resolve(s: Uint8Array): void}>();
  const entry = (key: string) => {
    let e = own.get(key);
    if (!e) {
      let resolve: (s: Uint8Array) => void = () => {};
      const signature = new Promise<Uint8Array>((r) => {
        resolve = r;
      });
      e = {signature, resolve};
      own.set(key, e);
    }
    return e;
  };
  const published: {ref: DutyRef; shares: OwnShare[]}[] = [];
  const shares = {
    publish: (ref: DutyRef, list: OwnShare[]) => {
      published.push({ref, shares: list});
      for (const s of list) entry(`${ref.dutyType}/${ref.slot}/${s.validator}`).resolve(s.signature);
    },
    awaitCombined: (ref: DutyRef, validator: string) => entry(`${ref.dutyType}/${ref.slot}/${validator}`).signature,
  } as unknown as ShareExchange;
  const signer: ShareSigner = {sign: async (_share, msg) => sk.sign(signingRootOnNetwork(config, msg)).toBytes()};
  const slashing = SlashingProtection.open({
    dataDir: ":memory:",
    genesisValidatorsRoot: BOUNDARY_GENESIS_VALIDATORS_ROOT,
  });
  const clock = new ManualClock(slot * 12_000);
  return {
    outcomes,
    published,
    slashing,
    clock,
    base: {
      config,
      consensus: {
        decide: async (_s: number, _t: number, o: {propose(): Promise<Uint8Array>}) => ({
          value: await o.propose(),
          round: 0,
        }),
      },
      slashing,
      signer,
      shares,
      slotClock: new SlotClock({genesisTimeSec: 0, secondsPerSlot: 12, slotsPerEpoch: SLOTS_PER_EPOCH}, clock),
      logger: nullLogger(),
      shareKeys: new Map([[toHex(pubkey), pubkey]]),
      onOutcome: (o: DutyOutcome) => outcomes.push(o),
    },
  };
}

describe("duties at an Electra → Fulu boundary: what each duty submits verifies against Lodestar's root", () => {
  for (const [side, slot] of SIDES) {
    it(`attester at the ${side} side (slot ${slot}): the attestation verifies as getAttestationDataSigningRoot`, async () => {
      const {outcomes, slashing, base} = modules(slot);
      const submitted: electra.SingleAttestation[] = [];
      const duty: AttesterDuty = {
        pubkey,
        validatorIndex: VALIDATOR_INDEX,
        committeeIndex: 1,
        committeeLength: 4,
        committeesAtSlot: 2,
        validatorCommitteeIndex: 2,
        slot,
      };
      await runAttesterDuty(slot, [duty], {
        ...base,
        gate: new UndecidedGate(),
        beaconNode: {
          produceAttestationData: async () => boundaryAttestationData(side),
          submitAttestations: async (atts) => void submitted.push(...(atts as electra.SingleAttestation[])),
        },
      });
      slashing.close();
      expect(
        outcomes.map((o) => o.status),
        JSON.stringify(outcomes),
      ).to.deep.equal(["submitted"]);
      expect(submitted).to.have.length(1);
      const [att] = submitted;
      for (const stateSlot of [slot, STATE_AFTER_BOUNDARY]) {
        expect(verifies(getAttestationDataSigningRoot(config, stateSlot, att.data), att.signature)).to.equal(true);
      }
    });

    it(`proposer at the ${side} side (slot ${slot}): the RANDAO reveal and the block verify as the state transition's sets`, async () => {
      const {outcomes, slashing, base} = modules(slot);
      const published: SignedBlockContents[] = [];
      await runProposerDuty(
        slot,
        {pubkey, validatorIndex: VALIDATOR_INDEX, slot},
        {
          ...base,
          beaconNode: {
            produceBlockV3: async (s, randaoReveal) => {
              const contents = config.getPostDenebForkTypes(s).BlockContents.defaultValue() as BlockContents;
              contents.block.slot = s;
              contents.block.proposerIndex = VALIDATOR_INDEX;
              contents.block.body.randaoReveal = randaoReveal;
              return {
                blinded: false,
                version: config.getForkName(s),
                contents,
                executionPayloadValue: 0n,
                consensusBlockValue: 0n,
              };
            },
            publishBlock: async (c) => void published.push(c),
            publishBlindedBlock: async () => {
              throw new Error("no blinded block was produced");
            },
          },
        },
      );
      slashing.close();
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted"]);
      expect(published).to.have.length(1);
      const {signedBlock} = published[0] as {signedBlock: SignedBeaconBlock};
      const block = signedBlock.message as BeaconBlock;
      expect(config.getForkName(block.slot)).to.equal(side);
      expect(verifies(getRandaoRevealSignatureSet(config, block).signingRoot, block.body.randaoReveal)).to.equal(true);
      expect(verifies(getBlockProposerSignatureSet(config, signedBlock).signingRoot, signedBlock.signature)).to.equal(
        true,
      );
    });

    it(`aggregator at the ${side} side (slot ${slot}): selection proof and aggregate and proof verify as Lodestar's gossip checks`, async () => {
      const {outcomes, slashing, clock, base} = modules(slot);
      const data = boundaryAttestationData(side);
      const submitted: SignedAggregateAndProof[] = [];
      // Committee of one: every selection proof makes its validator the aggregator.
      const duty: AttesterDuty = {
        pubkey,
        validatorIndex: VALIDATOR_INDEX,
        committeeIndex: 1,
        committeeLength: 1,
        committeesAtSlot: 2,
        validatorCommitteeIndex: 0,
        slot,
      };
      const duties = new AggregationDuties({
        ...base,
        beaconNode: {
          getAggregatedAttestation: async () => {
            const aggregate = config.getForkTypes(slot).Attestation.defaultValue() as electra.Attestation;
            aggregate.data = data;
            aggregate.aggregationBits = BitArray.fromBoolArray([true]);
            aggregate.committeeBits = BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 1);
            aggregate.signature = sk.sign(new Uint8Array(32).fill(5)).toBytes();
            return aggregate;
          },
          publishAggregateAndProofs: async (list) => void submitted.push(...list),
          prepareBeaconCommitteeSubnets: async () => {},
        },
      });
      const prepared = duties.prepare([duty]);
      clock.advance(base.slotClock.timeInSlot(slot, 2 / 3) - clock.now());
      await prepared;
      duties.decided.set(slot, [{committeeIndex: 0, data}]);
      await duties.run(slot, [duty]);
      slashing.close();
      expect(
        outcomes.map((o) => o.status),
        JSON.stringify(outcomes),
      ).to.deep.equal(["submitted"]);
      expect(submitted).to.have.length(1);
      const {message, signature} = submitted[0];
      for (const stateSlot of [slot, STATE_AFTER_BOUNDARY]) {
        const selectionRoot = computeSigningRoot(
          ssz.Slot,
          slot,
          config.getDomain(stateSlot, DOMAIN_SELECTION_PROOF, slot),
        );
        expect(verifies(selectionRoot, message.selectionProof), "selection proof").to.equal(true);
        const aggregateRoot = computeSigningRoot(
          ssz.electra.AggregateAndProof,
          message as electra.AggregateAndProof,
          config.getDomain(stateSlot, DOMAIN_AGGREGATE_AND_PROOF, slot),
        );
        expect(verifies(aggregateRoot, signature), "aggregate and proof").to.equal(true);
      }
    });

    it(`sync committee message at the ${side} side (slot ${slot}): verifies in the next block's sync aggregate`, async () => {
      const {outcomes, slashing, base} = modules(slot);
      slashing.close();
      const root = new Uint8Array(32).fill(side === ForkName.electra ? 0x71 : 0x72);
      const submitted: {signature: Uint8Array; slot: number}[] = [];
      await runSyncMessageDuty(slot, [{pubkey, validatorIndex: VALIDATOR_INDEX, validatorSyncCommitteeIndices: [0]}], {
        ...base,
        beaconNode: {
          getHeadBlockRoot: async () => root,
          submitSyncCommitteeMessages: async (msgs) => void submitted.push(...msgs),
        },
      });
      expect(outcomes.map((o) => o.status)).to.deep.equal(["submitted"]);
      expect(submitted).to.have.length(1);
      expect(submitted[0].slot).to.equal(slot);
      // The first Fulu block checks the last Electra slot's messages (Electra's version).
      const included = inclusionRoots(config, slot + 1, root, boundaryAttestationData(side));
      expect(verifies(included.syncAggregate, submitted[0].signature)).to.equal(true);
    });

    it(`sync selection proof and contribution at the ${side} side (slot ${slot}): verify as Lodestar's gossip checks`, async () => {
      const {outcomes, published, slashing, base} = modules(slot);
      slashing.close();
      const root = new Uint8Array(32).fill(side === ForkName.electra ? 0x81 : 0x82);
      const syncDuty = {
        pubkey,
        validatorIndex: VALIDATOR_INDEX,
        validatorSyncCommitteeIndices: [SYNC_SUBCOMMITTEE_SIZE + 3],
      };
      await runSyncSelectionProofs(slot, [syncDuty], base);
      const selectionData = {slot, subcommitteeIndex: 1};
      const [proof] = published.flatMap((p) => p.shares).map((x) => x.signature);
      for (const stateSlot of [slot, STATE_AFTER_BOUNDARY]) {
        const selectionRoot = computeSigningRoot(
          ssz.altair.SyncAggregatorSelectionData,
          selectionData,
          config.getDomain(stateSlot, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, slot),
        );
        expect(verifies(selectionRoot, proof), "selection proof").to.equal(true);
      }

      // Whether or not this proof selects it, the contribution duty of an aggregator with it signs the same way.
      const role = {duty: syncDuty, validator: toHex(pubkey), subcommitteeIndex: 1, rank: 0, selectionProof: proof};
      const submitted: altair.SignedContributionAndProof[] = [];
      await runSyncContributionDuty(
        slot,
        [role],
        {decided: Promise.resolve({root, round: 0}), done: Promise.resolve()},
        {
          ...base,
          beaconNode: {
            getHeadBlockRoot: async () => root,
            produceSyncCommitteeContribution: async (s, sub, r) => ({
              slot: s,
              beaconBlockRoot: r,
              subcommitteeIndex: sub,
              aggregationBits: BitArray.fromBoolArray(Array.from({length: SYNC_SUBCOMMITTEE_SIZE}, (_, i) => i === 3)),
              signature: sk.sign(new Uint8Array(32).fill(6)).toBytes(),
            }),
            publishContributionAndProofs: async (list) => void submitted.push(...list),
          },
        },
      );
      expect(
        outcomes.filter((o) => o.type === "syncContribution").map((o) => o.status),
        JSON.stringify(outcomes),
      ).to.deep.equal(["submitted"]);
      expect(submitted).to.have.length(1);
      for (const stateSlot of [slot, STATE_AFTER_BOUNDARY]) {
        const contributionRoot = computeSigningRoot(
          ssz.altair.ContributionAndProof,
          submitted[0].message,
          config.getDomain(stateSlot, DOMAIN_CONTRIBUTION_AND_PROOF, slot),
        );
        expect(verifies(contributionRoot, submitted[0].signature), "contribution and proof").to.equal(true);
      }
    });
  }
});

/**
 * An Electra → Fulu boundary (FULU_FORK_EPOCH = 2, every earlier fork at genesis) and one message of
 * every type cohort signs on each side of it: at the last Electra slot and at the first Fulu slot.
 *
 * Each case carries its reference, computed by Lodestar (`@lodestar/state-transition`'s signature
 * sets, or `computeSigningRoot` with `config.getDomain`, as Lodestar's beacon node checks the message
 * on gossip), never by src/eth: `referenceRoot(stateSlot)` is the root a node whose head state is at
 * `stateSlot` verifies the signature against, `referenceDomain(stateSlot)` the domain it uses.
 */
import {type BeaconConfig, createBeaconConfig} from "@lodestar/config";
import {mainnetChainConfig} from "@lodestar/config/networks";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  ForkName,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
} from "@lodestar/params";
import {
  getAttestationDataSigningRoot,
  getBlockHeaderProposerSignatureSetByHeaderSlot,
  getBlockProposerSignatureSet,
  getBlockSignatureSets,
  getRandaoRevealSignatureSet,
  getValidatorVoluntaryExitSignatureSet,
  type IBeaconStateView,
  computeDomain as stComputeDomain,
  computeSigningRoot as stComputeSigningRoot,
} from "@lodestar/state-transition";
import {type BeaconBlock, type BlindedBeaconBlock, type phase0, ssz} from "@lodestar/types";
import {blockToSignable, type SignableMessage, type SignableMessageType} from "../../../src/eth/signing.js";

export const BOUNDARY_GENESIS_VALIDATORS_ROOT = new Uint8Array(32).fill(0x3c);
export const FULU_EPOCH = 2;
/** Last slot of epoch 1 (Electra) and first slot of epoch 2 (Fulu), in the active preset. */
export const LAST_ELECTRA_SLOT = FULU_EPOCH * SLOTS_PER_EPOCH - 1;
export const FIRST_FULU_SLOT = FULU_EPOCH * SLOTS_PER_EPOCH;
/** A head state just past the boundary: its fork is Fulu with Electra as the previous version. */
export const STATE_AFTER_BOUNDARY = FIRST_FULU_SLOT + 1;
const SECONDS_PER_SLOT = 12;
const ZERO_ROOT = new Uint8Array(32);
const SIG = new Uint8Array(96);

/** Mainnet's fork versions, every fork up to Electra at genesis, Fulu at epoch 2, no Gloas. */
export function boundaryConfig(): BeaconConfig {
  return createBeaconConfig(
    {
      ...mainnetChainConfig,
      ALTAIR_FORK_EPOCH: 0,
      BELLATRIX_FORK_EPOCH: 0,
      CAPELLA_FORK_EPOCH: 0,
      DENEB_FORK_EPOCH: 0,
      ELECTRA_FORK_EPOCH: 0,
      FULU_FORK_EPOCH: FULU_EPOCH,
      GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
      BLOB_SCHEDULE: [],
    },
    BOUNDARY_GENESIS_VALIDATORS_ROOT,
  );
}

export type Side = ForkName.electra | ForkName.fulu;

export interface BoundaryCase {
  side: Side;
  /** The slot the message belongs to (last Electra slot or first Fulu slot). */
  slot: number;
  /** Type and what sets it apart (e.g. blinded), for test titles. */
  label: string;
  msg: SignableMessage;
  /** The fork whose version the specs sign this message with (Capella for exits, genesis for registrations). */
  signedWith: ForkName | "genesis";
  /** The domain type of the message. */
  domainType: Uint8Array;
  /** The epoch the specs pass to get_domain for this message (null: fixed domain). */
  specEpoch: number | null;
  referenceRoot(stateSlot: number): Uint8Array;
  referenceDomain(stateSlot: number): Uint8Array;
}

function root(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** The attestation data of each side: a target in the side's epoch, its source before it. */
export function boundaryAttestationData(side: Side): phase0.AttestationData {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = side === ForkName.electra ? LAST_ELECTRA_SLOT : FIRST_FULU_SLOT;
  data.index = 0;
  data.beaconBlockRoot = root(side === ForkName.electra ? 0x11 : 0x12);
  data.source = {epoch: FULU_EPOCH - (side === ForkName.electra ? 2 : 1), root: root(0x21)};
  data.target = {epoch: side === ForkName.electra ? FULU_EPOCH - 1 : FULU_EPOCH, root: root(0x31)};
  return data;
}

export function boundaryBlock(config: BeaconConfig, slot: number, graffitiByte: number): BeaconBlock {
  const block = config.getForkTypes(slot).BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 7;
  block.parentRoot = root(0x41);
  block.body.graffiti = new Uint8Array(32).fill(graffitiByte);
  return block;
}

function boundaryBlindedBlock(config: BeaconConfig, slot: number): BlindedBeaconBlock {
  const block = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 8;
  block.parentRoot = root(0x42);
  return block;
}

/**
 * A block at `slot` carrying a sync aggregate over `syncRoot` (the sync committee messages of the slot
 * before it) and one attestation: the root each of their signatures is checked against when the block
 * is imported (`getBlockSignatureSets`, the state transition's block signature sets).
 */
export function inclusionRoots(
  config: BeaconConfig,
  slot: number,
  syncRoot: Uint8Array,
  attestationData: phase0.AttestationData,
): {randao: Uint8Array; proposer: Uint8Array; attestation: Uint8Array; syncAggregate: Uint8Array} {
  const block = boundaryBlock(config, slot, 0x51);
  block.parentRoot = syncRoot;
  const attestation = config.getForkTypes(slot).Attestation.defaultValue();
  attestation.data = attestationData;
  block.body.attestations = [attestation] as never;
  const syncAggregate = (block.body as {syncAggregate: {syncCommitteeBits: {set(i: number, v: boolean): void}}})
    .syncAggregate;
  syncAggregate.syncCommitteeBits.set(0, true);
  const indexed = {attestingIndices: [3], data: attestationData, signature: SIG};
  // The state is read only for voluntary exits; the block carries none.
  const noState = {} as IBeaconStateView;
  const sets = getBlockSignatureSets(
    config,
    {validatorIndices: new Uint32Array(SYNC_COMMITTEE_SIZE).fill(5), validatorIndexMap: new Map()},
    noState,
    {message: block, signature: SIG},
    [indexed],
  );
  // In the order getBlockSignatureSets builds them: RANDAO, the attestation, the proposer, the sync aggregate.
  if (sets.length !== 4) throw new Error(`expected 4 signature sets, got ${sets.length}`);
  return {
    randao: sets[0].signingRoot,
    attestation: sets[1].signingRoot,
    proposer: sets[2].signingRoot,
    syncAggregate: sets[3].signingRoot,
  };
}

/** Every message type on both sides of the boundary, each with its Lodestar reference. */
export function boundaryCases(config: BeaconConfig): BoundaryCase[] {
  const cases: BoundaryCase[] = [];
  for (const side of [ForkName.electra, ForkName.fulu] as const) {
    const slot = side === ForkName.electra ? LAST_ELECTRA_SLOT : FIRST_FULU_SLOT;
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const domainAt = (type: Uint8Array) => (stateSlot: number) => config.getDomain(stateSlot, type, slot);
    const add = (
      c: Omit<BoundaryCase, "side" | "slot" | "signedWith" | "specEpoch" | "label"> & Partial<BoundaryCase>,
    ) => cases.push({side, slot, signedWith: side, specEpoch: epoch, label: c.msg.type, ...c});

    const data = boundaryAttestationData(side);
    add({
      domainType: DOMAIN_BEACON_ATTESTER,
      msg: {type: "ATTESTATION", data},
      specEpoch: data.target.epoch,
      referenceRoot: (stateSlot) => getAttestationDataSigningRoot(config, stateSlot, data),
      referenceDomain: (stateSlot) =>
        config.getDomain(stateSlot, DOMAIN_BEACON_ATTESTER, data.target.epoch * SLOTS_PER_EPOCH),
    });

    const block = boundaryBlock(config, slot, side === ForkName.electra ? 1 : 2);
    add({
      domainType: DOMAIN_BEACON_PROPOSER,
      msg: {type: "BLOCK_V2", data: blockToSignable(config, block, false)},
      // A block is checked on the state processed up to its own slot (process_slots runs the upgrade first).
      referenceRoot: () => getBlockProposerSignatureSet(config, {message: block, signature: SIG}).signingRoot,
      referenceDomain: () => config.getDomain(slot, DOMAIN_BEACON_PROPOSER, slot),
    });
    const blinded = boundaryBlindedBlock(config, slot);
    add({
      label: "BLOCK_V2 (blinded)",
      domainType: DOMAIN_BEACON_PROPOSER,
      msg: {type: "BLOCK_V2", data: blockToSignable(config, blinded, true)},
      referenceRoot: () => {
        const header = {
          slot,
          proposerIndex: blinded.proposerIndex,
          parentRoot: blinded.parentRoot,
          stateRoot: blinded.stateRoot,
          bodyRoot: config.getPostBellatrixForkTypes(slot).BlindedBeaconBlockBody.hashTreeRoot(blinded.body),
        };
        const viaHeader = getBlockHeaderProposerSignatureSetByHeaderSlot(config, {message: header, signature: SIG});
        const viaBlock = getBlockProposerSignatureSet(config, {message: blinded, signature: SIG});
        if (!ssz.Root.equals(viaHeader.signingRoot, viaBlock.signingRoot)) throw new Error("header and block differ");
        return viaBlock.signingRoot;
      },
      referenceDomain: () => config.getDomain(slot, DOMAIN_BEACON_PROPOSER, slot),
    });

    add({
      domainType: DOMAIN_RANDAO,
      msg: {type: "RANDAO_REVEAL", data: {epoch}},
      referenceRoot: () => getRandaoRevealSignatureSet(config, block).signingRoot,
      referenceDomain: () => config.getDomain(slot, DOMAIN_RANDAO, slot),
    });

    add({
      domainType: DOMAIN_SELECTION_PROOF,
      msg: {type: "AGGREGATION_SLOT", data: {slot}},
      referenceRoot: (stateSlot) =>
        stComputeSigningRoot(ssz.Slot, slot, config.getDomain(stateSlot, DOMAIN_SELECTION_PROOF, slot)),
      referenceDomain: domainAt(DOMAIN_SELECTION_PROOF),
    });

    const aggregate = config.getForkTypes(slot).Attestation.defaultValue();
    aggregate.data = data;
    const aggregateAndProof = {aggregatorIndex: 11, aggregate, selectionProof: new Uint8Array(96).fill(0xb2)};
    add({
      // As the aggregator duty builds it: the version is the fork of the aggregate's slot.
      domainType: DOMAIN_AGGREGATE_AND_PROOF,
      msg: {type: "AGGREGATE_AND_PROOF_V2", data: {version: config.getForkName(slot), aggregateAndProof}},
      referenceRoot: (stateSlot) =>
        stComputeSigningRoot(
          ssz.electra.AggregateAndProof,
          aggregateAndProof as never,
          config.getDomain(stateSlot, DOMAIN_AGGREGATE_AND_PROOF, slot),
        ),
      referenceDomain: domainAt(DOMAIN_AGGREGATE_AND_PROOF),
    });

    const syncRoot = root(side === ForkName.electra ? 0x61 : 0x62);
    add({
      domainType: DOMAIN_SYNC_COMMITTEE,
      msg: {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: syncRoot, slot}},
      // Checked where the specs check it: in the sync aggregate of the next slot's block.
      referenceRoot: () => inclusionRoots(config, slot + 1, syncRoot, data).syncAggregate,
      referenceDomain: domainAt(DOMAIN_SYNC_COMMITTEE),
    });

    const selection = {slot, subcommitteeIndex: 2};
    add({
      domainType: DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
      msg: {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: selection},
      referenceRoot: (stateSlot) =>
        stComputeSigningRoot(
          ssz.altair.SyncAggregatorSelectionData,
          selection,
          config.getDomain(stateSlot, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, slot),
        ),
      referenceDomain: domainAt(DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF),
    });

    const contribution = ssz.altair.SyncCommitteeContribution.defaultValue();
    contribution.slot = slot;
    contribution.beaconBlockRoot = syncRoot;
    contribution.subcommitteeIndex = 1;
    const contributionAndProof = {aggregatorIndex: 12, contribution, selectionProof: new Uint8Array(96).fill(0xc3)};
    add({
      domainType: DOMAIN_CONTRIBUTION_AND_PROOF,
      msg: {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: contributionAndProof},
      referenceRoot: (stateSlot) =>
        stComputeSigningRoot(
          ssz.altair.ContributionAndProof,
          contributionAndProof,
          config.getDomain(stateSlot, DOMAIN_CONTRIBUTION_AND_PROOF, slot),
        ),
      referenceDomain: domainAt(DOMAIN_CONTRIBUTION_AND_PROOF),
    });

    const exit = {epoch, validatorIndex: 9};
    add({
      domainType: DOMAIN_VOLUNTARY_EXIT,
      msg: {type: "VOLUNTARY_EXIT", data: exit},
      signedWith: ForkName.capella,
      referenceRoot: (stateSlot) =>
        getValidatorVoluntaryExitSignatureSet(config, stateSlot, {message: exit, signature: SIG}).signingRoot,
      referenceDomain: (stateSlot) => config.getDomainForVoluntaryExit(stateSlot, slot),
    });

    const registration = {
      feeRecipient: new Uint8Array(20).fill(0xee),
      gasLimit: 60_000_000,
      timestamp: mainnetChainConfig.MIN_GENESIS_TIME + slot * SECONDS_PER_SLOT,
      pubkey: new Uint8Array(48).fill(0xa1),
    };
    const builderDomain = stComputeDomain(DOMAIN_APPLICATION_BUILDER, config.GENESIS_FORK_VERSION, ZERO_ROOT);
    add({
      domainType: DOMAIN_APPLICATION_BUILDER,
      msg: {type: "VALIDATOR_REGISTRATION", data: registration},
      signedWith: "genesis",
      specEpoch: null,
      referenceRoot: () => stComputeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, registration, builderDomain),
      referenceDomain: () => builderDomain,
    });
  }
  return cases;
}

/** Every type cohort signs at or after Electra (AGGREGATE_AND_PROOF is the pre-Electra layout). */
export const POST_ELECTRA_TYPES: readonly SignableMessageType[] = [
  "ATTESTATION",
  "BLOCK_V2",
  "RANDAO_REVEAL",
  "AGGREGATION_SLOT",
  "AGGREGATE_AND_PROOF_V2",
  "SYNC_COMMITTEE_MESSAGE",
  "SYNC_COMMITTEE_SELECTION_PROOF",
  "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
  "VOLUNTARY_EXIT",
  "VALIDATOR_REGISTRATION",
];

/** The fork version a case must be signed with. */
export function versionOf(config: BeaconConfig, c: BoundaryCase): Uint8Array {
  return c.signedWith === "genesis" ? config.GENESIS_FORK_VERSION : config.forks[c.signedWith].version;
}

/** compute_domain with Lodestar's implementation (not src/eth's). */
export function specDomain(type: Uint8Array, version: Uint8Array): Uint8Array {
  return stComputeDomain(type, version, BOUNDARY_GENESIS_VALIDATORS_ROOT);
}

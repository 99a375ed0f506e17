/**
 * Domains and signing roots for every message cohort signs, at every fork.
 *
 * One path computes them: a message's `ForkInfo` (the Web3Signer `fork_info`: previous/current fork
 * versions, the fork epoch and the genesis validators root) chooses the fork version as the consensus
 * specs' `get_domain` does, so the Web3Signer client and `cohort signer` compute the same root.
 * `forkInfoForMessage` derives that `fork_info` from the configured network, as Lodestar's validator
 * does, including EIP-7044 (voluntary exits sign with the Capella fork from Deneb on).
 */
import type {BeaconConfig, ChainForkConfig} from "@lodestar/config";
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
  type ForkPreBellatrix,
  ForkSeq,
  isForkPostDeneb,
  SLOTS_PER_EPOCH,
} from "@lodestar/params";
import {
  type AggregateAndProof,
  type altair,
  type BeaconBlock,
  type BlindedBeaconBlock,
  type bellatrix,
  type Epoch,
  type phase0,
  type Root,
  type Slot,
  ssz,
  sszTypesFor,
} from "@lodestar/types";
import {SigningError} from "./errors.js";

/** The fork a message is signed in (Web3Signer's `fork_info`). */
export interface SigningForkInfo {
  previousVersion: Uint8Array;
  currentVersion: Uint8Array;
  /** Epoch of the fork (or, as Lodestar sends it, the message's epoch): before it `previousVersion` applies. */
  epoch: Epoch;
  genesisValidatorsRoot: Root;
}

/** A block to sign: the full block before Bellatrix, its header (same root) from Bellatrix on. */
export type BlockSignable =
  | {version: ForkPreBellatrix; block: BeaconBlock<ForkPreBellatrix>}
  | {version: ForkName; blockHeader: phase0.BeaconBlockHeader};

export interface SyncCommitteeMessageData {
  beaconBlockRoot: Root;
  slot: Slot;
}

/** Every message type cohort signs, named as Web3Signer's eth2 API names them. */
export type SignableMessage =
  | {type: "ATTESTATION"; data: phase0.AttestationData}
  | {type: "BLOCK_V2"; data: BlockSignable}
  | {type: "RANDAO_REVEAL"; data: {epoch: Epoch}}
  | {type: "AGGREGATION_SLOT"; data: {slot: Slot}}
  | {type: "AGGREGATE_AND_PROOF"; data: phase0.AggregateAndProof}
  | {type: "AGGREGATE_AND_PROOF_V2"; data: {version: ForkName; aggregateAndProof: AggregateAndProof}}
  | {type: "SYNC_COMMITTEE_MESSAGE"; data: SyncCommitteeMessageData}
  | {type: "SYNC_COMMITTEE_SELECTION_PROOF"; data: altair.SyncAggregatorSelectionData}
  | {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"; data: altair.ContributionAndProof}
  | {type: "VOLUNTARY_EXIT"; data: phase0.VoluntaryExit}
  | {type: "VALIDATOR_REGISTRATION"; data: bellatrix.ValidatorRegistrationV1};

export type SignableMessageType = SignableMessage["type"];

export const SIGNABLE_MESSAGE_TYPES: readonly SignableMessageType[] = [
  "ATTESTATION",
  "BLOCK_V2",
  "RANDAO_REVEAL",
  "AGGREGATION_SLOT",
  "AGGREGATE_AND_PROOF",
  "AGGREGATE_AND_PROOF_V2",
  "SYNC_COMMITTEE_MESSAGE",
  "SYNC_COMMITTEE_SELECTION_PROOF",
  "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
  "VOLUNTARY_EXIT",
  "VALIDATOR_REGISTRATION",
];

const ZERO_ROOT = new Uint8Array(32);

export function computeEpochAtSlot(slot: Slot): Epoch {
  return Math.floor(slot / SLOTS_PER_EPOCH);
}

export function computeStartSlotAtEpoch(epoch: Epoch): Slot {
  return epoch * SLOTS_PER_EPOCH;
}

/** compute_domain of the consensus specs: domain type ‖ first 28 bytes of the fork data root. */
export function computeDomain(
  domainType: Uint8Array,
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Root,
): Uint8Array {
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({currentVersion: forkVersion, genesisValidatorsRoot});
  const domain = new Uint8Array(32);
  domain.set(domainType, 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  return domain;
}

/** compute_signing_root of the consensus specs. */
export function computeSigningRootFromObjectRoot(objectRoot: Root, domain: Uint8Array): Uint8Array {
  return ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain});
}

/** The slot whose epoch selects the fork version of a message (null: fixed domain, builder registration). */
export function signingSlot(msg: SignableMessage): Slot | null {
  switch (msg.type) {
    case "ATTESTATION":
      return computeStartSlotAtEpoch(msg.data.target.epoch);
    case "BLOCK_V2":
      return "block" in msg.data ? msg.data.block.slot : msg.data.blockHeader.slot;
    case "RANDAO_REVEAL":
      return computeStartSlotAtEpoch(msg.data.epoch);
    case "AGGREGATION_SLOT":
      return msg.data.slot;
    case "AGGREGATE_AND_PROOF":
      return msg.data.aggregate.data.slot;
    case "AGGREGATE_AND_PROOF_V2":
      return msg.data.aggregateAndProof.aggregate.data.slot;
    case "SYNC_COMMITTEE_MESSAGE":
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return msg.data.slot;
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return msg.data.contribution.slot;
    case "VOLUNTARY_EXIT":
      return computeStartSlotAtEpoch(msg.data.epoch);
    case "VALIDATOR_REGISTRATION":
      return null;
  }
}

function domainType(type: SignableMessageType): Uint8Array {
  switch (type) {
    case "ATTESTATION":
      return DOMAIN_BEACON_ATTESTER;
    case "BLOCK_V2":
      return DOMAIN_BEACON_PROPOSER;
    case "RANDAO_REVEAL":
      return DOMAIN_RANDAO;
    case "AGGREGATION_SLOT":
      return DOMAIN_SELECTION_PROOF;
    case "AGGREGATE_AND_PROOF":
    case "AGGREGATE_AND_PROOF_V2":
      return DOMAIN_AGGREGATE_AND_PROOF;
    case "SYNC_COMMITTEE_MESSAGE":
      return DOMAIN_SYNC_COMMITTEE;
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF;
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return DOMAIN_CONTRIBUTION_AND_PROOF;
    case "VOLUNTARY_EXIT":
      return DOMAIN_VOLUNTARY_EXIT;
    case "VALIDATOR_REGISTRATION":
      return DOMAIN_APPLICATION_BUILDER;
  }
}

/** hash_tree_root of the message's signed object. */
export function messageObjectRoot(msg: SignableMessage): Uint8Array {
  switch (msg.type) {
    case "ATTESTATION":
      return ssz.phase0.AttestationData.hashTreeRoot(msg.data);
    case "BLOCK_V2":
      if ("block" in msg.data) {
        if (msg.data.version !== ForkName.phase0 && msg.data.version !== ForkName.altair) {
          throw new SigningError({
            code: "SIGNING_FORK_MISMATCH",
            messageType: msg.type,
            fork: msg.data.version,
            reason: "a full block is signed only before Bellatrix; send block_header",
          });
        }
        return sszTypesFor(msg.data.version).BeaconBlock.hashTreeRoot(msg.data.block);
      }
      return ssz.phase0.BeaconBlockHeader.hashTreeRoot(msg.data.blockHeader);
    case "RANDAO_REVEAL":
      return ssz.Epoch.hashTreeRoot(msg.data.epoch);
    case "AGGREGATION_SLOT":
      return ssz.Slot.hashTreeRoot(msg.data.slot);
    case "AGGREGATE_AND_PROOF":
      return ssz.phase0.AggregateAndProof.hashTreeRoot(msg.data);
    case "AGGREGATE_AND_PROOF_V2":
      // Electra changed Attestation; the version names the container (phase0 layout before Electra).
      return sszTypesFor(msg.data.version).AggregateAndProof.hashTreeRoot(msg.data.aggregateAndProof as never);
    case "SYNC_COMMITTEE_MESSAGE":
      return ssz.Root.hashTreeRoot(msg.data.beaconBlockRoot);
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return ssz.altair.SyncAggregatorSelectionData.hashTreeRoot(msg.data);
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return ssz.altair.ContributionAndProof.hashTreeRoot(msg.data);
    case "VOLUNTARY_EXIT":
      return ssz.phase0.VoluntaryExit.hashTreeRoot(msg.data);
    case "VALIDATOR_REGISTRATION":
      return ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(msg.data);
  }
}

/**
 * The message's domain. Fork-bound messages need `forkInfo`; builder registrations use
 * DOMAIN_APPLICATION_BUILDER with the genesis fork version and a zero genesis validators root.
 */
export function messageDomain(
  msg: SignableMessage,
  forkInfo: SigningForkInfo | null,
  genesisForkVersion: Uint8Array | null,
): Uint8Array {
  const type = domainType(msg.type);
  const slot = signingSlot(msg);
  if (slot === null) {
    if (genesisForkVersion === null) {
      throw invalid(msg.type, "the genesis fork version of the network is needed for a builder registration");
    }
    return computeDomain(type, genesisForkVersion, ZERO_ROOT);
  }
  if (forkInfo === null) throw invalid(msg.type, "fork_info is required for this message type");
  const epoch = computeEpochAtSlot(slot);
  const version = epoch < forkInfo.epoch ? forkInfo.previousVersion : forkInfo.currentVersion;
  return computeDomain(type, version, forkInfo.genesisValidatorsRoot);
}

/** The signing root of a message in the given fork. */
export function computeMessageSigningRoot(
  msg: SignableMessage,
  forkInfo: SigningForkInfo | null,
  genesisForkVersion: Uint8Array | null,
): Uint8Array {
  return computeSigningRootFromObjectRoot(messageObjectRoot(msg), messageDomain(msg, forkInfo, genesisForkVersion));
}

/**
 * The `fork_info` to sign a message with on the configured network, as Lodestar's validator sends it:
 * the fork at the signing slot with the message's epoch, or the Capella fork for an exit from Deneb on
 * (EIP-7044). Null for builder registrations, which carry none.
 *
 * `stateSlot` is the chain's slot when the message is signed (the clock's), for exits: from Deneb on the
 * chain checks every exit with the Capella version, whatever the exit's epoch, so an exit dated before
 * Deneb signed on a chain past it takes Capella's too. Without it, the exit's own slot stands for the
 * chain's (as Lodestar's validator store signs: right for any exit dated in the current fork).
 */
export function forkInfoForMessage(
  config: BeaconConfig,
  msg: SignableMessage,
  stateSlot?: Slot,
): SigningForkInfo | null {
  const slot = signingSlot(msg);
  if (slot === null) return null;
  const fork = config.getForkInfo(slot);
  // The exit is verified on a state at or after both the exit's epoch and now.
  if (msg.type === "VOLUNTARY_EXIT" && isForkPostDeneb(config.getForkName(Math.max(slot, stateSlot ?? slot)))) {
    const capella = config.forks[ForkName.capella];
    return {
      previousVersion: capella.prevVersion,
      currentVersion: capella.version,
      // The exit's epoch, not Capella's: get_domain then takes current_version (Capella) for any exit,
      // also one dated before Capella (epoch < fork_info.epoch would pick the previous version).
      epoch: computeEpochAtSlot(slot),
      genesisValidatorsRoot: config.genesisValidatorsRoot,
    };
  }
  return {
    previousVersion: fork.prevVersion,
    currentVersion: fork.version,
    epoch: computeEpochAtSlot(slot),
    genesisValidatorsRoot: config.genesisValidatorsRoot,
  };
}

/**
 * Signing root of a message on the configured network (what the signature must be over); `stateSlot`
 * as for `forkInfoForMessage` (it matters only for exits).
 */
export function signingRootOnNetwork(config: BeaconConfig, msg: SignableMessage, stateSlot?: Slot): Uint8Array {
  return computeMessageSigningRoot(msg, forkInfoForMessage(config, msg, stateSlot), config.GENESIS_FORK_VERSION);
}

/** A block as Web3Signer's BLOCK_V2 takes it: the full block before Bellatrix, else its header. */
export function blockToSignable(
  config: ChainForkConfig,
  block: BeaconBlock | BlindedBeaconBlock,
  blinded: boolean,
): BlockSignable {
  const fork = config.getForkInfo(block.slot);
  if (fork.seq < ForkSeq.bellatrix) {
    if (blinded) throw invalid("BLOCK_V2", `no blinded blocks at fork ${fork.name}`);
    return {version: fork.name as ForkPreBellatrix, block: block as BeaconBlock<ForkPreBellatrix>};
  }
  const bodyType = blinded
    ? config.getPostBellatrixForkTypes(block.slot).BlindedBeaconBlockBody
    : config.getForkTypes(block.slot).BeaconBlockBody;
  return {
    version: fork.name,
    blockHeader: {
      slot: block.slot,
      proposerIndex: block.proposerIndex,
      parentRoot: block.parentRoot,
      stateRoot: block.stateRoot,
      bodyRoot: bodyType.hashTreeRoot(block.body as never),
    },
  };
}

function invalid(messageType: string, reason: string): SigningError {
  return new SigningError({code: "SIGNING_INVALID_MESSAGE", messageType, reason});
}

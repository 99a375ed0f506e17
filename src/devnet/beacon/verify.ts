import {aggregatePublicKeys} from "@chainsafe/blst";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {electra, phase0} from "@lodestar/types";
import {bytesEqual, toHex} from "../../util/hex.js";
import {type ChainBlock, expectedStateRoot} from "./blocks.js";
import type {AttesterAssignment, DutySchedule} from "./duties.js";
import {SimChainError} from "./errors.js";
import {type SigningRoots, verifySignature} from "./signing.js";
import type {ValidatorSet} from "./validators.js";

export interface AttestationContext {
  /** The clock's slot, allowing for clock disparity. */
  currentSlot: number;
  validatorCount: number;
  schedule: DutySchedule;
  blocks: ReadonlyMap<string, ChainBlock>;
  justified(epoch: number): phase0.Checkpoint;
  ancestorAt(block: ChainBlock, slot: number): ChainBlock;
}

/**
 * The checks a BN makes on a SingleAttestation before its signature (gossip and block-inclusion rules):
 * attester in the stated committee at the slot, timely, target epoch of the slot, known head block, target
 * root on the head's chain, source the justified checkpoint. Returns the attester's assignment.
 */
export function checkAttestation(att: electra.SingleAttestation, ctx: AttestationContext): AttesterAssignment {
  const {data} = att;
  const fail = (reason: string): never => {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_ATTESTATION", reason},
      `invalid attestation of validator ${att.attesterIndex} at slot ${data.slot}: ${reason}`,
    );
  };
  if (att.attesterIndex >= ctx.validatorCount) {
    throw new SimChainError(
      {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(att.attesterIndex)},
      `unknown attester index ${att.attesterIndex}`,
    );
  }
  if (data.index !== 0) fail("data.index must be 0 from Electra on (the committee goes in committee_index)");
  const epoch = Math.floor(data.slot / SLOTS_PER_EPOCH);
  if (data.slot > ctx.currentSlot) fail(`slot is in the future (current slot ${ctx.currentSlot})`);
  if (epoch + 1 < Math.floor(ctx.currentSlot / SLOTS_PER_EPOCH)) fail("slot is older than the previous epoch");
  if (data.target.epoch !== epoch) fail(`target epoch ${data.target.epoch} is not the slot's epoch ${epoch}`);
  if (att.committeeIndex >= ctx.schedule.committeesPerSlot) {
    fail(`committee index ${att.committeeIndex} ≥ committees per slot ${ctx.schedule.committeesPerSlot}`);
  }
  const duty = ctx.schedule.attesterDuty(epoch, att.attesterIndex);
  if (duty === undefined || duty.slot !== data.slot || duty.committeeIndex !== att.committeeIndex) {
    fail(`validator is not in committee ${att.committeeIndex} at slot ${data.slot}`);
  }
  const head = ctx.blocks.get(toHex(data.beaconBlockRoot));
  if (head === undefined) fail(`unknown beacon_block_root ${toHex(data.beaconBlockRoot)}`);
  if (head!.message.slot > data.slot) fail("beacon_block_root is a block after the attestation's slot");
  const targetBlock = ctx.ancestorAt(head!, epoch * SLOTS_PER_EPOCH);
  if (!bytesEqual(targetBlock.root, data.target.root)) fail("target root is not the checkpoint of the head's chain");
  const justified = ctx.justified(epoch);
  if (data.source.epoch !== justified.epoch || !bytesEqual(data.source.root, justified.root)) {
    fail(`source ${data.source.epoch}/${toHex(data.source.root)} is not the justified checkpoint ${justified.epoch}`);
  }
  return duty!;
}

export interface BlockContext {
  currentSlot: number;
  expectedProposer: number | null;
  blocks: ReadonlyMap<string, ChainBlock>;
  /** The blob schedule's limit at the block's epoch (EIP-7892). */
  maxBlobsPerBlock: number;
}

/** Header checks on a published block (before signatures): slot, proposer, known parent, blob limit. Returns the parent. */
export function checkBlock(signed: electra.SignedBeaconBlock, ctx: BlockContext): ChainBlock {
  const block = signed.message;
  const fail = (reason: string): never => {
    throw new SimChainError({code: "SIMCHAIN_INVALID_BLOCK", reason}, `invalid block at slot ${block.slot}: ${reason}`);
  };
  if (block.slot > ctx.currentSlot) fail(`slot is in the future (current slot ${ctx.currentSlot})`);
  if (ctx.expectedProposer === null) fail("slot 0 is the genesis block");
  if (block.proposerIndex !== ctx.expectedProposer) {
    fail(`proposer index ${block.proposerIndex} is not the slot's proposer ${ctx.expectedProposer}`);
  }
  const parent = ctx.blocks.get(toHex(block.parentRoot));
  if (parent === undefined) fail(`unknown parent ${toHex(block.parentRoot)}`);
  if (parent!.message.slot >= block.slot) fail("parent is not older than the block");
  if (block.body.blobKzgCommitments.length > ctx.maxBlobsPerBlock) {
    fail(`${block.body.blobKzgCommitments.length} blob commitments exceed the limit of ${ctx.maxBlobsPerBlock}`);
  }
  return parent!;
}

export interface BlockBodyContext {
  expectedTimestamp: number;
  schedule: DutySchedule;
  validators: ValidatorSet;
  roots: SigningRoots;
}

/** What a state transition would reject: payload not on the parent, bad aggregates, wrong state root. */
export function checkBlockBody(parent: ChainBlock, block: electra.BeaconBlock, ctx: BlockBodyContext): void {
  const fail = (reason: string): never => {
    throw new SimChainError({code: "SIMCHAIN_INVALID_BLOCK", reason}, `invalid block at slot ${block.slot}: ${reason}`);
  };
  const payload = block.body.executionPayload;
  const parentPayload = parent.message.body.executionPayload;
  if (!bytesEqual(payload.parentHash, parentPayload.blockHash)) fail("execution payload parent hash mismatch");
  if (payload.blockNumber !== parentPayload.blockNumber + 1) fail("execution payload block number mismatch");
  if (payload.timestamp !== ctx.expectedTimestamp) fail("execution payload timestamp mismatch");
  if (!bytesEqual(payload.prevRandao, parent.randaoMix)) fail("execution payload prev_randao mismatch");
  for (const att of block.body.attestations) {
    const members = att.committeeBits.getTrueBitIndexes().flatMap((ci) => ctx.schedule.committee(att.data.slot, ci));
    if (att.aggregationBits.bitLen !== members.length) fail("attestation aggregation bits length");
    const keys = att.aggregationBits.intersectValues(members).map((v) => ctx.validators.publicKey(v));
    if (keys.length === 0) fail("attestation without participants");
    const aggregate = keys.length === 1 ? keys[0] : aggregatePublicKeys(keys);
    if (!verifySignature(aggregate, ctx.roots.attestation(att.data), att.signature)) {
      fail(`invalid aggregate signature of an attestation for slot ${att.data.slot}`);
    }
  }
  if (!bytesEqual(block.stateRoot, expectedStateRoot(parent, block))) fail("state root mismatch");
}

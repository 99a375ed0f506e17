import {aggregatePublicKeys} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import {DOMAIN_AGGREGATE_AND_PROOF, DOMAIN_SELECTION_PROOF, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import {isAggregator} from "../../duties/selection.js";
import {toHex} from "../../util/hex.js";
import type {ChainBlock} from "./blocks.js";
import type {DutySchedule} from "./duties.js";
import {SimChainError} from "./errors.js";
import {type SigningRoots, verifySignature} from "./signing.js";
import type {ValidatorSet} from "./validators.js";

export interface AggregateContext {
  /** The clock's slot, allowing for clock disparity. */
  currentSlot: number;
  config: BeaconConfig;
  schedule: DutySchedule;
  validators: ValidatorSet;
  roots: SigningRoots;
  blocks: ReadonlyMap<string, ChainBlock>;
}

/** Signing root of a selection proof (`AGGREGATION_SLOT`: the slot under DOMAIN_SELECTION_PROOF). */
export function selectionProofRoot(config: BeaconConfig, slot: number): Uint8Array {
  const domain = config.getDomain(slot, DOMAIN_SELECTION_PROOF, slot);
  return ssz.phase0.SigningData.hashTreeRoot({objectRoot: ssz.Slot.hashTreeRoot(slot), domain});
}

/** Signing root of an Electra `AggregateAndProof` (DOMAIN_AGGREGATE_AND_PROOF at the aggregate's slot). */
export function aggregateAndProofRoot(config: BeaconConfig, message: electra.AggregateAndProof): Uint8Array {
  const slot = message.aggregate.data.slot;
  const domain = config.getDomain(slot, DOMAIN_AGGREGATE_AND_PROOF, slot);
  return ssz.phase0.SigningData.hashTreeRoot({objectRoot: ssz.electra.AggregateAndProof.hashTreeRoot(message), domain});
}

/**
 * The gossip checks of `beacon_aggregate_and_proof` (Electra) a BN makes before accepting a
 * SignedAggregateAndProof: timely slot, one committee bit, aggregation bits the committee's length with at
 * least one set, known head block, aggregator in the committee and selected by `is_aggregator`, and three
 * signatures: the selection proof (validator's key, DOMAIN_SELECTION_PROOF), the outer signature
 * (DOMAIN_AGGREGATE_AND_PROOF) and the aggregate's (the participants' aggregated keys). Returns the committee.
 */
export function checkAggregateAndProof(signed: electra.SignedAggregateAndProof, ctx: AggregateContext): number[] {
  const {aggregatorIndex, aggregate, selectionProof} = signed.message;
  const {data} = aggregate;
  const fail = (reason: string): never => {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_AGGREGATE", reason},
      `invalid aggregate of aggregator ${aggregatorIndex} at slot ${data.slot}: ${reason}`,
    );
  };
  if (aggregatorIndex >= ctx.validators.size) {
    throw new SimChainError(
      {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(aggregatorIndex)},
      `unknown aggregator index ${aggregatorIndex}`,
    );
  }
  const epoch = Math.floor(data.slot / SLOTS_PER_EPOCH);
  if (data.slot > ctx.currentSlot) fail(`slot is in the future (current slot ${ctx.currentSlot})`);
  if (epoch + 1 < Math.floor(ctx.currentSlot / SLOTS_PER_EPOCH)) fail("slot is older than the previous epoch");
  if (data.target.epoch !== epoch) fail(`target epoch ${data.target.epoch} is not the slot's epoch ${epoch}`);
  if (data.index !== 0) fail("data.index must be 0 from Electra on (the committee goes in committee_bits)");
  const committeeBits = aggregate.committeeBits.getTrueBitIndexes();
  if (committeeBits.length !== 1) fail(`exactly one committee bit must be set, not ${committeeBits.length}`);
  const committeeIndex = committeeBits[0];
  if (committeeIndex >= ctx.schedule.committeesPerSlot) {
    fail(`committee index ${committeeIndex} ≥ committees per slot ${ctx.schedule.committeesPerSlot}`);
  }
  const committee = ctx.schedule.committee(data.slot, committeeIndex);
  if (aggregate.aggregationBits.bitLen !== committee.length) {
    fail(`${aggregate.aggregationBits.bitLen} aggregation bits for a committee of ${committee.length}`);
  }
  const participants = aggregate.aggregationBits.intersectValues(committee);
  if (participants.length === 0) fail("no aggregation bit set");
  if (!ctx.blocks.has(toHex(data.beaconBlockRoot))) fail(`unknown beacon_block_root ${toHex(data.beaconBlockRoot)}`);
  if (!committee.includes(aggregatorIndex)) {
    throw new SimChainError(
      {code: "SIMCHAIN_NOT_AGGREGATOR", validatorIndex: aggregatorIndex, slot: data.slot},
      `validator ${aggregatorIndex} is not in committee ${committeeIndex} at slot ${data.slot}`,
    );
  }
  if (!isAggregator(committee.length, selectionProof)) {
    throw new SimChainError(
      {code: "SIMCHAIN_NOT_AGGREGATOR", validatorIndex: aggregatorIndex, slot: data.slot},
      `the selection proof does not select validator ${aggregatorIndex} (is_aggregator, committee of ${committee.length})`,
    );
  }
  const aggregatorKey = ctx.validators.publicKey(aggregatorIndex);
  if (!verifySignature(aggregatorKey, selectionProofRoot(ctx.config, data.slot), selectionProof)) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_SIGNATURE", what: "selection_proof"},
      `invalid selection proof of validator ${aggregatorIndex} for slot ${data.slot}`,
    );
  }
  if (!verifySignature(aggregatorKey, aggregateAndProofRoot(ctx.config, signed.message), signed.signature)) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_SIGNATURE", what: "aggregate_and_proof"},
      `invalid aggregate-and-proof signature of validator ${aggregatorIndex} at slot ${data.slot}`,
    );
  }
  const keys = participants.map((v) => ctx.validators.publicKey(v));
  const participantsKey = keys.length === 1 ? keys[0] : aggregatePublicKeys(keys);
  if (!verifySignature(participantsKey, ctx.roots.attestation(data), aggregate.signature)) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_SIGNATURE", what: "aggregate"},
      `invalid aggregate signature at slot ${data.slot}, committee ${committeeIndex}`,
    );
  }
  return committee;
}

/** What a `beacon_committee_subscriptions` entry announced, and when it arrived. */
export interface CommitteeSubscription {
  committeeIndex: number;
  isAggregator: boolean;
  atMs: number;
}

/**
 * Validates `beacon_committee_subscriptions` like a BN (known validator, committee index below the
 * slot's committee count, slot not past) and returns the entries to remember. A BN cannot check
 * `is_aggregator` here: the request carries no selection proof.
 */
export function checkCommitteeSubscription(
  s: {validatorIndex: number; committeeIndex: number; committeesAtSlot: number; slot: number},
  ctx: {currentSlot: number; validatorCount: number; committeesPerSlot: number},
): void {
  if (s.validatorIndex >= ctx.validatorCount) {
    throw new SimChainError(
      {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(s.validatorIndex)},
      `unknown validator index ${s.validatorIndex}`,
    );
  }
  if (s.committeesAtSlot !== ctx.committeesPerSlot || s.committeeIndex >= ctx.committeesPerSlot) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_COMMITTEE", slot: s.slot, committeeIndex: s.committeeIndex},
      `committee ${s.committeeIndex} of ${s.committeesAtSlot} at slot ${s.slot}: the slot has ${ctx.committeesPerSlot}`,
    );
  }
  if (s.slot < ctx.currentSlot) {
    throw new SimChainError(
      {code: "SIMCHAIN_SLOT_OUT_OF_RANGE", slot: s.slot, currentSlot: ctx.currentSlot},
      `subscription for past slot ${s.slot} (current slot ${ctx.currentSlot})`,
    );
  }
}

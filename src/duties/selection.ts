import {createHash} from "node:crypto";
import {TARGET_AGGREGATORS_PER_COMMITTEE} from "@lodestar/params";

/** `max(1, len(committee) // TARGET_AGGREGATORS_PER_COMMITTEE)` of the consensus specs' `is_aggregator`. */
export function aggregatorModulo(committeeLength: number): number {
  return Math.max(1, Math.floor(committeeLength / TARGET_AGGREGATORS_PER_COMMITTEE));
}

/**
 * `is_aggregator` of the consensus specs (phase0 validator guide):
 * `bytes_to_uint64(hash(slot_signature)[0:8]) % modulo == 0`, little-endian, sha256. The arithmetic is
 * on bigint: a JS number cannot hold a uint64 exactly.
 */
export function isAggregator(committeeLength: number, selectionProof: Uint8Array): boolean {
  return selectionProofValue(selectionProof) % BigInt(aggregatorModulo(committeeLength)) === 0n;
}

/** `bytes_to_uint64(hash(selection_proof)[0:8])`. */
export function selectionProofValue(selectionProof: Uint8Array): bigint {
  return createHash("sha256").update(selectionProof).digest().readBigUInt64LE(0);
}

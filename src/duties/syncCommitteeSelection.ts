import {createHash} from "node:crypto";
import {
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
} from "@lodestar/params";

/** Members per sync subcommittee (one gossip subnet each): SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT. */
export const SYNC_SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

/**
 * The spec's modulo of `is_sync_committee_aggregator` (altair/validator.md):
 * max(1, SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT // TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE).
 * 8 on the mainnet preset, 1 on the minimal preset (every member aggregates).
 */
export function syncAggregatorModulo(syncCommitteeSize = SYNC_COMMITTEE_SIZE): number {
  return Math.max(
    1,
    Math.floor(Math.floor(syncCommitteeSize / SYNC_COMMITTEE_SUBNET_COUNT) / TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE),
  );
}

/** `is_sync_committee_aggregator(signature)`: bytes_to_uint64(hash(signature)[0:8]) % modulo == 0 (little endian). */
export function isSyncCommitteeAggregator(selectionProof: Uint8Array, modulo = syncAggregatorModulo()): boolean {
  const digest = createHash("sha256").update(selectionProof).digest();
  return digest.readBigUInt64LE(0) % BigInt(modulo) === 0n;
}

/** The sync committee period of an epoch. */
export function syncPeriodOfEpoch(epoch: number): number {
  return Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
}

/**
 * The period whose committee signs at `slot`: messages of slot s go into the block of slot s + 1, so the
 * committee is the one of slot s + 1 (the last slot of a period already belongs to the next committee).
 */
export function syncPeriodOfMessageSlot(slot: number, slotsPerEpoch: number): number {
  return syncPeriodOfEpoch(Math.floor((slot + 1) / slotsPerEpoch));
}

/** The subcommittees a member sits in, each with its positions inside it (its aggregation bits), ascending. */
export function subcommitteesOf(validatorSyncCommitteeIndices: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const index of [...validatorSyncCommitteeIndices].sort((a, b) => a - b)) {
    const sub = Math.floor(index / SYNC_SUBCOMMITTEE_SIZE);
    const list = out.get(sub) ?? [];
    list.push(index % SYNC_SUBCOMMITTEE_SIZE);
    out.set(sub, list);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * Share-exchange duty type of a per-subcommittee signature (selection proof, contribution). The
 * exchange and the combiner hold one signature per (slot, duty type, validator), but a validator
 * sitting in several subcommittees signs one of each per subcommittee in the same slot. So the k-th
 * subcommittee of each validator (ascending; `rank` k) gets its own exchange duty type,
 * 128 + 8 × consensus duty type + k (wire constants, above every consensus duty type in use): every
 * validator's first subcommittee shares one duty, and so one message, one batch verification.
 */
export function syncShareDutyType(consensusDutyType: number, rank: number): number {
  return 128 + 8 * consensusDutyType + rank;
}

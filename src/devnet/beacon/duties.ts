import {createHash} from "node:crypto";
import {MAX_COMMITTEES_PER_SLOT, SLOTS_PER_EPOCH, TARGET_COMMITTEE_SIZE} from "@lodestar/params";

export interface AttesterAssignment {
  validatorIndex: number;
  slot: number;
  committeeIndex: number;
  committeeLength: number;
  committeesAtSlot: number;
  /** Position of the validator in its committee (its aggregation bit). */
  validatorCommitteeIndex: number;
}

/**
 * Deterministic duties from a seed, the simulator's stand-in for RANDAO-based shuffling:
 * - each epoch, the validators are shuffled with a Fisher-Yates shuffle driven by sha256(seed, epoch)
 *   (the spec uses swap-or-not over the RANDAO mix), then split into SLOTS_PER_EPOCH × committees-per-slot
 *   committees exactly as the spec's `compute_committee` splits the shuffled list;
 * - the proposer of each slot is drawn uniformly from the whole set by sha256(seed, slot) (the spec
 *   weighs by effective balance, which is equal here); slot 0 is the genesis block and has no proposer.
 * Duties do not depend on the chain's history, so a dependent-root change never moves them.
 */
export class DutySchedule {
  readonly committeesPerSlot: number;
  private readonly shuffled = new Map<number, number[]>();
  private readonly dutiesByEpoch = new Map<number, Map<number, AttesterAssignment>>();

  constructor(
    private readonly validatorCount: number,
    private readonly seed: Uint8Array,
  ) {
    this.committeesPerSlot = Math.max(
      1,
      Math.min(MAX_COMMITTEES_PER_SLOT, Math.floor(validatorCount / SLOTS_PER_EPOCH / TARGET_COMMITTEE_SIZE)),
    );
  }

  /** The validator indices of committee `committeeIndex` at `slot`, in aggregation-bit order. */
  committee(slot: number, committeeIndex: number): number[] {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const count = this.committeesPerSlot * SLOTS_PER_EPOCH;
    const j = (slot % SLOTS_PER_EPOCH) * this.committeesPerSlot + committeeIndex;
    const n = this.validatorCount;
    const start = Math.floor((n * j) / count);
    const end = Math.floor((n * (j + 1)) / count);
    return this.shuffle(epoch).slice(start, end);
  }

  /** Every attester assignment of the epoch (one per validator). */
  attesterDuties(epoch: number): AttesterAssignment[] {
    const duties: AttesterAssignment[] = [];
    const startSlot = epoch * SLOTS_PER_EPOCH;
    for (let slot = startSlot; slot < startSlot + SLOTS_PER_EPOCH; slot++) {
      for (let committeeIndex = 0; committeeIndex < this.committeesPerSlot; committeeIndex++) {
        const members = this.committee(slot, committeeIndex);
        members.forEach((validatorIndex, position) => {
          duties.push({
            validatorIndex,
            slot,
            committeeIndex,
            committeeLength: members.length,
            committeesAtSlot: this.committeesPerSlot,
            validatorCommitteeIndex: position,
          });
        });
      }
    }
    return duties;
  }

  attesterDuty(epoch: number, validatorIndex: number): AttesterAssignment | undefined {
    let byValidator = this.dutiesByEpoch.get(epoch);
    if (byValidator === undefined) {
      byValidator = new Map(this.attesterDuties(epoch).map((d) => [d.validatorIndex, d]));
      this.dutiesByEpoch.set(epoch, byValidator);
      if (this.dutiesByEpoch.size > 8) this.dutiesByEpoch.delete(Math.min(...this.dutiesByEpoch.keys()));
    }
    return byValidator.get(validatorIndex);
  }

  /** The proposer of `slot`, or null for the genesis slot. */
  proposer(slot: number): number | null {
    if (slot === 0) return null;
    return Number(this.hash("proposer", slot).readBigUInt64LE(0) % BigInt(this.validatorCount));
  }

  private shuffle(epoch: number): number[] {
    let list = this.shuffled.get(epoch);
    if (list === undefined) {
      list = Array.from({length: this.validatorCount}, (_, i) => i);
      for (let i = list.length - 1; i > 0; i--) {
        const j = Number(this.hash("shuffle", epoch, i).readBigUInt64LE(0) % BigInt(i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      this.shuffled.set(epoch, list);
      // Keep a few recent epochs only; duties are asked for the current and next epoch.
      if (this.shuffled.size > 8) this.shuffled.delete(Math.min(...this.shuffled.keys()));
    }
    return list;
  }

  private hash(tag: string, ...values: number[]): Buffer {
    const h = createHash("sha256").update(tag).update(this.seed);
    for (const v of values) {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      h.update(b);
    }
    return h.digest();
  }
}

/** What the simulated chain saw of each duty, for tests and the devnet summary. */
export type DutyType = "attester" | "proposer" | "aggregator" | "syncMessage" | "syncContribution";
export const DUTY_TYPES: readonly DutyType[] = [
  "attester",
  "proposer",
  "aggregator",
  "syncMessage",
  "syncContribution",
];

export interface DutyRejection {
  code: string;
  reason: string;
  atMs: number;
}

export interface DutyRecord {
  type: DutyType;
  slot: number;
  validatorIndex: number;
  /** Sync contributions: one record per (slot, aggregator, subcommittee). */
  subcommitteeIndex?: number;
  /** The schedule gave this validator this duty (false: something arrived for a duty it did not have). */
  expected: boolean;
  submissions: number;
  acceptedAtMs: number | null;
  rejections: DutyRejection[];
  /**
   * Attester: slot of the canonical block that included it. Proposer: the slot, when the block became
   * canonical. Sync message: the slot of the canonical block whose sync aggregate carries it. Aggregator:
   * not tracked (null).
   */
  inclusionSlot: number | null;
}

export type DutyStatus = "accepted" | "rejected" | "missed" | "pending";

export interface DutyCounts {
  expected: number;
  submitted: number;
  accepted: number;
  rejected: number;
  included: number;
  missed: number;
  pending: number;
}

export interface SlashableEvent {
  kind: "double-proposal" | "double-vote" | "surround-vote";
  validatorIndex: number;
  slot: number;
  detail: string;
  atMs: number;
}

function emptyCounts(): DutyCounts {
  return {expected: 0, submitted: 0, accepted: 0, rejected: 0, included: 0, missed: 0, pending: 0};
}

/** Book of duty records keyed by (type, slot, validator); a duty is missed once its deadline slot has ended. */
export class DutyBook {
  private readonly records = new Map<string, DutyRecord>();
  readonly slashable: SlashableEvent[] = [];

  expect(type: DutyType, slot: number, validatorIndex: number, sub?: number): void {
    this.get(type, slot, validatorIndex, sub).expected = true;
  }

  submitted(type: DutyType, slot: number, validatorIndex: number, sub?: number): DutyRecord {
    const r = this.get(type, slot, validatorIndex, sub);
    r.submissions++;
    return r;
  }

  accepted(type: DutyType, slot: number, validatorIndex: number, atMs: number, sub?: number): void {
    const r = this.get(type, slot, validatorIndex, sub);
    if (r.acceptedAtMs === null) r.acceptedAtMs = atMs;
  }

  rejected(type: DutyType, slot: number, validatorIndex: number, rejection: DutyRejection, sub?: number): void {
    this.get(type, slot, validatorIndex, sub).rejections.push(rejection);
  }

  included(type: DutyType, slot: number, validatorIndex: number, inclusionSlot: number): void {
    const r = this.records.get(key(type, slot, validatorIndex));
    if (r !== undefined && r.inclusionSlot === null) r.inclusionSlot = inclusionSlot;
  }

  find(type: DutyType, slot: number, validatorIndex: number, sub?: number): DutyRecord | undefined {
    return this.records.get(key(type, slot, validatorIndex, sub));
  }

  /** `deadlineSlot(record)`: last slot in which the duty can still be done. */
  status(r: DutyRecord, currentSlot: number, deadlineSlot: (r: DutyRecord) => number): DutyStatus {
    if (r.acceptedAtMs !== null) return "accepted";
    if (currentSlot <= deadlineSlot(r)) return "pending";
    return r.rejections.length > 0 ? "rejected" : "missed";
  }

  all(): DutyRecord[] {
    return [...this.records.values()].sort(
      (a, b) =>
        a.slot - b.slot ||
        a.type.localeCompare(b.type) ||
        a.validatorIndex - b.validatorIndex ||
        (a.subcommitteeIndex ?? 0) - (b.subcommitteeIndex ?? 0),
    );
  }

  counts(currentSlot: number, deadlineSlot: (r: DutyRecord) => number): Record<DutyType, DutyCounts> {
    const out = Object.fromEntries(DUTY_TYPES.map((t) => [t, emptyCounts()])) as Record<DutyType, DutyCounts>;
    for (const r of this.records.values()) {
      const c = out[r.type];
      if (r.expected) c.expected++;
      if (r.submissions > 0) c.submitted++;
      if (r.inclusionSlot !== null) c.included++;
      c[this.status(r, currentSlot, deadlineSlot)]++;
    }
    return out;
  }

  private get(type: DutyType, slot: number, validatorIndex: number, sub?: number): DutyRecord {
    const k = key(type, slot, validatorIndex, sub);
    let r = this.records.get(k);
    if (r === undefined) {
      r = {
        type,
        slot,
        validatorIndex,
        ...(sub !== undefined ? {subcommitteeIndex: sub} : {}),
        expected: false,
        submissions: 0,
        acceptedAtMs: null,
        rejections: [],
        inclusionSlot: null,
      };
      this.records.set(k, r);
    }
    return r;
  }
}

function key(type: DutyType, slot: number, validatorIndex: number, sub?: number): string {
  return sub === undefined ? `${type}:${slot}:${validatorIndex}` : `${type}:${slot}:${validatorIndex}:${sub}`;
}

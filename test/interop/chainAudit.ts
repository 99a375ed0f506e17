/**
 * What a real beacon chain says of a set of validators' duties: read from its blocks, committees and
 * sync committees (Beacon API data), never from cohort's own counters. Pure: the interop tests feed it
 * what `ChainRecorder` read from the BN; the unit tests feed it canned data.
 */

/** One beacon committee: `validators[i]` is the validator behind aggregation bit i. */
export interface AuditCommittee {
  slot: number;
  index: number;
  validators: number[];
}

/** One attestation of a block: pre-Electra `committeeBits` is null and `index` is the committee. */
export interface AuditAttestation {
  slot: number;
  index: number;
  aggregationBits: boolean[];
  /** Electra on: the committees the aggregation bits span, in order; null before. */
  committeeBits: boolean[] | null;
}

/** The parts of a canonical block the audit reads. */
export interface AuditBlock {
  slot: number;
  proposerIndex: number;
  attestations: AuditAttestation[];
  /** `body.sync_aggregate.sync_committee_bits` (signatures of slot − 1). */
  syncCommitteeBits: boolean[];
  proposerSlashings: number;
  attesterSlashings: number;
  /** `body.execution_payload.fee_recipient` (0x-hex, lowercase); null before Bellatrix. */
  feeRecipient: string | null;
}

export interface AuditInput {
  /** The validators whose duties are audited (the cluster's). */
  validators: number[];
  slotsPerEpoch: number;
  /** The epochs whose duties are audited (inclusive); the blocks must reach past them for inclusion. */
  epochs: {from: number; to: number};
  /** Beacon committees of every audited epoch. */
  committees: AuditCommittee[];
  /** Proposer of each slot of the audited epochs (`duties/proposer/{epoch}`). */
  proposers: {slot: number; validatorIndex: number}[];
  /** The sync committee (`validators`, SYNC_COMMITTEE_SIZE indices) by epoch. */
  syncCommittees: Map<number, number[]>;
  /** The canonical blocks from the first audited slot to past the last (for late inclusion). */
  blocks: AuditBlock[];
  /** The cluster lock's fee recipient of each validator (0x-hex); absent: not audited. */
  feeRecipients?: Map<number, string>;
}

/** One duty type: how many duties the validators had, how many the chain shows, and which it lacks. */
export interface DutyTally {
  duties: number;
  onChain: number;
  /** e.g. "v5@slot 17" */
  missing: string[];
}

export interface ChainAudit {
  /** Attester duties whose attestation a block included (the validator's bit set in its committee). */
  attestations: DutyTally;
  /** Sync committee duties (validator, slot s − 1) where block s exists: its bit in block s's sync aggregate. */
  syncMessages: DutyTally;
  /** Proposer duties with the validator's block on the chain at that slot. */
  proposals: DutyTally;
  /** The validators' blocks on chain in the audited epochs, and those paying the lock's fee recipient. */
  feeRecipients: DutyTally;
  /** Slashings packed in the blocks read (every block, whoever it slashes). */
  slashings: {proposer: number; attester: number};
}

/** The share of duties on chain (1 when there were none). */
export function onChainRatio(t: DutyTally): number {
  return t.duties === 0 ? 1 : t.onChain / t.duties;
}

export function auditChain(input: AuditInput): ChainAudit {
  const ours = new Set(input.validators);
  const firstSlot = input.epochs.from * input.slotsPerEpoch;
  const lastSlot = (input.epochs.to + 1) * input.slotsPerEpoch - 1;
  const inRange = (slot: number) => slot >= firstSlot && slot <= lastSlot;
  const bySlot = new Map(input.blocks.map((b) => [b.slot, b]));
  return {
    attestations: auditAttestations(input, ours, inRange),
    syncMessages: auditSyncMessages(input, ours, inRange, bySlot),
    proposals: auditProposals(input, ours, inRange, bySlot),
    feeRecipients: auditFeeRecipients(input, inRange),
    slashings: {
      proposer: input.blocks.reduce((n, b) => n + b.proposerSlashings, 0),
      attester: input.blocks.reduce((n, b) => n + b.attesterSlashings, 0),
    },
  };
}

function auditAttestations(input: AuditInput, ours: Set<number>, inRange: (slot: number) => boolean): DutyTally {
  const committees = new Map(input.committees.map((c) => [`${c.slot}:${c.index}`, c]));
  const committeesOfSlot = (slot: number) => input.committees.filter((c) => c.slot === slot);
  // Every validator of ours that some included attestation counts, by slot.
  const attested = new Set<string>();
  for (const block of input.blocks) {
    for (const att of block.attestations) {
      const spans: AuditCommittee[] = [];
      if (att.committeeBits === null) {
        const c = committees.get(`${att.slot}:${att.index}`);
        if (c) spans.push(c);
      } else {
        const ofSlot = committeesOfSlot(att.slot);
        att.committeeBits.forEach((set, index) => {
          const c = ofSlot.find((x) => x.index === index);
          if (set && c) spans.push(c);
        });
      }
      let offset = 0;
      for (const c of spans) {
        c.validators.forEach((v, i) => {
          if (att.aggregationBits[offset + i]) attested.add(`${att.slot}:${v}`);
        });
        offset += c.validators.length;
      }
    }
  }
  const tally: DutyTally = {duties: 0, onChain: 0, missing: []};
  for (const c of input.committees) {
    if (!inRange(c.slot)) continue;
    for (const v of c.validators) {
      if (!ours.has(v)) continue;
      count(tally, attested.has(`${c.slot}:${v}`), `v${v}@slot ${c.slot}`);
    }
  }
  return tally;
}

function auditSyncMessages(
  input: AuditInput,
  ours: Set<number>,
  inRange: (slot: number) => boolean,
  bySlot: Map<number, AuditBlock>,
): DutyTally {
  const tally: DutyTally = {duties: 0, onChain: 0, missing: []};
  for (const [slot, block] of [...bySlot].sort((a, b) => a[0] - b[0])) {
    const signedSlot = slot - 1;
    if (signedSlot < 0 || !inRange(signedSlot)) continue;
    const committee = input.syncCommittees.get(Math.floor(slot / input.slotsPerEpoch));
    if (!committee) continue;
    const seats = new Map<number, number[]>();
    committee.forEach((v, i) => {
      if (ours.has(v)) seats.set(v, [...(seats.get(v) ?? []), i]);
    });
    for (const [v, positions] of seats) {
      count(
        tally,
        positions.some((i) => block.syncCommitteeBits[i]),
        `v${v}@slot ${signedSlot}`,
      );
    }
  }
  return tally;
}

function auditProposals(
  input: AuditInput,
  ours: Set<number>,
  inRange: (slot: number) => boolean,
  bySlot: Map<number, AuditBlock>,
): DutyTally {
  const tally: DutyTally = {duties: 0, onChain: 0, missing: []};
  for (const {slot, validatorIndex} of input.proposers) {
    if (!inRange(slot) || !ours.has(validatorIndex) || slot === 0) continue;
    count(tally, bySlot.get(slot)?.proposerIndex === validatorIndex, `v${validatorIndex}@slot ${slot}`);
  }
  return tally;
}

function auditFeeRecipients(input: AuditInput, inRange: (slot: number) => boolean): DutyTally {
  const tally: DutyTally = {duties: 0, onChain: 0, missing: []};
  if (!input.feeRecipients) return tally;
  for (const block of input.blocks) {
    const expected = input.feeRecipients.get(block.proposerIndex);
    if (!inRange(block.slot) || expected === undefined) continue;
    const paid = block.feeRecipient === expected.toLowerCase();
    count(tally, paid, `v${block.proposerIndex}@slot ${block.slot} paid ${block.feeRecipient}`);
  }
  return tally;
}

/** One duty into its tally: on chain, or missing under `label`. */
function count(tally: DutyTally, onChain: boolean, label: string): void {
  tally.duties++;
  if (onChain) tally.onChain++;
  else tally.missing.push(label);
}

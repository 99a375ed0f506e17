import {createHash} from "node:crypto";
import {aggregateSerializedSignatures, fastAggregateVerify, type PublicKey, Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import type {BeaconConfig} from "@lodestar/config";
import {
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
} from "@lodestar/params";
import {type altair, type DomainType, ssz} from "@lodestar/types";
import {isSyncCommitteeAggregator, SYNC_SUBCOMMITTEE_SIZE} from "../../duties/syncCommitteeSelection.js";
import {toHex} from "../../util/hex.js";
import {G2_INFINITY} from "./blocks.js";
import {SimChainError} from "./errors.js";
import type {DutyBook} from "./records.js";
import {verifySignature} from "./signing.js";
import type {ValidatorSet} from "./validators.js";

export interface SyncCheckContext {
  /** Slots a message may be for now: the clock's slot, either side of the clock disparity. */
  slotRange: {from: number; to: number};
  /** Whether the chain knows a block (0x root). */
  knownBlock(rootHex: string): boolean;
  nowMs: number;
}

interface AcceptedMessage {
  rootHex: string;
  signature: Uint8Array;
}

export interface SyncCommitteeAssignment {
  validatorIndex: number;
  validatorSyncCommitteeIndices: number[];
}

/** The period whose committee signs at `slot` (its messages go into the block of slot + 1). */
export function syncPeriodAtMessageSlot(slot: number): number {
  return Math.floor(Math.floor((slot + 1) / SLOTS_PER_EPOCH) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
}

/**
 * The simulated chain's sync committee: membership per period from the seed, the sync duties it
 * serves, the checks of sync committee messages and signed contributions (a BN's gossip rules),
 * contributions built from the accepted messages, and the sync aggregate of each block.
 *
 * Membership: the spec samples SYNC_COMMITTEE_SIZE members from the active set weighted by balance
 * (with repeats, scattered over the seats); here each period's validators are shuffled by
 * sha256(seed, period) and, with fewer validators than seats, each takes an equal run of consecutive
 * seats (4 validators on the minimal preset's 32 seats: 8 each, one whole subcommittee each). Keeping a
 * member's seats together keeps the number of (aggregator, subcommittee) roles per slot, and so the
 * devnet's signing load, low; a member in several subcommittees happens when the runs straddle them
 * (e.g. 3 validators), and the client handles it the same way.
 */
export class SimSyncCommittee {
  readonly aggregatorModulo: number;
  private readonly committees = new Map<number, number[]>();
  /** slot → validator → its accepted message (the first one: a second, different one is refused). */
  private readonly messages = new Map<number, Map<number, AcceptedMessage>>();
  /** "slot:aggregator:sub" → signing root of the accepted SignedContributionAndProof. */
  private readonly contributions = new Map<string, string>();

  constructor(
    private readonly seed: Uint8Array,
    private readonly validators: ValidatorSet,
    private readonly config: BeaconConfig,
    private readonly book: DutyBook,
  ) {
    // The spec's max(1, SYNC_COMMITTEE_SIZE // SYNC_COMMITTEE_SUBNET_COUNT // TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE).
    this.aggregatorModulo = Math.max(
      1,
      Math.floor(SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT / TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE),
    );
  }

  /** The committee of a period: SYNC_COMMITTEE_SIZE validator indices in seat order. */
  committee(period: number): number[] {
    let c = this.committees.get(period);
    if (c === undefined) {
      const n = this.validators.size;
      const list = Array.from({length: n}, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Number(this.hash(period, i).readBigUInt64LE(0) % BigInt(i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
      // Contiguous seats: with fewer validators than seats each sits in as few subcommittees as can be.
      c = Array.from({length: SYNC_COMMITTEE_SIZE}, (_, seat) =>
        n >= SYNC_COMMITTEE_SIZE ? list[seat] : list[Math.floor((seat * n) / SYNC_COMMITTEE_SIZE)],
      );
      this.committees.set(period, c);
      if (this.committees.size > 4) this.committees.delete(Math.min(...this.committees.keys()));
    }
    return c;
  }

  /** `duties/sync/{epoch}`: the seats of each asked validator in the committee of the epoch's period. */
  duties(epoch: number, indices: number[], currentEpoch: number): SyncCommitteeAssignment[] {
    const period = Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const currentPeriod = Math.floor(currentEpoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    if (period > currentPeriod + 1 || period < currentPeriod) {
      throw new SimChainError(
        {code: "SIMCHAIN_EPOCH_OUT_OF_RANGE", epoch, currentEpoch},
        `sync duties of epoch ${epoch} (period ${period}): only the current period ${currentPeriod} and the next are known`,
      );
    }
    const seats = this.committee(period);
    const out: SyncCommitteeAssignment[] = [];
    for (const validatorIndex of indices) {
      this.validators.publicKey(validatorIndex);
      const validatorSyncCommitteeIndices = seats.flatMap((v, seat) => (v === validatorIndex ? [seat] : []));
      if (validatorSyncCommitteeIndices.length > 0) out.push({validatorIndex, validatorSyncCommitteeIndices});
    }
    return out;
  }

  /** The validators whose message is due at `slot`, and (when every member aggregates) their subcommittees. */
  expectSlot(slot: number): void {
    const seats = this.committee(syncPeriodAtMessageSlot(slot));
    for (const v of new Set(seats)) this.book.expect("syncMessage", slot, v);
    // The chain can only know the aggregators in advance when the selection proof does not matter.
    if (this.aggregatorModulo === 1) {
      for (const [seat, v] of seats.entries()) {
        this.book.expect("syncContribution", slot, v, Math.floor(seat / SYNC_SUBCOMMITTEE_SIZE));
      }
    }
    for (const s of this.messages.keys()) if (s < slot - 2 * SLOTS_PER_EPOCH) this.messages.delete(s);
    for (const k of this.contributions.keys()) {
      if (Number(k.split(":")[0]) < slot - 2 * SLOTS_PER_EPOCH) this.contributions.delete(k);
    }
  }

  // --- messages ------------------------------------------------------------------------------------

  /** `pool/sync_committees`: a BN's checks on a SyncCommitteeMessage; throws SimChainError when refused. */
  submitMessage(msg: altair.SyncCommitteeMessage, ctx: SyncCheckContext): void {
    const {slot, validatorIndex} = msg;
    const known = validatorIndex < this.validators.size;
    if (known) this.book.submitted("syncMessage", slot, validatorIndex);
    const rootHex = toHex(msg.beaconBlockRoot);
    try {
      if (!known) {
        throw new SimChainError(
          {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(validatorIndex)},
          `unknown validator index ${validatorIndex}`,
        );
      }
      const fail = (reason: string): never => {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_SYNC_MESSAGE", reason},
          `invalid sync committee message of validator ${validatorIndex} at slot ${slot}: ${reason}`,
        );
      };
      if (slot < ctx.slotRange.from || slot > ctx.slotRange.to) {
        fail(`not for the current slot (${ctx.slotRange.from}..${ctx.slotRange.to})`);
      }
      if (!this.committee(syncPeriodAtMessageSlot(slot)).includes(validatorIndex)) {
        fail("validator is not in the sync committee");
      }
      const prior = this.messages.get(slot)?.get(validatorIndex);
      if (prior !== undefined) {
        if (prior.rootHex === rootHex && toHex(prior.signature) === toHex(msg.signature)) return; // already known
        fail(`another message of this validator for this slot is already known (root ${prior.rootHex})`);
      }
      if (!ctx.knownBlock(rootHex)) fail(`unknown beacon_block_root ${rootHex}`);
      const signingRoot = this.signingRoot(ssz.Root.hashTreeRoot(msg.beaconBlockRoot), slot, DOMAIN_SYNC_COMMITTEE);
      if (!verifySignature(this.validators.publicKey(validatorIndex), signingRoot, msg.signature)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_SIGNATURE", what: "sync_committee_message"},
          `invalid sync committee message signature of validator ${validatorIndex} at slot ${slot}`,
        );
      }
      let bySlot = this.messages.get(slot);
      if (bySlot === undefined) {
        bySlot = new Map();
        this.messages.set(slot, bySlot);
      }
      bySlot.set(validatorIndex, {rootHex, signature: msg.signature});
      this.book.accepted("syncMessage", slot, validatorIndex, ctx.nowMs);
    } catch (e) {
      if (known && e instanceof SimChainError) {
        this.book.rejected("syncMessage", slot, validatorIndex, {code: e.code, reason: e.message, atMs: ctx.nowMs});
      }
      throw e;
    }
  }

  /** `sync_committee_contribution`: the accepted messages of a subcommittee for (slot, root), aggregated. */
  contribution(slot: number, subcommitteeIndex: number, root: Uint8Array): altair.SyncCommitteeContribution {
    if (
      !Number.isInteger(subcommitteeIndex) ||
      subcommitteeIndex < 0 ||
      subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT
    ) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_CONTRIBUTION", reason: "subcommittee index"},
        `subcommittee index ${subcommitteeIndex} is not below ${SYNC_COMMITTEE_SUBNET_COUNT}`,
      );
    }
    const {bits, signatures} = this.participation(
      slot,
      root,
      subcommitteeIndex * SYNC_SUBCOMMITTEE_SIZE,
      SYNC_SUBCOMMITTEE_SIZE,
    );
    if (signatures.length === 0) {
      throw new SimChainError(
        {code: "SIMCHAIN_NO_CONTRIBUTION", slot, subcommitteeIndex},
        `no sync committee messages pooled for slot ${slot}, subcommittee ${subcommitteeIndex}, root ${toHex(root)}`,
      );
    }
    return {
      slot,
      beaconBlockRoot: root,
      subcommitteeIndex,
      aggregationBits: bits,
      signature: aggregateSerializedSignatures(signatures).toBytes(),
    };
  }

  // --- contributions -------------------------------------------------------------------------------

  /** `contribution_and_proofs`: the gossip checks of a SignedContributionAndProof; throws when refused. */
  submitContribution(signed: altair.SignedContributionAndProof, ctx: SyncCheckContext): void {
    const {aggregatorIndex, contribution, selectionProof} = signed.message;
    const {slot, subcommitteeIndex} = contribution;
    const known = aggregatorIndex < this.validators.size && subcommitteeIndex < SYNC_COMMITTEE_SUBNET_COUNT;
    if (known) this.book.submitted("syncContribution", slot, aggregatorIndex, subcommitteeIndex);
    const fail = (reason: string): never => {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_CONTRIBUTION", reason},
        `invalid contribution of aggregator ${aggregatorIndex} at slot ${slot}, subcommittee ${subcommitteeIndex}: ${reason}`,
      );
    };
    const badSignature = (what: string): never => {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_SIGNATURE", what},
        `invalid ${what} of aggregator ${aggregatorIndex} at slot ${slot}, subcommittee ${subcommitteeIndex}`,
      );
    };
    try {
      if (aggregatorIndex >= this.validators.size) {
        throw new SimChainError(
          {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(aggregatorIndex)},
          `unknown aggregator index ${aggregatorIndex}`,
        );
      }
      if (subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) fail("subcommittee index out of range");
      if (slot < ctx.slotRange.from || slot > ctx.slotRange.to) {
        fail(`not for the current slot (${ctx.slotRange.from}..${ctx.slotRange.to})`);
      }
      const participants = contribution.aggregationBits.getTrueBitIndexes();
      if (participants.length === 0) fail("no participants");
      if (!isSyncCommitteeAggregator(selectionProof, this.aggregatorModulo)) {
        fail("the selection proof does not make the validator an aggregator");
      }
      const seats = this.committee(syncPeriodAtMessageSlot(slot));
      const first = subcommitteeIndex * SYNC_SUBCOMMITTEE_SIZE;
      const members = seats.slice(first, first + SYNC_SUBCOMMITTEE_SIZE);
      if (!members.includes(aggregatorIndex)) fail("aggregator is not in the subcommittee");
      const outerRoot = this.signingRoot(
        ssz.altair.ContributionAndProof.hashTreeRoot(signed.message),
        slot,
        DOMAIN_CONTRIBUTION_AND_PROOF,
      );
      const seenKey = `${slot}:${aggregatorIndex}:${subcommitteeIndex}`;
      const prior = this.contributions.get(seenKey);
      if (prior !== undefined) {
        if (prior === `${toHex(outerRoot)}:${toHex(signed.signature)}`) return; // already known
        fail("another contribution of this aggregator for this slot and subcommittee is already known");
      }
      const rootHex = toHex(contribution.beaconBlockRoot);
      if (!ctx.knownBlock(rootHex)) fail(`unknown beacon_block_root ${rootHex}`);
      const aggregatorKey = this.validators.publicKey(aggregatorIndex);
      const selectionRoot = this.signingRoot(
        ssz.altair.SyncAggregatorSelectionData.hashTreeRoot({slot, subcommitteeIndex}),
        slot,
        DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
      );
      if (!verifySignature(aggregatorKey, selectionRoot, selectionProof)) badSignature("selection_proof");
      if (!verifySignature(aggregatorKey, outerRoot, signed.signature)) badSignature("contribution_and_proof");
      const keys = participants.map((p) => this.validators.publicKey(members[p]));
      const messageRoot = this.signingRoot(
        ssz.Root.hashTreeRoot(contribution.beaconBlockRoot),
        slot,
        DOMAIN_SYNC_COMMITTEE,
      );
      if (!verifyAggregate(keys, messageRoot, contribution.signature)) badSignature("contribution aggregate signature");
      this.contributions.set(seenKey, `${toHex(outerRoot)}:${toHex(signed.signature)}`);
      this.book.accepted("syncContribution", slot, aggregatorIndex, ctx.nowMs, subcommitteeIndex);
    } catch (e) {
      if (known && e instanceof SimChainError) {
        this.book.rejected(
          "syncContribution",
          slot,
          aggregatorIndex,
          {code: e.code, reason: e.message, atMs: ctx.nowMs},
          subcommitteeIndex,
        );
      }
      throw e;
    }
  }

  // --- blocks --------------------------------------------------------------------------------------

  /** The sync aggregate of a block at `slot` on `parentRoot`: the accepted messages of slot - 1 for that root. */
  syncAggregate(slot: number, parentRoot: Uint8Array): altair.SyncAggregate {
    if (slot === 0)
      return {syncCommitteeBits: BitArray.fromBitLen(SYNC_COMMITTEE_SIZE), syncCommitteeSignature: G2_INFINITY};
    const {bits, signatures} = this.participation(slot - 1, parentRoot, 0, SYNC_COMMITTEE_SIZE);
    return {
      syncCommitteeBits: bits,
      syncCommitteeSignature:
        signatures.length === 0 ? G2_INFINITY : aggregateSerializedSignatures(signatures).toBytes(),
    };
  }

  /**
   * `process_sync_aggregate`'s signature check of a published block: the participants' keys over the
   * parent root (the block root at the previous slot) with the previous slot's sync committee domain;
   * no participants needs the point at infinity.
   */
  checkSyncAggregate(slot: number, parentRoot: Uint8Array, aggregate: altair.SyncAggregate): void {
    const seats = this.committee(syncPeriodAtMessageSlot(slot - 1));
    const participants = aggregate.syncCommitteeBits.getTrueBitIndexes();
    const ok =
      participants.length === 0
        ? toHex(aggregate.syncCommitteeSignature) === toHex(G2_INFINITY)
        : verifyAggregate(
            participants.map((p) => this.validators.publicKey(seats[p])),
            this.signingRoot(ssz.Root.hashTreeRoot(parentRoot), slot - 1, DOMAIN_SYNC_COMMITTEE),
            aggregate.syncCommitteeSignature,
          );
    if (!ok) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_BLOCK", reason: "sync aggregate"},
        `invalid block at slot ${slot}: invalid sync aggregate signature`,
      );
    }
  }

  /** Credits the sync messages a canonical block's aggregate carries. */
  creditInclusion(slot: number, aggregate: altair.SyncAggregate): void {
    if (slot === 0) return;
    const seats = this.committee(syncPeriodAtMessageSlot(slot - 1));
    for (const p of aggregate.syncCommitteeBits.getTrueBitIndexes()) {
      this.book.included("syncMessage", slot - 1, seats[p], slot);
    }
  }

  private participation(
    slot: number,
    root: Uint8Array,
    firstSeat: number,
    count: number,
  ): {bits: BitArray; signatures: Uint8Array[]} {
    const seats = this.committee(syncPeriodAtMessageSlot(slot));
    const accepted = this.messages.get(slot);
    const rootHex = toHex(root);
    const bits = BitArray.fromBitLen(count);
    const signatures: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const m = accepted?.get(seats[firstSeat + i]);
      // A member with several seats signs once; its signature counts once per seat, as its key does.
      if (m !== undefined && m.rootHex === rootHex) {
        bits.set(i, true);
        signatures.push(m.signature);
      }
    }
    return {bits, signatures};
  }

  private signingRoot(objectRoot: Uint8Array, slot: number, domainType: DomainType): Uint8Array {
    const domain = this.config.getDomain(slot, domainType, slot);
    return ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain});
  }

  private hash(period: number, i: number): Buffer {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(BigInt(period), 0);
    b.writeBigUInt64LE(BigInt(i), 8);
    return createHash("sha256").update("sync-committee").update(this.seed).update(b).digest();
  }
}

/** fast_aggregate_verify with every participant's key (repeats included); malformed signatures are invalid. */
function verifyAggregate(keys: PublicKey[], signingRoot: Uint8Array, signature: Uint8Array): boolean {
  let sig: Signature;
  try {
    sig = Signature.fromBytes(signature, true);
  } catch {
    return false;
  }
  return keys.length > 0 && fastAggregateVerify(signingRoot, keys, sig);
}

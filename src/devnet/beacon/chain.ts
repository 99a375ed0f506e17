import {type BeaconConfig, type ChainConfig, createBeaconConfig} from "@lodestar/config";
import {isForkPostFulu, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type altair, type electra, type phase0, ssz} from "@lodestar/types";
import {aggregatorModulo} from "../../duties/selection.js";
import {toHex} from "../../util/hex.js";
import {type Logger, nullLogger} from "../../util/logger.js";
import {type CommitteeSubscription, checkAggregateAndProof, checkCommitteeSubscription} from "./aggregation.js";
import {type BlobsAndProofs, SimBlobs} from "./blobs.js";
import {
  buildBlock,
  type ChainBlock,
  G2_INFINITY,
  genesisBlock,
  graffitiBytes,
  nextRandaoMix,
  sealBlock,
} from "./blocks.js";
import {BlockTree} from "./blockTree.js";
import {createSimChainConfig} from "./chainConfig.js";
import type {ChainClock} from "./clock.js";
import {type AttesterAssignment, DutySchedule} from "./duties.js";
import {SimChainError} from "./errors.js";
import {SimOperations} from "./operations.js";
import {AttestationPool} from "./pool.js";
import {DutyBook as Book, type DutyBook, type DutyRecord} from "./records.js";
import {SigningRoots, verifySignature} from "./signing.js";
import {SlashingWatch} from "./slashingWatch.js";
import {SimSyncCommittee, type SyncCommitteeAssignment} from "./syncCommittee.js";
import {ValidatorSet} from "./validators.js";
import {checkAttestation, checkBlock, checkBlockBody} from "./verify.js";

/** Tolerance for messages from a slightly fast clock (the p2p spec's MAXIMUM_GOSSIP_CLOCK_DISPARITY). */
export const CLOCK_DISPARITY_MS = 500;
const ZERO_ROOT = new Uint8Array(32);

export interface SimulatedChainOpts {
  /** Unix seconds of slot 0. */
  genesisTime: number;
  /** BLS public keys of the genesis validators, index order. */
  validators: Uint8Array[];
  secondsPerSlot?: number;
  /** Seed of the duty assignment. */
  seed?: string;
  /** Electra → Fulu fork epoch (see createSimChainConfig): 0 by default, Fulu from genesis. */
  fuluForkEpoch?: number;
  configOverrides?: Partial<ChainConfig>;
}

/** What `produceBlockV3` returns for a full block: the block with the blobs and proofs of its commitments. */
export interface ProducedBlockContents extends BlobsAndProofs {
  block: electra.BeaconBlock;
}

export interface SimulatedChainModules {
  clock: ChainClock;
  logger?: Logger;
}

export interface HeadEvent {
  slot: number;
  block: string;
  state: string;
  epochTransition: boolean;
  previousDutyDependentRoot: string;
  currentDutyDependentRoot: string;
  executionOptimistic: boolean;
}

export interface SimChainStats {
  currentSlot: number;
  headSlot: number;
  justifiedEpoch: number;
  finalizedEpoch: number;
  blocks: {proposed: number; filler: number};
  duties: ReturnType<DutyBook["counts"]>;
  rejectionsByCode: Record<string, number>;
  slashable: {total: number; events: DutyBook["slashable"]};
}

/**
 * The model of the simulated beacon chain. Time comes only from the injected clock: every public method
 * first brings the chain up to the clock's slot (slot starts register expected duties and move the
 * checkpoints at epoch starts; a slot that ended without a published block gets a filler block).
 */
export class SimulatedChain {
  readonly config: BeaconConfig;
  readonly validators: ValidatorSet;
  readonly schedule: DutySchedule;
  readonly book: DutyBook = new Book();
  readonly genesisTime: number;
  readonly slotMs: number;
  private readonly clock: ChainClock;
  private readonly logger: Logger;
  private readonly roots: SigningRoots;
  private readonly watch = new SlashingWatch();
  private readonly pool = new AttestationPool();
  readonly tree: BlockTree;
  readonly sync: SimSyncCommittee;
  /** Builder registrations and voluntary exits, verified and kept. */
  readonly operations: SimOperations;
  private startedSlot = -1;
  private updating = false;
  private readonly justifiedByEpoch = new Map<number, phase0.Checkpoint>();
  private finalized: phase0.Checkpoint = {epoch: 0, root: ZERO_ROOT};
  /** "slot:validator" → data root of its accepted vote, to credit inclusion. */
  private readonly acceptedVotes = new Map<string, string>();
  /** "slot:validator" → "data root:signature" accepted, to answer an identical resubmission without re-verifying. */
  private readonly acceptedAttestations = new Map<string, string>();
  private readonly feeRecipients = new Map<number, Uint8Array>();
  /** "slot:aggregator" → signature of its accepted SignedAggregateAndProof. */
  private readonly acceptedAggregates = new Map<string, string>();
  /** "slot:validator" → its latest beacon committee subscription. */
  private readonly subscriptions = new Map<string, CommitteeSubscription>();
  /** Roots of the blocks this node produced (`produceBlockV3`), with their slot: a BN skips gossip checks for them. */
  private readonly producedRoots = new Map<string, number>();
  private readonly headListeners = new Set<(e: HeadEvent) => void>();
  private proposedBlocks = 0;
  private fillerBlocks = 0;
  /** The KZG blob pool, once loaded (see enableBlobs); until then blocks carry no blobs. */
  private blobs: SimBlobs | null = null;

  constructor(opts: SimulatedChainOpts, modules: SimulatedChainModules) {
    if (!Number.isInteger(opts.genesisTime) || opts.genesisTime < 0) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_OPTIONS", field: "genesisTime"},
        `genesis time must be whole Unix seconds, got ${opts.genesisTime}`,
      );
    }
    this.clock = modules.clock;
    this.logger = modules.logger ?? nullLogger();
    this.validators = new ValidatorSet(opts.validators);
    const chainConfig = createSimChainConfig({
      secondsPerSlot: opts.secondsPerSlot,
      fuluForkEpoch: opts.fuluForkEpoch,
      overrides: opts.configOverrides,
    });
    this.config = createBeaconConfig(chainConfig, this.validators.genesisValidatorsRoot);
    this.genesisTime = opts.genesisTime;
    this.slotMs = this.config.SECONDS_PER_SLOT * 1000;
    this.roots = new SigningRoots(this.config);
    this.schedule = new DutySchedule(this.validators.size, new TextEncoder().encode(opts.seed ?? "cohort-devnet"));
    this.tree = new BlockTree(genesisBlock(this.validators.genesisValidatorsRoot, opts.genesisTime));
    const seed = new TextEncoder().encode(opts.seed ?? "cohort-devnet");
    this.sync = new SimSyncCommittee(seed, this.validators, this.config, this.book);
    this.operations = new SimOperations(this.config, this.validators);
  }

  /**
   * From now on produced blocks carry blobs (some blocks 1 or 2, with real KZG commitments and proofs) and
   * publications must carry exactly those. The pool loads asynchronously (SimBlobs.load), hence not a
   * constructor argument: the chain serves from construction on.
   */
  enableBlobs(blobs: SimBlobs): void {
    this.blobs = blobs;
  }

  // --- time ---------------------------------------------------------------------------------------

  /** The clock's slot (negative before genesis). */
  clockSlot(atMs = this.clock.now()): number {
    return Math.floor((atMs - this.genesisTime * 1000) / this.slotMs);
  }

  currentSlot(): number {
    return Math.max(0, this.clockSlot());
  }

  currentEpoch(): number {
    return Math.floor(this.currentSlot() / SLOTS_PER_EPOCH);
  }

  slotStartMs(slot: number): number {
    return this.genesisTime * 1000 + slot * this.slotMs;
  }

  /** Brings the chain to the clock's slot (head changes go to the `onHead` listeners). */
  update(): void {
    // A head listener that reads the chain re-enters here mid-update: the outer loop finishes the work.
    if (this.updating) return;
    this.updating = true;
    try {
      const slot = this.clockSlot();
      while (this.startedSlot < slot) {
        const next = this.startedSlot + 1;
        if (next > 0) this.endSlot(next - 1);
        this.startSlot(next);
        this.startedSlot = next;
      }
    } finally {
      this.updating = false;
    }
  }

  onHead(listener: (e: HeadEvent) => void): () => void {
    this.headListeners.add(listener);
    return () => this.headListeners.delete(listener);
  }

  private startSlot(slot: number): void {
    if (slot % SLOTS_PER_EPOCH === 0) this.startEpoch(slot / SLOTS_PER_EPOCH);
    const proposer = this.schedule.proposer(slot);
    if (proposer !== null) this.book.expect("proposer", slot, proposer);
    for (let ci = 0; ci < this.schedule.committeesPerSlot; ci++) {
      const committee = this.schedule.committee(slot, ci);
      for (const v of committee) this.book.expect("attester", slot, v);
      // With modulo 1 (committees below 2 × TARGET_AGGREGATORS_PER_COMMITTEE) every member aggregates,
      // whatever its selection proof: the chain knows it without the proof.
      if (aggregatorModulo(committee.length) === 1) for (const v of committee) this.book.expect("aggregator", slot, v);
    }
    this.pruneAggregation(slot);
    this.pool.prune(slot);
    this.sync.expectSlot(slot);
  }

  /**
   * Checkpoints advance as if every epoch got full participation: at the start of epoch e ≥ 2 the
   * previous epoch is justified and the one before finalized (simulated, not counted from votes).
   */
  private startEpoch(epoch: number): void {
    if (epoch >= 2) {
      this.justifiedByEpoch.set(epoch, {epoch: epoch - 1, root: this.tree.checkpointRoot(epoch - 1)});
      this.finalized = {epoch: epoch - 2, root: this.tree.checkpointRoot(epoch - 2)};
    } else {
      this.justifiedByEpoch.set(epoch, {epoch: 0, root: ZERO_ROOT});
    }
    this.justifiedByEpoch.delete(epoch - 4);
  }

  private endSlot(slot: number): void {
    if (this.tree.canonicalAt(slot) !== undefined) return;
    const proposer = this.schedule.proposer(slot) ?? 0;
    const message = buildBlock({
      ...this.blockInputsBase(slot, proposer),
      randaoReveal: G2_INFINITY,
      graffiti: graffitiBytes("cohort-sim filler"),
    });
    this.fillerBlocks++;
    this.logger.verbose("filler block", {slot, proposer});
    this.applyCanonical(sealBlock(message, G2_INFINITY, true, this.tree.head.randaoMix));
  }

  // --- reads ---------------------------------------------------------------------------------------

  head(): ChainBlock {
    this.update();
    return this.tree.head;
  }

  /** A block by Beacon API block id: head, genesis, finalized, justified, a slot or a 0x root. */
  getBlock(id: string | number): ChainBlock {
    this.update();
    const s = String(id);
    let b: ChainBlock | undefined;
    if (s === "head") b = this.tree.head;
    else if (s === "genesis") b = this.tree.genesis;
    else if (s === "finalized") b = this.checkpointBlock(this.finalized);
    else if (s === "justified") b = this.checkpointBlock(this.justified(this.currentEpoch()));
    else if (/^\d+$/.test(s)) b = this.tree.canonicalAt(Number(s));
    else b = this.tree.get(s);
    if (b === undefined) throw new SimChainError({code: "SIMCHAIN_UNKNOWN_BLOCK", id: s}, `block not found: ${s}`);
    return b;
  }

  /** The block whose post-state a Beacon API state id names (a 0x id is a state root). */
  getStateBlock(id: string | number): ChainBlock {
    const s = String(id);
    if (!s.startsWith("0x")) return this.getBlock(s);
    this.update();
    const b = this.tree.byStateRoot(s);
    if (b === undefined) throw new SimChainError({code: "SIMCHAIN_UNKNOWN_STATE", id: s}, `state not found: ${s}`);
    return b;
  }

  isCanonical(b: ChainBlock): boolean {
    return this.tree.isCanonical(b);
  }

  justified(epoch: number): phase0.Checkpoint {
    return this.justifiedByEpoch.get(epoch) ?? {epoch: 0, root: ZERO_ROOT};
  }

  finalizedCheckpoint(): phase0.Checkpoint {
    this.update();
    return this.finalized;
  }

  private checkpointBlock(cp: phase0.Checkpoint): ChainBlock {
    return cp.epoch === 0 ? this.tree.genesis : this.tree.blockAtOrBefore(cp.epoch * SLOTS_PER_EPOCH);
  }

  // --- duties --------------------------------------------------------------------------------------

  attesterDuties(epoch: number, indices: number[]): {duties: AttesterAssignment[]; dependentRoot: Uint8Array} {
    this.update();
    this.assertDutyEpoch(epoch);
    const duties: AttesterAssignment[] = [];
    for (const index of indices) {
      this.validators.publicKey(index);
      const d = this.schedule.attesterDuty(epoch, index);
      if (d !== undefined) duties.push(d);
    }
    return {duties, dependentRoot: this.tree.attesterDependentRoot(epoch)};
  }

  /**
   * Proposer duties of `epoch` (at most the next one). From Fulu the state's proposer lookahead (EIP-7917)
   * fixes the next epoch's proposers a whole epoch ahead; before Fulu a BN serves them as Lodestar does, a
   * best guess that the head at the epoch's start may still move (here the schedule never moves).
   * `dependentRoot`: v1 keeps the pre-Fulu definition on every fork (the block root at the last slot of
   * epoch − 1, what every client's v1 still answers); `lookaheadDependentRoot` (the v2 route) is the block
   * root at the last slot of epoch − 2 once epoch − 1 is Fulu, the slot the lookahead was decided at. The
   * fork epoch itself keeps the old rule: `upgrade_to_fulu` fills its lookahead from the last pre-Fulu state.
   */
  proposerDuties(epoch: number): {
    duties: {slot: number; validatorIndex: number}[];
    dependentRoot: Uint8Array;
    lookaheadDependentRoot: Uint8Array;
  } {
    this.update();
    this.assertDutyEpoch(epoch);
    const duties: {slot: number; validatorIndex: number}[] = [];
    for (let slot = epoch * SLOTS_PER_EPOCH; slot < (epoch + 1) * SLOTS_PER_EPOCH; slot++) {
      const validatorIndex = this.schedule.proposer(slot);
      if (validatorIndex !== null) duties.push({slot, validatorIndex});
    }
    const dependentRoot = this.tree.proposerDependentRoot(epoch);
    const postFulu = epoch > 0 && isForkPostFulu(this.config.getForkName((epoch - 1) * SLOTS_PER_EPOCH));
    return {
      duties,
      dependentRoot,
      lookaheadDependentRoot: postFulu ? this.tree.attesterDependentRoot(epoch) : dependentRoot,
    };
  }

  private assertDutyEpoch(epoch: number): void {
    const current = this.currentEpoch();
    if (epoch > current + 1) {
      throw new SimChainError(
        {code: "SIMCHAIN_EPOCH_OUT_OF_RANGE", epoch, currentEpoch: current},
        `duties of epoch ${epoch} are not known yet (current epoch ${current}; at most the next one)`,
      );
    }
  }

  setFeeRecipient(validatorIndex: number, feeRecipient: Uint8Array): void {
    this.validators.publicKey(validatorIndex);
    this.feeRecipients.set(validatorIndex, feeRecipient);
  }

  /** The fee recipient `prepare_beacon_proposer` last set for a validator index (the zero address pays otherwise). */
  feeRecipientOf(validatorIndex: number): Uint8Array | undefined {
    return this.feeRecipients.get(validatorIndex);
  }

  // --- attestations --------------------------------------------------------------------------------

  /** What a BN answers at `attestation_data`: vote for the current head, target the epoch's checkpoint. */
  attestationData(slot: number, committeeIndex: number): phase0.AttestationData {
    this.update();
    const current = this.clockSlot(this.clock.now() + CLOCK_DISPARITY_MS);
    if (slot > current || slot < current - SLOTS_PER_EPOCH) {
      throw new SimChainError(
        {code: "SIMCHAIN_SLOT_OUT_OF_RANGE", slot, currentSlot: this.currentSlot()},
        `attestation data for slot ${slot} is not available at slot ${this.currentSlot()}`,
      );
    }
    if (committeeIndex >= this.schedule.committeesPerSlot) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_COMMITTEE", slot, committeeIndex},
        `committee index ${committeeIndex} ≥ committees per slot ${this.schedule.committeesPerSlot}`,
      );
    }
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    return {
      slot,
      index: 0,
      beaconBlockRoot: this.tree.blockAtOrBefore(slot).root,
      source: this.justified(epoch),
      target: {epoch, root: this.tree.checkpointRoot(epoch)},
    };
  }

  /** Verifies a SingleAttestation as a BN does before pooling it; throws SimChainError when rejected. */
  submitAttestation(att: electra.SingleAttestation): void {
    this.update();
    const now = this.clock.now();
    const {data, attesterIndex} = att;
    const known = attesterIndex < this.validators.size;
    if (known) this.book.submitted("attester", data.slot, attesterIndex);
    const dataRootHex = toHex(ssz.phase0.AttestationData.hashTreeRoot(data));
    const seenKey = `${data.slot}:${attesterIndex}`;
    // Already known (every node of a cluster submits the same combined attestation): no second verification.
    if (this.acceptedAttestations.get(seenKey) === `${dataRootHex}:${toHex(att.signature)}`) return;
    try {
      const duty = checkAttestation(att, {
        currentSlot: this.clockSlot(now + CLOCK_DISPARITY_MS),
        validatorCount: this.validators.size,
        schedule: this.schedule,
        blocks: this.tree.all,
        justified: (e) => this.justified(e),
        ancestorAt: (b, slot) => this.tree.ancestorAt(b, slot),
      });
      if (!verifySignature(this.validators.publicKey(attesterIndex), this.roots.attestation(data), att.signature)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_SIGNATURE", what: "attestation"},
          `invalid attestation signature of validator ${attesterIndex} at slot ${data.slot}`,
        );
      }
      const vote = this.watch.checkVote(attesterIndex, data, dataRootHex);
      if (vote.result === "duplicate") return;
      if (vote.result === "slashable") {
        this.book.slashable.push({
          kind: vote.kind,
          validatorIndex: attesterIndex,
          slot: data.slot,
          detail: vote.detail,
          atMs: now,
        });
        throw new SimChainError(
          {code: "SIMCHAIN_SLASHABLE", what: vote.kind},
          `slashable ${vote.kind}: ${vote.detail}`,
        );
      }
      this.watch.recordVote(attesterIndex, data, dataRootHex);
      this.acceptedVotes.set(seenKey, dataRootHex);
      this.acceptedAttestations.set(seenKey, `${dataRootHex}:${toHex(att.signature)}`);
      this.pool.add(
        dataRootHex,
        data,
        att.committeeIndex,
        duty.committeeLength,
        duty.validatorCommitteeIndex,
        att.signature,
      );
      this.book.accepted("attester", data.slot, attesterIndex, now);
    } catch (e) {
      if (known && e instanceof SimChainError) {
        this.book.rejected("attester", data.slot, attesterIndex, {code: e.code, reason: e.message, atMs: now});
      }
      throw e;
    }
  }

  /** `aggregate_attestation` v2: the pooled aggregate for (data root, slot, committee). */
  aggregateAttestation(dataRoot: Uint8Array, slot: number, committeeIndex: number): electra.Attestation {
    this.update();
    const agg = this.pool.aggregate(toHex(dataRoot), committeeIndex);
    if (agg === undefined || agg.data.slot !== slot) {
      throw new SimChainError(
        {code: "SIMCHAIN_NO_AGGREGATE", dataRoot: toHex(dataRoot), slot, committeeIndex},
        `no attestations pooled for data root ${toHex(dataRoot)} at slot ${slot}, committee ${committeeIndex}`,
      );
    }
    return agg;
  }

  // --- sync committee ------------------------------------------------------------------------------

  /** `duties/sync/{epoch}`: seats of the given validators in the committee of the epoch's period. */
  syncDuties(epoch: number, indices: number[]): SyncCommitteeAssignment[] {
    this.update();
    return this.sync.duties(epoch, indices, this.currentEpoch());
  }

  /** `pool/sync_committees`: checks one message as a BN does; throws SimChainError when refused. */
  submitSyncCommitteeMessage(msg: altair.SyncCommitteeMessage): void {
    this.update();
    this.sync.submitMessage(msg, this.syncContext());
  }

  /** `sync_committee_contribution`: the subcommittee's pooled messages for (slot, root), aggregated. */
  syncCommitteeContribution(
    slot: number,
    subcommitteeIndex: number,
    root: Uint8Array,
  ): altair.SyncCommitteeContribution {
    this.update();
    return this.sync.contribution(slot, subcommitteeIndex, root);
  }

  /** `contribution_and_proofs`: checks one signed contribution as a BN does; throws SimChainError when refused. */
  submitContributionAndProof(signed: altair.SignedContributionAndProof): void {
    this.update();
    this.sync.submitContribution(signed, this.syncContext());
  }

  private syncContext() {
    const now = this.clock.now();
    return {
      slotRange: {from: this.clockSlot(now - CLOCK_DISPARITY_MS), to: this.clockSlot(now + CLOCK_DISPARITY_MS)},
      knownBlock: (rootHex: string) => this.tree.get(rootHex) !== undefined,
      nowMs: now,
    };
  }

  /**
   * `aggregate_and_proofs` v2: checks a SignedAggregateAndProof as a BN's gossip validation does (see
   * checkAggregateAndProof); once valid, the aggregator's duty is expected (its proof selects it) and accepted.
   */
  submitAggregateAndProof(signed: electra.SignedAggregateAndProof): void {
    this.update();
    const now = this.clock.now();
    const {aggregatorIndex, aggregate} = signed.message;
    const slot = aggregate.data.slot;
    const known = aggregatorIndex < this.validators.size;
    if (known) this.book.submitted("aggregator", slot, aggregatorIndex);
    const seenKey = `${slot}:${aggregatorIndex}`;
    // Every node of a cluster submits the same combined message; gossip ignores an aggregator's second one.
    if (this.acceptedAggregates.has(seenKey)) return;
    try {
      checkAggregateAndProof(signed, {
        currentSlot: this.clockSlot(now + CLOCK_DISPARITY_MS),
        config: this.config,
        schedule: this.schedule,
        validators: this.validators,
        roots: this.roots,
        blocks: this.tree.all,
      });
      this.acceptedAggregates.set(seenKey, toHex(signed.signature));
      this.book.expect("aggregator", slot, aggregatorIndex);
      this.book.accepted("aggregator", slot, aggregatorIndex, now);
    } catch (e) {
      if (known && e instanceof SimChainError) {
        this.book.rejected("aggregator", slot, aggregatorIndex, {code: e.code, reason: e.message, atMs: now});
      }
      throw e;
    }
  }

  /** `beacon_committee_subscriptions`: validated and remembered (no gossip subnets to join in the simulator). */
  subscribeCommittees(
    subs: {
      validatorIndex: number;
      committeeIndex: number;
      committeesAtSlot: number;
      slot: number;
      isAggregator: boolean;
    }[],
  ): void {
    this.update();
    const ctx = {
      currentSlot: this.currentSlot(),
      validatorCount: this.validators.size,
      committeesPerSlot: this.schedule.committeesPerSlot,
    };
    for (const s of subs) checkCommitteeSubscription(s, ctx);
    const atMs = this.clock.now();
    for (const s of subs) {
      this.subscriptions.set(`${s.slot}:${s.validatorIndex}`, {
        committeeIndex: s.committeeIndex,
        isAggregator: s.isAggregator,
        atMs,
      });
    }
  }

  /** The latest committee subscription of a validator for a slot (for tests and the devnet). */
  committeeSubscription(slot: number, validatorIndex: number): CommitteeSubscription | undefined {
    return this.subscriptions.get(`${slot}:${validatorIndex}`);
  }

  private pruneAggregation(slot: number): void {
    const minSlot = slot - 2 * SLOTS_PER_EPOCH;
    for (const map of [this.acceptedAggregates, this.subscriptions]) {
      for (const k of map.keys()) if (Number(k.split(":")[0]) < minSlot) map.delete(k);
    }
    for (const [root, producedAt] of this.producedRoots) if (producedAt < minSlot) this.producedRoots.delete(root);
  }

  // --- blocks --------------------------------------------------------------------------------------

  /**
   * `produceBlockV3`: a block of the slot's fork (Electra and Fulu share the block container) on the head
   * with the given reveal (checked against the proposer), with its blobs: up to 2, within the blob
   * schedule's limit, with one KZG proof each before Fulu and CELLS_PER_EXT_BLOB cell proofs each from Fulu.
   */
  produceBlock(slot: number, randaoReveal: Uint8Array, graffiti?: string): ProducedBlockContents {
    this.update();
    const current = this.clockSlot(this.clock.now() + CLOCK_DISPARITY_MS);
    if (slot !== current && slot !== this.currentSlot()) {
      throw new SimChainError(
        {code: "SIMCHAIN_SLOT_OUT_OF_RANGE", slot, currentSlot: this.currentSlot()},
        `can only produce a block for the current slot ${this.currentSlot()}, not ${slot}`,
      );
    }
    const proposer = this.schedule.proposer(slot);
    if (proposer === null) {
      throw new SimChainError({code: "SIMCHAIN_INVALID_BLOCK", reason: "genesis"}, "slot 0 is the genesis block");
    }
    if (!verifySignature(this.validators.publicKey(proposer), this.roots.randao(slot), randaoReveal)) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_SIGNATURE", what: "randao_reveal"},
        `invalid RANDAO reveal for slot ${slot}: not proposer ${proposer}'s signature of epoch ${Math.floor(slot / SLOTS_PER_EPOCH)}`,
      );
    }
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const blobs = this.blobs?.forSlot(slot, this.config.getMaxBlobsPerBlock(epoch)) ?? [];
    const block = buildBlock({
      ...this.blockInputsBase(slot, proposer),
      randaoReveal,
      graffiti: graffitiBytes(graffiti),
      blobKzgCommitments: blobs.map((b) => b.commitment),
    });
    this.producedRoots.set(toHex(ssz.electra.BeaconBlock.hashTreeRoot(block)), slot);
    return {block, ...SimBlobs.contents(blobs, this.isPostFulu(slot))};
  }

  /** Whether the slot's fork is Fulu or later (blocks then carry cell proofs). */
  isPostFulu(slot: number): boolean {
    return isForkPostFulu(this.config.getForkName(slot));
  }

  /**
   * `publishBlockV2`: verifies like a BN importing it; in time (during its slot, on the head) it becomes the
   * head. `published` is what came with the block: its blobs and KZG proofs must be the ones produced for
   * its commitments, byte for byte, on every publication (a copy that altered or dropped any is refused).
   */
  publishBlock(signed: electra.SignedBeaconBlock, published: BlobsAndProofs): {canonical: boolean} {
    this.update();
    const now = this.clock.now();
    const block = signed.message;
    const slot = block.slot;
    const expectedProposer = this.schedule.proposer(slot);
    const recordable = expectedProposer !== null && block.proposerIndex === expectedProposer;
    if (recordable) this.book.submitted("proposer", slot, block.proposerIndex);
    try {
      this.checkBlobs(block, published);
      const rootHex = toHex(ssz.electra.BeaconBlock.hashTreeRoot(block));
      const known = this.tree.get(rootHex);
      // Already imported with this signature (each node of a cluster publishes it). Lodestar (v1.22) skips
      // gossip validation for a block it produced and its import then refuses the copy with 500
      // BLOCK_ERROR_ALREADY_KNOWN; a block it did not produce fails gossip validation as known, answered 200.
      if (known !== undefined && !known.filler && toHex(known.signature) === toHex(signed.signature)) {
        if (this.producedRoots.has(rootHex)) {
          throw new SimChainError({code: "SIMCHAIN_BLOCK_ALREADY_KNOWN", root: rootHex}, "BLOCK_ERROR_ALREADY_KNOWN");
        }
        return {canonical: this.isCanonical(known)};
      }
      const parent = checkBlock(signed, {
        currentSlot: this.clockSlot(now + CLOCK_DISPARITY_MS),
        expectedProposer,
        blocks: this.tree.all,
        maxBlobsPerBlock: this.config.getMaxBlobsPerBlock(Math.floor(slot / SLOTS_PER_EPOCH)),
      });
      const proposerKey = this.validators.publicKey(block.proposerIndex);
      if (!verifySignature(proposerKey, this.roots.block(block), signed.signature)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_SIGNATURE", what: "block"},
          `invalid block signature of proposer ${block.proposerIndex} at slot ${slot}`,
        );
      }
      if (!verifySignature(proposerKey, this.roots.randao(slot), block.body.randaoReveal)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_SIGNATURE", what: "randao_reveal"},
          `invalid RANDAO reveal in the block of slot ${slot}`,
        );
      }
      checkBlockBody(parent, block, {
        expectedTimestamp: this.genesisTime + block.slot * this.config.SECONDS_PER_SLOT,
        schedule: this.schedule,
        validators: this.validators,
        roots: this.roots,
      });
      this.sync.checkSyncAggregate(slot, block.parentRoot, block.body.syncAggregate);
      const sealed = sealBlock(
        block,
        signed.signature,
        false,
        nextRandaoMix(parent.randaoMix, block.body.randaoReveal),
      );
      const proposal = this.watch.checkProposal(block.proposerIndex, slot, sealed.rootHex);
      if (proposal.result === "duplicate") return {canonical: this.isCanonical(this.tree.get(sealed.rootHex)!)};
      if (proposal.result === "slashable") {
        this.book.slashable.push({
          kind: "double-proposal",
          validatorIndex: block.proposerIndex,
          slot,
          detail: proposal.detail,
          atMs: now,
        });
        throw new SimChainError({code: "SIMCHAIN_SLASHABLE", what: "double-proposal"}, proposal.detail);
      }
      this.watch.recordProposal(block.proposerIndex, slot, sealed.rootHex);
      this.tree.addSide(sealed);
      this.proposedBlocks++;
      this.book.accepted("proposer", slot, block.proposerIndex, now);
      const inTime =
        this.tree.canonicalAt(slot) === undefined && parent === this.tree.head && slot === this.currentSlot();
      if (inTime) this.applyCanonical(sealed);
      else this.logger.info("late or side block kept off the chain", {slot, root: sealed.rootHex});
      return {canonical: inTime};
    } catch (e) {
      // A copy of a block already imported is not a rejection of the duty.
      if (recordable && e instanceof SimChainError && e.code !== "SIMCHAIN_BLOCK_ALREADY_KNOWN") {
        this.book.rejected("proposer", slot, block.proposerIndex, {code: e.code, reason: e.message, atMs: now});
      }
      throw e;
    }
  }

  private checkBlobs(block: electra.BeaconBlock, published: BlobsAndProofs): void {
    const commitments = block.body.blobKzgCommitments;
    if (this.blobs === null) {
      if (commitments.length === 0 && published.blobs.length === 0 && published.kzgProofs.length === 0) return;
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_BLOBS", slot: block.slot, reason: "blobs not enabled"},
        `invalid blobs published with the block of slot ${block.slot}: this chain produced no blobs`,
      );
    }
    this.blobs.checkPublished(block.slot, commitments, published, this.isPostFulu(block.slot));
  }

  private blockInputsBase(slot: number, proposer: number) {
    return {
      slot,
      proposerIndex: proposer,
      parent: this.tree.head,
      feeRecipient: this.feeRecipients.get(proposer) ?? new Uint8Array(20),
      attestations: this.pool.pack(slot),
      syncAggregate: this.sync.syncAggregate(slot, this.tree.head.root),
      genesisTime: this.genesisTime,
      secondsPerSlot: this.config.SECONDS_PER_SLOT,
    };
  }

  private applyCanonical(b: ChainBlock): void {
    const slot = b.message.slot;
    if (!b.filler) this.book.included("proposer", slot, b.message.proposerIndex, slot);
    this.tree.setHead(b);
    for (const att of b.message.body.attestations) this.creditInclusion(att, slot);
    this.sync.creditInclusion(slot, b.message.body.syncAggregate);
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const event: HeadEvent = {
      slot,
      block: b.rootHex,
      state: toHex(b.message.stateRoot),
      epochTransition: slot % SLOTS_PER_EPOCH === 0,
      previousDutyDependentRoot: toHex(this.tree.attesterDependentRoot(epoch)),
      currentDutyDependentRoot: toHex(this.tree.proposerDependentRoot(epoch)),
      executionOptimistic: false,
    };
    for (const listener of this.headListeners) listener(event);
  }

  private creditInclusion(att: electra.Attestation, inclusionSlot: number): void {
    const dataRootHex = toHex(ssz.phase0.AttestationData.hashTreeRoot(att.data));
    let offset = 0;
    for (const ci of att.committeeBits.getTrueBitIndexes()) {
      const members = this.schedule.committee(att.data.slot, ci);
      members.forEach((v, position) => {
        if (!att.aggregationBits.get(offset + position)) return;
        if (this.acceptedVotes.get(`${att.data.slot}:${v}`) !== dataRootHex) return;
        this.book.included("attester", att.data.slot, v, inclusionSlot);
        this.pool.markIncluded(dataRootHex, ci, position);
      });
      offset += members.length;
    }
  }

  // --- record --------------------------------------------------------------------------------------

  /** Last slot in which a duty can still be done: a proposal in its slot, an attestation until the next epoch ends. */
  deadlineSlot(r: DutyRecord): number {
    if (r.type === "proposer" || r.type === "syncMessage" || r.type === "syncContribution") return r.slot;
    // Attestations and their aggregates: until the next epoch ends.
    return (Math.floor(r.slot / SLOTS_PER_EPOCH) + 2) * SLOTS_PER_EPOCH - 1;
  }

  stats(): SimChainStats {
    this.update();
    const currentSlot = this.currentSlot();
    const rejectionsByCode: Record<string, number> = {};
    for (const r of this.book.all()) {
      for (const x of r.rejections) rejectionsByCode[x.code] = (rejectionsByCode[x.code] ?? 0) + 1;
    }
    return {
      currentSlot,
      headSlot: this.tree.head.message.slot,
      justifiedEpoch: this.justified(this.currentEpoch()).epoch,
      finalizedEpoch: this.finalized.epoch,
      blocks: {proposed: this.proposedBlocks, filler: this.fillerBlocks},
      duties: this.book.counts(currentSlot, (r) => this.deadlineSlot(r)),
      rejectionsByCode,
      slashable: {total: this.book.slashable.length, events: [...this.book.slashable]},
    };
  }

  records(): (DutyRecord & {status: string})[] {
    this.update();
    const currentSlot = this.currentSlot();
    return this.book.all().map((r) => ({...r, status: this.book.status(r, currentSlot, (x) => this.deadlineSlot(x))}));
  }
}

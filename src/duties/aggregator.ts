import {Signature} from "@chainsafe/blst";
import type {routes} from "@lodestar/api";
import {isForkPostElectra} from "@lodestar/params";
import {
  type AggregateAndProof,
  type Attestation,
  type electra,
  type SignedAggregateAndProof,
  ssz,
} from "@lodestar/types";
import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import {decodeAggregatorValue, encodeAggregatorValue} from "./aggregatorValue.js";
import type {DutyModules} from "./attester.js";
import type {AttesterValueEntry} from "./attesterValue.js";
import type {Clock} from "./clock.js";
import {exchangeAndSubmit} from "./exchangeAndSubmit.js";
import {type DutyFailureReason, failureReason} from "./outcome.js";
import type {AttesterDuty} from "./scheduler.js";
import {isAggregator} from "./selection.js";
import {ShareExchangeError} from "./shareExchange.js";

/** QBFT / share-exchange duty types (wire constants of src/consensus). */
export const AGGREGATOR_DUTY_TYPE = 2;
/** Share-exchange duty type of the selection proofs (`AGGREGATION_SLOT` signatures). */
export const SELECTION_PROOF_DUTY_TYPE = 6;
/** The aggregator duty's deadline, in slots after its slot. */
export const AGGREGATION_DEADLINE_SLOTS = 2;
/** Interval of the aggregate's re-fetches while the BN lacks it (see fetchAggregate). */
export const AGGREGATE_RETRY_MS = 200;

export interface AggregatorBeaconNode {
  getAggregatedAttestation(slot: number, attestationDataRoot: Uint8Array, committeeIndex: number): Promise<Attestation>;
  /** Resolves when the BN took it (accepted, or it already had it: `SubmitResult`); throws on a refusal. */
  publishAggregateAndProofs(signed: SignedAggregateAndProof[]): Promise<unknown>;
  prepareBeaconCommitteeSubnets(subscriptions: routes.validator.BeaconCommitteeSubscription[]): Promise<void>;
}

export interface AggregationDutiesModules extends DutyModules {
  beaconNode: AggregatorBeaconNode;
}

interface Aggregator {
  duty: AttesterDuty;
  validator: string;
  selectionProof: Uint8Array;
}

/**
 * Attestation aggregation for the cluster's validators.
 * - `prepare(duties)`, as soon as attester duties are known: the selection proof of each duty is a
 *   threshold signature (`AGGREGATION_SLOT` share from the RS, exchanged, combined, verified); with it
 *   each node decides `is_aggregator` locally, and subscribes the BN to the committees (with
 *   `is_aggregator`) well before the slot.
 * - `run(slot, duties)`, at 2/3 of the slot: for the aggregators, consensus on the aggregates of the
 *   slot's decided attestation data, then the `AggregateAndProof` share is signed, exchanged, combined and
 *   submitted. Every aggregator (or duty whose selection proof failed) ends in exactly one outcome.
 */
export class AggregationDuties {
  /** "slot:validator" → combined selection proof. */
  private readonly proofs = new Map<string, Promise<Uint8Array>>();
  readonly decided: DecidedAttestations;
  private stopped = false;
  /** Selection proofs waiting for their start time (started at once on stop, so nothing waits forever). */
  private readonly pendingStarts = new Set<() => void>();

  constructor(private readonly m: AggregationDutiesModules) {
    this.decided = new DecidedAttestations(m.slotClock.clock);
  }

  /**
   * Starts the selection proofs of duties not started yet (slots not past) and subscribes the BN once they
   * settle. A slot's proofs start one epoch before it (at once when that is past): the BN learns of its
   * aggregators an epoch ahead, and the signing load spreads over the epoch instead of one burst.
   */
  prepare(duties: AttesterDuty[]): Promise<void> {
    const {slotClock} = this.m;
    const current = slotClock.currentSlot();
    const bySlot = new Map<number, AttesterDuty[]>();
    for (const d of duties) {
      if (d.slot < current || this.proofs.has(proofKey(d.slot, toHex(d.pubkey)))) continue;
      bySlot.set(d.slot, [...(bySlot.get(d.slot) ?? []), d]);
    }
    const startAt = (slot: number) => slotClock.timeInSlot(Math.max(0, slot - slotClock.opts.slotsPerEpoch));
    return Promise.all([...bySlot].map(([slot, ds]) => this.prepareSlot(slot, ds, startAt(slot)))).then(
      () => undefined,
    );
  }

  /** The aggregator duty of a slot (at 2/3 of it). */
  async run(slot: number, duties: AttesterDuty[]): Promise<void> {
    const {m} = this;
    const triggerMs = m.slotClock.clock.now();
    const postElectra = isForkPostElectra(m.config.getForkName(slot));
    const deadlineMs = this.deadlineOf(slot);
    const fail = (validator: string, reason: DutyFailureReason, detail: string) =>
      m.onOutcome({status: "failed", type: "aggregator", slot, validator, reason, detail});

    // 1. Who aggregates: the spec rule on each combined selection proof.
    const missing = duties.filter((d) => !this.proofs.has(proofKey(slot, toHex(d.pubkey))));
    if (missing.length > 0) void this.prepareSlot(slot, missing, triggerMs);
    const aggregators: Aggregator[] = [];
    await Promise.all(
      duties.map(async (duty) => {
        const validator = toHex(duty.pubkey);
        try {
          const selectionProof = await (this.proofs.get(proofKey(slot, validator)) as Promise<Uint8Array>);
          if (isAggregator(duty.committeeLength, selectionProof)) aggregators.push({duty, validator, selectionProof});
        } catch (e) {
          fail(validator, failureReason(e, "combine_expired"), `selection proof: ${(e as Error).message}`);
        }
      }),
    );
    if (aggregators.length === 0) return;
    aggregators.sort((a, b) => a.duty.validatorIndex - b.duty.validatorIndex);
    const failAll = (reason: DutyFailureReason, detail: string) => {
      for (const a of aggregators) fail(a.validator, reason, detail);
    };

    // 2. The slot's decided attestation data (the attester duty's consensus).
    const entries = await this.decided.wait(slot, deadlineMs);
    if (entries === null) {
      return this.stopped
        ? failAll("stopped", "node stopping")
        : failAll("no_data", "no attestation data was decided for the slot");
    }
    const dataRootOf = (committeeIndex: number): Uint8Array | null => {
      const entry = entries.find((e) => e.committeeIndex === (postElectra ? 0 : committeeIndex));
      return entry ? ssz.phase0.AttestationData.hashTreeRoot(entry.data) : null;
    };
    const committees = [...new Set(aggregators.map((a) => a.duty.committeeIndex))].sort((a, b) => a - b);
    const committeeLengths = new Map(aggregators.map((a) => [a.duty.committeeIndex, a.duty.committeeLength]));

    // 3. Consensus on the aggregates.
    let decided: {value: Uint8Array; round: number};
    try {
      decided = await m.consensus.decide(slot, AGGREGATOR_DUTY_TYPE, {
        startMs: triggerMs,
        deadlineMs,
        propose: async () => {
          const aggregates = await Promise.all(
            committees.map(async (committeeIndex) => {
              const root = dataRootOf(committeeIndex);
              if (root === null) throw new Error(`no decided attestation data for committee ${committeeIndex}`);
              const positions = aggregators
                .filter((a) => a.duty.committeeIndex === committeeIndex)
                .map((a) => a.duty.validatorCommitteeIndex);
              const aggregate = await this.fetchAggregate(slot, root, committeeIndex, positions);
              return {committeeIndex, aggregate};
            }),
          );
          return encodeAggregatorValue(aggregates, postElectra);
        },
        isValid: (value) => isValidAggregatorValue(value, {committees, committeeLengths, dataRootOf, postElectra}),
      });
    } catch (e) {
      return failAll(failureReason(e, "consensus_timeout"), (e as Error).message);
    }
    const decideMs = m.slotClock.clock.now() - triggerMs;
    const aggregates = decodeAggregatorValue(decided.value, postElectra) ?? [];

    // 4. Sign the AggregateAndProof shares, exchange, combine, submit.
    const fork = m.config.getForkName(slot);
    const ref = {slot, dutyType: AGGREGATOR_DUTY_TYPE};
    const signed = await Promise.all(
      aggregators.map(async (a) => {
        const entry = aggregates.find((e) => e.committeeIndex === a.duty.committeeIndex);
        const shareKey = m.shareKeys.get(a.validator);
        if (!entry || !shareKey) {
          fail(
            a.validator,
            "signer_refused",
            entry ? "no key share of this validator in the cluster lock" : "no aggregate",
          );
          return null;
        }
        const message: AggregateAndProof = {
          aggregatorIndex: a.duty.validatorIndex,
          aggregate: entry.aggregate,
          selectionProof: a.selectionProof,
        };
        const msg: SignableMessage = postElectra
          ? {type: "AGGREGATE_AND_PROOF_V2", data: {version: fork, aggregateAndProof: message}}
          : {type: "AGGREGATE_AND_PROOF", data: message};
        try {
          const signature = await m.signer.sign(shareKey, msg);
          return {
            message,
            share: {validator: a.validator, signingRoot: signingRootOnNetwork(m.config, msg), signature},
          };
        } catch (e) {
          fail(a.validator, "signer_refused", (e as Error).message);
          return null;
        }
      }),
    );
    await exchangeAndSubmit(
      m.shares,
      ref,
      signed.filter((s) => s !== null),
      deadlineMs,
      {
        fail,
        submit: ({message}, signature) => m.beaconNode.publishAggregateAndProofs([{message, signature}]),
        submitted: ({share}) =>
          m.onOutcome({
            status: "submitted",
            type: "aggregator",
            slot,
            validator: share.validator,
            latencyMs: m.slotClock.clock.now() - triggerMs,
            consensusRound: decided.round,
            decideMs,
          }),
      },
    );
  }

  /** Ends waiting duties (they fail as "stopped"). */
  stop(): void {
    this.stopped = true;
    this.decided.stop();
    for (const start of [...this.pendingStarts]) start();
  }

  /**
   * The BN's aggregate for the committee. The cluster's own attestations reach the BN only after their
   * shares combine, which may be after 2/3 of the slot (or, on a loaded machine, after the slot): until
   * the slot ends the aggregate is asked again every AGGREGATE_RETRY_MS while the BN has none or it lacks
   * the aggregators' own attestations; after that, any aggregate will do, asked until the duty's deadline.
   * A proposal is computed once per instance, so giving up early would leave this node without a value.
   */
  private async fetchAggregate(
    slot: number,
    dataRoot: Uint8Array,
    committeeIndex: number,
    ownPositions: number[],
  ): Promise<Attestation> {
    const {m} = this;
    const {clock} = m.slotClock;
    const slotEndMs = m.slotClock.timeInSlot(slot + 1);
    const deadlineMs = this.deadlineOf(slot);
    for (;;) {
      let aggregate: Attestation | null = null;
      let error: unknown = null;
      try {
        aggregate = await m.beaconNode.getAggregatedAttestation(slot, dataRoot, committeeIndex);
      } catch (e) {
        error = e;
      }
      const now = clock.now();
      const complete = aggregate !== null && ownPositions.every((p) => aggregate.aggregationBits.get(p));
      if (complete || (aggregate !== null && now >= slotEndMs)) return aggregate as Attestation;
      if (this.stopped || now + AGGREGATE_RETRY_MS > deadlineMs) {
        if (aggregate !== null) return aggregate;
        throw error;
      }
      await new Promise<void>((resolve) => clock.setTimer(now + AGGREGATE_RETRY_MS, resolve));
    }
  }

  /**
   * An aggregate is worth most in the next block or two: the duty (and its selection proof) ends two
   * slots after its slot, so a failing instance does not run round changes for a whole epoch.
   */
  private deadlineOf(slot: number): number {
    return this.m.slotClock.timeInSlot(slot + AGGREGATION_DEADLINE_SLOTS);
  }

  /** Selection proofs of one slot's duties: one batch of shares, one combined proof per validator. */
  private prepareSlot(slot: number, duties: AttesterDuty[], startAtMs: number): Promise<void> {
    const {m} = this;
    const started = new Promise<void>((resolve) => {
      const start = () => {
        cancel();
        this.pendingStarts.delete(start);
        resolve();
      };
      const cancel = m.slotClock.clock.setTimer(startAtMs, start);
      this.pendingStarts.add(start);
    });
    const deadlineMs = this.deadlineOf(slot);
    const msg: SignableMessage = {type: "AGGREGATION_SLOT", data: {slot}};
    const signingRoot = signingRootOnNetwork(m.config, msg);
    const ref = {slot, dutyType: SELECTION_PROOF_DUTY_TYPE};
    const published = started
      .then(() => {
        if (this.stopped) throw new ShareExchangeError("SHARES_STOPPED", "node stopping");
      })
      .then(() =>
        Promise.all(
          duties.map(async (d) => {
            const validator = toHex(d.pubkey);
            const shareKey = m.shareKeys.get(validator);
            if (!shareKey) return null;
            try {
              return {validator, signingRoot, signature: await m.signer.sign(shareKey, msg)};
            } catch (e) {
              // The peers' shares may still combine the proof without this node's.
              m.logger.warn("selection proof share not signed", {slot, validator, reason: (e as Error).message});
              return null;
            }
          }),
        ),
      )
      .then((shares) =>
        m.shares.publish(
          ref,
          shares.filter((s) => s !== null),
          deadlineMs,
        ),
      );
    const proofs = duties.map((d) => {
      const validator = toHex(d.pubkey);
      const proof = published.then(() => m.shares.awaitCombined(ref, validator, deadlineMs));
      proof.catch(() => undefined); // awaited by run(); a rejection here is not unhandled
      this.proofs.set(proofKey(slot, validator), proof);
      return proof;
    });
    this.prune(slot);
    return Promise.allSettled(proofs).then(async (results) => {
      const subscriptions = duties.map((d, i) => {
        const r = results[i];
        return {
          validatorIndex: d.validatorIndex,
          committeeIndex: d.committeeIndex,
          committeesAtSlot: d.committeesAtSlot,
          slot: d.slot,
          isAggregator: r.status === "fulfilled" && isAggregator(d.committeeLength, r.value),
        };
      });
      if (this.stopped) return;
      try {
        await m.beaconNode.prepareBeaconCommitteeSubnets(subscriptions);
      } catch (e) {
        m.logger.warn("beacon committee subscriptions failed", {slot, reason: (e as Error).message});
      }
    });
  }

  /** Keeps the proofs of the last two epochs and later. */
  private prune(newestSlot: number): void {
    const minSlot = newestSlot - 3 * this.m.slotClock.opts.slotsPerEpoch;
    for (const key of this.proofs.keys()) if (Number(key.split(":")[0]) < minSlot) this.proofs.delete(key);
  }
}

/**
 * The aggregator validity predicate: one aggregate per committee with a cluster aggregator, in committee
 * order, each over the slot's decided attestation data, its bits coherent with the committee (Electra:
 * exactly its committee bit; as many aggregation bits as members, at least one set) and its signature a
 * valid G2 point. The aggregate signature itself is not verified: that needs every member's public key,
 * which only the BN has.
 */
export function isValidAggregatorValue(
  value: Uint8Array,
  expected: {
    committees: number[];
    committeeLengths: ReadonlyMap<number, number>;
    dataRootOf(committeeIndex: number): Uint8Array | null;
    postElectra: boolean;
  },
): boolean {
  const entries = decodeAggregatorValue(value, expected.postElectra);
  if (entries === null || entries.length !== expected.committees.length) return false;
  for (const [i, {committeeIndex, aggregate}] of entries.entries()) {
    if (committeeIndex !== expected.committees[i]) return false;
    const root = expected.dataRootOf(committeeIndex);
    if (root === null || !bytesEqual(ssz.phase0.AttestationData.hashTreeRoot(aggregate.data), root)) return false;
    if (aggregate.aggregationBits.bitLen !== expected.committeeLengths.get(committeeIndex)) return false;
    if (aggregate.aggregationBits.getTrueBitIndexes().length === 0) return false;
    if (expected.postElectra) {
      const bits = (aggregate as electra.Attestation).committeeBits.getTrueBitIndexes();
      if (bits.length !== 1 || bits[0] !== committeeIndex) return false;
    }
    try {
      Signature.fromBytes(aggregate.signature, true);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The attestation data each slot's attester consensus decided, for the slot's aggregators: `wait` resolves
 * with it once decided, or with null at `untilMs` or when stopped.
 */
export class DecidedAttestations {
  private readonly decided = new Map<number, AttesterValueEntry[]>();
  private readonly waiters = new Map<number, Set<(e: AttesterValueEntry[] | null) => void>>();

  constructor(private readonly clock: Clock) {}

  set(slot: number, entries: AttesterValueEntry[]): void {
    this.decided.set(slot, entries);
    for (const w of this.waiters.get(slot) ?? []) w(entries);
    this.waiters.delete(slot);
    // Aggregates are asked for at most an epoch after their slot; 64 slots cover any preset's epoch.
    for (const s of this.decided.keys()) if (s < slot - 64) this.decided.delete(s);
  }

  wait(slot: number, untilMs: number): Promise<AttesterValueEntry[] | null> {
    const known = this.decided.get(slot);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const set = this.waiters.get(slot) ?? new Set();
      this.waiters.set(slot, set);
      const done = (e: AttesterValueEntry[] | null) => {
        cancel();
        set.delete(done);
        resolve(e);
      };
      const cancel = this.clock.setTimer(untilMs, () => done(null));
      set.add(done);
    });
  }

  stop(): void {
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w(null);
    this.waiters.clear();
  }
}

function proofKey(slot: number, validator: string): string {
  return `${slot}:${validator}`;
}

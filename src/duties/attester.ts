import {BitArray} from "@chainsafe/ssz";
import type {BeaconConfig} from "@lodestar/config";
import {isForkPostElectra} from "@lodestar/params";
import type {SingleAttestation} from "@lodestar/types";
import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import type {SlashingProtection} from "../slashing/index.js";
import {SlashingProtectionError} from "../slashing/index.js";
import {toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {type AttesterValueEntry, decodeAttesterValue, encodeAttesterValue} from "./attesterValue.js";
import type {SlotClock} from "./clock.js";
import {type DutyOutcome, failureReason} from "./outcome.js";
import type {AttesterDuty} from "./scheduler.js";
import type {OwnShare, ShareExchange} from "./shareExchange.js";
import type {UndecidedGate} from "./undecidedGate.js";

/** QBFT duty type of attestations (wire constant of src/consensus). */
export const ATTESTER_DUTY_TYPE = 1;

export interface Decider {
  decide(
    slot: number,
    dutyType: number,
    opts: {
      propose(): Promise<Uint8Array>;
      isValid(v: Uint8Array): boolean;
      startMs?: number;
      deadlineMs: number;
      /** Only the first round's leader asks its BN at once (a costly value: a block). */
      proposeLazily?: boolean;
    },
  ): Promise<{value: Uint8Array; round: number}>;
}

export interface ShareSigner {
  /** Signs with this node's key share `sharePubkey`; the signature is verified before it returns. */
  sign(sharePubkey: Uint8Array, msg: SignableMessage): Promise<Uint8Array>;
}

export interface AttesterBeaconNode {
  produceAttestationData(slot: number, committeeIndex: number): Promise<AttesterValueEntry["data"]>;
  /** Resolves when the BN took them (accepted, or it already had them: `SubmitResult`); throws on a refusal. */
  submitAttestations(attestations: SingleAttestation[]): Promise<unknown>;
}

/** What every duty of the pipeline runs on (one node's components). */
export interface DutyModules {
  config: BeaconConfig;
  consensus: Decider;
  slashing: SlashingProtection;
  signer: ShareSigner;
  shares: ShareExchange;
  slotClock: SlotClock;
  logger: Logger;
  /** This node's public key share of each cluster validator (0x-hex validator key → share key bytes). */
  shareKeys: ReadonlyMap<string, Uint8Array>;
  onOutcome(outcome: DutyOutcome): void;
}

export interface AttesterDutyModules extends DutyModules {
  beaconNode: AttesterBeaconNode;
  /** One undecided attestation instance per validator at a time (safety rule 2), shared by all duties. */
  gate: UndecidedGate;
  /** Told the decided attestation data of each slot (the slot's aggregators aggregate over it). */
  onDecided?(slot: number, entries: AttesterValueEntry[]): void;
}

/**
 * One attester duty of the cluster for one slot: consensus on the attestation data, durable slashing-DB
 * record of every validator's attestation before anything is signed, share signing by the RS, share
 * exchange and combination, and submission in the fork's format. Every validator of the duty ends in
 * exactly one outcome.
 */
export async function runAttesterDuty(slot: number, duties: AttesterDuty[], m: AttesterDutyModules): Promise<void> {
  const triggerMs = m.slotClock.clock.now();
  const postElectra = isForkPostElectra(m.config.getForkName(slot));
  const validators = duties.map((d) => toHex(d.pubkey));
  const deadlineMs = m.slotClock.timeInSlot(slot + m.slotClock.opts.slotsPerEpoch);
  const fail = (validator: string, reason: Extract<DutyOutcome, {status: "failed"}>["reason"], detail: string) =>
    m.onOutcome({status: "failed", type: "attester", slot, validator, reason, detail});

  const committeeIndices = postElectra ? [0] : [...new Set(duties.map((d) => d.committeeIndex))].sort((a, b) => a - b);
  let decided: {value: Uint8Array; round: number};
  const release = await m.gate.enter(validators);
  try {
    decided = await m.consensus.decide(slot, ATTESTER_DUTY_TYPE, {
      startMs: triggerMs,
      deadlineMs,
      propose: async () => {
        const entries = await Promise.all(
          committeeIndices.map(async (committeeIndex) => ({
            committeeIndex,
            data: await m.beaconNode.produceAttestationData(slot, committeeIndex),
          })),
        );
        return encodeAttesterValue(entries);
      },
      isValid: (value) => isValidAttesterValue(value, slot, duties, committeeIndices, postElectra, m),
    });
  } catch (e) {
    for (const v of validators) fail(v, failureReason(e, "consensus_timeout"), (e as Error).message);
    return;
  } finally {
    release();
  }

  const decideMs = m.slotClock.clock.now() - triggerMs;
  const entries = decodeAttesterValue(decided.value) as AttesterValueEntry[];
  m.onDecided?.(slot, entries);
  const dataOf = (duty: AttesterDuty) =>
    (entries.find((e) => e.committeeIndex === (postElectra ? 0 : duty.committeeIndex)) as AttesterValueEntry).data;
  const signingRoots = new Map(entries.map((e) => [e.committeeIndex, attestationSigningRoot(m.config, e.data)]));
  const rootOf = (duty: AttesterDuty) => signingRoots.get(postElectra ? 0 : duty.committeeIndex) as Uint8Array;

  // Safety rule 3: the decided attestations are durably recorded, all or nothing, before any signing.
  try {
    m.slashing.checkAndInsertAttestations(
      duties.map((d) => ({
        pubkey: d.pubkey,
        attestation: {
          sourceEpoch: dataOf(d).source.epoch,
          targetEpoch: dataOf(d).target.epoch,
          signingRoot: rootOf(d),
        },
      })),
    );
  } catch (e) {
    const reason = e instanceof SlashingProtectionError ? e.message : String(e);
    for (const v of validators) fail(v, "slashing_refused", reason);
    return;
  }

  const ref = {slot, dutyType: ATTESTER_DUTY_TYPE};
  const submitBatched = batchedSubmitter<SingleAttestation>((atts) => m.beaconNode.submitAttestations(atts));
  const own: OwnShare[] = [];
  const signings: Promise<unknown>[] = [];
  const attested = duties.map(async (d): Promise<void> => {
    const validator = toHex(d.pubkey);
    const shareKey = m.shareKeys.get(validator);
    if (!shareKey) return fail(validator, "signer_refused", "no key share of this validator in the cluster lock");
    // Awaited from the start: the peers' shares can complete the signature before this node's RS answers
    // (a slow or loaded RS, many validators), and the node submits it then.
    const combined = m.shares.awaitCombined(ref, validator, deadlineMs).then(
      (signature) => ({signature}),
      (error: Error) => ({error}),
    );
    const signing = m.signer.sign(shareKey, {type: "ATTESTATION", data: dataOf(d)}).then(
      (signature) => {
        own.push({validator, signingRoot: rootOf(d), signature});
        return null;
      },
      (error: Error) => ({refused: error}),
    );
    signings.push(signing);
    type First = {signature: Uint8Array} | {error: Error} | {refused: Error};
    const first = await Promise.race<First>([combined, signing.then((r): First | Promise<First> => r ?? combined)]);
    if ("refused" in first) return fail(validator, "signer_refused", first.refused.message);
    if ("error" in first) return fail(validator, failureReason(first.error, "combine_expired"), first.error.message);
    try {
      await submitBatched(toSubmission(d, dataOf(d), first.signature, postElectra));
    } catch (e) {
      return fail(validator, "bn_rejected", (e as Error).message);
    }
    m.onOutcome({
      status: "submitted",
      type: "attester",
      slot,
      validator,
      latencyMs: m.slotClock.clock.now() - triggerMs,
      consensusRound: decided.round,
      decideMs,
    });
  });
  // This node's shares go out together (one message per 512 validators) once its RS has answered for all.
  await Promise.all(signings);
  if (own.length > 0) {
    try {
      m.shares.publish(ref, own, deadlineMs);
    } catch (e) {
      // Only when the exchange is stopped, which rejects this duty's waiters ("stopped").
      m.logger.debug("own shares not published", {slot, reason: (e as Error).message});
    }
  }
  await Promise.all(attested);
}

/**
 * One BN call for the attestations combined together (the validators whose shares completed in one
 * batch, hundreds at a time with many validators) instead of one HTTP request each. When a call of
 * several fails, each of its attestations is sent again alone, so a rejection fails only its own
 * validator (a BN takes an attestation it already has as known, not as an error).
 */
export function batchedSubmitter<T>(submit: (items: T[]) => Promise<unknown>): (item: T) => Promise<void> {
  let queue: {item: T; resolve(): void; reject(e: unknown): void}[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    submit(batch.map((b) => b.item)).then(
      () => {
        for (const b of batch) b.resolve();
      },
      (e: unknown) => {
        if (batch.length === 1) batch[0].reject(e);
        else for (const b of batch) submit([b.item]).then(b.resolve, b.reject);
      },
    );
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      // Validators combined in one tick resume one after the other in the same microtask queue.
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({item, resolve, reject});
    });
}

/** The attester validity predicate (safety rule 1): slot, committees, checkpoints, and not slashable. */
export function isValidAttesterValue(
  value: Uint8Array,
  slot: number,
  duties: AttesterDuty[],
  committeeIndices: number[],
  postElectra: boolean,
  m: Pick<AttesterDutyModules, "config" | "slashing" | "logger" | "slotClock">,
): boolean {
  const entries = decodeAttesterValue(value);
  if (entries === null || entries.length !== committeeIndices.length) return false;
  const epoch = m.slotClock.epochOf(slot);
  for (const [i, entry] of entries.entries()) {
    const {data} = entry;
    if (entry.committeeIndex !== committeeIndices[i]) return false;
    if (data.slot !== slot) return false;
    if (data.index !== (postElectra ? 0 : entry.committeeIndex)) return false;
    if (data.target.epoch !== epoch) return false;
    const genesis = data.source.epoch === 0 && data.target.epoch === 0;
    if (!(data.source.epoch < data.target.epoch || genesis)) return false;
  }
  // One signing root per committee's data, shared by every validator attesting with it.
  const roots = new Map(entries.map((e) => [e.committeeIndex, attestationSigningRoot(m.config, e.data)]));
  for (const d of duties) {
    const entry = entries.find((e) => e.committeeIndex === (postElectra ? 0 : d.committeeIndex));
    if (!entry) return false;
    const refusal = m.slashing.isSlashableAttestation(d.pubkey, {
      sourceEpoch: entry.data.source.epoch,
      targetEpoch: entry.data.target.epoch,
      signingRoot: roots.get(entry.committeeIndex) as Uint8Array,
    });
    if (refusal) {
      m.logger.warn("attestation proposal refused: slashable", {slot, ...refusal.getMetadata()});
      return false;
    }
  }
  return true;
}

export function attestationSigningRoot(config: BeaconConfig, data: AttesterValueEntry["data"]): Uint8Array {
  return signingRootOnNetwork(config, {type: "ATTESTATION", data});
}

function toSubmission(
  duty: AttesterDuty,
  data: AttesterValueEntry["data"],
  signature: Uint8Array,
  postElectra: boolean,
): SingleAttestation {
  if (postElectra) {
    return {committeeIndex: duty.committeeIndex, attesterIndex: duty.validatorIndex, data, signature};
  }
  const aggregationBits = BitArray.fromSingleBit(duty.committeeLength, duty.validatorCommitteeIndex);
  return {aggregationBits, data, signature} as SingleAttestation;
}

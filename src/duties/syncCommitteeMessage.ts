import type {routes} from "@lodestar/api";
import type {altair} from "@lodestar/types";
import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {toHex} from "../util/hex.js";
import type {DutyModules} from "./attester.js";
import {exchangeAndSubmit} from "./exchangeAndSubmit.js";
import {type DutyFailureReason, failureReason} from "./outcome.js";

/** QBFT duty type of sync committee messages (wire constant of src/consensus). */
export const SYNC_MESSAGE_DUTY_TYPE = 3;

export type SyncDuty = routes.validator.SyncDuty;

/** What the sync committee duties need: every duty module but the slashing DB (nothing here is slashable). */
export type SyncDutyModules = Omit<DutyModules, "slashing">;

export interface SyncMessageBeaconNode {
  /** `GET /eth/v1/beacon/blocks/head/root`. */
  getHeadBlockRoot(): Promise<Uint8Array>;
  /** Resolves when the BN took them (accepted, or it already had them: `SubmitResult`); throws on a refusal. */
  submitSyncCommitteeMessages(messages: altair.SyncCommitteeMessage[]): Promise<unknown>;
}

export interface SyncMessageDutyModules extends SyncDutyModules {
  beaconNode: SyncMessageBeaconNode;
}

/** The decided block root of a slot's sync committee messages, or why there is none. */
export type SyncRootResult =
  | {root: Uint8Array; round: number}
  | {root: null; reason: DutyFailureReason; detail: string};

/**
 * The slot's sync committee message duty of every cluster validator in the current sync committee:
 * consensus on the ONE block root they all sign (the leader proposes its BN's head root), then per
 * validator a `SYNC_COMMITTEE_MESSAGE` share, exchanged and combined, and the combined message submitted.
 * Every validator ends in exactly one outcome. `onDecided` gets the decided root (or why there is none)
 * as soon as the consensus ends, for the slot's contribution duty; the returned promise resolves with
 * the same once every message is submitted or failed.
 */
export async function runSyncMessageDuty(
  slot: number,
  duties: SyncDuty[],
  m: SyncMessageDutyModules,
  onDecided?: (result: SyncRootResult) => void,
): Promise<SyncRootResult> {
  const triggerMs = m.slotClock.clock.now();
  const deadlineMs = syncDeadlineMs(slot, m);
  const fail = (validator: string, reason: DutyFailureReason, detail: string) =>
    m.onOutcome({status: "failed", type: "syncMessage", slot, validator, reason, detail});

  let decided: {value: Uint8Array; round: number};
  try {
    decided = await m.consensus.decide(slot, SYNC_MESSAGE_DUTY_TYPE, {
      startMs: triggerMs,
      deadlineMs,
      propose: () => m.beaconNode.getHeadBlockRoot(),
      isValid: isValidSyncMessageValue,
    });
  } catch (e) {
    const reason = failureReason(e, "consensus_timeout");
    for (const d of duties) fail(toHex(d.pubkey), reason, (e as Error).message);
    const result: SyncRootResult = {root: null, reason, detail: (e as Error).message};
    onDecided?.(result);
    return result;
  }
  const decideMs = m.slotClock.clock.now() - triggerMs;
  const beaconBlockRoot = decided.value;
  onDecided?.({root: beaconBlockRoot, round: decided.round});
  const msg: SignableMessage = {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot, slot}};
  const signingRoot = signingRootOnNetwork(m.config, msg);
  const ref = {slot, dutyType: SYNC_MESSAGE_DUTY_TYPE};

  const signed = await Promise.all(
    duties.map(async (duty) => {
      const validator = toHex(duty.pubkey);
      const shareKey = m.shareKeys.get(validator);
      if (!shareKey) {
        fail(validator, "signer_refused", "no key share of this validator in the cluster lock");
        return null;
      }
      try {
        return {duty, share: {validator, signingRoot, signature: await m.signer.sign(shareKey, msg)}};
      } catch (e) {
        fail(validator, "signer_refused", (e as Error).message);
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
      submit: ({duty}, signature) =>
        m.beaconNode.submitSyncCommitteeMessages([
          {slot, beaconBlockRoot, validatorIndex: duty.validatorIndex, signature},
        ]),
      submitted: ({share}) =>
        m.onOutcome({
          status: "submitted",
          type: "syncMessage",
          slot,
          validator: share.validator,
          latencyMs: m.slotClock.clock.now() - triggerMs,
          consensusRound: decided.round,
          decideMs,
        }),
    },
  );
  return {root: beaconBlockRoot, round: decided.round};
}

/**
 * The predicate of the sync message value: a 32-byte block root that is not zero. The QBFT predicate is
 * synchronous, so "the BN knows this root" cannot be asked here; and it need not be: a sync committee
 * message is not slashable, so the worst a faulty leader can do is make the cluster sign a useless root
 * for one slot (the BN then counts no participation), which is no worse than withholding. What the
 * consensus buys is that every node signs the SAME root, so t shares always combine even when the
 * nodes' BNs briefly disagree on the head.
 */
export function isValidSyncMessageValue(value: Uint8Array): boolean {
  return value.length === 32 && value.some((b) => b !== 0);
}

/**
 * Deadline of every sync committee step of a slot: a BN takes a message or contribution only during its
 * slot, give or take the gossip clock disparity (MAXIMUM_GOSSIP_CLOCK_DISPARITY, 500 ms): later, it
 * is worthless (it only counts for the next slot's block).
 */
export function syncDeadlineMs(slot: number, m: Pick<SyncDutyModules, "slotClock" | "config">): number {
  return m.slotClock.timeInSlot(slot + 1) + m.config.MAXIMUM_GOSSIP_CLOCK_DISPARITY;
}

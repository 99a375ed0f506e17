import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {DutyFailureReason} from "./outcome.js";
import {failureReason} from "./outcome.js";
import type {Combined, DutyRef, OwnShare} from "./shareExchange.js";
import {
  isValidSyncMessageValue,
  SYNC_MESSAGE_DUTY_TYPE,
  type SyncDuty,
  type SyncMessageDutyModules,
  type SyncRootResult,
  syncDeadlineMs,
} from "./syncCommitteeMessage.js";

/** A validator client's partial sync committee message: the root it chose and its (verified) share signature. */
export interface VcSyncMessage {
  beaconBlockRoot: Uint8Array;
  signature: Uint8Array;
}

/** Validator-API mode: the validator client signs the head it follows; its partial messages come from here. */
export interface VcSyncMessages {
  /** The VC's partial message of `shareKey` for `slot`, verified against that key share; rejects at `untilMs`. */
  awaitPartial(shareKey: Uint8Array, slot: number, untilMs: number): Promise<VcSyncMessage>;
}

/**
 * The sync committee message duty in validator-API mode. A real validator client (Lodestar) signs the head
 * it tracks from its event stream as soon as the slot's block arrives (at 1/3 at the latest), without asking
 * which root to sign, so the cluster cannot hand it a decided root in time. Sync committee messages are not
 * slashable, so, as Charon does, each operator's partial is taken over whatever root its VC signed, the
 * shares are exchanged and combined per signing root, and the root t partials agree on is submitted.
 *
 * The node still runs the slot's root consensus (peers in signer mode need its votes for their quorum);
 * its decision is only a candidate for telling which root a combined signature signs, and the slot's root
 * for the contribution duty when no message was combined. `onDecided` gets the first combined root.
 */
export async function runVcSyncMessageDuty(
  slot: number,
  duties: SyncDuty[],
  m: SyncMessageDutyModules & {vcMessages: VcSyncMessages},
  onDecided?: (result: SyncRootResult) => void,
): Promise<SyncRootResult> {
  const triggerMs = m.slotClock.clock.now();
  const deadlineMs = syncDeadlineMs(slot, m);
  const ref: DutyRef = {slot, dutyType: SYNC_MESSAGE_DUTY_TYPE};
  const fail = (validator: string, reason: DutyFailureReason, detail: string) =>
    m.onOutcome({status: "failed", type: "syncMessage", slot, validator, reason, detail});

  const consensus = m.consensus
    .decide(slot, SYNC_MESSAGE_DUTY_TYPE, {
      startMs: triggerMs,
      deadlineMs,
      propose: () => m.beaconNode.getHeadBlockRoot(),
      isValid: isValidSyncMessageValue,
    })
    .then(
      (d) => d.value,
      () => null,
    );

  // Roots this node knows, to name the root of a combined signature: its VC's, the cluster's decision, its BN's head.
  const known: Uint8Array[] = [];
  const rootOf = async (combined: Combined): Promise<Uint8Array | null> => {
    const matches = (root: Uint8Array) =>
      bytesEqual(
        signingRootOnNetwork(m.config, {type: "SYNC_COMMITTEE_MESSAGE", data: {slot, beaconBlockRoot: root}}),
        combined.signingRoot,
      );
    const own = known.find(matches);
    if (own) return own;
    for (const candidate of [() => consensus, () => m.beaconNode.getHeadBlockRoot().catch(() => null)]) {
      const root = await candidate();
      if (root && matches(root)) return root;
    }
    return null;
  };

  let first: SyncRootResult | null = null;
  const announce = (result: SyncRootResult) => {
    if (first !== null) return;
    first = result;
    onDecided?.(result);
  };

  // Partials that arrive together (one POST of the VC) are published together: one message to the peers.
  let batch: {share: OwnShare}[] = [];
  const publishSoon = (item: {share: OwnShare}) => {
    batch.push(item);
    if (batch.length > 1) return;
    queueMicrotask(() => {
      const items = batch;
      batch = [];
      try {
        m.shares.publish(
          ref,
          items.map((i) => i.share),
          deadlineMs,
        );
      } catch (e) {
        for (const i of items) fail(i.share.validator, failureReason(e, "combine_expired"), (e as Error).message);
      }
    });
  };

  await Promise.all(
    duties.map(async (duty) => {
      const validator = toHex(duty.pubkey);
      const shareKey = m.shareKeys.get(validator);
      if (!shareKey) return fail(validator, "signer_refused", "no key share of this validator in the cluster lock");
      let partial: VcSyncMessage;
      try {
        partial = await m.vcMessages.awaitPartial(shareKey, slot, deadlineMs);
      } catch (e) {
        return fail(validator, failureReason(e, "signer_refused"), (e as Error).message);
      }
      const msg: SignableMessage = {
        type: "SYNC_COMMITTEE_MESSAGE",
        data: {slot, beaconBlockRoot: partial.beaconBlockRoot},
      };
      if (!known.some((r) => bytesEqual(r, partial.beaconBlockRoot))) known.push(partial.beaconBlockRoot);
      publishSoon({share: {validator, signingRoot: signingRootOnNetwork(m.config, msg), signature: partial.signature}});
      let combined: Combined;
      try {
        combined = await m.shares.awaitCombinedRoot(ref, validator, deadlineMs);
      } catch (e) {
        return fail(validator, failureReason(e, "combine_expired"), (e as Error).message);
      }
      const root = await rootOf(combined);
      if (root === null) {
        // t other operators' VCs agreed on a head this node has not seen: they submit it.
        return fail(validator, "no_data", "combined over a block root this node does not know (its peers submit it)");
      }
      announce({root, round: 0});
      try {
        await m.beaconNode.submitSyncCommitteeMessages([
          {slot, beaconBlockRoot: root, validatorIndex: duty.validatorIndex, signature: combined.signature},
        ]);
      } catch (e) {
        return fail(validator, "bn_rejected", (e as Error).message);
      }
      m.onOutcome({
        status: "submitted",
        type: "syncMessage",
        slot,
        validator,
        latencyMs: m.slotClock.clock.now() - triggerMs,
        consensusRound: 0,
      });
    }),
  );
  if (first === null) {
    const decided = await consensus;
    announce(
      decided
        ? {root: decided, round: 0}
        : {root: null, reason: "combine_expired", detail: "no sync committee message combined in the slot"},
    );
  }
  return first ?? {root: null, reason: "no_data", detail: "no root"};
}

import {ListCompositeType} from "@chainsafe/ssz";
import {SYNC_COMMITTEE_SUBNET_COUNT} from "@lodestar/params";
import {type altair, ssz} from "@lodestar/types";
import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {Clock} from "./clock.js";
import {type DutyFailureReason, failureReason} from "./outcome.js";
import {type SyncDuty, type SyncDutyModules, type SyncRootResult, syncDeadlineMs} from "./syncCommitteeMessage.js";
import {isSyncCommitteeAggregator, subcommitteesOf, syncShareDutyType} from "./syncCommitteeSelection.js";

/** QBFT duty type of sync committee contributions (wire constant of src/consensus). */
export const SYNC_CONTRIBUTION_DUTY_TYPE = 4;
/** Duty type of the sync selection proofs (prepareSyncContribution in src/consensus). */
export const SYNC_SELECTION_DUTY_TYPE = 7;

/** The value the cluster agrees on: one contribution per subcommittee it aggregates, ascending. */
export const SyncContributionValue = new ListCompositeType(
  ssz.altair.SyncCommitteeContribution,
  SYNC_COMMITTEE_SUBNET_COUNT,
);

export function encodeSyncContributionValue(contributions: altair.SyncCommitteeContribution[]): Uint8Array {
  return SyncContributionValue.serialize(contributions);
}

export function decodeSyncContributionValue(bytes: Uint8Array): altair.SyncCommitteeContribution[] | null {
  try {
    return SyncContributionValue.deserialize(bytes);
  } catch {
    return null;
  }
}

/** One aggregation role: a cluster validator that is aggregator of a subcommittee, with its combined proof. */
export interface SyncAggregatorRole {
  duty: SyncDuty;
  validator: string;
  subcommitteeIndex: number;
  /** Position of the subcommittee among the validator's subcommittees: its share-exchange duty (see syncShareDutyType). */
  rank: number;
  selectionProof: Uint8Array;
}

export interface SyncContributionBeaconNode {
  /** `GET /eth/v1/beacon/blocks/head/root`: the leader's root when its own message consensus lags. */
  getHeadBlockRoot(): Promise<Uint8Array>;
  produceSyncCommitteeContribution(
    slot: number,
    subcommitteeIndex: number,
    beaconBlockRoot: Uint8Array,
  ): Promise<altair.SyncCommitteeContribution>;
  /** Resolves when the BN took them (accepted, or it already had them: `SubmitResult`); throws on a refusal. */
  publishContributionAndProofs(contributionAndProofs: altair.SignedContributionAndProof[]): Promise<unknown>;
}

export interface SyncContributionDutyModules extends SyncDutyModules {
  beaconNode: SyncContributionBeaconNode;
}

/**
 * Selection proofs of the slot: per validator and subcommittee it sits in, a
 * `SYNC_COMMITTEE_SELECTION_PROOF` share over SyncAggregatorSelectionData{slot, subcommittee_index},
 * exchanged and combined; the combined proof says whether the validator aggregates that subcommittee.
 * Returns the aggregator roles. A role that cannot be known (no combined proof) ends in a failed
 * contribution outcome here, as the contribution duty it may have been.
 */
export async function runSyncSelectionProofs(
  slot: number,
  duties: SyncDuty[],
  m: SyncDutyModules,
): Promise<SyncAggregatorRole[]> {
  const deadlineMs = syncDeadlineMs(slot, m);
  const fail = (validator: string, subcommitteeIndex: number, reason: DutyFailureReason, detail: string) =>
    m.onOutcome({
      status: "failed",
      type: "syncContribution",
      slot,
      validator,
      subcommitteeIndex,
      reason,
      detail: `selection proof: ${detail}`,
    });
  const jobs = duties.flatMap((duty) =>
    [...subcommitteesOf(duty.validatorSyncCommitteeIndices).keys()].map((subcommitteeIndex, rank) => ({
      duty,
      validator: toHex(duty.pubkey),
      subcommitteeIndex,
      rank,
    })),
  );
  // Sign every share first, then publish them together: one message per rank (usually one in all),
  // whose shares the peers verify in one batch.
  const signed = await Promise.all(
    jobs.map(async (job) => {
      const shareKey = m.shareKeys.get(job.validator);
      if (!shareKey) {
        fail(
          job.validator,
          job.subcommitteeIndex,
          "signer_refused",
          "no key share of this validator in the cluster lock",
        );
        return null;
      }
      const msg: SignableMessage = {
        type: "SYNC_COMMITTEE_SELECTION_PROOF",
        data: {slot, subcommitteeIndex: job.subcommitteeIndex},
      };
      try {
        const signature = await m.signer.sign(shareKey, msg);
        return {...job, share: {validator: job.validator, signingRoot: signingRootOnNetwork(m.config, msg), signature}};
      } catch (e) {
        fail(job.validator, job.subcommitteeIndex, failureReason(e, "signer_refused"), (e as Error).message);
        return null;
      }
    }),
  );
  const own = signed.filter((s) => s !== null);
  const refOf = (rank: number) => ({slot, dutyType: syncShareDutyType(SYNC_SELECTION_DUTY_TYPE, rank)});
  const published = new Set<number>();
  for (const rank of new Set(own.map((s) => s.rank))) {
    try {
      m.shares.publish(
        refOf(rank),
        own.filter((s) => s.rank === rank).map((s) => s.share),
        deadlineMs,
      );
      published.add(rank);
    } catch (e) {
      for (const s of own.filter((x) => x.rank === rank)) {
        fail(s.validator, s.subcommitteeIndex, failureReason(e, "combine_expired"), (e as Error).message);
      }
    }
  }
  const roles = await Promise.all(
    own
      .filter((s) => published.has(s.rank))
      .map(async ({duty, validator, subcommitteeIndex, rank}): Promise<SyncAggregatorRole | null> => {
        let selectionProof: Uint8Array;
        try {
          selectionProof = await m.shares.awaitCombined(refOf(rank), validator, deadlineMs);
        } catch (e) {
          fail(validator, subcommitteeIndex, failureReason(e, "combine_expired"), (e as Error).message);
          return null;
        }
        return isSyncCommitteeAggregator(selectionProof)
          ? {duty, validator, subcommitteeIndex, rank, selectionProof}
          : null;
      }),
  );
  return roles.filter((r) => r !== null);
}

/** What the contribution duty needs of the same slot's message duty (see runSyncMessageDuty). */
export interface SyncMessageProgress {
  /** The decided block root, or why there is none, as soon as the message consensus ends. */
  decided: Promise<SyncRootResult>;
  /** Settles once this node's messages of the slot are submitted or failed: its BN then pools them. */
  done: Promise<unknown>;
}

/**
 * The slot's contribution duty of the cluster's sync aggregators (at 2/3 of the slot): consensus on one
 * contribution per aggregated subcommittee for the root decided by the slot's message duty, then per
 * (aggregator, subcommittee) a `SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF` share, exchanged, combined,
 * submitted. Every role ends in exactly one outcome.
 *
 * The consensus starts on the slot's schedule whatever this node's message duty is doing: a node whose
 * message consensus is late or whose message shares are still missing still prepares and commits a
 * peer's proposal (under loss, a cluster that waits for every node's message duty loses a quorum).
 * Only its own proposal, as leader, waits, briefly: for the decided root and for its messages to be
 * submitted, so that its BN's contribution includes the cluster's messages.
 */
export async function runSyncContributionDuty(
  slot: number,
  roles: SyncAggregatorRole[],
  message: SyncMessageProgress,
  m: SyncContributionDutyModules,
): Promise<void> {
  if (roles.length === 0) return;
  const triggerMs = m.slotClock.clock.now();
  // A BN takes a contribution only during its slot (gossip's clock disparity is for skewed clocks, not for
  // late senders: Lodestar checks it when it handles the request, and logs a late one as an error,
  // SYNC_COMMITTEE_ERROR_NOT_CURRENT_SLOT). One combined after the slot's end is not submitted.
  const deadlineMs = m.slotClock.timeInSlot(slot + 1);
  const fail = (role: SyncAggregatorRole, reason: DutyFailureReason, detail: string) =>
    m.onOutcome({
      status: "failed",
      type: "syncContribution",
      slot,
      validator: role.validator,
      subcommitteeIndex: role.subcommitteeIndex,
      reason,
      detail,
    });
  const subcommittees = [...new Set(roles.map((r) => r.subcommitteeIndex))].sort((a, b) => a - b);
  // The root this node decided, once it has: until then (or without one) a peer's value is checked
  // without it; the BN checks the contribution's aggregate signature in any case.
  const seen: {root: SyncRootResult | null} = {root: null};
  void message.decided.then((r) => {
    seen.root = r;
  });

  let decided: {value: Uint8Array; round: number};
  try {
    decided = await m.consensus.decide(slot, SYNC_CONTRIBUTION_DUTY_TYPE, {
      startMs: triggerMs,
      deadlineMs,
      propose: async () => {
        const {clock} = m.slotClock;
        // A round is lost if the leader proposes late: it waits for its own message step at most until
        // 2/3 + 1/12 of the slot. Without a decided root by then (its message consensus lags or failed
        // here) it proposes for its BN's head, which the peers' predicates take only if it is the root
        // they decided.
        const proposeBy = m.slotClock.timeInSlot(slot, 2 / 3 + 1 / 12);
        const rootResult = await settledOrAt(message.decided, proposeBy, clock);
        const root = rootResult?.root ?? (await m.beaconNode.getHeadBlockRoot());
        // Own messages still in their exchange may be missing from the BN's pool: wait for them briefly,
        // and once more, until 5/6 of the slot (the rest of it is for signing, exchanging and submitting),
        // if the BN has nothing yet.
        let messagesIn = false;
        const arrived = () => {
          messagesIn = true;
        };
        message.done.then(arrived, arrived);
        await settledOrAt(message.done, proposeBy, clock);
        let usable = await produceUsable(m, slot, root, subcommittees);
        if (usable.length === 0 && !messagesIn) {
          await settledOrAt(message.done, m.slotClock.timeInSlot(slot, 5 / 6), clock);
          usable = await produceUsable(m, slot, root, subcommittees);
        }
        if (usable.length === 0) throw new Error(`the BN has no contribution for subcommittees ${subcommittees}`);
        return encodeSyncContributionValue(usable);
      },
      isValid: (value) => isValidSyncContributionValue(value, slot, seen.root?.root ?? null, subcommittees),
    });
  } catch (e) {
    // Without a root here either (the message consensus failed too), that is the cause to report.
    const reason = failureReason(e, "consensus_timeout");
    const noRoot = reason === "stopped" ? null : seen.root;
    for (const role of roles) {
      if (noRoot?.root === null) fail(role, noRoot.reason, `no block root decided: ${noRoot.detail}`);
      else fail(role, reason, (e as Error).message);
    }
    return;
  }
  const decideMs = m.slotClock.clock.now() - triggerMs;
  const contributions = decodeSyncContributionValue(decided.value) as altair.SyncCommitteeContribution[];

  const signRole = async (role: SyncAggregatorRole) => {
    const contribution = contributions.find((c) => c.subcommitteeIndex === role.subcommitteeIndex);
    if (!contribution) {
      fail(role, "no_data", `no contribution decided for subcommittee ${role.subcommitteeIndex}`);
      return null;
    }
    const shareKey = m.shareKeys.get(role.validator);
    if (!shareKey) {
      fail(role, "signer_refused", "no key share of this validator in the cluster lock");
      return null;
    }
    const message: altair.ContributionAndProof = {
      aggregatorIndex: role.duty.validatorIndex,
      contribution,
      selectionProof: role.selectionProof,
    };
    const msg: SignableMessage = {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: message};
    try {
      const signature = await m.signer.sign(shareKey, msg);
      return {
        role,
        message,
        share: {validator: role.validator, signingRoot: signingRootOnNetwork(m.config, msg), signature},
      };
    } catch (e) {
      fail(role, failureReason(e, "signer_refused"), (e as Error).message);
      return null;
    }
  };

  const refOf = (rank: number) => ({slot, dutyType: syncShareDutyType(SYNC_CONTRIBUTION_DUTY_TYPE, rank)});
  // Each rank goes on as soon as its own shares are signed: a validator client signs its subcommittees
  // one request after the other, and the first need not wait for the last (the slot's end is near).
  // One message per rank with every aggregator's share: the peers verify them in one batch.
  const ranks = [...new Set(roles.map((r) => r.rank))];
  await Promise.all(
    ranks.map(async (rank) => {
      const ofRank = (await Promise.all(roles.filter((r) => r.rank === rank).map(signRole))).filter((s) => s !== null);
      if (ofRank.length === 0) return;
      try {
        m.shares.publish(
          refOf(rank),
          ofRank.map((s) => s.share),
          deadlineMs,
        );
      } catch (e) {
        for (const s of ofRank) fail(s.role, failureReason(e, "combine_expired"), (e as Error).message);
        return;
      }
      await Promise.all(
        ofRank.map(async ({role, message}) => {
          let signature: Uint8Array;
          try {
            signature = await m.shares.awaitCombined(refOf(role.rank), role.validator, deadlineMs);
          } catch (e) {
            return fail(role, failureReason(e, "combine_expired"), (e as Error).message);
          }
          try {
            await m.beaconNode.publishContributionAndProofs([{message, signature}]);
            m.onOutcome({
              status: "submitted",
              type: "syncContribution",
              slot,
              validator: role.validator,
              subcommitteeIndex: role.subcommitteeIndex,
              latencyMs: m.slotClock.clock.now() - triggerMs,
              consensusRound: decided.round,
              decideMs,
            });
          } catch (e) {
            fail(role, "bn_rejected", (e as Error).message);
          }
        }),
      );
    }),
  );
}

/**
 * The contribution predicate: a non-empty list, ascending without repeats, of contributions for
 * subcommittees this cluster aggregates, each for the slot and the decided root (when this node knows
 * it; else any non-zero root), with participants.
 */
export function isValidSyncContributionValue(
  value: Uint8Array,
  slot: number,
  root: Uint8Array | null,
  subcommittees: readonly number[],
): boolean {
  const list = decodeSyncContributionValue(value);
  if (list === null || list.length === 0) return false;
  for (let i = 0; i < list.length; i++) {
    if (i > 0 && list[i].subcommitteeIndex <= list[i - 1].subcommitteeIndex) return false;
    if (!isUsableContribution(list[i], slot, root, subcommittees)) return false;
  }
  return true;
}

function isUsableContribution(
  c: altair.SyncCommitteeContribution,
  slot: number,
  root: Uint8Array | null,
  subcommittees: readonly number[],
): boolean {
  return (
    c.slot === slot &&
    (root === null ? c.beaconBlockRoot.some((b) => b !== 0) : bytesEqual(c.beaconBlockRoot, root)) &&
    subcommittees.includes(c.subcommitteeIndex) &&
    c.aggregationBits.getTrueBitIndexes().length > 0
  );
}

/** The BN's contributions for the subcommittees, ascending; a subcommittee without pooled messages has none. */
async function produceUsable(
  m: SyncContributionDutyModules,
  slot: number,
  root: Uint8Array,
  subcommittees: number[],
): Promise<altair.SyncCommitteeContribution[]> {
  const fetched = await Promise.allSettled(
    subcommittees.map((sub) => m.beaconNode.produceSyncCommitteeContribution(slot, sub, root)),
  );
  return fetched
    .flatMap((r) => (r.status === "fulfilled" ? [r.value] : []))
    .filter((c) => isUsableContribution(c, slot, root, subcommittees))
    .sort((a, b) => a.subcommitteeIndex - b.subcommitteeIndex);
}

/** `p`'s value when it fulfills before `atMs`; null when it rejects or `atMs` comes first. */
function settledOrAt<T>(p: Promise<T>, atMs: number, clock: Clock): Promise<T | null> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(atMs, () => resolve(null));
    p.then(
      (value) => {
        cancel();
        resolve(value);
      },
      () => {
        cancel();
        resolve(null);
      },
    );
  });
}

import type {routes} from "@lodestar/api";
import {ApiError, type ApplicationMethods} from "@lodestar/api/server";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {altair} from "@lodestar/types";
import {SYNC_SELECTION_DUTY_TYPE} from "../duties/syncCommitteeContribution.js";
import {
  subcommitteesOf,
  syncPeriodOfEpoch,
  syncPeriodOfMessageSlot,
  syncShareDutyType,
} from "../duties/syncCommitteeSelection.js";
import type {SignableMessage} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {InterceptContext} from "./context.js";
import type {DecidedSyncRoots} from "./decidedSyncRoots.js";
import {VapiError} from "./errors.js";
import type {CombinedShares} from "./methods.js";

export type SyncValidatorIntercepts = Pick<
  ApplicationMethods<routes.validator.Endpoints>,
  | "getSyncCommitteeDuties"
  | "submitSyncCommitteeSelections"
  | "produceSyncCommitteeContribution"
  | "publishContributionAndProofs"
>;

export type SyncBeaconIntercepts = Pick<
  ApplicationMethods<routes.beacon.Endpoints>,
  "getBlockRoot" | "submitPoolSyncCommitteeSignatures"
>;

export interface SyncInterceptModules {
  /** The roots the node's sync message consensus decided. */
  syncRoots: DecidedSyncRoots;
  /** Unix seconds of the chain's genesis (the current slot of a head-root request). */
  genesisTime(): Promise<number>;
}

/**
 * Sync committee duties the way `--distributed` VCs do them: partial sync selection proofs in, combined out
 * (slot start); the head block root to sign is the one the cluster's sync message consensus decided (1/3
 * of the slot); the contribution handed out is the decided one (2/3); partial signatures of messages and
 * contributions must sign exactly those.
 */
export function syncIntercepts(
  ctx: InterceptContext,
  sm: SyncInterceptModules,
): {validator: SyncValidatorIntercepts; beacon: SyncBeaconIntercepts} {
  const {m} = ctx;
  /** Sync committee positions of each cluster validator index, by period, from the duties the VC asked for. */
  const positions = new Map<number, Map<number, number[]>>();

  /** The share-exchange rank of a subcommittee among the validator's (see syncShareDutyType). */
  const rankOf = async (validatorIndex: number, slot: number, subcommitteeIndex: number): Promise<number> => {
    const period = syncPeriodOfMessageSlot(slot, SLOTS_PER_EPOCH);
    let indices = positions.get(period)?.get(validatorIndex);
    if (!indices) {
      const epoch = Math.floor((slot + 1) / SLOTS_PER_EPOCH);
      const duties = (await m.api.validator.getSyncCommitteeDuties({epoch, indices: [validatorIndex]})).value();
      indices = duties.find((d) => d.validatorIndex === validatorIndex)?.validatorSyncCommitteeIndices ?? [];
    }
    const rank = [...subcommitteesOf(indices).keys()].indexOf(subcommitteeIndex);
    if (rank < 0) {
      throw new VapiError(
        {code: "VAPI_NOT_DECIDED", type: "SYNC_COMMITTEE_SELECTION_PROOF", slot},
        `validator ${validatorIndex} does not sit in sync subcommittee ${subcommitteeIndex} at slot ${slot}`,
      );
    }
    return rank;
  };

  const combineSelection = async (
    shares: CombinedShares,
    sel: routes.validator.SyncCommitteeSelection,
  ): Promise<routes.validator.SyncCommitteeSelection> => ({
    ...sel,
    selectionProof: await ctx.combineSelectionProof(shares, {
      type: "SYNC_COMMITTEE_SELECTION_PROOF",
      slot: sel.slot,
      validatorIndex: sel.validatorIndex,
      selectionProof: sel.selectionProof,
      isFor: (p) =>
        p.msg.type === "SYNC_COMMITTEE_SELECTION_PROOF" &&
        p.msg.data.slot === sel.slot &&
        p.msg.data.subcommitteeIndex === sel.subcommitteeIndex,
      describe: `the sync selection proof of validator ${sel.validatorIndex} for slot ${sel.slot}`,
      dutyTypeOf: async () =>
        syncShareDutyType(SYNC_SELECTION_DUTY_TYPE, await rankOf(sel.validatorIndex, sel.slot, sel.subcommitteeIndex)),
    }),
  });

  /** The slot a head-root request is for when the VC has sync messages to sign in it; null otherwise. */
  const syncSlotNow = async (): Promise<number | null> => {
    if (positions.size === 0) return null;
    const slotMs = m.config.SECONDS_PER_SLOT * 1000;
    const slot = Math.floor((m.clock.now() - (await sm.genesisTime()) * 1000) / slotMs);
    const members = positions.get(syncPeriodOfMessageSlot(slot, SLOTS_PER_EPOCH));
    return members && members.size > 0 ? slot : null;
  };

  const validator: SyncValidatorIntercepts = {
    async getSyncCommitteeDuties({epoch, indices}) {
      const res = await m.api.validator.getSyncCommitteeDuties({epoch, indices});
      const period = syncPeriodOfEpoch(epoch);
      const data = res.value().map((d) => {
        const pubkey = m.keys.toShareKey(d.pubkey);
        if (m.keys.validatorOf(toHex(pubkey))) {
          ctx.noteIndex(d.validatorIndex, pubkey);
          const byIndex = positions.get(period) ?? new Map<number, number[]>();
          byIndex.set(d.validatorIndex, d.validatorSyncCommitteeIndices);
          positions.set(period, byIndex);
        }
        return {...d, pubkey};
      });
      for (const p of positions.keys()) if (p < period - 1) positions.delete(p);
      return {data, meta: res.meta()};
    },

    async submitSyncCommitteeSelections({selections}) {
      const {shares} = m;
      if (!shares) throw new ApiError(501, "sync selection proofs are not combined by this node");
      return {data: await Promise.all(selections.map((sel) => combineSelection(shares, sel)))};
    },

    // The contribution the cluster decided for the subcommittee (its consensus at 2/3 of the slot).
    async produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}) {
      const request = await m.signer.awaitRequest(
        (p) =>
          p.msg.type === "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF" &&
          p.msg.data.contribution.slot === slot &&
          p.msg.data.contribution.subcommitteeIndex === subcommitteeIndex,
        2 * m.waitMs,
        {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", slot},
      );
      const {contribution} = (request.msg as Extract<SignableMessage, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"}>)
        .data;
      if (!bytesEqual(contribution.beaconBlockRoot, beaconBlockRoot)) {
        throw new VapiError(
          {code: "VAPI_NOT_DECIDED", type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", slot},
          `the cluster decided block root ${toHex(contribution.beaconBlockRoot)} for slot ${slot}, not ${toHex(beaconBlockRoot)}`,
        );
      }
      return {data: contribution};
    },

    async publishContributionAndProofs({contributionAndProofs}) {
      ctx.eachPartial(contributionAndProofs, "contribution and proof", (signed: altair.SignedContributionAndProof) => {
        const {contribution} = signed.message;
        const msg: SignableMessage = {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: signed.message};
        ctx.acceptOverDecided(
          msg,
          contribution.slot,
          signed.message.aggregatorIndex,
          (p) =>
            p.msg.type === "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF" &&
            p.msg.data.contribution.slot === contribution.slot,
          signed.signature,
        );
      });
    },
  };

  const beacon: SyncBeaconIntercepts = {
    // A VC in the sync committee asks for the head root to sign at 1/3 of the slot: it gets the root the
    // cluster decided for the slot (waiting for the decision), so every operator's partials combine. Any
    // other block id, or no decision in time, is the BN's answer.
    async getBlockRoot({blockId}) {
      const slot = blockId === "head" ? await syncSlotNow() : null;
      if (slot !== null) {
        const root = await sm.syncRoots.wait(slot, m.clock.now() + m.waitMs);
        if (root) return {data: {root}, meta: {executionOptimistic: false, finalized: false}};
        m.logger.warn("no decided sync committee root in time: the BN's head is answered", {slot});
      }
      const res = await m.api.beacon.getBlockRoot({blockId});
      return {data: res.value(), meta: res.meta()};
    },

    // Partial sync committee message signatures: over the decided root, verified against the key share.
    async submitPoolSyncCommitteeSignatures({signatures}) {
      ctx.eachPartial(signatures, "sync committee message", (sig: altair.SyncCommitteeMessage) => {
        const msg: SignableMessage = {
          type: "SYNC_COMMITTEE_MESSAGE",
          data: {slot: sig.slot, beaconBlockRoot: sig.beaconBlockRoot},
        };
        ctx.acceptOverDecided(
          msg,
          sig.slot,
          sig.validatorIndex,
          (p) => p.msg.type === "SYNC_COMMITTEE_MESSAGE" && p.msg.data.slot === sig.slot,
          sig.signature,
        );
      });
    },
  };

  return {validator, beacon};
}

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
import {VapiError} from "./errors.js";
import type {CombinedShares} from "./methods.js";
import type {VcSyncMessageStore} from "./syncMessages.js";

export type SyncValidatorIntercepts = Pick<
  ApplicationMethods<routes.validator.Endpoints>,
  | "getSyncCommitteeDuties"
  | "submitSyncCommitteeSelections"
  | "produceSyncCommitteeContribution"
  | "publishContributionAndProofs"
>;

export type SyncBeaconIntercepts = Pick<
  ApplicationMethods<routes.beacon.Endpoints>,
  "submitPoolSyncCommitteeSignatures"
>;

export interface SyncInterceptModules {
  /** Where the VC's verified partial sync committee messages wait for the slot's message duty. */
  syncMessages: VcSyncMessageStore;
  /** Unix seconds of the chain's genesis (the current slot of a submission). */
  genesisTime(): Promise<number>;
}

/**
 * Sync committee duties the way `--distributed` VCs do them: partial sync selection proofs in, combined out
 * (slot start); partial sync committee messages over the head the VC follows, taken over any root (verified
 * against the key share over that root) and combined per root by the message duty (runVcSyncMessageDuty);
 * the contribution handed out is the decided one (2/3), and its partial signatures must sign exactly that.
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

  const currentSlot = async (): Promise<number> => {
    const slotMs = m.config.SECONDS_PER_SLOT * 1000;
    return Math.floor((m.clock.now() - (await sm.genesisTime()) * 1000) / slotMs);
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

    // The contribution the cluster decided for the subcommittee (its consensus at 2/3 of the slot), for the
    // root the cluster's messages combined over. The VC names the root it signed; when that lost (its BN saw
    // another head), it still gets the decided contribution: contributions are not slashable, and only
    // partials over the decided one combine.
    async produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}) {
      const request = await m.signer.awaitRequest(
        (p) =>
          p.msg.type === "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF" &&
          p.msg.data.contribution.slot === slot &&
          p.msg.data.contribution.subcommitteeIndex === subcommitteeIndex,
        await ctx.waitWithinSlot(slot, 2 * m.waitMs),
        {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", slot},
      );
      const {contribution} = (request.msg as Extract<SignableMessage, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF"}>)
        .data;
      if (!bytesEqual(contribution.beaconBlockRoot, beaconBlockRoot)) {
        m.logger.info("the validator client asked a contribution for another root than the cluster's", {
          slot,
          subcommitteeIndex,
          asked: toHex(beaconBlockRoot),
          decided: toHex(contribution.beaconBlockRoot),
        });
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
    // Partial sync committee messages over the root the VC chose (its BN's head from the event stream):
    // verified against this node's key share over that root (400 otherwise), then kept for the slot's
    // message duty, which exchanges them and combines per root. Not slashable: no decided value to match.
    async submitPoolSyncCommitteeSignatures({signatures}) {
      const now = await currentSlot();
      ctx.eachPartial(signatures, "sync committee message", (sig: altair.SyncCommitteeMessage) => {
        if (sig.slot < now - 1 || sig.slot > now + 1) {
          m.metrics?.partialSignatures.inc({type: "SYNC_COMMITTEE_MESSAGE", result: "not_decided"});
          throw new VapiError(
            {code: "VAPI_NOT_DECIDED", type: "SYNC_COMMITTEE_MESSAGE", slot: sig.slot},
            `a sync committee message of slot ${sig.slot} is not taken in slot ${now}`,
          );
        }
        const shareKeyHex = ctx.shareOfIndex(sig.validatorIndex);
        if (!shareKeyHex) {
          throw new VapiError(
            {code: "VAPI_UNKNOWN_SHARE", pubkey: String(sig.validatorIndex)},
            `validator ${sig.validatorIndex} is not one of this node's (ask its sync duties through cohort first)`,
          );
        }
        ctx.verifyUnrequested(
          shareKeyHex,
          {type: "SYNC_COMMITTEE_MESSAGE", data: {slot: sig.slot, beaconBlockRoot: sig.beaconBlockRoot}},
          sig.signature,
          `the sync committee message of validator ${sig.validatorIndex} for slot ${sig.slot}`,
        );
        const taken = sm.syncMessages.offer(shareKeyHex, sig.slot, {
          beaconBlockRoot: sig.beaconBlockRoot,
          signature: sig.signature,
        });
        if (taken) m.metrics?.partialSignatures.inc({type: "SYNC_COMMITTEE_MESSAGE", result: "accepted"});
      });
    },
  };

  return {validator, beacon};
}

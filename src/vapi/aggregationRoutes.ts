import type {routes} from "@lodestar/api";
import {ApiError, type ApplicationMethods} from "@lodestar/api/server";
import {isForkPostElectra} from "@lodestar/params";
import {type Attestation, type electra, type SignedAggregateAndProof, ssz} from "@lodestar/types";
import {DutyType} from "../consensus/types.js";
import type {SignableMessage} from "../eth/signing.js";
import {bytesEqual} from "../util/hex.js";
import type {InterceptContext} from "./context.js";
import type {LegacyIntercepts} from "./legacyRoutes.js";
import type {CombinedShares} from "./methods.js";
import type {PendingSignature} from "./vcSigner.js";

export type AggregationIntercepts = Pick<
  ApplicationMethods<routes.validator.Endpoints>,
  "submitBeaconCommitteeSelections" | "getAggregatedAttestationV2" | "publishAggregateAndProofsV2"
>;

type AggregateRequest = PendingSignature & {
  msg: Extract<SignableMessage, {type: "AGGREGATE_AND_PROOF" | "AGGREGATE_AND_PROOF_V2"}>;
};

function isAggregateRequest(p: PendingSignature): p is AggregateRequest {
  return p.msg.type === "AGGREGATE_AND_PROOF" || p.msg.type === "AGGREGATE_AND_PROOF_V2";
}

function aggregateOf(p: AggregateRequest): Attestation {
  return p.msg.type === "AGGREGATE_AND_PROOF_V2" ? p.msg.data.aggregateAndProof.aggregate : p.msg.data.aggregate;
}

/**
 * Attestation aggregation the way `--distributed` VCs do it: partial selection proofs in, the cluster's
 * combined proofs out (at the start of the slot); at 2/3 of the slot the aggregate the cluster decided for
 * the committee; then the partial AggregateAndProof signature, which must sign exactly that decided message.
 */
export function aggregationIntercepts(ctx: InterceptContext): AggregationIntercepts & {
  legacy: Pick<LegacyIntercepts, "getAggregatedAttestation" | "publishAggregateAndProofs">;
} {
  const {m} = ctx;

  const combineSelection = async (
    shares: CombinedShares,
    sel: routes.validator.BeaconCommitteeSelection,
  ): Promise<routes.validator.BeaconCommitteeSelection> => ({
    validatorIndex: sel.validatorIndex,
    slot: sel.slot,
    selectionProof: await ctx.combineSelectionProof(shares, {
      type: "AGGREGATION_SLOT",
      slot: sel.slot,
      validatorIndex: sel.validatorIndex,
      selectionProof: sel.selectionProof,
      isFor: (p) => p.msg.type === "AGGREGATION_SLOT" && p.msg.data.slot === sel.slot,
      describe: `the selection proof of validator ${sel.validatorIndex} for slot ${sel.slot}`,
      dutyTypeOf: () => DutyType.prepareAggregator,
    }),
  });

  const v2: AggregationIntercepts = {
    async submitBeaconCommitteeSelections({selections}) {
      const {shares} = m;
      if (!shares) throw new ApiError(501, "selection proofs are not combined by this node");
      return {data: await Promise.all(selections.map((sel) => combineSelection(shares, sel)))};
    },

    // The aggregate the cluster decided (its aggregator duty's consensus at 2/3 of the slot), once the
    // pipeline asks for the AggregateAndProof signature over it.
    getAggregatedAttestationV2: ({attestationDataRoot, slot, committeeIndex}) =>
      decidedAggregate(attestationDataRoot, slot, committeeIndex),

    // Partial AggregateAndProof signatures: each over the decided aggregate with the combined selection
    // proof, verified against the aggregator's key share.
    async publishAggregateAndProofsV2({signedAggregateAndProofs}) {
      takeAggregateAndProofs(signedAggregateAndProofs);
    },
  };

  /**
   * The decided aggregate of the data root (and, from Electra, the committee; before, the data names it).
   * v1 asks without a committee index.
   */
  async function decidedAggregate(attestationDataRoot: Uint8Array, slot: number, committeeIndex?: number) {
    const postElectra = isForkPostElectra(m.config.getForkName(slot));
    const request = await m.signer.awaitRequest(
      (p) => {
        if (!isAggregateRequest(p)) return false;
        const aggregate = aggregateOf(p);
        if (aggregate.data.slot !== slot) return false;
        if (!bytesEqual(ssz.phase0.AttestationData.hashTreeRoot(aggregate.data), attestationDataRoot)) return false;
        if (committeeIndex === undefined) return !postElectra;
        return postElectra
          ? (aggregate as electra.Attestation).committeeBits.get(committeeIndex)
          : aggregate.data.index === committeeIndex;
      },
      2 * m.waitMs,
      {type: "AGGREGATE_AND_PROOF_V2", slot},
    );
    return {data: aggregateOf(request as AggregateRequest), meta: {version: m.config.getForkName(slot)}};
  }

  function takeAggregateAndProofs(signedAggregateAndProofs: SignedAggregateAndProof[]): void {
    ctx.eachPartial(signedAggregateAndProofs, "aggregate and proof", (signed: SignedAggregateAndProof) => {
      const {message} = signed;
      const slot = message.aggregate.data.slot;
      const fork = m.config.getForkName(slot);
      const msg: SignableMessage = isForkPostElectra(fork)
        ? {type: "AGGREGATE_AND_PROOF_V2", data: {version: fork, aggregateAndProof: message}}
        : {type: "AGGREGATE_AND_PROOF", data: message};
      ctx.acceptOverDecided(
        msg,
        slot,
        message.aggregatorIndex,
        (p) => isAggregateRequest(p) && aggregateOf(p).data.slot === slot,
        signed.signature,
      );
    });
  }

  return {
    ...v2,
    // The v1 forms (before Electra; Lodestar v1.22 uses them on Deneb): the same decided data and checks.
    legacy: {
      getAggregatedAttestation: async ({attestationDataRoot, slot}) => ({
        data: (await decidedAggregate(attestationDataRoot, slot)).data,
      }),
      publishAggregateAndProofs: async ({signedAggregateAndProofs}) => takeAggregateAndProofs(signedAggregateAndProofs),
    },
  };
}

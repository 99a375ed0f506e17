import {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, ProducedBlockSource} from "@lodestar/types";
import {fromHex, isHex, toHex} from "../../../util/hex.js";
import type {SimulatedChain} from "../chain.js";
import {SimChainError} from "../errors.js";
import {IndexedApiError, withNotImplemented} from "./fallback.js";

type Endpoints = routes.validator.Endpoints;

/** The `validator` namespace: duties, attestation data, block production, proposer preparation. */
export function validatorMethods(chain: SimulatedChain): ApplicationMethods<Endpoints> {
  const pubkeyOf = (i: number) => chain.validators.pubkeys[i];
  const dependentMeta = (root: Uint8Array) => ({executionOptimistic: false, dependentRoot: toHex(root)});

  // v1 keeps the pre-Fulu dependent root on every fork; v2 gives the lookahead's (EIP-7917) from Fulu.
  const proposerDuties =
    (version: "v1" | "v2") =>
    async ({epoch}: {epoch: number}) => {
      const {duties, dependentRoot, lookaheadDependentRoot} = chain.proposerDuties(epoch);
      return {
        data: duties.map((d) => ({slot: d.slot, validatorIndex: d.validatorIndex, pubkey: pubkeyOf(d.validatorIndex)})),
        meta: dependentMeta(version === "v1" ? dependentRoot : lookaheadDependentRoot),
      };
    };

  const implemented: Partial<ApplicationMethods<Endpoints>> = {
    async getAttesterDuties({epoch, indices}) {
      const {duties, dependentRoot} = chain.attesterDuties(epoch, indices);
      return {
        data: duties.map((d) => ({...d, pubkey: pubkeyOf(d.validatorIndex)})),
        meta: dependentMeta(dependentRoot),
      };
    },
    getProposerDuties: proposerDuties("v1"),
    getProposerDutiesV2: proposerDuties("v2"),
    async produceAttestationData({slot, committeeIndex}) {
      return {data: chain.attestationData(slot, committeeIndex ?? 0)};
    },
    async produceBlockV3({slot, randaoReveal, graffiti}) {
      const contents = chain.produceBlock(slot, randaoReveal, graffiti);
      return {
        data: contents,
        meta: {
          version: chain.config.getForkName(slot),
          executionPayloadBlinded: false,
          executionPayloadSource: ProducedBlockSource.engine,
          executionPayloadValue: 0n,
          consensusBlockValue: 0n,
        },
      };
    },
    async getAggregatedAttestationV2({attestationDataRoot, slot, committeeIndex}) {
      return {
        data: chain.aggregateAttestation(attestationDataRoot, slot, committeeIndex),
        meta: {version: chain.config.getForkName(slot)},
      };
    },
    async prepareBeaconProposer({proposers}) {
      for (const p of proposers) {
        if (!isHex(p.feeRecipient, 20)) {
          throw new SimChainError(
            {code: "SIMCHAIN_INVALID_OPTIONS", field: "fee_recipient"},
            `fee recipient of validator ${p.validatorIndex} is not a 20-byte address`,
          );
        }
        chain.setFeeRecipient(p.validatorIndex, fromHex(p.feeRecipient, 20));
      }
    },
    async getSyncCommitteeDuties({epoch, indices}) {
      const duties = chain.syncDuties(epoch, indices);
      return {
        data: duties.map((d) => ({...d, pubkey: pubkeyOf(d.validatorIndex)})),
        meta: {executionOptimistic: false},
      };
    },
    async produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}) {
      return {data: chain.syncCommitteeContribution(slot, subcommitteeIndex, beaconBlockRoot)};
    },
    async publishContributionAndProofs({contributionAndProofs}) {
      const failures: {index: number; message: string}[] = [];
      contributionAndProofs.forEach((signed, index) => {
        try {
          chain.submitContributionAndProof(signed);
        } catch (e) {
          if (!(e instanceof SimChainError)) throw e;
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) throw new IndexedApiError("error processing contribution and proofs", failures);
    },
    async registerValidator({registrations}) {
      const failures: {index: number; message: string}[] = [];
      registrations.forEach((signed, index) => {
        try {
          chain.operations.registerValidator(signed);
        } catch (e) {
          if (!(e instanceof SimChainError)) throw e;
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) throw new IndexedApiError("error processing validator registrations", failures);
    },
    // Live: the chain accepted a duty of the validator in the epoch (an attestation, a block, ...).
    async getLiveness({epoch, indices}) {
      const live = new Set(
        chain
          .records()
          .filter((r) => Math.floor(r.slot / SLOTS_PER_EPOCH) === epoch && r.acceptedAtMs !== null)
          .map((r) => r.validatorIndex),
      );
      return {data: indices.map((index) => ({index, isLive: live.has(index)}))};
    },
    async prepareSyncCommitteeSubnets() {
      // No gossip subnets in the simulator: nothing to subscribe to.
    },
    async prepareBeaconCommitteeSubnet({subscriptions}) {
      chain.subscribeCommittees(subscriptions);
    },
    async publishAggregateAndProofsV2({signedAggregateAndProofs}) {
      const failures: {index: number; message: string}[] = [];
      signedAggregateAndProofs.forEach((signed, index) => {
        if (!("committeeBits" in signed.message.aggregate)) {
          failures.push({index, message: "from Electra on, submit Electra SignedAggregateAndProof (committee_bits)"});
          return;
        }
        try {
          chain.submitAggregateAndProof(signed as electra.SignedAggregateAndProof);
        } catch (e) {
          if (!(e instanceof SimChainError)) throw e;
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) throw new IndexedApiError("error processing aggregate and proofs", failures);
    },
  };
  return withNotImplemented<Endpoints>("validator", routes.validator.getDefinitions(chain.config), implemented);
}

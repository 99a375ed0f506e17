import {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import type {ChainBlock} from "../blocks.js";
import type {SimulatedChain} from "../chain.js";
import {SimChainError} from "../errors.js";
import {IndexedApiError, withNotImplemented} from "./fallback.js";

type Endpoints = routes.beacon.Endpoints;
type ValidatorStatus = routes.beacon.ValidatorStatus;

/** Every genesis validator is active from epoch 0 and never exits. */
const STATUS: ValidatorStatus = "active_ongoing";
const STATUS_FILTERS_MATCHING: ReadonlySet<string> = new Set(["active_ongoing", "active"]);

/** The `beacon` namespace: genesis, state (fork, checkpoints, validators), blocks, attestation pool. */
export function beaconMethods(chain: SimulatedChain): ApplicationMethods<Endpoints> {
  const meta = (b: ChainBlock) => ({
    executionOptimistic: false,
    finalized: b.message.slot <= chain.finalizedCheckpoint().epoch * SLOTS_PER_EPOCH && chain.isCanonical(b),
  });

  const validators = (stateId: string | number, ids?: (string | number)[], statuses?: string[]) => {
    const b = chain.getStateBlock(stateId);
    const set = chain.validators;
    let indices: number[];
    if (ids === undefined || ids.length === 0) indices = set.validators.map((_, i) => i);
    else indices = ids.map((id) => set.resolve(id)).filter((i): i is number => i !== undefined);
    if (statuses !== undefined && statuses.length > 0 && !statuses.some((s) => STATUS_FILTERS_MATCHING.has(s))) {
      indices = [];
    }
    return {
      data: indices.map((index) => ({
        index,
        balance: set.validators[index].effectiveBalance,
        status: STATUS,
        validator: set.validators[index],
      })),
      meta: meta(b),
    };
  };

  const implemented: Partial<ApplicationMethods<Endpoints>> = {
    async getGenesis() {
      return {
        data: {
          genesisTime: chain.genesisTime,
          genesisValidatorsRoot: chain.validators.genesisValidatorsRoot,
          genesisForkVersion: chain.config.GENESIS_FORK_VERSION,
        },
      };
    },
    async getStateFork({stateId}) {
      const b = chain.getStateBlock(stateId);
      const fork = chain.config.getForkInfo(b.message.slot);
      return {
        data: {previousVersion: fork.prevVersion, currentVersion: fork.version, epoch: fork.epoch},
        meta: meta(b),
      };
    },
    async getStateFinalityCheckpoints({stateId}) {
      const b = chain.getStateBlock(stateId);
      const epoch = Math.floor(b.message.slot / SLOTS_PER_EPOCH);
      return {
        data: {
          previousJustified: chain.justified(Math.max(0, epoch - 1)),
          currentJustified: chain.justified(epoch),
          finalized: chain.finalizedCheckpoint(),
        },
        meta: meta(b),
      };
    },
    async getStateValidators({stateId, validatorIds, statuses}) {
      return validators(stateId, validatorIds, statuses);
    },
    async postStateValidators({stateId, validatorIds, statuses}) {
      return validators(stateId, validatorIds, statuses);
    },
    async getStateValidator({stateId, validatorId}) {
      const {data, meta: m} = validators(stateId, [validatorId]);
      if (data.length === 0) {
        throw new SimChainError(
          {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(validatorId)},
          `validator not found: ${validatorId}`,
        );
      }
      return {data: data[0], meta: m};
    },
    async getBlockHeader({blockId}) {
      const b = chain.getBlock(blockId);
      const {slot, proposerIndex, parentRoot, stateRoot, body} = b.message;
      return {
        data: {
          root: b.root,
          canonical: chain.isCanonical(b),
          header: {
            message: {
              slot,
              proposerIndex,
              parentRoot,
              stateRoot,
              bodyRoot: ssz.electra.BeaconBlockBody.hashTreeRoot(body),
            },
            signature: b.signature,
          },
        },
        meta: meta(b),
      };
    },
    async getBlockRoot({blockId}) {
      const b = chain.getBlock(blockId);
      return {data: {root: b.root}, meta: meta(b)};
    },
    async getBlockV2({blockId}) {
      const b = chain.getBlock(blockId);
      return {
        data: {message: b.message, signature: b.signature},
        meta: {...meta(b), version: chain.config.getForkName(b.message.slot)},
      };
    },
    async publishBlockV2({signedBlockContents}) {
      if (!("signedBlock" in signedBlockContents)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_BLOCK", reason: "not block contents"},
          "expected block contents {signed_block, kzg_proofs, blobs}",
        );
      }
      const {signedBlock} = signedBlockContents;
      const blobs = "blobs" in signedBlockContents ? signedBlockContents.blobs : [];
      const kzgProofs = "kzgProofs" in signedBlockContents ? signedBlockContents.kzgProofs : [];
      const fork = chain.config.getForkName(signedBlock.message.slot);
      if ((fork !== "electra" && fork !== "fulu") || !("executionRequests" in signedBlock.message.body)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_BLOCK", reason: "wrong fork"},
          `the block must be an Electra or Fulu block (the chain's fork at slot ${signedBlock.message.slot} is ${fork})`,
        );
      }
      chain.publishBlock(signedBlock as electra.SignedBeaconBlock, {blobs, kzgProofs});
    },
    async submitPoolAttestationsV2({signedAttestations}) {
      const failures: {index: number; message: string}[] = [];
      signedAttestations.forEach((att, index) => {
        if (!("attesterIndex" in att)) {
          failures.push({
            index,
            message: "from Electra on, submit SingleAttestation {committee_index, attester_index}",
          });
          return;
        }
        try {
          chain.submitAttestation(att);
        } catch (e) {
          if (!(e instanceof SimChainError)) throw e;
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) throw new IndexedApiError("error processing attestations", failures);
    },
    async submitPoolVoluntaryExit({signedVoluntaryExit}) {
      chain.operations.submitVoluntaryExit(signedVoluntaryExit, chain.currentSlot());
    },
    async submitPoolSyncCommitteeSignatures({signatures}) {
      const failures: {index: number; message: string}[] = [];
      signatures.forEach((msg, index) => {
        try {
          chain.submitSyncCommitteeMessage(msg);
        } catch (e) {
          if (!(e instanceof SimChainError)) throw e;
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) throw new IndexedApiError("error processing sync committee messages", failures);
    },
  };
  return withNotImplemented<Endpoints>("beacon", routes.beacon.getDefinitions(chain.config), implemented);
}

import type {ApiClient, routes} from "@lodestar/api";
import {ApiError, type ApplicationMethods} from "@lodestar/api/server";
import type {BeaconConfig} from "@lodestar/config";
import {ForkSeq, isForkPostElectra, SLOTS_PER_EPOCH} from "@lodestar/params";
import {
  type BeaconBlock,
  type BlindedBeaconBlock,
  ProducedBlockSource,
  type phase0,
  type SignedBeaconBlock,
  type SignedBlindedBeaconBlock,
  type SignedBlockContents,
  type SingleAttestation,
  ssz,
} from "@lodestar/types";
import {DutyType} from "../consensus/types.js";
import type {Clock} from "../duties/clock.js";
import type {ValidatorSettings} from "../duties/interfaces.js";
import type {DutyRef, OwnShare} from "../duties/shareExchange.js";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {type AggregationIntercepts, aggregationIntercepts} from "./aggregationRoutes.js";
import {createInterceptContext} from "./context.js";
import type {DecidedBlocks} from "./decidedBlocks.js";
import {VapiError} from "./errors.js";
import type {ShareKeyMap} from "./keyMap.js";
import type {LegacyIntercepts} from "./legacyRoutes.js";
import type {VapiMetrics} from "./metrics.js";
import {type RegistrationIntercepts, registrationIntercepts} from "./registrations.js";
import type {VcSyncMessageStore} from "./syncMessages.js";
import {type SyncBeaconIntercepts, type SyncValidatorIntercepts, syncIntercepts} from "./syncRoutes.js";
import {isValidPartialSignature, type PendingSignature, type ValidatorClientSigner} from "./vcSigner.js";

export interface InterceptModules {
  config: BeaconConfig;
  /** The real BN(s), for the calls answered from the BN's data with keys substituted. */
  api: ApiClient;
  signer: ValidatorClientSigner;
  keys: ShareKeyMap;
  /** The lock's fee recipients and builder registrations (what the VC's registrations are answered with). */
  settings: ValidatorSettings;
  blocks: DecidedBlocks;
  /** How long a VC request waits for the pipeline (consensus decided, RANDAO requested), in ms. */
  waitMs: number;
  clock: Clock;
  /** The node's share exchange, where the cluster's selection proofs are combined (absent: selections proxied). */
  shares?: CombinedShares;
  /** Where the VC's partial sync committee messages wait for the slot's message duty. */
  syncMessages: VcSyncMessageStore;
  /** Unix seconds of the chain's genesis. */
  genesisTime(): Promise<number>;
  logger: Logger;
  metrics?: VapiMetrics;
}

/** The validator-namespace routes cohort answers itself. */
export type ValidatorIntercepts = Pick<
  ApplicationMethods<routes.validator.Endpoints>,
  "getAttesterDuties" | "getProposerDuties" | "produceAttestationData" | "produceBlockV3"
> &
  AggregationIntercepts &
  SyncValidatorIntercepts &
  RegistrationIntercepts;

/** Where this node's shares go and the cluster's combined signatures come from (the node's ShareExchange). */
export interface CombinedShares {
  publish(ref: DutyRef, shares: OwnShare[], expiresAtMs: number): void;
  awaitCombined(ref: DutyRef, validator: string, expiresAtMs: number): Promise<Uint8Array>;
}

/** The beacon-namespace routes cohort answers itself. */
export type BeaconIntercepts = Pick<
  ApplicationMethods<routes.beacon.Endpoints>,
  | "getStateValidator"
  | "getStateValidators"
  | "postStateValidators"
  | "submitPoolAttestationsV2"
  | "publishBlockV2"
  | "publishBlindedBlockV2"
  | "submitPoolVoluntaryExit"
> &
  SyncBeaconIntercepts;

/**
 * The Beacon API as the validator client sees it in validator-API mode: its keys are this node's key
 * shares; its data is what the cluster decided; its signatures are partial and go to the pipeline.
 */
export function createIntercepts(m: InterceptModules): {
  validator: ValidatorIntercepts;
  beacon: BeaconIntercepts;
  legacy: LegacyIntercepts;
} {
  const ctx = createInterceptContext(m);
  const {noteIndex, accept} = ctx;
  const sync = syncIntercepts(ctx, {syncMessages: m.syncMessages, genesisTime: m.genesisTime});
  const {legacy: legacyAggregation, ...aggregation} = aggregationIntercepts(ctx);

  const toShare = (pubkey: Uint8Array) => m.keys.toShareKey(pubkey);
  const toValidatorId = (id: string | number): string | number =>
    typeof id === "string" && id.startsWith("0x") ? (m.keys.validatorOf(id) ?? id) : id;
  const mapValidator = (v: routes.beacon.ValidatorResponse): routes.beacon.ValidatorResponse => {
    const pubkey = toShare(v.validator.pubkey);
    if (m.keys.validatorOf(toHex(pubkey))) noteIndex(v.index, pubkey);
    return {...v, validator: {...v.validator, pubkey}};
  };

  /** The share key whose RANDAO reveal was taken, by slot: a VC asking again for the block skips to it. */
  const randaoGiven = new Map<number, string>();
  const takeRandao = async (slot: number, randaoReveal: Uint8Array): Promise<string> => {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const isRandaoOf = (p: PendingSignature) => p.msg.type === "RANDAO_REVEAL" && p.msg.data.epoch === epoch;
    let randao: PendingSignature;
    try {
      randao = await m.signer.awaitRequest((p) => isRandaoOf(p) && isValidPartialSignature(p, randaoReveal), m.waitMs, {
        type: "RANDAO_REVEAL",
        slot,
      });
    } catch (e) {
      if (m.signer.pending(isRandaoOf).length > 0) {
        m.metrics?.partialSignatures.inc({type: "RANDAO_REVEAL", result: "invalid"});
        throw new VapiError(
          {code: "VAPI_INVALID_SIGNATURE", sharePubkey: "", type: "RANDAO_REVEAL"},
          `the RANDAO reveal for slot ${slot} does not verify against this node's key share of the proposer`,
        );
      }
      throw e;
    }
    m.signer.provide(randao, randaoReveal);
    randaoGiven.set(slot, randao.shareKeyHex);
    for (const s of randaoGiven.keys()) if (s < slot - SLOTS_PER_EPOCH) randaoGiven.delete(s);
    return randao.shareKeyHex;
  };

  const acceptBlock = (block: BeaconBlock | BlindedBeaconBlock, blinded: boolean, signature: Uint8Array) => {
    const signingRoot = signingRootOnNetwork(m.config, {
      type: "BLOCK_V2",
      data: blockToSignable(m.config, block, blinded),
    });
    const forSlot = m.signer.pending((p) => p.msg.type === "BLOCK_V2" && blockSlot(p.msg) === block.slot);
    accept(
      "BLOCK_V2",
      block.slot,
      forSlot.filter((p) => bytesEqual(p.signingRoot, signingRoot)),
      forSlot.length > 0,
      signature,
    );
  };

  /** The block the cluster decided for `slot`, once the RANDAO share is taken and the block's signature asked for. */
  const decidedBlock = async (slot: number, randaoReveal: Uint8Array) => {
    const proposer = randaoGiven.get(slot) ?? (await takeRandao(slot, randaoReveal));
    await m.signer.awaitRequest(
      (p) => p.msg.type === "BLOCK_V2" && blockSlot(p.msg) === slot && p.shareKeyHex === proposer,
      2 * m.waitMs,
      {type: "BLOCK_V2", slot},
    );
    const decided = m.blocks.get(slot);
    if (!decided) throw new VapiError({code: "VAPI_NOT_DECIDED", type: "BLOCK_V2", slot});
    return decided;
  };

  // Partial attestation signatures (v2: SingleAttestation from Electra, one-bit Attestation before; v1: the
  // latter): each must sign the decided data and verify against a key share awaiting it. Valid ones are
  // taken even when others in the batch fail (the batch then answers 400).
  const takeAttestations = (signedAttestations: (SingleAttestation | phase0.Attestation)[]) => {
    ctx.eachPartial(signedAttestations, "attestation", (att: SingleAttestation | phase0.Attestation) => {
      const root = ssz.phase0.AttestationData.hashTreeRoot(att.data);
      const forSlot = m.signer.pending((p) => p.msg.type === "ATTESTATION" && p.msg.data.slot === att.data.slot);
      const share = "attesterIndex" in att ? ctx.shareOfIndex(att.attesterIndex) : undefined;
      const candidates = forSlot.filter(
        (p) =>
          p.msg.type === "ATTESTATION" &&
          bytesEqual(ssz.phase0.AttestationData.hashTreeRoot(p.msg.data), root) &&
          (share === undefined || p.shareKeyHex === share),
      );
      accept("ATTESTATION", att.data.slot, candidates, forSlot.length > 0, att.signature);
    });
  };

  const validator: ValidatorIntercepts = {
    ...aggregation,
    ...sync.validator,
    ...registrationIntercepts(ctx),

    async getAttesterDuties({epoch, indices}) {
      const res = await m.api.validator.getAttesterDuties({epoch, indices});
      const data = res.value().map((d) => {
        const pubkey = toShare(d.pubkey);
        noteIndex(d.validatorIndex, pubkey);
        return {...d, pubkey};
      });
      return {data, meta: res.meta()};
    },

    async getProposerDuties({epoch}) {
      const res = await m.api.validator.getProposerDuties({epoch});
      return {data: res.value().map((d) => ({...d, pubkey: toShare(d.pubkey)})), meta: res.meta()};
    },

    // The decided attestation data, once recorded in the slashing DB: the pipeline asks for its partial
    // signature only after that, so data the DB refused is never handed out.
    async produceAttestationData({slot, committeeIndex}) {
      const postElectra = isForkPostElectra(m.config.getForkName(slot));
      const request = await m.signer.awaitRequest(
        (p) =>
          p.msg.type === "ATTESTATION" &&
          p.msg.data.slot === slot &&
          (postElectra || p.msg.data.index === (committeeIndex ?? 0)),
        await ctx.waitWithinSlot(slot, m.waitMs),
        {type: "ATTESTATION", slot},
      );
      return {data: (request.msg as Extract<SignableMessage, {type: "ATTESTATION"}>).data};
    },

    // The RANDAO reveal is this node's share: it answers the proposer duty's RANDAO request; the block
    // returned is the decided one, once its own signing request (after the slashing-DB record) is made.
    async produceBlockV3({slot, randaoReveal}) {
      const decided = await decidedBlock(slot, randaoReveal);
      const meta = {
        version: m.config.getForkName(slot),
        // The decided block may be another operator's BN's: its values are not known here.
        executionPayloadValue: BigInt(0),
        consensusBlockValue: BigInt(0),
      };
      if (decided.blinded) {
        return {
          data: decided.block,
          meta: {...meta, executionPayloadBlinded: true, executionPayloadSource: ProducedBlockSource.builder},
        };
      }
      const data = m.config.getForkSeq(slot) >= ForkSeq.deneb && decided.contents ? decided.contents : decided.block;
      return {
        data: data as never,
        meta: {...meta, executionPayloadBlinded: false, executionPayloadSource: ProducedBlockSource.engine},
      };
    },
  };

  const publishFull = async (contents: SignedBlockContents | SignedBeaconBlock) => {
    const signed = "signedBlock" in contents ? contents.signedBlock : contents;
    acceptBlock(signed.message, false, signed.signature);
  };
  const publishBlinded = async (signed: SignedBlindedBeaconBlock) => {
    acceptBlock(signed.message, true, signed.signature);
  };

  const beacon: BeaconIntercepts = {
    async getStateValidator({stateId, validatorId}) {
      const res = await m.api.beacon.getStateValidator({stateId, validatorId: toValidatorId(validatorId)});
      return {data: mapValidator(res.value()), meta: res.meta()};
    },

    async getStateValidators({stateId, validatorIds, statuses}) {
      const ids = validatorIds?.map(toValidatorId);
      const res = await m.api.beacon.getStateValidators({stateId, validatorIds: ids, statuses});
      return {data: res.value().map(mapValidator), meta: res.meta()};
    },

    async postStateValidators({stateId, validatorIds, statuses}) {
      const ids = validatorIds?.map(toValidatorId);
      const res = await m.api.beacon.postStateValidators({stateId, validatorIds: ids, statuses});
      return {data: res.value().map(mapValidator), meta: res.meta()};
    },

    // Partial attestation signatures: each must sign the decided data and verify against a key share
    // awaiting it. Valid ones are taken even when others in the batch fail (the batch then answers 400).
    async submitPoolAttestationsV2({signedAttestations}) {
      takeAttestations(signedAttestations);
    },

    // A partial exit signature: verified, exchanged and combined; the combined exit goes to the BN once t
    // operators' VCs signed the same exit. Exits are not slashable: no consensus, no slashing DB.
    async submitPoolVoluntaryExit({signedVoluntaryExit}) {
      const {shares} = m;
      if (!shares) throw new ApiError(501, "voluntary exits are not combined by this node");
      const {message, signature} = signedVoluntaryExit;
      let shareKeyHex = ctx.shareOfIndex(message.validatorIndex);
      if (!shareKeyHex) {
        const v = (
          await m.api.beacon.getStateValidator({stateId: "head", validatorId: message.validatorIndex})
        ).value();
        shareKeyHex = m.keys.shareOf(toHex(v.validator.pubkey));
      }
      const validatorKey = shareKeyHex ? m.keys.validatorOf(shareKeyHex) : undefined;
      if (!shareKeyHex || !validatorKey) {
        throw new VapiError(
          {code: "VAPI_UNKNOWN_SHARE", pubkey: String(message.validatorIndex)},
          `validator ${message.validatorIndex} is not one of the cluster's`,
        );
      }
      // The chain checks the exit on today's state: from Deneb on with Capella's version, whatever its epoch.
      const slotMs = m.config.SECONDS_PER_SLOT * 1000;
      const stateSlot = Math.max(0, Math.floor((m.clock.now() - (await m.genesisTime()) * 1000) / slotMs));
      const signingRoot = ctx.verifyUnrequested(
        shareKeyHex,
        {type: "VOLUNTARY_EXIT", data: message},
        signature,
        `the voluntary exit of validator ${message.validatorIndex}`,
        stateSlot,
      );
      m.metrics?.partialSignatures.inc({type: "VOLUNTARY_EXIT", result: "accepted"});
      const ref = {slot: message.epoch * SLOTS_PER_EPOCH, dutyType: DutyType.voluntaryExit};
      const expiresAtMs = m.clock.now() + 2 * SLOTS_PER_EPOCH * m.waitMs;
      shares.publish(ref, [{validator: validatorKey, signingRoot, signature}], expiresAtMs);
      void shares
        .awaitCombined(ref, validatorKey, expiresAtMs)
        .then(async (combined) => {
          (
            await m.api.beacon.submitPoolVoluntaryExit({signedVoluntaryExit: {message, signature: combined}})
          ).assertOk();
          m.logger.info("voluntary exit submitted", {validatorIndex: message.validatorIndex, epoch: message.epoch});
        })
        .catch((e: Error) =>
          m.logger.warn("voluntary exit not submitted", {validatorIndex: message.validatorIndex, reason: e.message}),
        );
    },

    ...sync.beacon,
    publishBlockV2: ({signedBlockContents}) => publishFull(signedBlockContents),
    publishBlindedBlockV2: ({signedBlindedBlock}) => publishBlinded(signedBlindedBlock),
  };

  // The forms before Electra that @lodestar/api no longer defines (legacyRoutes.ts): same data, same checks.
  const legacy: LegacyIntercepts = {
    ...legacyAggregation,
    submitPoolAttestations: async ({signedAttestations}) => takeAttestations(signedAttestations),
    publishBlock: ({signedBlockOrContents}) => publishFull(signedBlockOrContents),
    publishBlindedBlock: ({signedBlindedBlock}) => publishBlinded(signedBlindedBlock),
    async produceBlockV2({slot, randaoReveal}) {
      const decided = await decidedBlock(slot, randaoReveal);
      if (decided.blinded) {
        throw new VapiError(
          {code: "VAPI_NOT_DECIDED", type: "BLOCK_V2", slot},
          `the cluster decided a blinded block for slot ${slot}: ask /eth/v1/validator/blinded_blocks or /eth/v3`,
        );
      }
      const data = m.config.getForkSeq(slot) >= ForkSeq.deneb && decided.contents ? decided.contents : decided.block;
      return {data: data as BeaconBlock, meta: {version: m.config.getForkName(slot)}};
    },
    async produceBlindedBlock({slot, randaoReveal}) {
      const decided = await decidedBlock(slot, randaoReveal);
      if (!decided.blinded) {
        throw new VapiError(
          {code: "VAPI_NOT_DECIDED", type: "BLOCK_V2", slot},
          `the cluster decided a full block for slot ${slot}: ask /eth/v2/validator/blocks or /eth/v3`,
        );
      }
      return {data: decided.block as BlindedBeaconBlock, meta: {version: m.config.getForkName(slot)}};
    },
  };

  return {validator, beacon, legacy};
}

function blockSlot(msg: SignableMessage): number {
  if (msg.type !== "BLOCK_V2") return -1;
  return "block" in msg.data ? msg.data.block.slot : msg.data.blockHeader.slot;
}

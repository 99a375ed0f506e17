/**
 * Beacon Node client on @lodestar/api: the calls a DVC makes, typed, over one or more BNs (the fallback
 * rule is `BeaconNodePool`'s).
 */
import {type ApiClient, routes} from "@lodestar/api";
import {type BeaconConfig, type ChainForkConfig, createChainForkConfig} from "@lodestar/config";
import {mainnetChainConfig} from "@lodestar/config/networks";
import type {
  Attestation,
  altair,
  BLSSignature,
  BlindedBeaconBlock,
  BlockContents,
  bellatrix,
  Epoch,
  phase0,
  Root,
  SignedAggregateAndProof,
  SignedBeaconBlock,
  SignedBlindedBeaconBlock,
  SignedBlockContents,
  SingleAttestation,
  Slot,
  ValidatorIndex,
} from "@lodestar/types";
import {isDenebSignedBlockContents} from "@lodestar/types";
import {bytesEqual, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {isAlreadyKnownRefusal} from "./alreadyKnown.js";
import {
  type ApiResult,
  type BeaconNodeHealth,
  BeaconNodePool,
  type BeaconNodePoolModules,
  type BeaconNodePoolOpts,
  type PooledNode,
} from "./beaconNodePool.js";
import {BeaconNodeError} from "./errors.js";
import type {EthMetrics} from "./metrics.js";
import {beaconConfig, customChainConfig} from "./network.js";

export type BeaconNodeClientOpts = BeaconNodePoolOpts;
export type BeaconNodeClientModules = BeaconNodePoolModules;

export interface DutiesWithDependentRoot<T> {
  duties: T[];
  /** 0x-hex, as head events carry it (`previous_duty_dependent_root` / `current_duty_dependent_root`). */
  dependentRoot: string;
  executionOptimistic: boolean;
}

export type ProducedBlock =
  | {
      blinded: false;
      version: string;
      contents: BlockContents;
      executionPayloadValue: bigint;
      consensusBlockValue: bigint;
    }
  | {
      blinded: true;
      version: string;
      block: BlindedBeaconBlock;
      executionPayloadValue: bigint;
      consensusBlockValue: bigint;
    };

/**
 * How a BN took a submission: `accepted`, or `already_known` (it refused it only because it already had
 * it, e.g. from another node of the cluster or from gossip): both mean the duty is done.
 */
export type SubmitResult = "accepted" | "already_known";

export class BeaconNodeClient {
  private readonly pool: BeaconNodePool;
  private readonly logger: Logger;
  private readonly config: ChainForkConfig;
  private readonly metrics: EthMetrics | undefined;

  constructor(opts: BeaconNodeClientOpts, modules: BeaconNodeClientModules) {
    this.pool = new BeaconNodePool(opts, modules);
    this.logger = modules.logger;
    this.config = modules.config;
    this.metrics = modules.metrics;
  }

  /** Asks every BN for its sync status (in parallel) and orders the fallbacks by it; never throws. */
  checkNodes(): Promise<BeaconNodeHealth[]> {
    return this.pool.checkNodes();
  }

  get endpoints(): string[] {
    return this.pool.nodes.map((n) => n.endpoint);
  }

  // --- chain identity ---

  getGenesis(): Promise<phase0.Genesis> {
    return this.pool.call(
      "getGenesis",
      (api, init) => api.beacon.getGenesis(init),
      (res) => res.value(),
    );
  }

  getStateFork(stateId: string | number = "head"): Promise<phase0.Fork> {
    return this.pool.call(
      "getStateFork",
      (api, init) => api.beacon.getStateFork({stateId}, init),
      (res) => res.value(),
    );
  }

  getForkSchedule(): Promise<phase0.Fork[]> {
    return this.pool.call(
      "getForkSchedule",
      (api, init) => api.config.getForkSchedule(init),
      (res) => res.value(),
    );
  }

  /** The BN's `config/spec` values as strings (feeds `customChainConfig` for devnets). */
  getSpec(): Promise<Record<string, string>> {
    return this.pool.call(
      "getSpec",
      (api, init) => api.config.getSpec(init),
      (res) => res.value() as Record<string, string>,
    );
  }

  getSyncingStatus(): Promise<routes.node.SyncingStatus> {
    return this.pool.call(
      "getSyncingStatus",
      (api, init) => api.node.getSyncingStatus(init),
      (res) => res.value(),
    );
  }

  /** Validator indices of the given public keys (unknown keys are absent from the map). */
  getValidatorIndices(pubkeys: Uint8Array[]): Promise<Map<string, ValidatorIndex>> {
    return this.pool.call(
      "postStateValidators",
      (api, init) =>
        api.beacon.postStateValidators({stateId: "head", validatorIds: pubkeys.map((p) => toHex(p))}, init),
      (res) => new Map(res.value().map((v) => [toHex(v.validator.pubkey), v.index])),
    );
  }

  // --- duties ---

  getAttesterDuties(
    epoch: Epoch,
    indices: ValidatorIndex[],
  ): Promise<DutiesWithDependentRoot<routes.validator.AttesterDuty>> {
    return this.pool.call(
      "getAttesterDuties",
      (api, init) => api.validator.getAttesterDuties({epoch, indices}, init),
      (res) => ({
        duties: res.value(),
        dependentRoot: res.meta().dependentRoot,
        executionOptimistic: res.meta().executionOptimistic,
      }),
    );
  }

  getProposerDuties(epoch: Epoch): Promise<DutiesWithDependentRoot<routes.validator.ProposerDuty>> {
    return this.pool.call(
      "getProposerDuties",
      (api, init) => api.validator.getProposerDuties({epoch}, init),
      (res) => ({
        duties: res.value(),
        dependentRoot: res.meta().dependentRoot,
        executionOptimistic: res.meta().executionOptimistic,
      }),
    );
  }

  getSyncCommitteeDuties(epoch: Epoch, indices: ValidatorIndex[]): Promise<routes.validator.SyncDuty[]> {
    return this.pool.call(
      "getSyncCommitteeDuties",
      (api, init) => api.validator.getSyncCommitteeDuties({epoch, indices}, init),
      (res) => res.value(),
    );
  }

  // --- data to sign ---

  /** `GET /eth/v1/beacon/blocks/head/root`: the root sync committee messages sign. */
  getHeadBlockRoot(): Promise<Uint8Array> {
    return this.pool.call(
      "getBlockRoot",
      (api, init) => api.beacon.getBlockRoot({blockId: "head"}, init),
      (res) => res.value().root,
    );
  }

  produceAttestationData(slot: Slot, committeeIndex: number): Promise<phase0.AttestationData> {
    return this.pool.call(
      "produceAttestationData",
      (api, init) => api.validator.produceAttestationData({slot, committeeIndex}, init),
      (res) => res.value(),
    );
  }

  /** produceBlockV3: the BN returns a full block (with blobs) or a blinded one (builder). */
  produceBlockV3(
    slot: Slot,
    randaoReveal: BLSSignature,
    opts: {graffiti?: string; builderBoostFactor?: bigint} = {},
  ): Promise<ProducedBlock> {
    return this.pool.call(
      "produceBlockV3",
      (api, init) =>
        api.validator.produceBlockV3(
          {slot, randaoReveal, graffiti: opts.graffiti, builderBoostFactor: opts.builderBoostFactor},
          init,
        ),
      (res): ProducedBlock => {
        const meta = res.meta();
        const value = res.value();
        const common = {
          version: meta.version,
          executionPayloadValue: meta.executionPayloadValue,
          consensusBlockValue: meta.consensusBlockValue,
        };
        return meta.executionPayloadBlinded
          ? {blinded: true, block: value as BlindedBeaconBlock, ...common}
          : {blinded: false, contents: value as BlockContents, ...common};
      },
    );
  }

  getAggregatedAttestation(slot: Slot, attestationDataRoot: Root, committeeIndex: number): Promise<Attestation> {
    return this.pool.call(
      "getAggregatedAttestationV2",
      (api, init) => api.validator.getAggregatedAttestationV2({slot, attestationDataRoot, committeeIndex}, init),
      (res) => res.value(),
    );
  }

  produceSyncCommitteeContribution(
    slot: Slot,
    subcommitteeIndex: number,
    beaconBlockRoot: Root,
  ): Promise<altair.SyncCommitteeContribution> {
    return this.pool.call(
      "produceSyncCommitteeContribution",
      (api, init) => api.validator.produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}, init),
      (res) => res.value(),
    );
  }

  // --- submissions ---
  // A BN's "already known" answer to a submission is its success (`SubmitResult`); every other refusal throws.

  /** Attestations in the fork's format: `Attestation` before Electra, `SingleAttestation` from Electra on (v2 route). */
  submitAttestations(signedAttestations: SingleAttestation[]): Promise<SubmitResult> {
    return this.submit("submitPoolAttestationsV2", (api, init) =>
      api.beacon.submitPoolAttestationsV2({signedAttestations}, init),
    );
  }

  /**
   * Publishes a block. A refusal that is not plainly "already known" (a 5xx with another message, a
   * timeout) is ambiguous: the BN may have imported it all the same, so the block's root is asked for, and
   * a BN that has it counts as `already_known`.
   */
  publishBlock(signedBlockContents: SignedBlockContents): Promise<SubmitResult> {
    const signedBlock = isDenebSignedBlockContents(signedBlockContents)
      ? signedBlockContents.signedBlock
      : (signedBlockContents as unknown as SignedBeaconBlock);
    const slot = signedBlock.message.slot;
    const root = this.config.getForkTypes(slot).BeaconBlock.hashTreeRoot(signedBlock.message);
    return this.orKnownBlock("publishBlockV2", root, () =>
      this.submit("publishBlockV2", (api, init) => api.beacon.publishBlockV2({signedBlockContents}, init)),
    );
  }

  /** As `publishBlock`; a blinded block's root is the full block's. */
  publishBlindedBlock(signedBlindedBlock: SignedBlindedBeaconBlock): Promise<SubmitResult> {
    const {message} = signedBlindedBlock;
    const root = this.config.getPostBellatrixForkTypes(message.slot).BlindedBeaconBlock.hashTreeRoot(message);
    return this.orKnownBlock("publishBlindedBlockV2", root, () =>
      this.submit("publishBlindedBlockV2", (api, init) => api.beacon.publishBlindedBlockV2({signedBlindedBlock}, init)),
    );
  }

  publishAggregateAndProofs(signedAggregateAndProofs: SignedAggregateAndProof[]): Promise<SubmitResult> {
    return this.submit("publishAggregateAndProofsV2", (api, init) =>
      api.validator.publishAggregateAndProofsV2({signedAggregateAndProofs}, init),
    );
  }

  submitSyncCommitteeMessages(signatures: altair.SyncCommitteeMessage[]): Promise<SubmitResult> {
    return this.submit("submitPoolSyncCommitteeSignatures", (api, init) =>
      api.beacon.submitPoolSyncCommitteeSignatures({signatures}, init),
    );
  }

  publishContributionAndProofs(contributionAndProofs: altair.SignedContributionAndProof[]): Promise<SubmitResult> {
    return this.submit("publishContributionAndProofs", (api, init) =>
      api.validator.publishContributionAndProofs({contributionAndProofs}, init),
    );
  }

  submitVoluntaryExit(signedVoluntaryExit: phase0.SignedVoluntaryExit): Promise<SubmitResult> {
    return this.submit("submitPoolVoluntaryExit", (api, init) =>
      api.beacon.submitPoolVoluntaryExit({signedVoluntaryExit}, init),
    );
  }

  /** Whether a BN has the block of this root (`GET /eth/v1/beacon/blocks/{root}/root`); false when none answers. */
  async hasBlock(root: Uint8Array): Promise<boolean> {
    try {
      return await this.pool.call(
        "getBlockRoot",
        (api, init) => api.beacon.getBlockRoot({blockId: toHex(root)}, init),
        (res) => bytesEqual(res.value().root, root),
      );
    } catch (e) {
      if (e instanceof BeaconNodeError) return false;
      throw e;
    }
  }

  prepareBeaconCommitteeSubnets(subscriptions: routes.validator.BeaconCommitteeSubscription[]): Promise<void> {
    return this.pool.call(
      "prepareBeaconCommitteeSubnet",
      (api, init) => api.validator.prepareBeaconCommitteeSubnet({subscriptions}, init),
      () => undefined,
    );
  }

  /** `prepare_beacon_proposer`: the fee recipient each validator index's locally built blocks pay. */
  prepareBeaconProposer(proposers: routes.validator.ProposerPreparationData[]): Promise<void> {
    return this.pool.call(
      "prepareBeaconProposer",
      (api, init) => api.validator.prepareBeaconProposer({proposers}, init),
      () => undefined,
    );
  }

  /** `register_validator`: signed builder registrations, for the BN to hand to its builder (MEV-boost). */
  registerValidator(registrations: bellatrix.SignedValidatorRegistrationV1[]): Promise<void> {
    return this.pool.call(
      "registerValidator",
      (api, init) => api.validator.registerValidator({registrations}, init),
      () => undefined,
    );
  }

  prepareSyncCommitteeSubnets(subscriptions: routes.validator.SyncCommitteeSubscription[]): Promise<void> {
    return this.pool.call(
      "prepareSyncCommitteeSubnets",
      (api, init) => api.validator.prepareSyncCommitteeSubnets({subscriptions}, init),
      () => undefined,
    );
  }

  private submit<R extends ApiResult>(
    operationId: string,
    request: (api: ApiClient, init: {timeoutMs: number}) => Promise<R>,
  ): Promise<SubmitResult> {
    return this.pool.call(
      operationId,
      request,
      (): SubmitResult => "accepted",
      (refusal): SubmitResult | undefined => (isAlreadyKnownRefusal(refusal) ? "already_known" : undefined),
    );
  }

  private async orKnownBlock(
    operationId: string,
    root: Uint8Array,
    publish: () => Promise<SubmitResult>,
  ): Promise<SubmitResult> {
    try {
      return await publish();
    } catch (e) {
      if (!(e instanceof BeaconNodeError) || !(await this.hasBlock(root))) throw e;
      this.logger.debug("Block publish refused, but the beacon node has the block", {
        operationId,
        root: toHex(root),
        reason: e.message,
      });
      this.metrics?.bnAlreadyKnown.inc({operation: operationId, endpoint: "by_root"});
      return "already_known";
    }
  }

  // --- events ---

  /**
   * Subscribes to head events on the best BN (EventSource reconnects to it by itself); errors are
   * reported to `onError`, never thrown. With `silenceTimeoutMs` (e.g. two slots), a BN that sends no
   * head event for that long is demoted and the stream moves to the next best BN. Returns the
   * unsubscribe function.
   */
  subscribeHeadEvents(
    onHead: (head: routes.events.EventData["head"]) => void,
    onError?: (e: Error) => void,
    opts: {silenceTimeoutMs?: number} = {},
  ): () => void {
    let controller: AbortController | null = null;
    let watchdog: NodeJS.Timeout | null = null;
    let stopped = false;

    const armWatchdog = (node: PooledNode): void => {
      if (opts.silenceTimeoutMs === undefined) return;
      if (watchdog !== null) clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        this.logger.warn("No head event, moving the stream to another beacon node", {endpoint: node.endpoint});
        node.state = "failing";
        connect();
      }, opts.silenceTimeoutMs);
    };

    const connect = (): void => {
      controller?.abort();
      if (stopped) return;
      const node = this.pool.ordered()[0];
      const current = new AbortController();
      controller = current;
      armWatchdog(node);
      node.api.events
        .eventstream({
          topics: [routes.events.EventType.head],
          signal: current.signal,
          onEvent: (event) => {
            if (event.type !== routes.events.EventType.head || current.signal.aborted) return;
            armWatchdog(node);
            if (node.state === "failing") node.state = "unknown";
            onHead(event.message);
          },
          onError: (e) => {
            this.logger.warn("Head event stream error", {endpoint: node.endpoint, reason: e.message});
            onError?.(e);
          },
        })
        .catch((e: unknown) => onError?.(e instanceof Error ? e : new Error(String(e))));
    };

    connect();
    return () => {
      stopped = true;
      if (watchdog !== null) clearTimeout(watchdog);
      controller?.abort();
    };
  }
}

export type {BeaconNodeHealth, BeaconNodeState} from "./beaconNodePool.js";

/**
 * The network's BeaconConfig read from the BNs themselves (devnets): `config/spec` for the chain config
 * and `beacon/genesis` for the genesis validators root. Those two routes do not depend on the fork
 * schedule, so a client on the mainnet schedule can ask them.
 */
export async function fetchBeaconConfig(
  opts: BeaconNodeClientOpts,
  modules: Omit<BeaconNodeClientModules, "config">,
): Promise<BeaconConfig> {
  const bootstrap = new BeaconNodeClient(opts, {...modules, config: createChainForkConfig(mainnetChainConfig)});
  const [spec, genesis] = await Promise.all([bootstrap.getSpec(), bootstrap.getGenesis()]);
  return beaconConfig(customChainConfig(spec), genesis.genesisValidatorsRoot);
}

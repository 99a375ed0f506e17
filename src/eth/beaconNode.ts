/**
 * Beacon Node client on @lodestar/api: the calls a DVC makes, typed, over one or more BNs.
 *
 * Each call goes to the best node first (in the order given, synced before syncing before failing)
 * and falls over to the next on a network error, a timeout, a 5xx (a syncing BN answers 503) or an
 * answer that does not decode. A 4xx is the request's fault, so it is reported at once
 * (BN_REQUEST_REJECTED) rather than repeated elsewhere. When every node fails, BN_UNAVAILABLE lists
 * each attempt with its endpoint and status. Nothing here crashes on a down or syncing BN.
 */
import {type ApiClient, getClient, routes} from "@lodestar/api";
import {type BeaconConfig, type ChainForkConfig, createChainForkConfig} from "@lodestar/config";
import {mainnetChainConfig} from "@lodestar/config/networks";
import type {
  Attestation,
  altair,
  BLSSignature,
  BlindedBeaconBlock,
  BlockContents,
  Epoch,
  phase0,
  Root,
  SignedAggregateAndProof,
  SignedBlindedBeaconBlock,
  SignedBlockContents,
  SingleAttestation,
  Slot,
  ValidatorIndex,
} from "@lodestar/types";
import {toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {type BeaconNodeAttempt, BeaconNodeError} from "./errors.js";
import type {EthMetrics} from "./metrics.js";
import {beaconConfig, customChainConfig} from "./network.js";

export interface BeaconNodeClientOpts {
  /** BN URLs, in order of preference. */
  urls: string[];
  /** Timeout of each request to one BN. */
  timeoutMs?: number;
  /** Per-operation timeouts overriding `timeoutMs`, by @lodestar/api operation id (e.g. `produceBlockV3`). */
  timeouts?: Partial<Record<string, number>>;
  /** Force one wire format for requests and responses (default: SSZ where the route has it, JSON otherwise). */
  wireFormat?: "json" | "ssz";
}

export interface BeaconNodeClientModules {
  config: ChainForkConfig;
  logger: Logger;
  metrics?: EthMetrics;
}

export type BeaconNodeState = "unknown" | "synced" | "syncing" | "failing";

export interface BeaconNodeHealth {
  endpoint: string;
  state: BeaconNodeState;
  headSlot: number | null;
  syncDistance: number | null;
  reason?: string;
}

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

/** The response surface of @lodestar/api that the fallback logic needs. */
interface ApiResult {
  ok: boolean;
  status: number;
  error(): Error | null;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const STATE_RANK: Record<BeaconNodeState, number> = {synced: 0, unknown: 0, syncing: 1, failing: 2};

interface Node {
  endpoint: string;
  api: ApiClient;
  state: BeaconNodeState;
}

export class BeaconNodeClient {
  private readonly nodes: Node[];
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly timeouts: Partial<Record<string, number>>;
  private readonly metrics: EthMetrics | undefined;

  constructor(opts: BeaconNodeClientOpts, modules: BeaconNodeClientModules) {
    this.metrics = modules.metrics;
    if (opts.urls.length === 0) throw new Error("BeaconNodeClient needs at least one URL");
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.timeouts = opts.timeouts ?? {};
    this.logger = modules.logger;
    this.nodes = opts.urls.map((url) => ({
      endpoint: printableUrl(url),
      api: getClient(
        {
          baseUrl: url,
          globalInit: {
            timeoutMs: this.timeoutMs,
            retries: 0,
            ...(opts.wireFormat ? {requestWireFormat: opts.wireFormat, responseWireFormat: opts.wireFormat} : {}),
          },
        },
        {config: modules.config},
      ),
      state: "unknown",
    }));
  }

  get endpoints(): string[] {
    return this.nodes.map((n) => n.endpoint);
  }

  /** Asks every BN for its sync status (in parallel) and orders the fallbacks by it; never throws. */
  async checkNodes(): Promise<BeaconNodeHealth[]> {
    return Promise.all(
      this.nodes.map(async (node): Promise<BeaconNodeHealth> => {
        try {
          const res = await node.api.node.getSyncingStatus();
          if (!res.ok) throw new Error(res.error()?.message ?? `status ${res.status}`);
          const status = res.value();
          node.state = status.isSyncing ? "syncing" : "synced";
          return {
            endpoint: node.endpoint,
            state: node.state,
            headSlot: status.headSlot,
            syncDistance: status.syncDistance,
          };
        } catch (e) {
          node.state = "failing";
          const reason = errorReason(e);
          this.logger.warn("Beacon node unreachable", {endpoint: node.endpoint, reason});
          return {endpoint: node.endpoint, state: "failing", headSlot: null, syncDistance: null, reason};
        }
      }),
    );
  }

  // --- chain identity ---

  getGenesis(): Promise<phase0.Genesis> {
    return this.call(
      "getGenesis",
      (api, init) => api.beacon.getGenesis(init),
      (res) => res.value(),
    );
  }

  getStateFork(stateId: string | number = "head"): Promise<phase0.Fork> {
    return this.call(
      "getStateFork",
      (api, init) => api.beacon.getStateFork({stateId}, init),
      (res) => res.value(),
    );
  }

  getForkSchedule(): Promise<phase0.Fork[]> {
    return this.call(
      "getForkSchedule",
      (api, init) => api.config.getForkSchedule(init),
      (res) => res.value(),
    );
  }

  /** The BN's `config/spec` values as strings (feeds `customChainConfig` for devnets). */
  getSpec(): Promise<Record<string, string>> {
    return this.call(
      "getSpec",
      (api, init) => api.config.getSpec(init),
      (res) => res.value() as Record<string, string>,
    );
  }

  getSyncingStatus(): Promise<routes.node.SyncingStatus> {
    return this.call(
      "getSyncingStatus",
      (api, init) => api.node.getSyncingStatus(init),
      (res) => res.value(),
    );
  }

  /** Validator indices of the given public keys (unknown keys are absent from the map). */
  getValidatorIndices(pubkeys: Uint8Array[]): Promise<Map<string, ValidatorIndex>> {
    return this.call(
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
    return this.call(
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
    return this.call(
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
    return this.call(
      "getSyncCommitteeDuties",
      (api, init) => api.validator.getSyncCommitteeDuties({epoch, indices}, init),
      (res) => res.value(),
    );
  }

  // --- data to sign ---

  produceAttestationData(slot: Slot, committeeIndex: number): Promise<phase0.AttestationData> {
    return this.call(
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
    return this.call(
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
    return this.call(
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
    return this.call(
      "produceSyncCommitteeContribution",
      (api, init) => api.validator.produceSyncCommitteeContribution({slot, subcommitteeIndex, beaconBlockRoot}, init),
      (res) => res.value(),
    );
  }

  // --- submissions ---

  /** Attestations in the fork's format: `Attestation` before Electra, `SingleAttestation` from Electra on (v2 route). */
  submitAttestations(signedAttestations: SingleAttestation[]): Promise<void> {
    return this.call(
      "submitPoolAttestationsV2",
      (api, init) => api.beacon.submitPoolAttestationsV2({signedAttestations}, init),
      () => undefined,
    );
  }

  publishBlock(signedBlockContents: SignedBlockContents): Promise<void> {
    return this.call(
      "publishBlockV2",
      (api, init) => api.beacon.publishBlockV2({signedBlockContents}, init),
      () => undefined,
    );
  }

  publishBlindedBlock(signedBlindedBlock: SignedBlindedBeaconBlock): Promise<void> {
    return this.call(
      "publishBlindedBlockV2",
      (api, init) => api.beacon.publishBlindedBlockV2({signedBlindedBlock}, init),
      () => undefined,
    );
  }

  publishAggregateAndProofs(signedAggregateAndProofs: SignedAggregateAndProof[]): Promise<void> {
    return this.call(
      "publishAggregateAndProofsV2",
      (api, init) => api.validator.publishAggregateAndProofsV2({signedAggregateAndProofs}, init),
      () => undefined,
    );
  }

  submitSyncCommitteeMessages(signatures: altair.SyncCommitteeMessage[]): Promise<void> {
    return this.call(
      "submitPoolSyncCommitteeSignatures",
      (api, init) => api.beacon.submitPoolSyncCommitteeSignatures({signatures}, init),
      () => undefined,
    );
  }

  publishContributionAndProofs(contributionAndProofs: altair.SignedContributionAndProof[]): Promise<void> {
    return this.call(
      "publishContributionAndProofs",
      (api, init) => api.validator.publishContributionAndProofs({contributionAndProofs}, init),
      () => undefined,
    );
  }

  submitVoluntaryExit(signedVoluntaryExit: phase0.SignedVoluntaryExit): Promise<void> {
    return this.call(
      "submitPoolVoluntaryExit",
      (api, init) => api.beacon.submitPoolVoluntaryExit({signedVoluntaryExit}, init),
      () => undefined,
    );
  }

  prepareBeaconCommitteeSubnets(subscriptions: routes.validator.BeaconCommitteeSubscription[]): Promise<void> {
    return this.call(
      "prepareBeaconCommitteeSubnet",
      (api, init) => api.validator.prepareBeaconCommitteeSubnet({subscriptions}, init),
      () => undefined,
    );
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

    const armWatchdog = (node: Node): void => {
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
      const node = this.ordered()[0];
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

  // --- fallback ---

  private ordered(): Node[] {
    return [...this.nodes].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
  }

  private async call<R extends ApiResult, T>(
    operationId: string,
    request: (api: ApiClient, init: {timeoutMs: number}) => Promise<R>,
    read: (res: R) => T,
  ): Promise<T> {
    const attempts: BeaconNodeAttempt[] = [];
    for (const node of this.ordered()) {
      let res: R;
      const timer = this.metrics?.bnRequestSeconds.startTimer({operation: operationId, endpoint: node.endpoint});
      try {
        res = await request(node.api, {timeoutMs: this.timeouts[operationId] ?? this.timeoutMs});
        timer?.();
      } catch (e) {
        attempts.push(this.failed(node, operationId, null, errorReason(e)));
        continue;
      }
      if (res.ok) {
        try {
          const value = read(res);
          if (node.state === "failing") node.state = "unknown";
          return value;
        } catch (e) {
          attempts.push(this.failed(node, operationId, res.status, `invalid response: ${errorReason(e)}`));
          continue;
        }
      }
      const reason = res.error()?.message ?? `status ${res.status}`;
      if (res.status >= 400 && res.status < 500) {
        this.metrics?.bnRequestErrors.inc({operation: operationId, endpoint: node.endpoint, status: res.status});
        throw new BeaconNodeError(
          {code: "BN_REQUEST_REJECTED", operationId, endpoint: node.endpoint, status: res.status, reason},
          `beacon node ${node.endpoint} rejected ${operationId} (${res.status}): ${reason}`,
        );
      }
      attempts.push(this.failed(node, operationId, res.status, reason));
    }
    throw new BeaconNodeError(
      {code: "BN_UNAVAILABLE", operationId, attempts},
      `no beacon node answered ${operationId}: ${attempts.map((a) => `${a.endpoint} ${a.status ?? ""} ${a.reason}`).join("; ")}`,
    );
  }

  private failed(node: Node, operationId: string, status: number | null, reason: string): BeaconNodeAttempt {
    this.metrics?.bnRequestErrors.inc({operation: operationId, endpoint: node.endpoint, status: status ?? "none"});
    node.state = status === 503 ? "syncing" : "failing";
    this.logger.warn("Beacon node call failed, trying the next", {
      endpoint: node.endpoint,
      operationId,
      status,
      reason,
    });
    return {endpoint: node.endpoint, status, reason};
  }
}

function errorReason(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as {cause?: unknown}).cause;
    return cause instanceof Error
      ? `${e.message} (${cause.message})`
      : `${e.name === "TimeoutError" ? "timeout: " : ""}${e.message}`;
  }
  return String(e);
}

/** The URL without credentials, for logs and errors. */
function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

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

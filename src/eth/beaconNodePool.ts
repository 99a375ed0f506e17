/**
 * The set of Beacon Nodes behind `BeaconNodeClient`, and the fallback rule.
 *
 * Each call goes to the best node first (in the order given, synced before syncing before failing)
 * and falls over to the next on a network error, a timeout, a 5xx (a syncing BN answers 503) or an
 * answer that does not decode. A 4xx is the request's fault, so it is reported at once
 * (BN_REQUEST_REJECTED) rather than repeated elsewhere. When every node fails, BN_UNAVAILABLE lists
 * each attempt with its endpoint and status. Nothing here crashes on a down or syncing BN.
 */
import {type ApiClient, getClient} from "@lodestar/api";
import type {ChainForkConfig} from "@lodestar/config";
import type {Logger} from "../util/logger.js";
import {type BeaconNodeRefusal, parseRefusal} from "./alreadyKnown.js";
import {type BeaconNodeAttempt, BeaconNodeError} from "./errors.js";
import type {EthMetrics} from "./metrics.js";

export interface BeaconNodePoolOpts {
  /** BN URLs, in order of preference (none when `modules.apiClients` are given instead). */
  urls: string[];
  /** Timeout of each request to one BN. */
  timeoutMs?: number;
  /** Per-operation timeouts overriding `timeoutMs`, by @lodestar/api operation id (e.g. `produceBlockV3`). */
  timeouts?: Partial<Record<string, number>>;
  /** Force one wire format for requests and responses (default: SSZ where the route has it, JSON otherwise). */
  wireFormat?: "json" | "ssz";
}

export interface BeaconNodePoolModules {
  config: ChainForkConfig;
  logger: Logger;
  metrics?: EthMetrics;
  /**
   * A host's own @lodestar/api clients (e.g. an embedding validator client's), in order of preference,
   * used as they are (their own timeouts and wire formats) after the `urls`' clients.
   */
  apiClients?: {endpoint: string; api: ApiClient}[];
}

export type BeaconNodeState = "unknown" | "synced" | "syncing" | "failing";

export interface BeaconNodeHealth {
  endpoint: string;
  state: BeaconNodeState;
  headSlot: number | null;
  syncDistance: number | null;
  reason?: string;
}

/** The response surface of @lodestar/api that the fallback logic needs. */
export interface ApiResult {
  ok: boolean;
  status: number;
  error(): Error | null;
  /** The error body (already read by @lodestar/api when it returns a non-2xx answer). */
  errorBody?(): Promise<string>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const STATE_RANK: Record<BeaconNodeState, number> = {synced: 0, unknown: 0, syncing: 1, failing: 2};

export interface PooledNode {
  endpoint: string;
  api: ApiClient;
  state: BeaconNodeState;
}

export class BeaconNodePool {
  readonly nodes: PooledNode[];
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly timeouts: Partial<Record<string, number>>;
  private readonly metrics: EthMetrics | undefined;

  constructor(opts: BeaconNodePoolOpts, modules: BeaconNodePoolModules) {
    if (opts.urls.length === 0 && !modules.apiClients?.length) {
      throw new Error("BeaconNodePool needs at least one URL or API client");
    }
    this.metrics = modules.metrics;
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
      state: "unknown" as BeaconNodeState,
    }));
    for (const {endpoint, api} of modules.apiClients ?? []) this.nodes.push({endpoint, api, state: "unknown"});
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

  /** The nodes, best first. */
  ordered(): PooledNode[] {
    return [...this.nodes].sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state]);
  }

  /**
   * One call with fallback over the nodes; `read` decoding the answer (a throw there falls over too).
   * `settle`, for submissions, reads a non-2xx answer first: a value there (e.g. "the BN already has it")
   * is the call's result, from that node, without falling over or counting the node as failing.
   */
  async call<R extends ApiResult, T>(
    operationId: string,
    request: (api: ApiClient, init: {timeoutMs: number}) => Promise<R>,
    read: (res: R) => T,
    settle?: (refusal: BeaconNodeRefusal) => T | undefined,
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
      if (settle) {
        const settled = settle(parseRefusal(res.status, await errorBody(res), reason));
        if (settled !== undefined) {
          this.metrics?.bnAlreadyKnown.inc({operation: operationId, endpoint: node.endpoint});
          this.logger.debug("Beacon node refused a submission it already has", {
            endpoint: node.endpoint,
            operationId,
            status: res.status,
            reason,
          });
          return settled;
        }
      }
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

  private failed(node: PooledNode, operationId: string, status: number | null, reason: string): BeaconNodeAttempt {
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

async function errorBody(res: ApiResult): Promise<string | null> {
  try {
    return (await res.errorBody?.()) ?? null;
  } catch {
    return null;
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

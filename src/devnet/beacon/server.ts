import {allNamespaces, routes} from "@lodestar/api";
import {type BeaconApiMethods, registerRoutes} from "@lodestar/api/beacon/server";
import type {ChainConfig} from "@lodestar/config";
import type {FastifyError, FastifyInstance} from "fastify";
import {createBeaconApiFastify} from "../../eth/beaconApiFastify.js";
import {type Logger, nullLogger} from "../../util/logger.js";
import {SimBlobs} from "./blobs.js";
import {SimulatedChain} from "./chain.js";
import {type ChainClock, systemClock} from "./clock.js";
import {SimChainError} from "./errors.js";
import {beaconMethods} from "./routes/beacon.js";
import {configMethods} from "./routes/config.js";
import {eventsMethods} from "./routes/events.js";
import {IndexedApiError, withNotImplemented} from "./routes/fallback.js";
import {nodeMethods} from "./routes/node.js";
import {registerStatsRoute} from "./routes/stats.js";
import {validatorMethods} from "./routes/validator.js";

export interface SimulatedBeaconNodeOpts {
  /** Port on 127.0.0.1 (0: any free port). */
  port: number;
  host?: string;
  validators: Uint8Array[];
  /** Unix seconds of slot 0; by default the clock's current second. */
  genesisTime?: number;
  secondsPerSlot?: number;
  seed?: string;
  /** Electra → Fulu fork epoch (see createSimChainConfig): 0 by default, Fulu from genesis. */
  fuluForkEpoch?: number;
  /** Blocks with blobs (real KZG commitments and proofs; loading takes a few seconds once per process); true by default. */
  blobs?: boolean;
  configOverrides?: Partial<ChainConfig>;
}

export interface SimulatedBeaconNodeModules {
  clock?: ChainClock;
  logger?: Logger;
}

/**
 * A Beacon Node double for devnets and tests: the simulated chain served over the standard Beacon API
 * (Lodestar's route definitions, JSON and SSZ), plus `GET /cohort/devnet/stats` with the duty record.
 */
export class SimulatedBeaconNode {
  readonly chain: SimulatedChain;
  private readonly opts: SimulatedBeaconNodeOpts;
  private readonly clock: ChainClock;
  private readonly logger: Logger;
  private server: FastifyInstance | null = null;
  private ticker: unknown = null;
  private readonly streams = new Set<AbortController>();

  constructor(opts: SimulatedBeaconNodeOpts, modules: SimulatedBeaconNodeModules = {}) {
    this.opts = opts;
    this.clock = modules.clock ?? systemClock;
    this.logger = modules.logger ?? nullLogger();
    this.chain = new SimulatedChain(
      {
        genesisTime: opts.genesisTime ?? Math.floor(this.clock.now() / 1000),
        validators: opts.validators,
        secondsPerSlot: opts.secondsPerSlot,
        seed: opts.seed,
        fuluForkEpoch: opts.fuluForkEpoch,
        configOverrides: opts.configOverrides,
      },
      {clock: this.clock, logger: this.logger},
    );
  }

  /** Loads the blob pool (unless `blobs: false`), starts listening and the slot ticker; returns the base URL. */
  async start(): Promise<string> {
    if (this.server !== null) throw new Error("the simulated beacon node is already started");
    if (this.opts.blobs !== false) this.chain.enableBlobs(await SimBlobs.load());
    const server = createBeaconApiFastify();
    server.setErrorHandler((err: FastifyError, _req, res) => {
      const status = httpStatus(err);
      if (err instanceof SimChainError && err.code === "SIMCHAIN_BLOCK_ALREADY_KNOWN") {
        this.logger.debug("block already known", err.getMetadata());
      } else if (status >= 500 && status !== 501) this.logger.error("request failed", {}, err);
      const failures = err instanceof IndexedApiError ? {failures: err.failures} : {};
      void res.status(status).send({code: status, message: err.message, ...failures});
    });
    const config = this.chain.config;
    const methods: BeaconApiMethods = {
      beacon: beaconMethods(this.chain),
      config: configMethods(this.chain),
      node: nodeMethods(this.chain),
      validator: validatorMethods(this.chain),
      events: eventsMethods(this.chain, this.streams),
      // Served so that every Beacon API route answers: all 501.
      debug: withNotImplemented<routes.debug.Endpoints>("debug", routes.debug.getDefinitions(config), {}),
      lightclient: withNotImplemented<routes.lightclient.Endpoints>(
        "lightclient",
        routes.lightclient.getDefinitions(config),
        {},
      ),
      lodestar: withNotImplemented<routes.lodestar.Endpoints>("lodestar", routes.lodestar.getDefinitions(config), {}),
      proof: withNotImplemented<routes.proof.Endpoints>("proof", routes.proof.getDefinitions(config), {}),
    };
    registerRoutes(server, config, methods, allNamespaces);
    registerStatsRoute(server, this.chain);
    const host = this.opts.host ?? "127.0.0.1";
    await server.listen({port: this.opts.port, host});
    this.server = server;
    this.scheduleTick();
    const address = server.server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.opts.port;
    const url = `http://${host}:${port}`;
    this.logger.info("simulated beacon node listening", {url, validators: this.chain.validators.size});
    return url;
  }

  /** Number of open event streams (SSE subscribers). */
  get eventStreams(): number {
    return this.streams.size;
  }

  /** Stops the ticker, ends SSE streams and closes the server. */
  async stop(): Promise<void> {
    if (this.ticker !== null) this.clock.clearTimeout(this.ticker);
    this.ticker = null;
    for (const s of this.streams) s.abort();
    const server = this.server;
    this.server = null;
    if (server !== null) await server.close();
  }

  /** Wakes at every slot start so filler blocks and head events happen even when nobody calls. */
  private scheduleTick(): void {
    const nextSlot = this.chain.clockSlot() + 1;
    const delay = Math.max(0, this.chain.slotStartMs(nextSlot) - this.clock.now());
    this.ticker = this.clock.setTimeout(() => {
      if (this.server === null) return;
      this.chain.update();
      this.scheduleTick();
    }, delay);
  }
}

function httpStatus(err: FastifyError | Error): number {
  if (err instanceof SimChainError) {
    switch (err.code) {
      case "SIMCHAIN_UNKNOWN_BLOCK":
      case "SIMCHAIN_UNKNOWN_STATE":
      case "SIMCHAIN_NO_AGGREGATE":
      case "SIMCHAIN_NO_CONTRIBUTION":
        return 404;
      case "SIMCHAIN_UNSUPPORTED":
        return 501;
      case "SIMCHAIN_BLOCK_ALREADY_KNOWN":
        return 500;
      default:
        return 400;
    }
  }
  const statusCode = (err as {statusCode?: unknown}).statusCode;
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 600) return statusCode;
  if ((err as {validation?: unknown}).validation !== undefined) return 400;
  return 500;
}

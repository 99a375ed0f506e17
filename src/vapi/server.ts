import {getClient, routes} from "@lodestar/api";
import {createFastifyRoute} from "@lodestar/api/server";
import type {BeaconConfig} from "@lodestar/config";
import type {FastifyError, FastifyInstance} from "fastify";
import type {Clock} from "../duties/clock.js";
import type {ValidatorSettings} from "../duties/interfaces.js";
import {createBeaconApiFastify} from "../eth/beaconApiFastify.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {DecidedBlocks} from "./decidedBlocks.js";
import {VapiError} from "./errors.js";
import type {ShareKeyMap} from "./keyMap.js";
import {legacyDefinitions} from "./legacyRoutes.js";
import {type CombinedShares, createIntercepts} from "./methods.js";
import type {VapiMetrics} from "./metrics.js";
import {registerProxy} from "./proxy.js";
import type {VcSyncMessageStore} from "./syncMessages.js";
import type {ValidatorClientSigner} from "./vcSigner.js";

export interface ValidatorApiServerOpts {
  /** Listen address; 127.0.0.1 by default. */
  address?: string;
  /** 0: any free port. */
  port: number;
  beaconNodeUrls: string[];
  /** How long a VC request waits for the pipeline (decided data, the RANDAO request), in ms. */
  waitMs: number;
}

export interface ValidatorApiServerModules {
  config: BeaconConfig;
  signer: ValidatorClientSigner;
  keys: ShareKeyMap;
  /** The lock's fee recipients and builder registrations. */
  settings: ValidatorSettings;
  blocks: DecidedBlocks;
  syncMessages: VcSyncMessageStore;
  clock: Clock;
  /** The node's share exchange (combined selection proofs). */
  shares?: CombinedShares;
  logger?: Logger;
  metrics?: VapiMetrics;
}

/**
 * The Beacon API the validator client talks to in validator-API mode (`lodestar validator --distributed
 * --beaconNodes <this>`): the routes that carry keys, data to sign or signatures are answered by cohort
 * (Lodestar's route definitions, JSON and SSZ); every other request is proxied to the beacon node.
 */
export class ValidatorApiServer {
  private server: FastifyInstance | null = null;
  private readonly logger: Logger;

  constructor(
    private readonly opts: ValidatorApiServerOpts,
    private readonly modules: ValidatorApiServerModules,
  ) {
    this.logger = modules.logger ?? nullLogger();
  }

  /** Starts listening; returns the base URL. */
  async start(): Promise<string> {
    if (this.server) throw new Error("the validator API server is already started");
    const {config} = this.modules;
    const server = createBeaconApiFastify();
    server.setErrorHandler((err: FastifyError, req, reply) => {
      const status = httpStatus(err);
      if (status >= 500) this.logger.warn("validator API request failed", {url: req.url, status, reason: err.message});
      void reply.status(status).send({code: status, message: err.message});
    });
    const api = getClient({urls: this.opts.beaconNodeUrls}, {config});
    let genesis: Promise<number> | null = null;
    const genesisTime = () => {
      genesis ??= api.beacon.getGenesis().then((res) => res.value().genesisTime);
      genesis.catch(() => {
        genesis = null;
      });
      return genesis;
    };
    const intercepts = createIntercepts({
      config,
      api,
      signer: this.modules.signer,
      keys: this.modules.keys,
      settings: this.modules.settings,
      blocks: this.modules.blocks,
      syncMessages: this.modules.syncMessages,
      genesisTime,
      waitMs: this.opts.waitMs,
      clock: this.modules.clock,
      shares: this.modules.shares,
      logger: this.logger,
      metrics: this.modules.metrics,
    });
    const validatorDefs = routes.validator.getDefinitions(config);
    for (const [id, method] of Object.entries(intercepts.validator)) {
      const key = id as keyof typeof intercepts.validator;
      server.route(createFastifyRoute(validatorDefs[key] as never, method as never, id));
    }
    const beaconDefs = routes.beacon.getDefinitions(config);
    for (const [id, method] of Object.entries(intercepts.beacon)) {
      const key = id as keyof typeof intercepts.beacon;
      server.route(createFastifyRoute(beaconDefs[key] as never, method as never, id));
    }
    const legacyDefs = legacyDefinitions(config);
    for (const [id, method] of Object.entries(intercepts.legacy)) {
      const key = id as keyof typeof intercepts.legacy;
      server.route(createFastifyRoute(legacyDefs[key] as never, method as never, id));
    }
    registerProxy(
      server,
      {beaconNodeUrl: this.opts.beaconNodeUrls[0]},
      {logger: this.logger, metrics: this.modules.metrics},
    );
    const host = this.opts.address ?? "127.0.0.1";
    await server.listen({host, port: this.opts.port});
    this.server = server;
    const address = server.server.address();
    const port = typeof address === "object" && address !== null ? address.port : this.opts.port;
    const url = `http://${host}:${port}`;
    this.logger.info("validator API listening", {url});
    return url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.close();
  }
}

function httpStatus(err: Error): number {
  if (err instanceof VapiError) {
    switch (err.code) {
      case "VAPI_TIMEOUT":
      case "VAPI_STOPPED":
        return 503;
      default:
        return 400;
    }
  }
  for (const field of ["statusCode", "status"] as const) {
    const code = (err as unknown as Record<string, unknown>)[field];
    if (typeof code === "number" && code >= 400 && code < 600) return code;
  }
  if ((err as {validation?: unknown}).validation !== undefined) return 400;
  return 500;
}

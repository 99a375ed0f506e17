import type {BeaconConfig} from "@lodestar/config";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {Registry} from "prom-client";
import type {ClusterLock} from "../cluster/index.js";
import {lockValidatorSettings} from "../cluster/validatorSettings.js";
import type {Decider} from "../duties/attester.js";
import type {Clock} from "../duties/clock.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {DecidedBlocks} from "./decidedBlocks.js";
import {ShareKeyMap} from "./keyMap.js";
import type {CombinedShares} from "./methods.js";
import {createVapiMetrics, type VapiMetrics} from "./metrics.js";
import {ValidatorApiServer} from "./server.js";
import {VcSyncMessageStore} from "./syncMessages.js";
import {ValidatorClientSigner} from "./vcSigner.js";

export interface ValidatorApiModeOpts {
  lock: ClusterLock;
  operatorIndex: number;
  beaconNodeUrls: string[];
  /** Where the validator client's Beacon API listens (127.0.0.1 by default; port 0: any free port). */
  address?: string;
  port: number;
}

export interface ValidatorApiModeModules {
  config: BeaconConfig;
  clock: Clock;
  register: Registry;
  logger?: Logger;
}

/**
 * Everything a node swaps in for validator-API mode: the share signer that waits for the validator
 * client's partial signatures, the observer of decided blocks on the node's consensus, and the Beacon API
 * server the VC talks to. The pipeline itself is unchanged.
 */
export class ValidatorApiMode {
  readonly keys: ShareKeyMap;
  readonly signer: ValidatorClientSigner;
  readonly blocks: DecidedBlocks;
  /** The VC's partial sync committee messages, for the sync message duty (runVcSyncMessageDuty). */
  readonly syncMessages: VcSyncMessageStore;
  private server: ValidatorApiServer | null = null;
  private readonly logger: Logger;
  private readonly metrics: VapiMetrics;

  constructor(
    private readonly opts: ValidatorApiModeOpts,
    private readonly modules: ValidatorApiModeModules,
  ) {
    const logger = modules.logger ?? nullLogger();
    const metrics = createVapiMetrics(modules.register);
    this.logger = logger;
    this.metrics = metrics;
    const slotMs = modules.config.SECONDS_PER_SLOT * 1000;
    this.keys = new ShareKeyMap(opts.lock, opts.operatorIndex);
    this.blocks = new DecidedBlocks(modules.config, modules.clock);
    this.syncMessages = new VcSyncMessageStore(modules.clock);
    this.signer = new ValidatorClientSigner(
      // A proposal is worthless a third of a slot after its slot; attestations count for an epoch, and
      // selection proofs are asked for up to an epoch before their slot.
      {
        requestTimeoutMs: (msg) =>
          (msg.type === "RANDAO_REVEAL" || msg.type === "BLOCK_V2" ? 2 : 2 * SLOTS_PER_EPOCH) * slotMs,
      },
      {config: modules.config, clock: modules.clock, logger, metrics},
    );
  }

  /** This node's key share of each validator, for the duty pipeline. */
  shareKeys(): Map<string, Uint8Array> {
    return this.keys.shareKeysByValidator();
  }

  /** The node's consensus, with decided blocks kept for the VC's requests. */
  observe(consensus: Decider): Decider {
    return this.blocks.observe(consensus);
  }

  /** Starts the VC's Beacon API (selection proofs combine through `shares`); returns its base URL. */
  start(shares?: CombinedShares): Promise<string> {
    if (this.server) throw new Error("the validator API is already started");
    const {opts, modules} = this;
    this.server = new ValidatorApiServer(
      {
        address: opts.address,
        port: opts.port,
        beaconNodeUrls: opts.beaconNodeUrls,
        waitMs: modules.config.SECONDS_PER_SLOT * 1000,
      },
      {
        config: modules.config,
        signer: this.signer,
        keys: this.keys,
        settings: lockValidatorSettings(opts.lock),
        blocks: this.blocks,
        syncMessages: this.syncMessages,
        clock: modules.clock,
        shares,
        logger: this.logger,
        metrics: this.metrics,
      },
    );
    return this.server.start();
  }

  async stop(): Promise<void> {
    this.signer.stop();
    this.syncMessages.stop();
    await this.server?.stop();
  }
}

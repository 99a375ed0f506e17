import {EventEmitter} from "node:events";
import os from "node:os";
import type {ApiClient} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {chainConfig as defaultChainConfig} from "@lodestar/config/default";
import {Registry} from "prom-client";
import {type ClusterLock, publicKeySharesOf, validatorKeysFromLock} from "../cluster/index.js";
import {lockValidatorSettings} from "../cluster/validatorSettings.js";
import {Combiner, createCombineMetrics, initHerumi, VerifyPool} from "../combine/index.js";
import {defaultThreshold, unsafeThresholdWarning} from "../combine/threshold.js";
import {identityAuth} from "../consensus/auth.js";
import {createConsensusMetrics} from "../consensus/metrics.js";
import {ConsensusService} from "../consensus/service.js";
import {AggregationDuties} from "../duties/aggregator.js";
import {type AttesterBeaconNode, runAttesterDuty, type ShareSigner} from "../duties/attester.js";
import {type Clock, SlotClock, systemClock} from "../duties/clock.js";
import type {Network} from "../duties/interfaces.js";
import {createDutyMetrics} from "../duties/metrics.js";
import type {DutyOutcome} from "../duties/outcome.js";
import {type ProposerBeaconNode, runProposerDuty} from "../duties/proposer.js";
import {createPreparationMetrics, ProposerPreparation} from "../duties/proposerPreparation.js";
import {DutyScheduler, type DutyTrigger} from "../duties/scheduler.js";
import {ShareExchange} from "../duties/shareExchange.js";
import {startSyncCommitteeDuties, syncBeaconNodeOf} from "../duties/syncCommitteeDuties.js";
import {UndecidedGate} from "../duties/undecidedGate.js";
import {BeaconNodeClient} from "../eth/beaconNode.js";
import {LocalShareSigner} from "../eth/localSigner.js";
import {createEthMetrics, type EthMetrics} from "../eth/metrics.js";
import {beaconConfig, customChainConfig} from "../eth/network.js";
import {Web3SignerClient} from "../eth/web3signer.js";
import type {IdentityKey} from "../p2p/identity.js";
import {createP2pMetrics} from "../p2p/metrics.js";
import {Libp2pNetwork, type PeerConnectionEvent} from "../p2p/network.js";
import {SlashingProtection} from "../slashing/index.js";
import {createSlashingMetrics} from "../slashing/metrics.js";
import {bytesEqual, fromHex, toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {ValidatorApiMode} from "../vapi/index.js";
import {NodeError} from "./errors.js";
import {MonitoringServer, type Readiness} from "./monitoring.js";
import {SignerReadinessCheck} from "./monitoringSigner.js";

export interface CohortNodeOpts {
  lock: ClusterLock;
  /** This node's 0-based operator index in the lock. */
  operatorIndex: number;
  /** Beacon node URLs, in order of preference; may be empty when `modules.beaconApi` is given. */
  beaconNodeUrls: string[];
  /** The Web3Signer-API remote signer holding this node's key shares; unused when `modules.signer` is given. */
  remoteSignerUrl?: string;
  /** Validator-API mode: a validator client holding the key shares talks to this Beacon API instead of an RS. */
  validatorApi?: {address: string; port: number};
  dataDir: string;
  /** libp2p listen addresses, e.g. ["/ip4/127.0.0.1/tcp/3610"]. */
  p2pListen: string[];
  /** QBFT round timeout Δ (ms); 1 s by default. */
  roundDurationMs?: number;
  /** Own shares of an uncombined duty are re-sent at this interval. */
  shareRebroadcastMs?: number;
  graffiti?: string;
  /** Attestation aggregation duties (selection proofs, subscriptions, aggregates); on by default. */
  aggregation?: boolean;
  /** Serve /metrics, /livez and /readyz here (port 0: any free port); none when absent. */
  monitoring?: {address: string; port: number};
  /** Worker threads verifying signature shares off the event loop; default 1 with ≥ 4 cores, else 0 (main thread). */
  verifyWorkers?: number;
}

/**
 * Deliberate faults, for the devnet's fault campaigns and the safety tests: each wraps one adapter of
 * the node. Production nodes pass none.
 */
export interface NodeFaults {
  network?(inner: Network): Network;
  beaconNode?(inner: DutyBeaconNode): DutyBeaconNode;
  signer?(inner: ShareSigner): ShareSigner;
}

export type DutyBeaconNode = AttesterBeaconNode & ProposerBeaconNode;

/** What the node needs of its signer: share signatures, and the share keys it holds (checked at start). */
export interface NodeSigner extends ShareSigner {
  publicKeys(): Promise<Uint8Array[]>;
  /** Readiness probe (`/readyz`); a signer without one counts as up. */
  upcheck?(): Promise<boolean>;
}

/** Makes the node's signer once the chain's config is known (read from the BN at start). */
export type NodeSignerFactory = (ctx: {config: BeaconConfig; logger: Logger}) => NodeSigner;

/** An in-process signer holding the node's key-share secrets (32 bytes each, one per validator). */
export function localShareSigner(secretKeys: Uint8Array[]): NodeSignerFactory {
  return ({config}) => new LocalShareSigner({secretKeys}, {config});
}

export interface CohortNodeModules {
  /** This operator's secp256k1 identity key (libp2p peer id, consensus and share message signatures). */
  identity: IdentityKey;
  /**
   * A host's own Beacon API client (@lodestar/api `getClient`), used after any `opts.beaconNodeUrls`;
   * it must be built with the chain's config, since it encodes the fork's types.
   */
  beaconApi?: ApiClient;
  /** The share signer; the remote signer at `opts.remoteSignerUrl` when absent. */
  signer?: NodeSignerFactory;
  faults?: NodeFaults;
  logger?: Logger;
  register?: Registry;
  clock?: Clock;
  /** Aborting it stops the node (as `stop()` does). */
  signal?: AbortSignal;
}

/** A co-validator's connection changed: `operatorIndex` is its 0-based index in the lock. */
export type PeerEvent = PeerConnectionEvent;

export interface CohortNodeEvents {
  /** Every duty of every validator ends in exactly one outcome: submitted (with latency) or failed (with reason). */
  duty: [DutyOutcome];
  peer: [PeerEvent];
}

/**
 * One cohort node: the wiring of the duty pipeline (scheduler → consensus → slashing DB → share signer →
 * share exchange → combiner → BN) between a Beacon Node, a Remote Signer and the other operators.
 * `start()` checks the BN, RS and DB belong to the cluster's chain before anything runs.
 */
export class CohortNode extends EventEmitter<CohortNodeEvents> {
  private readonly logger: Logger;
  private readonly register: Registry;
  private readonly clock: Clock;
  private readonly closers: (() => Promise<void> | void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /** Base URL of the monitoring endpoints once started (when `opts.monitoring` is set). */
  monitoringUrl: string | null = null;
  /** Base URL of the validator client's Beacon API once started (validator-API mode). */
  validatorApiUrl: string | null = null;

  constructor(
    private readonly opts: CohortNodeOpts,
    private readonly modules: CohortNodeModules,
  ) {
    super();
    this.logger = modules.logger ?? nullLogger();
    this.register = modules.register ?? new Registry();
    this.clock = modules.clock ?? systemClock;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("node already started");
    this.started = true;
    const signal = this.modules.signal;
    if (signal?.aborted) throw new NodeError({code: "NODE_ABORTED"}, "the node's abort signal fired before it started");
    if (signal) {
      const onAbort = () => void this.stop();
      signal.addEventListener("abort", onAbort, {once: true});
      this.closers.push(() => signal.removeEventListener("abort", onAbort));
    }
    try {
      await this.startInner();
    } catch (e) {
      await this.stop();
      throw e;
    }
    // Stopped (or aborted) while starting: what started after the stop began is closed now.
    if (this.stopping) await this.closeAll();
  }

  /**
   * Stops taking duties, lets in-flight ones end (they fail as "stopped" if they cannot), closes the DB.
   * Every call (and the abort signal) shares one stop: the promise settles when the node is down.
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    this.stopping = true;
    await this.closeAll();
    await Promise.allSettled([...this.inFlight]);
  }

  private async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (e) {
        this.logger.warn("error while stopping", {reason: (e as Error).message});
      }
    }
  }

  /** Start-up report of peer reachability: a node without a quorum of peers cannot complete any duty. */
  private async reportPeers(network: Network, threshold: number): Promise<void> {
    let connected = 0;
    for (let attempt = 0; attempt < 20 && !this.stopping; attempt++) {
      connected = network.peers().filter((p) => p.connected).length;
      if (connected === network.peers().length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (this.stopping) return;
    const ctx = {connected, peers: network.peers().length, needed: threshold - 1};
    if (connected + 1 >= threshold) this.logger.info("peers reachable", ctx);
    else this.logger.warn("too few peers reachable to complete duties yet; retrying in the background", ctx);
  }

  private createSigner(config: BeaconConfig, logger: Logger, metrics: EthMetrics): NodeSigner {
    if (this.modules.signer) return this.modules.signer({config, logger});
    if (this.opts.remoteSignerUrl === undefined) {
      throw new NodeError(
        {code: "NODE_NO_SIGNER"},
        "the node has no signer: give opts.remoteSignerUrl or modules.signer",
      );
    }
    return new Web3SignerClient({url: this.opts.remoteSignerUrl}, {config, logger, metrics});
  }

  private async startInner(): Promise<void> {
    const {lock, operatorIndex} = this.opts;
    if (lock.threshold < defaultThreshold(lock.operators.length)) {
      // Not refused: the lock was made on purpose with --unsafe-threshold; but nobody should miss it.
      this.logger.warn(`UNSAFE CLUSTER THRESHOLD: ${unsafeThresholdWarning(lock.threshold, lock.operators.length)}`, {
        threshold: lock.threshold,
        operators: lock.operators.length,
      });
    }
    if (this.opts.beaconNodeUrls.length === 0 && this.modules.beaconApi === undefined) {
      throw new NodeError(
        {code: "NODE_NO_BEACON_NODE"},
        "the node has no beacon node: give opts.beaconNodeUrls or modules.beaconApi",
      );
    }
    const log = this.logger;
    // Monitoring first: /livez answers (and /readyz says "starting") while the BN, RS and peers are checked.
    let readiness = async (): Promise<Readiness> => ({ready: false, checks: {node: "starting"}});
    if (this.opts.monitoring) {
      const monitoring = new MonitoringServer(this.opts.monitoring, {
        register: this.register,
        logger: log.child({module: "monitoring"}),
        readiness: () => readiness(),
      });
      this.monitoringUrl = await monitoring.start();
      this.closers.push(() => monitoring.stop());
    }
    await initHerumi();
    // One set of BN and RS call metrics for every client of this node (latency and errors on /metrics).
    const ethMetrics = createEthMetrics(this.register);

    // The BN: its chain must be the lock's.
    // Until the BN's spec is known, the default chain config serves to read its genesis and spec.
    const bootstrapConfig = beaconConfig(defaultChainConfig, fromHex(lock.network.genesisValidatorsRoot, 32));
    const apiClients = this.modules.beaconApi ? [{endpoint: "host client", api: this.modules.beaconApi}] : undefined;
    const probe = new BeaconNodeClient(
      {urls: this.opts.beaconNodeUrls},
      {config: bootstrapConfig, logger: log, apiClients, metrics: ethMetrics},
    );
    const [genesis, spec] = await Promise.all([probe.getGenesis(), probe.getSpec()]);
    const gvr = fromHex(lock.network.genesisValidatorsRoot, 32);
    if (!bytesEqual(genesis.genesisValidatorsRoot, gvr)) {
      throw new NodeError(
        {
          code: "NODE_CHAIN_MISMATCH",
          field: "genesis_validators_root",
          expected: toHex(gvr),
          actual: toHex(genesis.genesisValidatorsRoot),
        },
        `the beacon node is on another chain: genesis validators root ${toHex(genesis.genesisValidatorsRoot)}, the cluster lock says ${toHex(gvr)}`,
      );
    }
    if (toHex(genesis.genesisForkVersion) !== lock.network.genesisForkVersion) {
      throw new NodeError(
        {
          code: "NODE_CHAIN_MISMATCH",
          field: "genesis_fork_version",
          expected: lock.network.genesisForkVersion,
          actual: toHex(genesis.genesisForkVersion),
        },
        `the beacon node's genesis fork version ${toHex(genesis.genesisForkVersion)} differs from the cluster lock's ${lock.network.genesisForkVersion}`,
      );
    }
    const config: BeaconConfig = beaconConfig(customChainConfig(spec), gvr);
    const bn = new BeaconNodeClient(
      {urls: this.opts.beaconNodeUrls},
      {config, logger: log.child({module: "bn"}), apiClients, metrics: ethMetrics},
    );

    const hasSigner = Boolean(this.opts.remoteSignerUrl) || this.modules.signer !== undefined;
    if (this.opts.validatorApi && hasSigner) {
      const ctx = {remoteSigner: true, validatorApi: true};
      throw new NodeError(
        {code: "NODE_SIGNER_MODE", ...ctx},
        "configure either a signer (remote or in-process) or a validator API, not both",
      );
    }
    // Validator-API mode: the VC holds the key shares and hands in partial signatures (src/vapi).
    const vapi = this.opts.validatorApi
      ? new ValidatorApiMode(
          {lock, operatorIndex, beaconNodeUrls: this.opts.beaconNodeUrls, ...this.opts.validatorApi},
          {config, clock: this.clock, register: this.register, logger: log.child({module: "vapi"})},
        )
      : null;
    if (vapi) this.closers.push(() => vapi.stop());
    // Otherwise the signer (the RS, or the host's) must hold this node's key shares.
    const signer = vapi ? null : this.createSigner(config, log.child({module: "rs"}), ethMetrics);
    const held = new Set(signer ? (await signer.publicKeys()).map((k) => toHex(k)) : []);
    const shareKeys = vapi?.shareKeys() ?? new Map<string, Uint8Array>();
    const myShares = publicKeySharesOf(lock, operatorIndex);
    lock.validators.forEach((v, i) => {
      if (vapi) return;
      const share = myShares[i].publicKeyShare;
      if (!held.has(share)) {
        throw new NodeError(
          {code: "NODE_SIGNER_MISSING_SHARE", validator: v.publicKey, share},
          `the remote signer does not hold this node's key share ${share} of validator ${v.publicKey}`,
        );
      }
      shareKeys.set(v.publicKey, fromHex(share, 48));
    });

    // The slashing DB must belong to this chain.
    const slashing = SlashingProtection.open(
      {dataDir: this.opts.dataDir, genesisValidatorsRoot: gvr},
      {logger: log.child({module: "slashing"}), metrics: createSlashingMetrics(this.register)},
    );
    this.closers.push(() => slashing.close());

    const pubkeys = lock.validators.map((v) => fromHex(v.publicKey, 48));
    const indexByKey = await bn.getValidatorIndices(pubkeys);
    const indices = [...indexByKey.values()];
    if (indices.length < pubkeys.length) {
      log.warn("some cluster validators are unknown to the beacon node", {
        known: indices.length,
        total: pubkeys.length,
      });
    }

    // Co-validator network, consensus, combination.
    const clusterId = fromHex(lock.lockHash, 32);
    const network = new Libp2pNetwork(
      {
        peers: lock.operators.map((o, index) => ({
          index,
          publicKey: fromHex(o.identityPublicKey),
          multiaddrs: o.multiaddrs,
        })),
        clusterId,
        listenAddrs: this.opts.p2pListen,
      },
      {
        identity: this.modules.identity,
        metrics: createP2pMetrics(this.register),
        logger: log.child({module: "p2p"}),
        onPeerConnection: (event) => this.emit("peer", event),
      },
    );
    await network.start();
    this.closers.push(() => network.stop());
    const faults = this.modules.faults ?? {};
    const net = faults.network?.(network) ?? network;
    const consensus = new ConsensusService(
      {self: operatorIndex, n: lock.operators.length, clusterId, roundDurationMs: this.opts.roundDurationMs},
      {
        network: net,
        clock: this.clock,
        auth: identityAuth(
          this.modules.identity,
          lock.operators.map((o) => fromHex(o.identityPublicKey)),
        ),
        metrics: createConsensusMetrics(this.register),
        logger: log.child({module: "consensus"}),
      },
    );
    this.closers.push(() => consensus.close());
    const combineMetrics = createCombineMetrics(this.register);
    // A worker only pays off with a core to spare (bench duties: on 2 cores it does not).
    const verifyWorkers = this.opts.verifyWorkers ?? (os.availableParallelism() >= 4 ? 1 : 0);
    const verifyPool = verifyWorkers > 0 ? new VerifyPool({size: verifyWorkers}) : undefined;
    if (verifyPool) this.closers.push(() => verifyPool.close());
    const combiner = new Combiner(
      // Shares are verified with the signature they recover, in one batch (src/combine/combiner.ts).
      {threshold: lock.threshold, verifyAtThreshold: true},
      {
        validators: validatorKeysFromLock(lock),
        metrics: combineMetrics,
        logger: log.child({module: "combine"}),
        verifyPool,
      },
    );
    const slotClock = new SlotClock(
      {
        genesisTimeSec: genesis.genesisTime,
        secondsPerSlot: config.SECONDS_PER_SLOT,
        slotsPerEpoch: Number(spec.SLOTS_PER_EPOCH),
      },
      this.clock,
    );
    const shares = new ShareExchange(
      {self: operatorIndex, rebroadcastIntervalMs: this.opts.shareRebroadcastMs ?? 1000},
      {
        network: net,
        combiner,
        clock: this.clock,
        logger: log.child({module: "shares"}),
        // Duties live at most an epoch past their slot; selection proofs are made up to an epoch ahead.
        isRelevantSlot: (slot) => {
          const now = slotClock.currentSlot();
          return slot >= now - 2 * slotClock.opts.slotsPerEpoch && slot <= now + 2 * slotClock.opts.slotsPerEpoch;
        },
        // A duty runs in its slot (a late trigger may spill into the next one).
        isCurrentSlot: (slot) => slot >= slotClock.currentSlot() - 1,
      },
    );
    this.closers.push(() => shares.stop());
    const dutyMetrics = createDutyMetrics(this.register);
    const settings = lockValidatorSettings(lock);
    const onOutcome = (o: DutyOutcome) => {
      dutyMetrics.record(o);
      if (o.status === "submitted") log.info("duty submitted", {...o});
      else log.warn("duty failed", {...o});
      this.emit("duty", o);
    };
    const dutyBn: DutyBeaconNode = faults.beaconNode?.(bn) ?? bn;
    const baseSigner: ShareSigner = vapi?.signer ?? (signer as NodeSigner);
    const dutySigner: ShareSigner = faults.signer?.(baseSigner) ?? baseSigner;
    const gate = new UndecidedGate();
    const decider = vapi?.observe(consensus) ?? consensus;
    const dutyModules = {
      config,
      consensus: decider,
      slashing,
      signer: dutySigner,
      shares,
      slotClock,
      shareKeys,
      onOutcome,
    };
    // Aggregation (faults do not wrap its BN calls): selection proofs as duties arrive, aggregates at 2/3.
    const aggregation = new AggregationDuties({
      ...dutyModules,
      beaconNode: bn,
      logger: log.child({duty: "aggregator"}),
    });
    this.closers.push(() => aggregation.stop());
    const scheduler = new DutyScheduler(
      {validatorIndices: indices, aggregation: this.opts.aggregation !== false},
      {
        onAttesterDuties: (_epoch, duties) => {
          if (this.opts.aggregation !== false) void aggregation.prepare(duties);
        },
        slotClock,
        logger: log.child({module: "scheduler"}),
        source: {
          attesterDuties: (epoch, idx) => bn.getAttesterDuties(epoch, idx),
          proposerDuties: (epoch) => bn.getProposerDuties(epoch),
        },
        onDuty: (trigger: DutyTrigger) => {
          if (trigger.type === "aggregator") {
            const tracked = aggregation
              .run(trigger.slot, trigger.duties)
              .catch((e: unknown) => log.error("duty crashed", {type: trigger.type, slot: trigger.slot}, e));
            this.inFlight.add(tracked);
            void tracked.finally(() => this.inFlight.delete(tracked));
            return;
          }
          const run =
            trigger.type === "attester"
              ? runAttesterDuty(trigger.slot, trigger.duties, {
                  ...dutyModules,
                  gate,
                  beaconNode: dutyBn,
                  logger: log.child({duty: "attester", slot: trigger.slot}),
                  onDecided: (slot, entries) => aggregation.decided.set(slot, entries),
                })
              : Promise.all(
                  trigger.duties.map((d) =>
                    runProposerDuty(trigger.slot, d, {
                      ...dutyModules,
                      beaconNode: dutyBn,
                      graffiti: this.opts.graffiti,
                      settings,
                      metrics: dutyMetrics,
                      logger: log.child({duty: "proposer", slot: trigger.slot}),
                    }),
                  ),
                ).then(() => undefined);
          const tracked = run.catch((e: unknown) =>
            log.error("duty crashed", {type: trigger.type, slot: trigger.slot}, e),
          );
          this.inFlight.add(tracked);
          void tracked.finally(() => this.inFlight.delete(tracked));
        },
      },
    );
    await scheduler.start();
    this.closers.push(() => scheduler.stop());
    // Signer mode prepares proposals as a validator client does (in validator-API mode the VC does, and
    // its calls are answered from the lock: src/vapi/registrations.ts).
    if (!vapi) {
      const preparation = new ProposerPreparation(
        {
          validators: lock.validators.map((v) => v.publicKey),
          knownIndices: indexByKey,
          firstEpoch: Math.max(0, config.BELLATRIX_FORK_EPOCH - 1),
        },
        {
          slotClock,
          beaconNode: bn,
          settings,
          logger: log.child({module: "preparation"}),
          metrics: createPreparationMetrics(this.register),
        },
      );
      preparation.start();
      this.closers.push(() => preparation.stop());
    }
    const syncScheduler = await startSyncCommitteeDuties(
      {validatorIndices: indices},
      {
        ...dutyModules,
        logger: log,
        beaconNode: syncBeaconNodeOf(bn),
        vcMessages: vapi?.syncMessages,
        track: (run) => {
          this.inFlight.add(run);
          void run.finally(() => this.inFlight.delete(run));
        },
      },
    );
    this.closers.push(() => syncScheduler.stop());
    const unsubscribe = bn.subscribeHeadEvents((head) => {
      syncScheduler.onHead(head.slot);
      void scheduler.onHead({
        slot: head.slot,
        previousDutyDependentRoot: head.previousDutyDependentRoot,
        currentDutyDependentRoot: head.currentDutyDependentRoot,
      });
    });
    this.closers.push(unsubscribe);
    void this.reportPeers(network, lock.threshold);
    if (this.opts.monitoring) {
      const signerReadiness = signer
        ? new SignerReadinessCheck(
            {shareKeys: myShares.map((s) => s.publicKeyShare)},
            {signer, now: () => this.clock.now()},
          )
        : null;
      readiness = async () => {
        const checks: Record<string, true | string> = {};
        const health = await bn.checkNodes();
        checks.beacon_node = health.some((h) => h.state === "synced")
          ? true
          : `no synced beacon node (${health.map((h) => `${h.endpoint}: ${h.state}`).join(", ")})`;
        if (signerReadiness) checks.remote_signer = await signerReadiness.check();
        const connected = network.peers().filter((p) => p.connected).length;
        checks.peers =
          connected + 1 >= lock.threshold ? true : `${connected} peers connected, ${lock.threshold - 1} needed`;
        return {ready: Object.values(checks).every((c) => c === true), checks};
      };
    }
    if (vapi) this.validatorApiUrl = await vapi.start(shares);
    log.info("cohort node started", {
      operator: operatorIndex,
      validators: lock.validators.length,
      threshold: lock.threshold,
      peers: lock.operators.length - 1,
    });
  }
}

import {mkdirSync, readFileSync} from "node:fs";
import {createServer} from "node:net";
import path from "node:path";
import type {ChainForkConfig} from "@lodestar/config";
import {
  createCluster,
  type KdfOption,
  loadNode,
  nodeDirName,
  PASSWORD_FILE,
  planCluster,
  readPasswordFile,
  seededRandom,
  VALIDATOR_KEYS_DIR,
} from "../cluster/index.js";
import type {DutyOutcome} from "../duties/outcome.js";
import {type RunningSigner, startSignerService} from "../eth/signerService.js";
import {CohortNode, type NodeFaults} from "../plugin/node.js";
import {fromHex, toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {createSimChainConfig, SimBlobs, SimulatedBeaconNode, ValidatorSet} from "./beacon/index.js";
import {type ExternalBeaconOpts, prepareExternalBeacon} from "./externalBeacon.js";
import type {ByzantineContext} from "./faults.js";
import {interopSecretKeys} from "./interop.js";

/** A node's faults, or a function of who the node is (faults that sign as the node need its identity). */
export type NodeFaultsSpec = NodeFaults | ((node: ByzantineContext) => NodeFaults);

export interface LocalClusterOpts {
  dir: string;
  nodes: number;
  threshold?: number;
  validators: number;
  secondsPerSlot: number;
  /** Electra → Fulu fork epoch of the simulated chain: 0 (default) Fulu from genesis, Infinity Electra only. */
  fuluForkEpoch?: number;
  /** Genesis this many seconds after the cluster is set up, so that the nodes are up for slot 0. */
  genesisDelaySec?: number;
  /** Seed of every key (validators, identities, keystore salts): the same seed, the same cluster. */
  seed: string;
  /** Keystore KDF; a low cost is fine for a local devnet's throwaway keys. */
  kdf?: KdfOption;
  /** Operators not to start (index list), e.g. to show that t of n suffice. */
  skipNodes?: number[];
  /** Serve each node's /metrics, /livez and /readyz on a free port (see `CohortNode.monitoringUrl`). */
  monitoring?: boolean;
  /** Deliberate faults per operator index (see devnet/faults.ts). */
  faults?: Record<number, NodeFaultsSpec>;
  /** Operators in validator-API mode (their VC holds the key shares, see `CohortNode.validatorApiUrl`). */
  validatorApiNodes?: number[];
}

/** `beacon`: the simulated chain, or null when running against an external BN (`opts.externalBeacon`). */
export interface LocalCluster<B extends SimulatedBeaconNode | null = SimulatedBeaconNode> {
  beacon: B;
  beaconUrl: string;
  /** The chain's clock (the simulated chain's or the external BN's). */
  genesisTime: number;
  secondsPerSlot: number;
  signers: RunningSigner[];
  nodes: (CohortNode | null)[];
  /** Every duty outcome of every node, with the node's index. */
  outcomes: (DutyOutcome & {node: number})[];
  /** Stops one node (its signer and DB files stay); `startNode` brings it back on the same data. */
  stopNode(index: number): Promise<void>;
  startNode(index: number, faults?: NodeFaultsSpec): Promise<void>;
  stop(): Promise<void>;
}

const LOW_COST_KDF: KdfOption = {function: "pbkdf2", cost: 16};

/**
 * A complete local setup on loopback, in this process: a cluster (keys split t-of-n), the simulated
 * beacon chain, one Web3Signer-compatible signer per node holding its key shares, and the cohort nodes.
 */
export async function startLocalCluster(opts: LocalClusterOpts, logger: Logger = nullLogger()): Promise<LocalCluster> {
  return startPreparedCluster(opts, await prepareDevnet(opts, logger), logger);
}

/**
 * The same against an external (dev chain) BN instead of the simulated chain: the cluster splits the
 * interop keys of `external.interop` on the BN's chain (`opts.validators`, `secondsPerSlot` and
 * `genesisDelaySec` do not apply).
 */
export async function startLocalClusterOnBeacon(
  opts: LocalClusterOpts,
  external: ExternalBeaconOpts,
  logger: Logger = nullLogger(),
): Promise<LocalCluster<null>> {
  return startPreparedCluster(opts, await prepareExternalDevnet(opts, external, logger), logger);
}

async function startPreparedCluster<B extends SimulatedBeaconNode | null>(
  opts: LocalClusterOpts,
  prepared: PreparedDevnet<B>,
  logger: Logger,
): Promise<LocalCluster<B>> {
  const {clusterDir, chainConfig, gvr, ports, beacon, beaconUrl, genesisTime, secondsPerSlot} = prepared;
  const signers: RunningSigner[] = [];
  const nodes: (CohortNode | null)[] = [];
  const outcomes: (DutyOutcome & {node: number})[] = [];
  async function startNode(i: number, spec?: NodeFaultsSpec): Promise<void> {
    if (nodes[i]) throw new Error(`node ${i} is running`);
    const loaded = await loadNode(path.join(clusterDir, nodeDirName(i)));
    const faults =
      typeof spec === "function"
        ? spec({
            self: loaded.operatorIndex,
            identity: loaded.identity,
            clusterId: fromHex(loaded.lock.lockHash, 32),
          })
        : spec;
    const node = new CohortNode(
      {
        lock: loaded.lock,
        operatorIndex: loaded.operatorIndex,
        beaconNodeUrls: [beaconUrl],
        ...(opts.validatorApiNodes?.includes(i)
          ? {validatorApi: {address: "127.0.0.1", port: 0}}
          : {remoteSignerUrl: signers[i].url}),
        dataDir: path.join(opts.dir, `data${i}`, "node"),
        p2pListen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
        // Δ scaled to fast slots: a dead leader costs a quarter slot, not a whole one.
        roundDurationMs: Math.min(1000, secondsPerSlot * 250),
        shareRebroadcastMs: Math.min(1000, secondsPerSlot * 250),
        monitoring: opts.monitoring ? {address: "127.0.0.1", port: 0} : undefined,
      },
      {identity: loaded.identity, logger: logger.child({node: i}), faults},
    );
    node.on("duty", (o) => outcomes.push({...o, node: i}));
    nodes[i] = node;
    await node.start();
  }
  async function stopNode(i: number): Promise<void> {
    const node = nodes[i];
    nodes[i] = null;
    await node?.stop();
  }
  const stop = async () => {
    await Promise.allSettled(nodes.map((n) => n?.stop()));
    await Promise.allSettled(signers.map((s) => s.close()));
    await beacon?.stop();
  };
  try {
    for (let i = 0; i < opts.nodes; i++) {
      const nodeDir = path.join(clusterDir, nodeDirName(i));
      const dataDir = path.join(opts.dir, `data${i}`);
      mkdirSync(dataDir, {recursive: true});
      signers.push(
        await startSignerService(
          {
            keystoresDir: path.join(nodeDir, VALIDATOR_KEYS_DIR),
            password: await readPasswordFile(path.join(nodeDir, VALIDATOR_KEYS_DIR, PASSWORD_FILE)),
            address: "127.0.0.1",
            port: 0,
            dataDir: path.join(dataDir, "signer"),
            chainConfig,
            genesisValidatorsRoot: gvr,
          },
          {logger: logger.child({module: "signer", node: i})},
        ),
      );
    }
    for (let i = 0; i < opts.nodes; i++) nodes.push(null);
    await Promise.all(nodes.map((_, i) => (opts.skipNodes?.includes(i) ? undefined : startNode(i, opts.faults?.[i]))));
  } catch (e) {
    await stop();
    throw e;
  }
  return {beacon, beaconUrl, genesisTime, secondsPerSlot, signers, nodes, outcomes, stop, stopNode, startNode};
}

export interface PreparedDevnet<B extends SimulatedBeaconNode | null = SimulatedBeaconNode> {
  clusterDir: string;
  chainConfig: ChainForkConfig;
  gvr: Uint8Array;
  /** One free p2p port per operator (the lock's addresses). */
  ports: number[];
  beacon: B;
  beaconUrl: string;
  genesisTime: number;
  secondsPerSlot: number;
}

/** The cluster (written under `dir/cluster`) and the started simulated chain for its validators. */
export async function prepareDevnet(opts: LocalClusterOpts, logger: Logger): Promise<PreparedDevnet> {
  // The KZG blob pool takes a few seconds once per process (its setup blocks the event loop, then the blobs'
  // proofs run on the thread pool while the cluster is written): ready before the genesis time is set, so
  // that it does not eat into the genesis delay.
  const blobsLoading = SimBlobs.load();
  // Awaited below; a failure meanwhile must not count as an unhandled rejection.
  blobsLoading.catch(() => undefined);
  const chainConfig = createSimChainConfig({secondsPerSlot: opts.secondsPerSlot, fuluForkEpoch: opts.fuluForkEpoch});
  const network = (gvr: Uint8Array) => ({
    name: "devnet",
    genesisForkVersion: toHex(chainConfig.GENESIS_FORK_VERSION),
    genesisValidatorsRoot: toHex(gvr),
  });
  // The genesis validators root depends on the validator keys: plan once to learn them, then create.
  const planned = planCluster(
    {
      nodes: opts.nodes,
      threshold: opts.threshold,
      // A devnet may try any threshold (fault experiments); its nodes warn when it is below ceil(2n/3).
      unsafeThreshold: true,
      validators: opts.validators,
      network: network(new Uint8Array(32)),
    },
    {random: seededRandom(opts.seed)},
  );
  const validatorKeys = planned.lock.validators.map((v) => new Uint8Array(Buffer.from(v.publicKey.slice(2), "hex")));
  const gvr = new ValidatorSet(validatorKeys).genesisValidatorsRoot;
  const ports = await freePorts(opts.nodes);
  const clusterDir = path.join(opts.dir, "cluster");
  await createCluster(
    {
      nodes: opts.nodes,
      threshold: opts.threshold,
      unsafeThreshold: true,
      validators: opts.validators,
      network: network(gvr),
      outDir: clusterDir,
      multiaddrs: ports.map((p) => [`/ip4/127.0.0.1/tcp/${p}`]),
      kdf: opts.kdf ?? LOW_COST_KDF,
    },
    // The same seed again: the same validator keys as planned above, now with the chain's root.
    {random: seededRandom(opts.seed)},
  );
  await blobsLoading;
  const beacon = new SimulatedBeaconNode(
    {
      port: 0,
      host: "127.0.0.1",
      validators: validatorKeys,
      secondsPerSlot: opts.secondsPerSlot,
      fuluForkEpoch: opts.fuluForkEpoch,
      genesisTime: Math.floor(Date.now() / 1000) + (opts.genesisDelaySec ?? 0),
    },
    {logger: logger.child({module: "simchain"})},
  );
  const beaconUrl = await beacon.start();
  return {
    clusterDir,
    chainConfig,
    gvr,
    ports,
    beacon,
    beaconUrl,
    genesisTime: beacon.chain.genesisTime,
    secondsPerSlot: opts.secondsPerSlot,
  };
}

/** The cluster of the interop keys `external.interop`, on the chain of the BN at `external.url`. */
export async function prepareExternalDevnet(
  opts: LocalClusterOpts,
  external: ExternalBeaconOpts,
  logger: Logger,
): Promise<PreparedDevnet<null>> {
  const chain = await prepareExternalBeacon(external, logger);
  const ports = await freePorts(opts.nodes);
  const clusterDir = path.join(opts.dir, "cluster");
  await createCluster(
    {
      nodes: opts.nodes,
      threshold: opts.threshold,
      unsafeThreshold: true,
      existingSecrets: interopSecretKeys(external.interop),
      network: {
        name: "devnet",
        genesisForkVersion: toHex(chain.config.GENESIS_FORK_VERSION),
        genesisValidatorsRoot: toHex(chain.config.genesisValidatorsRoot),
      },
      outDir: clusterDir,
      multiaddrs: ports.map((p) => [`/ip4/127.0.0.1/tcp/${p}`]),
      kdf: opts.kdf ?? LOW_COST_KDF,
    },
    {random: seededRandom(opts.seed)},
  );
  return {
    clusterDir,
    chainConfig: chain.config,
    gvr: chain.config.genesisValidatorsRoot,
    ports,
    beacon: null,
    beaconUrl: external.url,
    genesisTime: chain.genesisTime,
    secondsPerSlot: chain.config.SECONDS_PER_SLOT,
  };
}

/** Ports handed out by `freePorts` in this process: never handed out twice. */
const handedOutPorts = new Set<number>();
const LOWEST_PORT = 10_000;

/** The first port of the OS's ephemeral range (Linux reports it; 32768 elsewhere). */
function ephemeralPortsFrom(): number {
  try {
    const first = Number.parseInt(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"), 10);
    return Number.isInteger(first) ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * Ports free on 127.0.0.1 now (bound then released) for servers started later. They are taken below
 * the OS's ephemeral range, from a random point: a port the OS hands out itself (listen on port 0, the
 * source port of an outgoing connection) could be taken by this process's own HTTP clients before the
 * server it was meant for binds it.
 */
export async function freePorts(count: number): Promise<number[]> {
  const end = ephemeralPortsFrom();
  const span = end - LOWEST_PORT;
  if (span < 1_000) throw new Error(`no port range below the ephemeral ports (from ${end}) to pick from`);
  const ports: number[] = [];
  let candidate = LOWEST_PORT + Math.floor(Math.random() * span);
  for (let tried = 0; ports.length < count && tried < span; tried++) {
    candidate = candidate + 1 < end ? candidate + 1 : LOWEST_PORT;
    if (handedOutPorts.has(candidate) || !(await canListen(candidate))) continue;
    handedOutPorts.add(candidate);
    ports.push(candidate);
  }
  if (ports.length < count) throw new Error(`only ${ports.length} of ${count} free ports below ${end}`);
  return ports;
}

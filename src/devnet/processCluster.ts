import {type ChildProcess, spawn} from "node:child_process";
import {mkdirSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {createInterface} from "node:readline";
import {ACTIVE_PRESET} from "@lodestar/params";
import {IDENTITY_KEY_FILE, nodeDirName, PASSWORD_FILE, VALIDATOR_KEYS_DIR} from "../cluster/index.js";
import {CLUSTER_LOCK_FILE} from "../cluster/lock.js";
import type {DutyOutcome} from "../duties/outcome.js";
import {toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {SimulatedBeaconNode} from "./beacon/index.js";
import {type CliEntry, resolveCliEntry} from "./cliEntry.js";
import type {ExternalBeaconOpts} from "./externalBeacon.js";
import type {NodeFaultFlags} from "./faults.js";

import {
  freePorts,
  type LocalClusterOpts,
  type PreparedDevnet,
  prepareDevnet,
  prepareExternalDevnet,
} from "./localCluster.js";

export interface ProcessClusterOpts extends Omit<LocalClusterOpts, "faults" | "monitoring"> {
  /** Per operator index: fault flags handed to its `cohort run` as the hidden `--devnet-*` flags. */
  faultFlags?: NodeFaultFlags[];
  /** How to start the CLI (default `resolveCliEntry()`, its fallback logged as a warning). */
  cliEntry?: CliEntry;
}

/** `beacon`: the simulated chain, or null when running against an external BN. */
export interface ProcessCluster<B extends SimulatedBeaconNode | null = SimulatedBeaconNode> {
  beacon: B;
  beaconUrl: string;
  /** The chain's clock (the simulated chain's or the external BN's). */
  genesisTime: number;
  secondsPerSlot: number;
  /** Each node's monitoring URL (/metrics, /livez, /readyz). */
  monitoringUrls: string[];
  /** Duty outcomes read from the nodes' structured logs, with the node's index. */
  outcomes: (DutyOutcome & {node: number})[];
  /** Per operator index, whether its `cohort run` process is alive. */
  running(): boolean[];
  /** SIGKILLs node `index`'s process (a crash: no shutdown, its DB as the kill left it). */
  stopNode(index: number): Promise<void>;
  /** Spawns node `index` again on the same data dir, with the same flags; resolves once it has started. */
  startNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The devnet as an operator runs it: the simulated chain in this process, and per co-validator a
 * `cohort signer` process and a `cohort run` process, started with the same command lines a user types.
 * The signers start in parallel, then the nodes in parallel; resolves once every node logged its start.
 */
export async function startProcessCluster(
  opts: ProcessClusterOpts,
  logger: Logger = nullLogger(),
): Promise<ProcessCluster> {
  return startPreparedProcesses(opts, await prepareDevnet(opts, logger), logger);
}

/** The same against an external (dev chain) BN, the cluster splitting its interop keys `external.interop`. */
export async function startProcessClusterOnBeacon(
  opts: ProcessClusterOpts,
  external: ExternalBeaconOpts,
  logger: Logger = nullLogger(),
): Promise<ProcessCluster<null>> {
  return startPreparedProcesses(opts, await prepareExternalDevnet(opts, external, logger), logger);
}

async function startPreparedProcesses<B extends SimulatedBeaconNode | null>(
  opts: ProcessClusterOpts,
  prepared: PreparedDevnet<B>,
  logger: Logger,
): Promise<ProcessCluster<B>> {
  const {clusterDir, gvr, beacon, beaconUrl, genesisTime, secondsPerSlot} = prepared;
  const signers: ChildProcess[] = [];
  const nodes: (ChildProcess | null)[] = Array.from({length: opts.nodes}, () => null);
  const outcomes: (DutyOutcome & {node: number})[] = [];
  // If this process dies without stopping the cluster (an uncaught error, a closed stdout), its
  // children must not outlive it.
  const killAll = () => {
    for (const c of [...nodes, ...signers]) c?.kill("SIGKILL");
  };
  process.once("exit", killAll);
  let stopped = false;
  const stop = async () => {
    stopped = true;
    process.off("exit", killAll);
    await Promise.all(nodes.map((c) => (c ? terminate(c) : undefined)));
    await Promise.all(signers.map((c) => terminate(c)));
    await beacon?.stop();
  };
  const signerPorts = await freePorts(opts.nodes);
  const monitoringPorts = await freePorts(opts.nodes);
  // V8's compile cache on disk: the 2n children load the same modules, and later runs load them again.
  const env = {
    NODE_COMPILE_CACHE: path.join(os.tmpdir(), "cohort-node-compile-cache"),
    ...process.env,
    LODESTAR_PRESET: ACTIVE_PRESET,
  };
  const entry = opts.cliEntry ?? resolveCliEntry();
  if (!opts.cliEntry && entry.fallbackReason) {
    logger.warn("the node processes run the sources through tsx, slower to start", {reason: entry.fallbackReason});
  }
  const cohort = (args: string[]): ChildProcess =>
    // `node` itself (not a wrapper such as the tsx binary) so that signals reach cohort.
    spawn(process.execPath, [...entry.nodeArgs, ...args], {env, stdio: ["ignore", "pipe", "pipe"]});

  const runArgs = (i: number): string[] => {
    const nodeDir = path.join(clusterDir, nodeDirName(i));
    const flags = opts.faultFlags?.[i];
    const faultArgs =
      flags && (flags.byzantine.length > 0 || flags.latencyMs > 0 || flags.dropRate > 0)
        ? [
            ...flags.byzantine.flatMap((m) => ["--devnet-byzantine", m]),
            ...["--devnet-latency", String(flags.latencyMs), "--devnet-drop", String(flags.dropRate)],
            ...["--devnet-seed", String(flags.seed)],
          ]
        : [];
    return [
      "run",
      ...[
        "--cluster-lock",
        path.join(nodeDir, CLUSTER_LOCK_FILE),
        "--identity-key",
        path.join(nodeDir, IDENTITY_KEY_FILE),
      ],
      ...["--beacon-nodes", beaconUrl, "--remote-signer", `http://127.0.0.1:${signerPorts[i]}`],
      ...["--data-dir", path.join(opts.dir, `data${i}`, "node"), "--monitoring-port", String(monitoringPorts[i])],
      // Δ scaled to fast slots as in the in-process devnet: a dead leader costs a quarter slot.
      ...["--devnet", "--devnet-round-duration-ms", String(Math.min(1000, secondsPerSlot * 250))],
      ...faultArgs,
    ];
  };
  async function startNode(i: number): Promise<void> {
    if (nodes[i]) throw new Error(`node ${i} is running`);
    if (stopped) throw new Error("the cluster is stopped");
    const child = cohort(runArgs(i));
    nodes[i] = child;
    child.once("exit", () => {
      if (nodes[i] === child) nodes[i] = null;
    });
    const started = waitForLine(child, /"cohort node started"/, `node ${i}`);
    readOutcomes(child, i, outcomes);
    await started;
  }
  async function stopNode(i: number): Promise<void> {
    const child = nodes[i];
    if (!child) return;
    nodes[i] = null;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  try {
    const specFile = path.join(opts.dir, "chain-spec.json");
    writeFileSync(specFile, await (await fetch(`${beaconUrl}/eth/v1/config/spec`)).text());
    // Each node as soon as its own signer listens (it asks the signer for its key shares on start), all
    // in parallel: while one process loads, another's start-up I/O goes on.
    await Promise.all(
      Array.from({length: opts.nodes}, async (_, i) => {
        const nodeDir = path.join(clusterDir, nodeDirName(i));
        const dataDir = path.join(opts.dir, `data${i}`);
        mkdirSync(dataDir, {recursive: true});
        const signer = cohort([
          "signer",
          ...["--keystores", path.join(nodeDir, VALIDATOR_KEYS_DIR)],
          ...["--password-file", path.join(nodeDir, VALIDATOR_KEYS_DIR, PASSWORD_FILE)],
          ...["--port", String(signerPorts[i]), "--data-dir", path.join(dataDir, "signer")],
          ...["--chain-config", specFile, "--genesis-validators-root", toHex(gvr), "--log-level", "warn"],
        ]);
        signers.push(signer);
        await waitForLine(signer, /listening on/, `signer ${i}`);
        if (!opts.skipNodes?.includes(i)) await startNode(i);
      }),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    beacon,
    beaconUrl,
    genesisTime,
    secondsPerSlot,
    monitoringUrls: monitoringPorts.map((p) => `http://127.0.0.1:${p}`),
    outcomes,
    running: () => nodes.map((c) => c !== null),
    stopNode,
    startNode,
    stop,
  };
}

/** Duty outcomes from a node's JSON log lines ("duty submitted" / "duty failed"). */
function readOutcomes(child: ChildProcess, node: number, outcomes: (DutyOutcome & {node: number})[]): void {
  if (!child.stderr) return;
  createInterface({input: child.stderr}).on("line", (line) => {
    if (!line.includes('"duty ')) return;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === "duty submitted" || entry.msg === "duty failed") {
        outcomes.push({...(entry as unknown as DutyOutcome), node});
      }
    } catch {
      // Not a log line of ours.
    }
  });
}

/** Resolves when `pattern` shows up on the child's stdout or stderr; rejects if the child exits first. */
async function waitForLine(child: ChildProcess, pattern: RegExp, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
      if (pattern.test(output)) {
        done();
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`${name} exited (${code}) before starting: ${output.slice(-500)}`));
    };
    const done = () => {
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

import {type ChildProcess, spawn} from "node:child_process";
import {mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {createInterface} from "node:readline";
import {fileURLToPath} from "node:url";
import {ACTIVE_PRESET} from "@lodestar/params";
import {IDENTITY_KEY_FILE, nodeDirName, PASSWORD_FILE, VALIDATOR_KEYS_DIR} from "../cluster/index.js";
import {CLUSTER_LOCK_FILE} from "../cluster/lock.js";
import type {DutyOutcome} from "../duties/outcome.js";
import {toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {SimulatedBeaconNode} from "./beacon/index.js";
import {freePorts, type LocalClusterOpts, prepareDevnet} from "./localCluster.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "../plugin/cli/index.ts");

export interface ProcessCluster {
  beacon: SimulatedBeaconNode;
  beaconUrl: string;
  /** Each node's monitoring URL (/metrics, /livez, /readyz). */
  monitoringUrls: string[];
  /** Duty outcomes read from the nodes' structured logs, with the node's index. */
  outcomes: (DutyOutcome & {node: number})[];
  stop(): Promise<void>;
}

/**
 * The devnet as an operator runs it: the simulated chain in this process, and per co-validator a
 * `cohort signer` process and a `cohort run` process, started with the same command lines a user types.
 */
export async function startProcessCluster(
  opts: LocalClusterOpts,
  logger: Logger = nullLogger(),
): Promise<ProcessCluster> {
  const {clusterDir, gvr, beacon, beaconUrl} = await prepareDevnet(opts, logger);
  const children: ChildProcess[] = [];
  const outcomes: (DutyOutcome & {node: number})[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => terminate(c)));
    await beacon.stop();
  };
  const signerPorts = await freePorts(opts.nodes);
  const monitoringPorts = await freePorts(opts.nodes);
  try {
    const specFile = path.join(opts.dir, "chain-spec.json");
    writeFileSync(specFile, await (await fetch(`${beaconUrl}/eth/v1/config/spec`)).text());
    const env = {...process.env, LODESTAR_PRESET: ACTIVE_PRESET};
    for (let i = 0; i < opts.nodes; i++) {
      const nodeDir = path.join(clusterDir, nodeDirName(i));
      const dataDir = path.join(opts.dir, `data${i}`);
      mkdirSync(dataDir, {recursive: true});
      const signer = cohort(env, [
        "signer",
        ...["--keystores", path.join(nodeDir, VALIDATOR_KEYS_DIR)],
        ...["--password-file", path.join(nodeDir, VALIDATOR_KEYS_DIR, PASSWORD_FILE)],
        ...["--port", String(signerPorts[i]), "--data-dir", path.join(dataDir, "signer")],
        ...["--chain-config", specFile, "--genesis-validators-root", toHex(gvr), "--log-level", "warn"],
      ]);
      children.push(signer);
      await waitForLine(signer, /listening on/, `signer ${i}`);
    }
    for (let i = 0; i < opts.nodes; i++) {
      if (opts.skipNodes?.includes(i)) continue;
      const nodeDir = path.join(clusterDir, nodeDirName(i));
      const node = cohort(env, [
        "run",
        ...[
          "--cluster-lock",
          path.join(nodeDir, CLUSTER_LOCK_FILE),
          "--identity-key",
          path.join(nodeDir, IDENTITY_KEY_FILE),
        ],
        ...["--beacon-nodes", beaconUrl, "--remote-signer", `http://127.0.0.1:${signerPorts[i]}`],
        ...["--data-dir", path.join(opts.dir, `data${i}`, "node"), "--monitoring-port", String(monitoringPorts[i])],
      ]);
      children.push(node);
      readOutcomes(node, i, outcomes);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    beacon,
    beaconUrl,
    monitoringUrls: monitoringPorts.map((p) => `http://127.0.0.1:${p}`),
    outcomes,
    stop,
  };
}

function cohort(env: NodeJS.ProcessEnv, args: string[]): ChildProcess {
  // `node --import tsx` (not the tsx wrapper) so that SIGTERM reaches cohort itself.
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {env, stdio: ["ignore", "pipe", "pipe"]});
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

async function waitForLine(child: ChildProcess, pattern: RegExp, name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (d: Buffer) => {
      output += d.toString();
      if (pattern.test(output)) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) before starting: ${output.slice(-500)}`)));
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

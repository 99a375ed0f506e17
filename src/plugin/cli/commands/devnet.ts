import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {CELLS_PER_EXT_BLOB, SLOTS_PER_EPOCH} from "@lodestar/params";
import type {CommandModule} from "yargs";
import {CLUSTER_LOCK_FILE, loadClusterLock} from "../../../cluster/lock.js";
import type {SimulatedBeaconNode} from "../../../devnet/beacon/index.js";
import {resolveCliEntry} from "../../../devnet/cliEntry.js";
import {
  BYZANTINE_MODES,
  FaultSpecError,
  hashSeed,
  type NodeFaultFlags,
  parseFaultPlan,
} from "../../../devnet/faultSpec.js";
import type {ByzantineContext} from "../../../devnet/faults.js";
import {
  DEVNET_FORKS,
  describeForkSchedule,
  type ForkSchedule,
  ForkSpecError,
  parseForkSchedule,
} from "../../../devnet/forkSpec.js";
import type {IndexRange} from "../../../devnet/interop.js";
import {LiveView, outcomeSlotLine, slotLine} from "../../../devnet/liveView.js";
import type {LocalCluster, NodeFaultsSpec} from "../../../devnet/localCluster.js";
import {lockSettingsOnChain} from "../../../devnet/lockChecks.js";
import {fetchNodeHealth, formatPeers, formatReadiness, type NodeHealth} from "../../../devnet/nodeHealth.js";
import type {ProcessCluster} from "../../../devnet/processCluster.js";
import {fetchShareCounts, ShareCountTracker} from "../../../devnet/shareCounts.js";
import {type OutcomeSummary, summarize, summarizeOutcomes} from "../../../devnet/summary.js";
import {createLogger, type LogLevel} from "../../../util/logger.js";
import {CliError} from "../errors.js";

/**
 * Genesis delay of the multi-process devnet: about what 2n compiled processes take to load and start in
 * parallel on a 2-core machine. Started later (a loaded machine), the run counts from the first slot
 * after the start; started earlier, they wait less than a slot or two.
 */
const PROCESS_GENESIS_DELAY_SEC = 8;
const IN_PROCESS_GENESIS_DELAY_SEC = 3;
const DEFAULT_VALIDATORS = 4;
const DEFAULT_SECONDS_PER_SLOT = 2;

interface DevnetArgs {
  nodes: number;
  threshold?: number;
  validators?: number;
  "seconds-per-slot"?: number;
  fork?: string;
  "fork-epoch"?: string[];
  "beacon-node"?: string;
  "interop-indexes"?: string;
  epochs: number;
  dir?: string;
  seed?: string;
  "in-process": boolean;
  "genesis-delay"?: number;
  byzantine?: string[];
  "kill-node"?: string[];
  "restart-node"?: string[];
  latency: number;
  drop: number;
  json: boolean;
  "log-level": string;
}

export const devnetCommand: CommandModule<object, DevnetArgs> = {
  command: "devnet",
  describe: "Run a complete local distributed validator on loopback: cluster, simulated chain, signers, n nodes",
  builder: (y) =>
    y
      .option("nodes", {type: "number", default: 4, describe: "Co-validators"})
      .option("threshold", {type: "number", describe: "Shares needed (default ceil(2n/3))"})
      .option("validators", {
        type: "number",
        describe: `Validators of the cluster (default ${DEFAULT_VALIDATORS}; with --beacon-node, B - A + 1)`,
      })
      .option("seconds-per-slot", {
        type: "number",
        describe: `Slot length of the simulated chain (default ${DEFAULT_SECONDS_PER_SLOT})`,
      })
      .option("fork", {
        type: "string",
        choices: DEVNET_FORKS,
        describe: "The simulated chain's fork at genesis (default fulu, the fork mainnet runs)",
      })
      .option("fork-epoch", {
        type: "string",
        array: true,
        describe: "fulu:N — start at Electra and fork to Fulu at epoch N (a fork transition)",
      })
      .option("beacon-node", {
        type: "string",
        describe:
          "Run against this external dev beacon node (e.g. `lodestar dev`) instead of the simulated chain; needs --interop-indexes",
      })
      .option("interop-indexes", {
        type: "string",
        describe:
          "A..B (with --beacon-node): the cluster splits the interop keys of the BN's genesis validators A to B (dev chains ONLY)",
      })
      .option("epochs", {type: "number", default: 0, describe: "Stop after this many epochs (0: run until Ctrl-C)"})
      .option("dir", {
        type: "string",
        describe: "Where to create the cluster and data (default: a temporary directory, removed after)",
      })
      .option("seed", {type: "string", describe: "Derive every key from this seed (default: random)"})
      .option("in-process", {
        type: "boolean",
        default: false,
        describe:
          "Run the signers and nodes inside this process (by default each is its own `cohort signer` / `cohort run` process, as operators run them)",
      })
      .option("genesis-delay", {
        type: "number",
        describe: `Seconds from the start to genesis (default ${PROCESS_GENESIS_DELAY_SEC}, ${IN_PROCESS_GENESIS_DELAY_SEC} with --in-process); slots that begin before every node is up are not counted`,
      })
      .option("byzantine", {
        type: "string",
        array: true,
        describe: `I:MODE — node I misbehaves: ${BYZANTINE_MODES.join(", ")}`,
      })
      .option("kill-node", {type: "string", array: true, describe: "I@SLOT — stop node I at that slot"})
      .option("restart-node", {type: "string", array: true, describe: "I@SLOT — start node I again at that slot"})
      .option("latency", {type: "number", default: 0, describe: "Added latency (ms) of every message between nodes"})
      .option("drop", {type: "number", default: 0, describe: "Probability (0..1) that a message between nodes is lost"})
      .option("json", {
        type: "boolean",
        default: false,
        describe: "stdout: only the summary as JSON (the slot lines go to stderr)",
      })
      .option("log-level", {
        type: "string",
        default: "error",
        choices: ["error", "warn", "info", "verbose", "debug"],
        describe: "Node log level (stderr)",
      }),
  handler: async (args) => {
    if (!Number.isInteger(args.nodes) || args.nodes < 1 || args.nodes > 16) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "nodes"}, "--nodes must be 1..16");
    }
    const external = await externalBeaconOf(args);
    const forks = forkScheduleOf(args);
    const validators = external
      ? external.interop.to - external.interop.from + 1
      : (args.validators ?? DEFAULT_VALIDATORS);
    const secondsPerSlot = args["seconds-per-slot"] ?? DEFAULT_SECONDS_PER_SLOT;
    if (!Number.isInteger(validators) || validators < 1 || validators > 1000) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "validators"}, "--validators must be 1..1000");
    }
    if (!(args.drop >= 0 && args.drop < 1) || !(args.latency >= 0)) {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "drop"},
        "--drop must be in [0, 1) and --latency >= 0",
      );
    }
    const genesisDelay = args["genesis-delay"];
    if (genesisDelay !== undefined && !(Number.isInteger(genesisDelay) && genesisDelay >= 0 && genesisDelay <= 600)) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "genesis-delay"}, "--genesis-delay must be 0..600 s");
    }
    let plan: ReturnType<typeof parseFaultPlan>;
    try {
      plan = parseFaultPlan(
        {byzantine: args.byzantine, killNode: args["kill-node"], restartNode: args["restart-node"]},
        args.nodes,
      );
    } catch (e) {
      if (e instanceof FaultSpecError) throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.flag}, e.message);
      throw e;
    }
    const seed = args.seed ?? randomBytes(16).toString("hex");
    const faultFlags = Array.from(
      {length: args.nodes},
      (_, i): NodeFaultFlags => ({
        byzantine: plan.byzantine.get(i) ?? [],
        latencyMs: args.latency,
        dropRate: args.drop,
        seed: hashSeed(seed) + i,
      }),
    );
    // Loaded here, not at the top: every other command would pay for the whole devnet.
    const {nodeFaultsOf} = await import("../../../devnet/faults.js");
    const {startLocalCluster, startLocalClusterOnBeacon} = await import("../../../devnet/localCluster.js");
    const {startProcessCluster, startProcessClusterOnBeacon} = await import("../../../devnet/processCluster.js");
    const faults: Record<number, NodeFaultsSpec> = Object.fromEntries(
      faultFlags.map((flags, i) => [i, (ctx: ByzantineContext) => nodeFaultsOf(flags, ctx) ?? {}]),
    );

    const dir = args.dir ?? mkdtempSync(path.join(os.tmpdir(), "cohort-devnet-"));
    // With --json, stdout carries only the summary; the live lines go to stderr.
    const out = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
    out(
      external
        ? `cohort devnet: ${args.nodes} nodes, interop validators ${external.interop.from}..${external.interop.to} of the beacon node ${external.url}, in ${dir}`
        : `cohort devnet: ${args.nodes} nodes, ${validators} validators, ${secondsPerSlot} s slots, ${SLOTS_PER_EPOCH} slots per epoch, ${describeForkSchedule(forks)}, in ${dir}`,
    );
    out(
      external
        ? "reading the beacon node's chain, creating the cluster and starting the signers and the nodes…"
        : "creating the cluster and starting the chain, the signers and the nodes…",
    );
    const inProcess = args["in-process"];
    const cliEntry = inProcess ? undefined : resolveCliEntry();
    if (cliEntry?.fallbackReason) {
      out(`warning: ${cliEntry.fallbackReason}; the node processes run the sources through tsx, slower to start`);
    }
    const clusterOpts = {
      dir,
      nodes: args.nodes,
      threshold: args.threshold,
      validators,
      secondsPerSlot,
      fuluForkEpoch: forks.fuluForkEpoch,
      // Separate processes need a few seconds each to load on a small machine; they start in parallel.
      genesisDelaySec: args["genesis-delay"] ?? (inProcess ? IN_PROCESS_GENESIS_DELAY_SEC : PROCESS_GENESIS_DELAY_SEC),
      seed,
    };
    const logger = createLogger({level: args["log-level"] as LogLevel});
    // Ctrl-C or a SIGTERM, even while starting: stop at the next tick, then stop the cluster (its
    // processes too) and print the summary.
    let stopping = false;
    const onSignal = () => {
      stopping = true;
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const startedAt = Date.now();
    let cluster: LocalCluster<SimulatedBeaconNode | null> | ProcessCluster<SimulatedBeaconNode | null>;
    try {
      cluster = external
        ? inProcess
          ? await startLocalClusterOnBeacon({...clusterOpts, faults, monitoring: true}, external, logger)
          : await startProcessClusterOnBeacon({...clusterOpts, faultFlags, cliEntry}, external, logger)
        : inProcess
          ? await startLocalCluster({...clusterOpts, faults, monitoring: true}, logger)
          : await startProcessCluster({...clusterOpts, faultFlags, cliEntry}, logger);
    } catch (e) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (!args.dir) rmSync(dir, {recursive: true, force: true});
      // The external BN unreachable, or on another preset: the user's to fix, said plainly.
      if (external) {
        throw new CliError(
          {code: "CLI_COMMAND_FAILED"},
          `cannot run against the beacon node ${external.url}: ${(e as Error).message}`,
        );
      }
      throw e;
    }
    out(`nodes started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    const {genesisTime} = cluster;
    const slotMs = cluster.secondsPerSlot * 1000;
    const currentSlot = () => Math.max(0, Math.floor((Date.now() - genesisTime * 1000) / slotMs));
    const genesisInSec = Math.round(genesisTime - Date.now() / 1000);
    // Duties of slots that began before every node was up are not the cluster's to answer for: the run
    // (and its summary) starts at the first slot after the start.
    // Against a running chain (an external one, or ours when the node processes took longer than the genesis
    // delay), one more slot: the nodes are up but still dialing each other.
    const firstSlot = genesisInSec >= 0 ? 0 : currentSlot() + (external || !inProcess ? 2 : 1);
    out(
      genesisInSec >= 0
        ? `genesis in ${genesisInSec} s`
        : `genesis was ${-genesisInSec} s ago: counting from slot ${firstSlot}`,
    );
    const chainName = external ? "beacon node" : "beacon chain";
    out(
      "signers" in cluster
        ? `${chainName} ${cluster.beaconUrl}; signers ${cluster.signers.map((s) => s.url).join(" ")}`
        : `${chainName} ${cluster.beaconUrl}; node monitoring ${cluster.monitoringUrls.join(" ")}`,
    );

    // One line per slot, a slot after it: what the chain accepted and what the nodes reported. On a TTY
    // the lines and a per-node table are redrawn in place; otherwise they are printed one by one.
    const live = process.stdout.isTTY && !args.json ? new LiveView(process.stdout) : null;
    const header = `cohort devnet: ${args.nodes} nodes, ${validators} validators, ${chainName} ${cluster.beaconUrl} (Ctrl-C to stop)`;
    const slotLines: string[] = [];
    // Each node's health and peers (RTT), polled from its /readyz and /metrics.
    const health = new Map<number, NodeHealth>();
    const monitoringUrl = (i: number) =>
      "signers" in cluster ? (cluster.nodes[i]?.monitoringUrl ?? null) : cluster.monitoringUrls[i];
    let polling = false;
    const pollHealth = () => {
      if (polling) return;
      polling = true;
      void Promise.all(
        Array.from({length: args.nodes}, async (_, i) => {
          const url = monitoringUrl(i);
          if (url) health.set(i, await fetchNodeHealth(url));
          else health.delete(i);
        }),
      ).finally(() => {
        polling = false;
      });
    };
    // Each node's share counters (/metrics), sampled at the start of each slot: per-slot deltas for the
    // slot lines, run totals (invalid shares) for the summary.
    const shareCounts = new ShareCountTracker();
    let sampledSlot = -1;
    let sampling: Promise<void> | null = null;
    const sampleShares = async (slot: number) => {
      const counts = await Promise.all(
        Array.from({length: args.nodes}, (_, i) => {
          const url = monitoringUrl(i);
          return url ? fetchShareCounts(url) : Promise.resolve(null);
        }),
      );
      for (const [i, c] of counts.entries()) shareCounts.observe(i, c);
      shareCounts.mark(slot);
    };
    const nodeStates = () =>
      Array.from({length: args.nodes}, (_, index) => ({
        index,
        status: ("signers" in cluster ? cluster.nodes[index] !== null : cluster.running()[index])
          ? "running"
          : "stopped",
        health: health.get(index),
      }));
    const note = (line: string): void => {
      if (live) slotLines.push(line);
      else out(line);
    };
    let reported = firstSlot - 1;
    const lastSlot = args.epochs > 0 ? firstSlot + args.epochs * SLOTS_PER_EPOCH - 1 : Number.POSITIVE_INFINITY;
    const pendingActions = [
      ...plan.kills.map((k) => ({...k, action: "kill" as const})),
      ...plan.restarts.map((r) => ({...r, action: "restart" as const})),
    ];
    let ticks = 0;
    const nodeActions = new Map<number, Promise<void>>();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        if (ticks++ % 15 === 0) pollHealth(); // every 3 s: /readyz asks the BN and the RS
        const current = currentSlot();
        if (current > sampledSlot && sampling === null) {
          sampledSlot = current;
          sampling = sampleShares(current).finally(() => {
            sampling = null;
          });
        }
        for (const a of pendingActions.filter((x) => x.slot <= current)) {
          pendingActions.splice(pendingActions.indexOf(a), 1);
          note(`slot ${current}: ${a.action === "kill" ? "killing" : "restarting"} node ${a.node}`);
          // One node's kill and restart run in order, even when both fall due at once.
          const previous = nodeActions.get(a.node) ?? Promise.resolve();
          const action = previous.then(() =>
            a.action === "kill"
              ? cluster.stopNode(a.node)
              : "signers" in cluster
                ? cluster.startNode(a.node, faults[a.node])
                : cluster.startNode(a.node),
          );
          nodeActions.set(
            a.node,
            action.then(
              () => note(`node ${a.node} ${a.action === "kill" ? "killed" : "restarted"}`),
              (e) => note(`node ${a.node}: ${(e as Error).message}`),
            ),
          );
        }
        while (reported + 1 < current - 1 && reported + 1 <= lastSlot) {
          reported++;
          const shares = shareCounts.forSlot(reported);
          const line = cluster.beacon
            ? slotLine(reported, cluster.beacon.chain.records(), cluster.outcomes, shares)
            : outcomeSlotLine(reported, cluster.outcomes, shares);
          note(line);
          // Without the live table, the nodes' health is a line per epoch.
          if (!live && reported % SLOTS_PER_EPOCH === 0 && health.size > 0) {
            note(
              `nodes: ${nodeStates()
                .map((n) => `${n.index} ${formatReadiness(n.health)}, peers ${formatPeers(n.health)}`)
                .join(" | ")}`,
            );
          }
        }
        live?.render({header, slotLines: slotLines.slice(-12), nodes: nodeStates(), outcomes: cluster.outcomes});
        if (reported >= lastSlot || stopping) {
          clearInterval(tick);
          live?.done();
          resolve();
        }
      }, 200);
    });
    // A restart still loading at the end is waited for (its outcome is part of the run's story).
    await Promise.all(nodeActions.values());
    // The nodes' last share counters, before they stop.
    await sampling;
    await sampleShares(currentSlot());
    const invalidShares = shareCounts.totals().invalid;
    // The summary covers the slots reported above; duties still in flight at the stop are not counted.
    const range = {from: firstSlot, to: reported};
    // The lock the run was created with: its fee recipients and registrations are checked on the chain.
    const lock = cluster.beacon ? await loadClusterLock(path.join(dir, "cluster", CLUSTER_LOCK_FILE)) : null;
    const summary = cluster.beacon
      ? summarize(
          range,
          cluster.beacon.chain.records(),
          cluster.outcomes,
          cluster.beacon.chain.stats().slashable.total,
          invalidShares,
          lock && lockSettingsOnChain(cluster.beacon.chain, lock, range),
        )
      : {beaconNode: cluster.beaconUrl, ...summarizeOutcomes(range, cluster.outcomes, invalidShares)};
    const blobs = cluster.beacon ? blobsOnChain(cluster.beacon.chain, range) : null;
    await cluster.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (!args.dir) rmSync(dir, {recursive: true, force: true});
    if (args.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else if (!("slashable" in summary)) {
      out("");
      out(
        `summary (slots ${firstSlot}..${reported}), per validator duty (done = the BN took it from at least one node):`,
      );
      for (const [type, d] of Object.entries(summary.duties)) {
        const median = summary.latencyMs[type as keyof typeof summary.latencyMs].median;
        if (d.duties > 0) {
          out(
            `  ${type}: ${d.done}/${d.duties} done, ${d.failed} failed (node outcomes ${d.nodeSubmitted} submitted, ${d.nodeFailed} failed), median ${median ?? "-"} ms trigger→submitted`,
          );
        }
      }
      out(`node failures by reason: ${formatReasons(summary)}`);
      out(`invalid shares seen by the nodes: ${summary.invalidShares ?? "-"}`);
      out(`verdict: ${summary.verdict}`);
    } else {
      const {attester, proposer, aggregator, syncMessage, syncContribution} = summary.duties;
      out("");
      out(
        `summary (slots ${firstSlot}..${reported}): attestations ${attester.accepted}/${attester.expected} accepted, proposals ${proposer.accepted}/${proposer.expected} accepted, aggregations ${aggregator.accepted}/${aggregator.expected} accepted, sync messages ${syncMessage.accepted}/${syncMessage.expected} accepted, sync contributions ${syncContribution.accepted}/${syncContribution.expected} accepted`,
      );
      const failures = Object.values(summary.failuresByReason).reduce((a, b) => a + b, 0);
      out(
        `slashable messages seen by the chain: ${summary.slashable}; failed duty outcomes on the nodes: ${failures}; invalid shares seen by the nodes: ${summary.invalidShares ?? "-"}`,
      );
      if (summary.lock !== null) {
        const {feeRecipients: f, registrations: r} = summary.lock;
        out(
          `fee recipients: ${f.payingLock}/${f.proposals} of the cluster's blocks pay the lock's${f.wrong.length ? ` (${f.wrong.slice(0, 3).join("; ")})` : ""}; builder registrations: ${r.fromLock}/${r.validators} reached the beacon node as the lock signed them${r.missing.length ? ` (missing: ${r.missing.slice(0, 3).join("; ")})` : ""}`,
        );
      }
      if (blobs !== null) {
        out(
          `blobs: ${blobs.blobs} in ${blobs.blocks} of the cluster's blocks, with ${blobs.kzgProofs} KZG proofs, each published as produced (the chain checks them byte for byte)`,
        );
      }
      out(`verdict: ${summary.verdict}`);
    }
    if (summary.verdict !== "pass") process.exitCode = 1;
  },
};

/** Blobs (and their KZG proofs: one per blob before Fulu, CELLS_PER_EXT_BLOB from Fulu) in the cluster's blocks of the range. */
function blobsOnChain(
  chain: SimulatedBeaconNode["chain"],
  range: {from: number; to: number},
): {blobs: number; blocks: number; kzgProofs: number} {
  const out = {blobs: 0, blocks: 0, kzgProofs: 0};
  for (let slot = Math.max(1, range.from); slot <= range.to; slot++) {
    const block = chain.tree.canonicalAt(slot);
    const count = block === undefined || block.filler ? 0 : block.message.body.blobKzgCommitments.length;
    if (count === 0) continue;
    out.blobs += count;
    out.blocks++;
    out.kzgProofs += count * (chain.isPostFulu(slot) ? CELLS_PER_EXT_BLOB : 1);
  }
  return out;
}

function formatReasons(summary: OutcomeSummary): string {
  const reasons = Object.entries(summary.failuresByReason);
  return reasons.length === 0 ? "none" : reasons.map(([reason, n]) => `${reason} ${n}`).join(", ");
}

/**
 * `--beacon-node URL --interop-indexes A..B`: the external BN and the interop validators, or null without
 * --beacon-node. The flags that only shape the simulated chain are refused with it.
 */
async function externalBeaconOf(args: DevnetArgs): Promise<{url: string; interop: IndexRange} | null> {
  const url = args["beacon-node"];
  const indexes = args["interop-indexes"];
  if (url === undefined) {
    if (indexes !== undefined) {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "interop-indexes"},
        "--interop-indexes needs --beacon-node (the simulated chain has its own validators; see also `cohort create-cluster --interop-indexes`)",
      );
    }
    return null;
  }
  if (!/^https?:\/\/[^\s]+$/.test(url)) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "beacon-node"},
      `--beacon-node ${url}: expected an http(s) URL`,
    );
  }
  if (indexes === undefined) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "interop-indexes"},
      "--beacon-node needs --interop-indexes A..B (the BN's genesis validators the cluster runs)",
    );
  }
  const simulatedOnly = (["seconds-per-slot", "genesis-delay", "fork", "fork-epoch"] as const).filter(
    (flag) => args[flag] !== undefined,
  );
  if (simulatedOnly.length > 0) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: simulatedOnly[0]},
      `${simulatedOnly.map((f) => `--${f}`).join(" and ")} only apply to the simulated chain, not with --beacon-node (the BN's chain has its own slots and genesis)`,
    );
  }
  // Loaded here: interop.js loads blst and @lodestar/types, which other commands need not pay for.
  const {parseIndexRange, MAX_INTEROP_RANGE} = await import("../../../devnet/interop.js");
  const interop = parseIndexRange(indexes);
  if (interop === null) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "interop-indexes"},
      `--interop-indexes ${indexes}: expected A..B, non-negative integers with A <= B and at most ${MAX_INTEROP_RANGE} indexes`,
    );
  }
  const count = interop.to - interop.from + 1;
  if (args.validators !== undefined && args.validators !== count) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "validators"},
      `--validators ${args.validators} but --interop-indexes ${indexes} names ${count} validators (leave --validators out)`,
    );
  }
  return {url: url.replace(/\/+$/, ""), interop};
}

/** `--fork` / `--fork-epoch`: the simulated chain's fork schedule (exit 2 on a bad or contradictory flag). */
function forkScheduleOf(args: DevnetArgs): ForkSchedule {
  try {
    return parseForkSchedule({fork: args.fork, forkEpoch: args["fork-epoch"]});
  } catch (e) {
    if (e instanceof ForkSpecError)
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.type.flag}, e.message);
    throw e;
  }
}

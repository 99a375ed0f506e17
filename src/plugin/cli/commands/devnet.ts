import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {CommandModule} from "yargs";
import {startLocalCluster} from "../../../devnet/localCluster.js";
import {startProcessCluster} from "../../../devnet/processCluster.js";
import type {DutyOutcome} from "../../../duties/outcome.js";
import {createLogger, type LogLevel} from "../../../util/logger.js";
import {CliError} from "../errors.js";

interface DevnetArgs {
  nodes: number;
  threshold?: number;
  validators: number;
  "seconds-per-slot": number;
  epochs: number;
  dir?: string;
  seed?: string;
  processes: boolean;
  "log-level": string;
}

export const devnetCommand: CommandModule<object, DevnetArgs> = {
  command: "devnet",
  describe: "Run a complete local distributed validator on loopback: cluster, simulated chain, signers, n nodes",
  builder: (y) =>
    y
      .option("nodes", {type: "number", default: 4, describe: "Co-validators"})
      .option("threshold", {type: "number", describe: "Shares needed (default ceil(2n/3))"})
      .option("validators", {type: "number", default: 4, describe: "Validators of the cluster"})
      .option("seconds-per-slot", {type: "number", default: 2, describe: "Slot length of the simulated chain"})
      .option("epochs", {type: "number", default: 0, describe: "Stop after this many epochs (0: run until Ctrl-C)"})
      .option("dir", {
        type: "string",
        describe: "Where to create the cluster and data (default: a temporary directory, removed after)",
      })
      .option("seed", {type: "string", describe: "Derive every key from this seed (default: random)"})
      .option("processes", {
        type: "boolean",
        default: false,
        describe: "Run each signer and node as its own `cohort signer` / `cohort run` process",
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
    if (!Number.isInteger(args.validators) || args.validators < 1 || args.validators > 1000) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "validators"}, "--validators must be 1..1000");
    }
    const dir = args.dir ?? mkdtempSync(path.join(os.tmpdir(), "cohort-devnet-"));
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `cohort devnet: ${args.nodes} nodes, ${args.validators} validators, ${args["seconds-per-slot"]} s slots, ${SLOTS_PER_EPOCH} slots per epoch, in ${dir}`,
    );
    out("creating the cluster and starting the chain, the signers and the nodes…");
    const clusterOpts = {
      dir,
      nodes: args.nodes,
      threshold: args.threshold,
      validators: args.validators,
      secondsPerSlot: args["seconds-per-slot"],
      // 8 processes load and connect in ~10-20 s on 2 cores: genesis waits for them.
      genesisDelaySec: args.processes ? 25 : 3,
      seed: args.seed ?? randomBytes(16).toString("hex"),
    };
    const logger = createLogger({level: args["log-level"] as LogLevel});
    const cluster = args.processes
      ? await startProcessCluster(clusterOpts, logger)
      : await startLocalCluster(clusterOpts, logger);
    const genesisInSec = Math.max(0, Math.round(cluster.beacon.chain.slotStartMs(0) / 1000 - Date.now() / 1000));
    out(`genesis in ${genesisInSec} s`);
    out(
      "signers" in cluster
        ? `beacon chain ${cluster.beaconUrl}; signers ${cluster.signers.map((s) => s.url).join(" ")}`
        : `beacon chain ${cluster.beaconUrl}; node monitoring ${cluster.monitoringUrls.join(" ")}`,
    );

    // One line per slot, a slot after it: what the chain accepted and what the nodes reported.
    let reported = -1;
    let stopping = false;
    const lastSlot = args.epochs > 0 ? args.epochs * SLOTS_PER_EPOCH - 1 : Number.POSITIVE_INFINITY;
    const done = new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const current = cluster.beacon.chain.currentSlot();
        while (reported + 1 < current - 1 && reported + 1 <= lastSlot) {
          reported++;
          out(slotLine(reported, cluster.beacon.chain.records(), cluster.outcomes));
        }
        if (reported >= lastSlot || stopping) {
          clearInterval(tick);
          resolve();
        }
      }, 200);
      process.once("SIGINT", () => {
        stopping = true;
      });
    });
    await done;
    // The summary covers the slots reported above; duties still in flight at the stop are not counted.
    const records = cluster.beacon.chain.records().filter((r) => r.slot <= reported);
    const slashable = cluster.beacon.chain.stats().slashable.total;
    await cluster.stop();
    const failures = cluster.outcomes.filter((o) => o.status === "failed" && o.slot <= reported);
    const summary = (type: string) => {
      const duties = records.filter((r) => r.type === type);
      const accepted = duties.filter((r) => r.status === "accepted" || r.status === "included").length;
      return {expected: duties.length, accepted};
    };
    const attester = summary("attester");
    const proposer = summary("proposer");
    out("");
    out(
      `summary (slots 0..${reported}): attestations ${attester.accepted}/${attester.expected} accepted, proposals ${proposer.accepted}/${proposer.expected} accepted`,
    );
    out(`slashable messages seen by the chain: ${slashable}; failed duty outcomes on the nodes: ${failures.length}`);
    if (!args.dir) rmSync(dir, {recursive: true, force: true});
    const allDone = attester.accepted === attester.expected && proposer.accepted === proposer.expected;
    if (slashable > 0 || !allDone) process.exitCode = 1;
  },
};

function slotLine(
  slot: number,
  records: {slot: number; type: string; status: string}[],
  outcomes: (DutyOutcome & {node: number})[],
): string {
  const parts: string[] = [];
  for (const type of ["proposer", "attester"] as const) {
    const duties = records.filter((r) => r.slot === slot && r.type === type);
    if (duties.length === 0) continue;
    const ok = duties.filter((r) => r.status === "accepted" || r.status === "included").length;
    const mine = outcomes.filter((o) => o.slot === slot && o.type === type);
    const submitted = mine.filter((o) => o.status === "submitted");
    const rounds = [...new Set(submitted.map((o) => (o.status === "submitted" ? o.consensusRound : 0)))].join(",");
    const latencies = submitted.map((o) => (o.status === "submitted" ? o.latencyMs : 0)).sort((a, b) => a - b);
    const median = latencies.length > 0 ? `${latencies[Math.floor(latencies.length / 2)]} ms` : "-";
    const failed = mine
      .filter((o) => o.status === "failed")
      .map((o) => (o.status === "failed" ? `node ${o.node}: ${o.reason}` : ""));
    parts.push(
      `${type} ${ok}/${duties.length} accepted (round ${rounds || "-"}, median ${median} trigger→submitted)${failed.length ? ` failures: ${failed.join("; ")}` : ""}`,
    );
  }
  return `slot ${String(slot).padStart(4)}  ${parts.join(" | ") || "no duty"}`;
}

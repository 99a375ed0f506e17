import type {CommandModule} from "yargs";
import {ClusterError, loadClusterLock, loadIdentityKeyFile} from "../../../cluster/index.js";
import {BYZANTINE_MODES, type ByzantineMode, type NodeFaultFlags} from "../../../devnet/faultSpec.js";
import {fromHex, toHex} from "../../../util/hex.js";
import {createLogger, type Logger, type LogLevel} from "../../../util/logger.js";
import {NodeError} from "../../errors.js";
import type {CohortNode} from "../../node.js";
import {CliError} from "../errors.js";

interface RunArgs {
  "cluster-lock": string;
  "identity-key": string;
  "beacon-nodes": string[];
  "remote-signer"?: string;
  "validator-api"?: string;
  "data-dir": string;
  "p2p-listen"?: string[];
  "monitoring-address": string;
  "monitoring-port": number;
  "log-level": string;
  devnet: boolean;
  "devnet-byzantine"?: string[];
  "devnet-latency": number;
  "devnet-drop": number;
  "devnet-seed": number;
  "devnet-round-duration-ms"?: number;
}

const LOG_LEVELS = ["error", "warn", "info", "verbose", "debug"];

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run",
  describe: "Run a cohort node: perform the cluster's validator duties with the other operators",
  builder: (y) =>
    y
      .option("cluster-lock", {type: "string", demandOption: true, describe: "The cluster lock (cluster-lock.json)"})
      .option("identity-key", {
        type: "string",
        demandOption: true,
        describe: "This operator's identity key file (mode 0600)",
      })
      .option("beacon-nodes", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "Beacon node URLs, in order of preference (space or comma separated); failures fall over to the next",
        coerce: (v: string[]) => v.flatMap((u) => u.split(",")).filter((u) => u.length > 0),
      })
      .option("remote-signer", {
        type: "string",
        describe: "Web3Signer-API remote signer URL holding this node's key shares (signer mode)",
      })
      .option("validator-api", {
        type: "string",
        describe:
          "Validator-API mode: serve the Beacon API to a validator client holding the key shares (e.g. `lodestar validator --distributed`) at ADDR[:PORT] (default 127.0.0.1:3600); instead of --remote-signer",
      })
      .conflicts("remote-signer", "validator-api")
      .check((args) => {
        if (args["remote-signer"] === undefined && args["validator-api"] === undefined) {
          throw new CliError(
            {code: "CLI_INVALID_ARGUMENT", argument: "remote-signer"},
            "give --remote-signer (signer mode) or --validator-api (validator-API mode)",
          );
        }
        if (args["validator-api"] !== undefined) parseListenAddress(args["validator-api"]);
        return true;
      })
      .option("data-dir", {type: "string", demandOption: true, describe: "Data directory (slashing-protection DB)"})
      .option("p2p-listen", {
        type: "string",
        array: true,
        describe: "libp2p listen multiaddrs (default: this operator's addresses in the lock)",
      })
      .option("monitoring-address", {
        type: "string",
        default: "127.0.0.1",
        describe: "Where /metrics, /livez and /readyz listen",
      })
      .option("monitoring-port", {
        type: "number",
        default: 3620,
        describe: "Monitoring port (-1: no monitoring server)",
      })
      .option("log-level", {type: "string", default: "info", choices: LOG_LEVELS, describe: "Log level"})
      // Fault injection for `cohort devnet --processes` (hidden; refused without --devnet).
      .option("devnet", {
        type: "boolean",
        default: false,
        hidden: true,
        describe: "This node is part of a local devnet",
      })
      .option("devnet-byzantine", {type: "string", array: true, hidden: true, describe: "Byzantine mode(s)"})
      .option("devnet-latency", {type: "number", default: 0, hidden: true, describe: "Added ms per peer message"})
      .option("devnet-drop", {type: "number", default: 0, hidden: true, describe: "Peer message loss rate"})
      .option("devnet-seed", {type: "number", default: 0, hidden: true, describe: "Seed of the loss decisions"})
      .option("devnet-round-duration-ms", {type: "number", hidden: true, describe: "QBFT round timeout for fast slots"})
      .config("config", "A JSON file with any of these options (command-line options win)")
      .example(
        "$0 run --cluster-lock node0/cluster-lock.json --identity-key node0/identity-key --beacon-nodes http://127.0.0.1:5052 --remote-signer http://127.0.0.1:9000 --data-dir ./data",
        "",
      )
      .example(
        "$0 run --cluster-lock node0/cluster-lock.json --identity-key node0/identity-key --beacon-nodes http://127.0.0.1:5052 --validator-api 127.0.0.1:3600 --data-dir ./data",
        "validator-API mode: then `lodestar validator --distributed --beaconNodes http://127.0.0.1:3600` with node0's key shares",
      ),
  handler: async (args) => {
    const faultFlags = devnetFaultFlags(args);
    const roundDurationMs = args["devnet-round-duration-ms"];
    if (roundDurationMs !== undefined && (!args.devnet || !(roundDurationMs >= 50))) {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "devnet-round-duration-ms"},
        "--devnet-round-duration-ms is for local devnets only (with --devnet) and must be >= 50",
      );
    }
    const logger = createLogger({level: args["log-level"] as LogLevel});
    // The embedding API's own stop path: SIGINT / SIGTERM abort the node's signal. The handlers are in
    // place before start-up, so a signal while starting stops the node cleanly (not the default kill).
    const controller = new AbortController();
    let stopSignal: string | null = null;
    const onSignal = (signal: string) => {
      if (stopSignal !== null) return;
      stopSignal = signal;
      logger.info("shutting down", {signal});
      controller.abort();
    };
    const onSigint = () => onSignal("SIGINT");
    const onSigterm = () => onSignal("SIGTERM");
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    try {
      await runUntilSignal(args, logger, controller, faultFlags, roundDurationMs);
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
    }
  },
};

/** Loads the node's files, starts the node and runs it until the controller aborts (a signal). */
async function runUntilSignal(
  args: RunArgs,
  logger: Logger,
  controller: AbortController,
  faultFlags: NodeFaultFlags | null,
  roundDurationMs: number | undefined,
): Promise<void> {
  let node: CohortNode | null = null;
  try {
    const lock = await loadClusterLock(args["cluster-lock"]);
    const identity = await loadIdentityKeyFile(args["identity-key"]);
    const operatorIndex = lock.operators.findIndex((o) => o.identityPublicKey === toHex(identity.publicKey));
    if (operatorIndex < 0) {
      throw new CliError(
        {code: "CLI_COMMAND_FAILED"},
        `the identity key ${args["identity-key"]} is not one of the cluster's operators`,
      );
    }
    // Loaded here, not at the top: every command would pay for the whole pipeline.
    const {CohortNode} = await import("../../node.js");
    const {nodeFaultsOf} = await import("../../../devnet/faults.js");
    node = new CohortNode(
      {
        lock,
        operatorIndex,
        beaconNodeUrls: args["beacon-nodes"],
        remoteSignerUrl: args["remote-signer"],
        validatorApi: args["validator-api"] !== undefined ? parseListenAddress(args["validator-api"]) : undefined,
        dataDir: args["data-dir"],
        p2pListen: args["p2p-listen"] ?? lock.operators[operatorIndex].multiaddrs,
        roundDurationMs,
        monitoring:
          args["monitoring-port"] >= 0
            ? {address: args["monitoring-address"], port: args["monitoring-port"]}
            : undefined,
      },
      {
        identity,
        logger,
        signal: controller.signal,
        faults: faultFlags
          ? nodeFaultsOf(faultFlags, {self: operatorIndex, identity, clusterId: fromHex(lock.lockHash, 32)})
          : undefined,
      },
    );
    if (faultFlags) logger.warn("devnet fault injection active", {...faultFlags});
    await node.start();
  } catch (e) {
    // Stopped by a signal while starting: whatever start-up did is closed, a clean exit.
    if (controller.signal.aborted) {
      await node?.stop();
      return;
    }
    if (e instanceof CliError) throw e;
    if (e instanceof ClusterError || e instanceof NodeError)
      throw new CliError({code: "CLI_COMMAND_FAILED"}, e.message);
    throw new CliError({code: "CLI_COMMAND_FAILED"}, `cannot start: ${(e as Error).message}`);
  }
  // Runs until SIGINT / SIGTERM; in-flight duties end or fail as "stopped", then the DB is closed.
  const {signal} = controller;
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, {once: true}));
  await node.stop();
}

export const DEFAULT_VALIDATOR_API_PORT = 3600;

/** `ADDR[:PORT]` (an empty value: 127.0.0.1 on the default port); a bad value throws a user error. */
export function parseListenAddress(value: string): {address: string; port: number} {
  if (value === "") return {address: "127.0.0.1", port: DEFAULT_VALIDATOR_API_PORT};
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  const port = m?.[2] === undefined ? DEFAULT_VALIDATOR_API_PORT : Number(m[2]);
  if (!m || port > 65535) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "validator-api"},
      `--validator-api: expected ADDR[:PORT], e.g. 127.0.0.1:3600, got "${value}"`,
    );
  }
  return {address: m[1], port};
}

/** The hidden `--devnet-*` fault flags, checked; null when none is set. Refused without `--devnet`. */
function devnetFaultFlags(args: RunArgs): NodeFaultFlags | null {
  const byzantine = args["devnet-byzantine"] ?? [];
  const any = byzantine.length > 0 || args["devnet-latency"] !== 0 || args["devnet-drop"] !== 0;
  if (!any) return null;
  const invalid = (argument: string, message: string) =>
    new CliError({code: "CLI_INVALID_ARGUMENT", argument}, message);
  if (!args.devnet) throw invalid("devnet", "the --devnet-* fault flags are for local devnets only (add --devnet)");
  for (const mode of byzantine) {
    if (!BYZANTINE_MODES.includes(mode as ByzantineMode)) {
      throw invalid("devnet-byzantine", `--devnet-byzantine ${mode}: expected one of ${BYZANTINE_MODES.join(", ")}`);
    }
  }
  if (!(args["devnet-latency"] >= 0)) throw invalid("devnet-latency", "--devnet-latency must be >= 0");
  if (!(args["devnet-drop"] >= 0 && args["devnet-drop"] < 1))
    throw invalid("devnet-drop", "--devnet-drop must be in [0, 1)");
  if (!Number.isInteger(args["devnet-seed"])) throw invalid("devnet-seed", "--devnet-seed must be an integer");
  return {
    byzantine: byzantine as ByzantineMode[],
    latencyMs: args["devnet-latency"],
    dropRate: args["devnet-drop"],
    seed: args["devnet-seed"],
  };
}

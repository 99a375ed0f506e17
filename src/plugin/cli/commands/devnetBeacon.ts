import {readFileSync} from "node:fs";
import {ACTIVE_PRESET} from "@lodestar/params";
import type {CommandModule} from "yargs";
import type {SimulatedBeaconNode} from "../../../devnet/beacon/index.js";
import {DEVNET_FORKS, describeForkSchedule, ForkSpecError, parseForkSchedule} from "../../../devnet/forkSpec.js";
import {createLogger} from "../../../util/logger.js";
import {CliError} from "../errors.js";

interface DevnetBeaconArgs {
  port: number;
  "validators-file"?: string;
  interop?: number;
  "seconds-per-slot": number;
  fork?: string;
  "fork-epoch"?: string[];
  "genesis-time"?: number;
  seed: string;
  "log-level": "error" | "warn" | "info" | "verbose" | "debug";
}

export const devnetBeaconCommand: CommandModule<object, DevnetBeaconArgs> = {
  command: "devnet-beacon",
  describe:
    "Run the simulated beacon chain (a Beacon API server on 127.0.0.1) for devnets and tests, until Ctrl-C. " +
    "The preset is the one @lodestar/params loads: set LODESTAR_PRESET=minimal for the minimal preset.",
  builder: (y) =>
    y
      .option("port", {type: "number", default: 5052, describe: "Port on 127.0.0.1 (0: any free port)"})
      .option("validators-file", {
        type: "string",
        describe: "JSON array of the genesis validators' BLS public keys (0x…), or objects with a pubkey field",
      })
      .option("interop", {type: "number", describe: "Use the first N interop (dev chain) validator keys instead"})
      .option("seconds-per-slot", {type: "number", default: 2, describe: "Slot duration in seconds"})
      .option("fork", {
        type: "string",
        choices: DEVNET_FORKS,
        describe: "The fork at genesis (default fulu, the fork mainnet runs)",
      })
      .option("fork-epoch", {
        type: "string",
        array: true,
        describe: "fulu:N — start at Electra and fork to Fulu at epoch N (a fork transition)",
      })
      .option("genesis-time", {type: "number", describe: "Unix time of slot 0 (default: now)"})
      .option("seed", {type: "string", default: "cohort-devnet", describe: "Seed of the duty assignment"})
      .option("log-level", {
        choices: ["error", "warn", "info", "verbose", "debug"] as const,
        default: "info" as const,
        describe: "Log level (JSON lines on stderr)",
      })
      .example("$0 devnet-beacon --port 5052 --interop 4", "4 interop validators, 2-second slots, Fulu from genesis")
      .example("$0 devnet-beacon --interop 4 --fork-epoch fulu:2", "Electra, then Fulu from epoch 2")
      .example("LODESTAR_PRESET=minimal $0 devnet-beacon --validators-file keys.json --seconds-per-slot 6", ""),
  handler: async (args) => {
    // Loaded here, not at the top: every command would pay for the simulated chain.
    const {SimChainError, SimulatedBeaconNode, STATS_PATH, interopPublicKeys, parseValidatorPubkeys} = await import(
      "../../../devnet/beacon/index.js"
    );
    const validators = readValidators(args, {interopPublicKeys, parseValidatorPubkeys});
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "port"}, "--port must be 0..65535");
    }
    let forks: ReturnType<typeof parseForkSchedule>;
    try {
      forks = parseForkSchedule({fork: args.fork, forkEpoch: args["fork-epoch"]});
    } catch (e) {
      if (e instanceof ForkSpecError)
        throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.type.flag}, e.message);
      throw e;
    }
    const logger = createLogger({level: args["log-level"]}, {module: "devnet-beacon"});
    let node: SimulatedBeaconNode;
    try {
      node = new SimulatedBeaconNode(
        {
          port: args.port,
          validators,
          secondsPerSlot: args["seconds-per-slot"],
          fuluForkEpoch: forks.fuluForkEpoch,
          genesisTime: args["genesis-time"],
          seed: args.seed,
        },
        {logger},
      );
    } catch (e) {
      if (e instanceof SimChainError) {
        throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.type.code}, e.message);
      }
      throw e;
    }
    const url = await node.start();
    process.stdout.write(
      `simulated beacon node on ${url} (${validators.length} validators, preset ${ACTIVE_PRESET}, ` +
        `${args["seconds-per-slot"]} s slots, ${describeForkSchedule(forks)}, genesis ${node.chain.genesisTime}); duty record at ${url}${STATS_PATH}\n`,
    );
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off("SIGINT", done);
        process.off("SIGTERM", done);
        resolve();
      };
      process.on("SIGINT", done);
      process.on("SIGTERM", done);
    });
    const stats = node.chain.stats();
    await node.stop();
    process.stdout.write(`stopped at slot ${stats.currentSlot}: ${JSON.stringify(stats.duties)}\n`);
  },
};

function readValidators(
  args: DevnetBeaconArgs,
  keys: {interopPublicKeys(n: number): Uint8Array[]; parseValidatorPubkeys(doc: unknown): Uint8Array[]},
): Uint8Array[] {
  const {interopPublicKeys, parseValidatorPubkeys} = keys;
  const file = args["validators-file"];
  const interop = args.interop;
  if ((file === undefined) === (interop === undefined)) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "validators-file"},
      "give exactly one of --validators-file F or --interop N",
    );
  }
  if (interop !== undefined) {
    if (!Number.isInteger(interop) || interop < 1 || interop > 100_000) {
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "interop"}, "--interop must be 1..100000");
    }
    return interopPublicKeys(interop);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file!, "utf8"));
  } catch (e) {
    throw new CliError({code: "CLI_COMMAND_FAILED"}, `cannot read validators from ${file}: ${(e as Error).message}`);
  }
  try {
    return parseValidatorPubkeys(doc);
  } catch (e) {
    throw new CliError({code: "CLI_COMMAND_FAILED"}, `${file}: ${(e as Error).message}`);
  }
}

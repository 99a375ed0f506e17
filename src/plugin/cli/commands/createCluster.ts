import type {CommandModule} from "yargs";
import {createCluster, DEFAULT_BASE_PORT} from "../../../cluster/create.js";
import {decryptKeystoreDir, readPasswordFile} from "../../../cluster/keystores.js";
import {resolveNetwork} from "../../../cluster/networks.js";
import {type RandomBytes, secureRandom, seededRandom} from "../../../cluster/random.js";
import {NETWORK_NAMES} from "../../../eth/network.js";
import {CliError} from "../errors.js";
import {kdfFromArgs, kdfOptions, stderrProgress, toCliError} from "./clusterShared.js";

interface CreateClusterArgs {
  nodes: number;
  threshold?: number;
  validators?: number;
  network: string;
  "genesis-fork-version"?: string;
  "genesis-validators-root"?: string;
  out: string;
  "split-keystores"?: string;
  "password-file"?: string;
  "base-port": number;
  "operator-addresses"?: string[];
  kdf: string;
  "kdf-cost": number;
  "insecure-seed"?: string;
  "interop-indexes"?: string;
}

export const createClusterCommand: CommandModule<object, CreateClusterArgs> = {
  command: "create-cluster",
  describe: "Create a t-of-n cluster on this machine (trusted dealer): the cluster lock and one directory per node",
  builder: (yargs) =>
    yargs
      .option("nodes", {type: "number", demandOption: true, describe: "Number of operators n"})
      .option("threshold", {type: "number", describe: "Signature shares needed, 1..n (default ceil(2n/3))"})
      .option("validators", {type: "number", describe: "Number of new validator keys to generate"})
      .option("network", {
        type: "string",
        demandOption: true,
        describe: `${NETWORK_NAMES.join(", ")}, or a custom network name with --genesis-fork-version and --genesis-validators-root`,
      })
      .option("genesis-fork-version", {type: "string", describe: "Custom network: 0x + 4 bytes"})
      .option("genesis-validators-root", {type: "string", describe: "Custom network: 0x + 32 bytes"})
      .option("out", {type: "string", demandOption: true, describe: "Directory to create (must not exist or be empty)"})
      .option("split-keystores", {
        type: "string",
        describe: "Split the existing EIP-2335 keystores of this directory instead of generating keys",
      })
      .option("password-file", {type: "string", describe: "Password of the keystores given with --split-keystores"})
      .option("interop-indexes", {
        type: "string",
        describe:
          "A..B: split the deterministic interop keys of validator indexes A to B (dev chains ONLY: these keys are public)",
      })
      .option("base-port", {
        type: "number",
        default: DEFAULT_BASE_PORT,
        describe: "Operator i listens on /ip4/127.0.0.1/tcp/<base-port + i>",
      })
      .option("operator-addresses", {
        type: "string",
        array: true,
        describe: "One multiaddr per operator, in order (overrides --base-port), e.g. /ip4/10.0.0.1/tcp/9000",
      })
      .options(kdfOptions)
      .option("insecure-seed", {
        type: "string",
        describe:
          "Derive every key from this seed (reproducible test fixtures and devnets ONLY: anyone with the seed has the keys)",
      })
      .example(
        "$0 create-cluster --nodes 4 --validators 8 --network hoodi --out ./cluster",
        "3-of-4 cluster of 8 new validators",
      )
      .example(
        "$0 create-cluster --nodes 4 --network hoodi --split-keystores ./keys --password-file ./keys/password.txt --out ./cluster",
        "split existing keystores",
      )
      .example(
        "$0 create-cluster --nodes 4 --network devnet --genesis-fork-version 0x00000000 --genesis-validators-root 0x… --interop-indexes 60..63 --out ./cluster",
        "join a dev chain (e.g. `lodestar dev`) with its interop validators 60 to 63",
      ),
  handler: async (args) => {
    try {
      const sources = [args.validators, args["split-keystores"], args["interop-indexes"]].filter(
        (x) => x !== undefined,
      );
      if (sources.length !== 1) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "validators"},
          "give one of --validators N, --split-keystores DIR or --interop-indexes A..B",
        );
      }
      if (args.validators !== undefined && (!Number.isInteger(args.validators) || args.validators < 1)) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "validators"},
          "--validators must be a positive integer",
        );
      }
      if (args["split-keystores"] !== undefined && args["password-file"] === undefined) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "password-file"},
          "--split-keystores needs --password-file",
        );
      }
      const network = resolveNetwork(args.network, {
        genesisForkVersion: args["genesis-fork-version"],
        genesisValidatorsRoot: args["genesis-validators-root"],
      });
      const kdf = kdfFromArgs(args);
      const random: RandomBytes =
        args["insecure-seed"] !== undefined ? seededRandom(args["insecure-seed"]) : secureRandom;
      const progress = stderrProgress();
      let existingSecrets: Uint8Array[] | undefined;
      if (args["split-keystores"] !== undefined) {
        const password = await readPasswordFile(args["password-file"]!);
        const keys = await decryptKeystoreDir(args["split-keystores"], password, (done, total) =>
          progress({stage: "decrypting keystores", done, total}),
        );
        existingSecrets = keys.map((k) => k.secret);
      }
      if (args["interop-indexes"] !== undefined) {
        const {parseIndexRange, interopSecretKeys, MAX_INTEROP_RANGE} = await import("../../../devnet/interop.js");
        const range = parseIndexRange(args["interop-indexes"]);
        if (range === null) {
          throw new CliError(
            {code: "CLI_INVALID_ARGUMENT", argument: "interop-indexes"},
            `--interop-indexes ${args["interop-indexes"]}: expected A..B with A <= B and at most ${MAX_INTEROP_RANGE} indexes`,
          );
        }
        existingSecrets = interopSecretKeys(range);
      }
      const lock = await createCluster(
        {
          nodes: args.nodes,
          threshold: args.threshold,
          network,
          validators: args.validators,
          existingSecrets,
          outDir: args.out,
          basePort: args["base-port"],
          multiaddrs: args["operator-addresses"]?.map((a) => [a]),
          kdf,
        },
        {
          random,
          onProgress: (p) =>
            progress({
              stage: p.stage === "split" ? "splitting keys" : "writing keystores",
              done: p.done,
              total: p.total,
            }),
        },
      );
      process.stdout.write(
        `Created a ${lock.threshold}-of-${lock.operators.length} cluster of ${lock.validators.length} validators on ${lock.network.name} in ${args.out}\n` +
          `lock hash ${lock.lockHash}\n` +
          lock.operators.map((o, i) => `node${i}: ${o.peerId} ${o.multiaddrs.join(" ")}\n`).join(""),
      );
    } catch (e) {
      throw toCliError(e);
    }
  },
};

import path from "node:path";
import type {ChainConfig} from "@lodestar/config";
import type {CommandModule} from "yargs";
import {type ClusterDepositOpts, createCluster, DEFAULT_BASE_PORT} from "../../../cluster/create.js";
import {depositDataFileName, parseAddressList, parseDepositAmount} from "../../../cluster/deposit.js";
import {DepositError} from "../../../cluster/errors.js";
import {decryptKeystoreDir, readPasswordFile} from "../../../cluster/keystores.js";
import {resolveNetwork} from "../../../cluster/networks.js";
import {type RandomBytes, secureRandom, seededRandom} from "../../../cluster/random.js";
import {DEFAULT_GAS_LIMIT} from "../../../cluster/registration.js";
import {electraScheduled, isNetworkName, NETWORK_NAMES, namedChainConfig} from "../../../eth/network.js";
import {toHex} from "../../../util/hex.js";
import {CliError} from "../errors.js";
import {kdfFromArgs, kdfOptions, stderrProgress, toCliError} from "./clusterShared.js";
import {networkConfigOption, readNetworkConfig} from "./networkArgs.js";

interface CreateClusterArgs {
  nodes: number;
  threshold?: number;
  validators?: number;
  network?: string;
  "network-config"?: string;
  "unsafe-threshold"?: boolean;
  "fee-recipient"?: string;
  "withdrawal-address"?: string;
  "deposit-amount"?: string;
  compounding?: boolean;
  "gas-limit": number;
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
      .option("threshold", {
        type: "number",
        describe: "Signature shares needed, ceil(2n/3)..n (default ceil(2n/3); lower needs --unsafe-threshold)",
      })
      .option("unsafe-threshold", {
        type: "boolean",
        describe: "Allow a threshold below ceil(2n/3): fewer operators than a consensus quorum could sign alone",
      })
      .option("validators", {type: "number", describe: "Number of new validator keys to generate"})
      .option("network", {
        type: "string",
        describe: `${NETWORK_NAMES.join(", ")}, or a custom network name with --genesis-fork-version and --genesis-validators-root (or --network-config)`,
      })
      .option("network-config", networkConfigOption)
      .option("withdrawal-address", {
        type: "string",
        describe:
          "Execution address(es) for 0x01 withdrawal credentials: one for all validators or one per validator, comma-separated; kept in the lock, and writes deposit-data-<time>.json. Required, except with test keys (--insecure-seed, --interop-indexes) or a custom devnet",
      })
      .option("fee-recipient", {
        type: "string",
        describe:
          "Fee recipient(s): one for all or one per validator, comma-separated (default: the withdrawal address); kept in the lock and its builder registrations",
      })
      .option("gas-limit", {
        type: "number",
        default: DEFAULT_GAS_LIMIT,
        describe: "Gas limit of the builder registrations signed into the lock (Lodestar's default)",
      })
      .option("deposit-amount", {
        type: "string",
        describe:
          "Per deposit: ETH (32, 32eth, 1.5) or gwei (32000000000gwei); 1..32 ETH, up to 2048 with --compounding (default 32)",
      })
      .option("compounding", {
        type: "boolean",
        describe: "0x02 (compounding) withdrawal credentials instead of 0x01; networks with Electra only",
      })
      .conflicts("network-config", "genesis-fork-version")
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
      let chainConfig: ChainConfig | undefined;
      let name = args.network;
      let genesisForkVersion = args["genesis-fork-version"];
      if (args["network-config"] !== undefined) {
        chainConfig = readNetworkConfig(args["network-config"]);
        genesisForkVersion = toHex(chainConfig.GENESIS_FORK_VERSION);
        name ??= chainConfig.CONFIG_NAME;
      } else if (name !== undefined && isNetworkName(name)) {
        chainConfig = namedChainConfig(name);
      }
      if (name === undefined) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "network"},
          "give --network NAME or --network-config config.yaml",
        );
      }
      const network = resolveNetwork(name, {
        genesisForkVersion,
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
      const count = existingSecrets?.length ?? args.validators ?? 0;
      const createdAt = Date.now();
      const devKeys = args["insecure-seed"] !== undefined || args["interop-indexes"] !== undefined;
      const deposit = depositOptions(args, count, chainConfig, network.name, devKeys || !isNetworkName(network.name));
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
          unsafeThreshold: args["unsafe-threshold"],
          deposit,
        },
        {
          random,
          now: () => createdAt,
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
          lock.operators.map((o, i) => `node${i}: ${o.peerId} ${o.multiaddrs.join(" ")}\n`).join("") +
          (deposit.withdrawalAddresses !== undefined
            ? `deposit data: ${path.join(args.out, depositDataFileName(createdAt))} (${deposit.compounding ? "0x02" : "0x01"} credentials)\n`
            : "no deposit data: no --withdrawal-address (test/devnet placeholder addresses in the lock)\n") +
          `fee recipients, withdrawal credentials and builder registrations: in the lock${deposit.feeRecipients === undefined ? " (fee recipient = withdrawal address)" : ""}\n`,
      );
    } catch (e) {
      throw toCliError(e);
    }
  },
};

/**
 * The deposit, fee-recipient and gas-limit flags, checked. A withdrawal address is required unless
 * `placeholdersAllowed` (test keys or a custom devnet), where planCluster's devnet addresses stand in.
 */
function depositOptions(
  args: CreateClusterArgs,
  count: number,
  chainConfig: ChainConfig | undefined,
  networkName: string,
  placeholdersAllowed: boolean,
): ClusterDepositOpts {
  const withdrawal = args["withdrawal-address"];
  const fee = args["fee-recipient"];
  const compounding = args.compounding ?? false;
  if (withdrawal === undefined && (args["deposit-amount"] !== undefined || compounding)) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "withdrawal-address"},
      `--${args.compounding ? "compounding" : "deposit-amount"} needs --withdrawal-address (deposit data is made for withdrawal credentials)`,
    );
  }
  if (compounding && (chainConfig === undefined || !electraScheduled(chainConfig))) {
    throw new DepositError(
      {code: "DEPOSIT_COMPOUNDING_UNSUPPORTED", network: networkName},
      chainConfig === undefined
        ? `--compounding: cohort does not know whether ${networkName} has Electra; give its config.yaml with --network-config`
        : `--compounding: ${networkName} has no Electra fork scheduled, so 0x02 credentials do not exist there`,
    );
  }
  if (withdrawal === undefined && !placeholdersAllowed) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "withdrawal-address"},
      `--withdrawal-address is required on ${networkName}: the cluster lock holds each validator's withdrawal credentials, and its fee recipient defaults to that address (only test keys, --insecure-seed or --interop-indexes, or a custom devnet may omit it)`,
    );
  }
  const gasLimit = args["gas-limit"];
  if (!Number.isSafeInteger(gasLimit) || gasLimit < 1) {
    throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "gas-limit"}, "--gas-limit must be a positive integer");
  }
  return {
    gasLimit,
    withdrawalAddresses:
      withdrawal !== undefined ? parseAddressList(withdrawal, count, "--withdrawal-address") : undefined,
    feeRecipients: fee !== undefined ? parseAddressList(fee, count, "--fee-recipient") : undefined,
    amountGwei:
      args["deposit-amount"] !== undefined ? parseDepositAmount(args["deposit-amount"], compounding) : undefined,
    compounding,
  };
}

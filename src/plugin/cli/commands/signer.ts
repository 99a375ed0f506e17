import {readFileSync} from "node:fs";
import type {ChainConfig} from "@lodestar/config";
import type {CommandModule} from "yargs";
import {KeystoreError} from "../../../cluster/keystores.js";
import {
  assertPresetMatches,
  customChainConfig,
  NETWORK_NAMES,
  NetworkError,
  namedChainConfig,
  namedGenesisValidatorsRoot,
} from "../../../eth/network.js";
import type {startSignerService} from "../../../eth/signerService.js";
import {SlashingProtectionError} from "../../../slashing/index.js";
import {fromHex, isHex} from "../../../util/hex.js";
import {createLogger, type LogLevel} from "../../../util/logger.js";
import {CliError} from "../errors.js";
import {networkConfigOption, readNetworkConfig} from "./networkArgs.js";

interface SignerArgs {
  keystores: string;
  "password-file": string;
  address: string;
  port: number;
  "data-dir": string;
  network?: string;
  "chain-config"?: string;
  "network-config"?: string;
  "genesis-validators-root"?: string;
  "log-level": string;
}

const LOG_LEVELS = ["error", "warn", "info", "verbose", "debug"];

export const signerCommand: CommandModule<object, SignerArgs> = {
  command: "signer",
  describe:
    "Run a Web3Signer-compatible remote signer (eth2 API) for EIP-2335 keystores, with its own slashing protection",
  builder: (y) =>
    y
      .option("keystores", {
        type: "string",
        demandOption: true,
        describe: "Directory of EIP-2335 keystore*.json files (other files, e.g. deposit_data-*.json, are ignored)",
      })
      .option("password-file", {type: "string", demandOption: true, describe: "File holding the keystores' password"})
      .option("address", {type: "string", default: "127.0.0.1", describe: "Address to listen on"})
      .option("port", {type: "number", default: 9000, describe: "Port to listen on (0: any free port)"})
      .option("data-dir", {
        type: "string",
        demandOption: true,
        describe: "Directory of the signer's slashing-protection DB",
      })
      .option("network", {type: "string", choices: [...NETWORK_NAMES], describe: "Named network (default mainnet)"})
      .option("chain-config", {
        type: "string",
        describe: "Devnet chain config: JSON of a BN's /eth/v1/config/spec (instead of --network)",
      })
      .option("network-config", networkConfigOption)
      .option("genesis-validators-root", {
        type: "string",
        describe: "0x + 64 hex; required with --chain-config or --network-config, known for named networks",
      })
      .option("log-level", {
        type: "string",
        default: "info",
        choices: LOG_LEVELS,
        describe: "Log level (debug: one line per signing)",
      })
      .conflicts("network", ["chain-config", "network-config"])
      .conflicts("chain-config", "network-config")
      .example(
        "$0 signer --keystores ./keys --password-file ./pass.txt --data-dir ./signer-data --network hoodi",
        "Serve the keystores in ./keys on http://127.0.0.1:9000",
      ),
  handler: async (args) => {
    const {chainConfig, genesisValidatorsRoot} = resolveChain(args);
    const password = readPassword(args["password-file"]);
    const logger = createLogger({level: args["log-level"] as LogLevel}, {module: "signer"});
    let signer: Awaited<ReturnType<typeof startSignerService>>;
    try {
      // Loaded here, not at the top: every command would pay for it (see cli/commands/index.ts).
      const {startSignerService} = await import("../../../eth/signerService.js");
      signer = await startSignerService(
        {
          keystoresDir: args.keystores,
          password,
          address: args.address,
          port: args.port,
          dataDir: args["data-dir"],
          chainConfig,
          genesisValidatorsRoot,
        },
        {logger, onProgress: (done, total) => process.stderr.write(`decrypted keystore ${done}/${total}\n`)},
      );
    } catch (e) {
      if (e instanceof KeystoreError || e instanceof SlashingProtectionError) {
        throw new CliError({code: "CLI_COMMAND_FAILED"}, e.message);
      }
      if (e instanceof Error && (e as {code?: unknown}).code === "EADDRINUSE") {
        throw new CliError({code: "CLI_COMMAND_FAILED"}, `${args.address}:${args.port} is already in use`);
      }
      throw e;
    }
    process.stdout.write(`cohort signer listening on ${signer.url} with ${signer.pubkeys.length} keys\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await signer.close();
    process.stdout.write("cohort signer stopped\n");
  },
};

function resolveChain(args: SignerArgs): {chainConfig: ChainConfig; genesisValidatorsRoot: Uint8Array} {
  const gvrArg = args["genesis-validators-root"];
  if (gvrArg !== undefined && !isHex(gvrArg, 32)) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "genesis-validators-root"},
      "--genesis-validators-root must be 0x followed by 64 hex characters",
    );
  }
  try {
    const custom = args["chain-config"] ?? args["network-config"];
    if (custom !== undefined) {
      if (gvrArg === undefined) {
        throw new CliError(
          {code: "CLI_INVALID_ARGUMENT", argument: "genesis-validators-root"},
          `--${args["chain-config"] !== undefined ? "chain" : "network"}-config needs --genesis-validators-root`,
        );
      }
      return {
        chainConfig:
          args["chain-config"] !== undefined
            ? customChainConfig(readSpec(args["chain-config"]))
            : readNetworkConfig(custom),
        genesisValidatorsRoot: fromHex(gvrArg, 32),
      };
    }
    const network = args.network ?? "mainnet";
    const chainConfig = namedChainConfig(network);
    assertPresetMatches(chainConfig);
    return {
      chainConfig,
      genesisValidatorsRoot: gvrArg !== undefined ? fromHex(gvrArg, 32) : namedGenesisValidatorsRoot(network),
    };
  } catch (e) {
    if (e instanceof NetworkError)
      throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "chain-config"}, e.message);
    throw e;
  }
}

function readSpec(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "chain-config"},
      `cannot read chain config ${file}: ${(e as Error).message}`,
    );
  }
  // Accept the BN's answer as saved ({data: {...}}) or the bare spec object.
  const spec = (json as {data?: unknown} | null)?.data ?? json;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "chain-config"}, `${file} is not a JSON object`);
  }
  return spec as Record<string, unknown>;
}

function readPassword(file: string): string {
  try {
    // A trailing newline is not part of the password.
    return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (e) {
    throw new CliError(
      {code: "CLI_INVALID_ARGUMENT", argument: "password-file"},
      `cannot read password file ${file}: ${(e as Error).message}`,
    );
  }
}

import {readFileSync} from "node:fs";
import type {Argv, CommandModule} from "yargs";
import {verifyDepositData} from "../../../cluster/deposit.js";
import {DepositError} from "../../../cluster/errors.js";
import {NETWORK_NAMES, namedChainConfig} from "../../../eth/network.js";
import {fromHex, isHex} from "../../../util/hex.js";
import {CliError} from "../errors.js";
import {networkConfigOption, readNetworkConfig} from "./networkArgs.js";

interface VerifyArgs {
  file: string;
  network?: string;
  "network-config"?: string;
  "genesis-fork-version"?: string;
}

const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: "verify",
  describe:
    "Check a deposit data file (any deposit CLI's or cohort's): fork version, message and data roots, signatures",
  builder: (y) =>
    y
      .option("file", {type: "string", demandOption: true, describe: "deposit-data-*.json (or deposit_data-*.json)"})
      .option("network", {type: "string", choices: [...NETWORK_NAMES], describe: "The network it is for"})
      .option("network-config", networkConfigOption)
      .option("genesis-fork-version", {type: "string", describe: "Custom network: 0x + 4 bytes"})
      .conflicts("network", ["network-config", "genesis-fork-version"])
      .conflicts("network-config", "genesis-fork-version")
      .example("$0 deposit-data verify --file ./cluster/deposit-data-1765000000.json --network hoodi", ""),
  handler: (args) => {
    let forkVersion: Uint8Array;
    if (args.network !== undefined) forkVersion = namedChainConfig(args.network).GENESIS_FORK_VERSION;
    else if (args["network-config"] !== undefined)
      forkVersion = readNetworkConfig(args["network-config"]).GENESIS_FORK_VERSION;
    else if (isHex(args["genesis-fork-version"], 4)) forkVersion = fromHex(args["genesis-fork-version"], 4);
    else {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "network"},
        "give --network NAME, --network-config config.yaml or --genesis-fork-version 0x + 4 bytes",
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(args.file, "utf8"));
    } catch (e) {
      throw new CliError(
        {code: "CLI_INVALID_ARGUMENT", argument: "file"},
        `cannot read ${args.file}: ${(e as Error).message}`,
      );
    }
    try {
      const entries = verifyDepositData(json, {genesisForkVersion: forkVersion, networkName: args.network});
      const gwei = entries.reduce((sum, e) => sum + e.amount, 0);
      process.stdout.write(
        `${args.file}: ${entries.length} deposits verified (${gwei / 1e9} ETH, fork version ${entries[0].fork_version})\n`,
      );
    } catch (e) {
      if (e instanceof DepositError) throw new CliError({code: "CLI_COMMAND_FAILED"}, `${args.file}: ${e.message}`);
      throw e;
    }
  },
};

export const depositDataCommand: CommandModule = {
  command: "deposit-data <command>",
  describe: "Deposit data files: verify",
  builder: (y: Argv) => y.command(verifyCommand).demandCommand(1),
  handler: () => {},
};

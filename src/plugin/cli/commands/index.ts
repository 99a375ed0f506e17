import type {Argv} from "yargs";
import {combineCommand} from "./combine.js";
import {createClusterCommand} from "./createCluster.js";
import {depositDataCommand} from "./depositData.js";
import {devnetCommand} from "./devnet.js";
import {devnetBeaconCommand} from "./devnetBeacon.js";
import {runCommand} from "./run.js";
import {signerCommand} from "./signer.js";
import {slashingProtectionCommand} from "./slashingProtection.js";
import {upgradeLockCommand} from "./upgradeLock.js";

/** Registers every command module (src/plugin/cli/commands/<name>.ts), in the order `--help` lists them. */
export function registerCommands(cli: Argv): Argv {
  return cli
    .command(devnetCommand)
    .command(createClusterCommand)
    .command(depositDataCommand)
    .command(upgradeLockCommand)
    .command(combineCommand)
    .command(runCommand)
    .command(signerCommand)
    .command(slashingProtectionCommand)
    .command(devnetBeaconCommand);
}

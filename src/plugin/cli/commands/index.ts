import type {Argv} from "yargs";
import {combineCommand} from "./combine.js";
import {createClusterCommand} from "./createCluster.js";
import {slashingProtectionCommand} from "./slashingProtection.js";

/** Registers every command module (src/plugin/cli/commands/<name>.ts), in the order `--help` lists them. */
export function registerCommands(cli: Argv): Argv {
  return cli.command(createClusterCommand).command(combineCommand).command(slashingProtectionCommand);
}

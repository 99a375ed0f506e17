import type {Argv} from "yargs";
import {devnetBeaconCommand} from "./devnetBeacon.js";
import {slashingProtectionCommand} from "./slashingProtection.js";

/** Registers every command module (src/plugin/cli/commands/<name>.ts), in the order `--help` lists them. */
export function registerCommands(cli: Argv): Argv {
  return cli.command(slashingProtectionCommand).command(devnetBeaconCommand);
}

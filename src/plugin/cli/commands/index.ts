import type {Argv} from "yargs";

/** Registers every command module (src/plugin/cli/commands/<name>.ts), in the order `--help` lists them. */
export function registerCommands(cli: Argv): Argv {
  return cli;
}

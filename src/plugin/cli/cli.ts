import yargs, {type Argv} from "yargs";
import {registerCommands} from "./commands/index.js";
import {CliError} from "./errors.js";

/** Builds the `cohort` parser; separate from `runCli` so tests can inspect it. */
export function buildCli(argv: string[]): Argv {
  const cli = yargs(argv)
    .scriptName("cohort")
    .usage("cohort <command> [options]\n\nA distributed validator client for Ethereum proof-of-stake.")
    .strict()
    .demandCommand(1, "Name a command (see the list above).")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((msg, err) => {
      // Stop at the first usage error: with exitProcess(false) yargs would otherwise run the handler.
      throw err ?? new CliError({code: "CLI_INVALID_ARGUMENT", argument: ""}, `${msg} (see --help)`);
    });
  return registerCommands(cli);
}

/** Runs the CLI and returns the exit code: 0 success, 1 failed command, 2 bad usage. */
export async function runCli(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await buildCli(argv).parseAsync();
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`cohort: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`cohort: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

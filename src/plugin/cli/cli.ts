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
    .exitProcess(false);
  return registerCommands(cli);
}

/** Runs the CLI and returns the exit code: 0 success, 1 failed command, 2 bad usage. */
export async function runCli(argv: string[]): Promise<number> {
  let usageError: string | null = null;
  const cli = buildCli(argv).fail((msg, err) => {
    if (err) throw err;
    usageError = msg;
  });
  try {
    await cli.parseAsync();
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`cohort: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`cohort: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (usageError !== null) {
    process.stderr.write(`\n${usageError}\n`);
    return 2;
  }
  return typeof process.exitCode === "number" ? process.exitCode : 0;
}

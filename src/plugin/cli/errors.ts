import {CohortError} from "../../util/errors.js";

export type CliErrorType = {code: "CLI_INVALID_ARGUMENT"; argument: string} | {code: "CLI_COMMAND_FAILED"};

/** A failure a command reports to the user; the message says what was wrong and what to do. */
export class CliError extends CohortError<CliErrorType> {
  get exitCode(): number {
    return this.type.code === "CLI_INVALID_ARGUMENT" ? 2 : 1;
  }
}

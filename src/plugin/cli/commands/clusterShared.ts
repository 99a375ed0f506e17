import {ClusterError, DepositError} from "../../../cluster/errors.js";
import {DEFAULT_KDF, type KdfOption, KeystoreError, validateKdf} from "../../../cluster/keystores.js";
import {CombineError} from "../../../combine/errors.js";
import {NetworkError} from "../../../eth/network.js";
import {CliError} from "../errors.js";

/** Options shared by the commands that write EIP-2335 keystores. */
export const kdfOptions = {
  kdf: {
    type: "string",
    choices: ["pbkdf2", "scrypt"],
    default: DEFAULT_KDF.function,
    describe: "EIP-2335 key derivation function of the keystores written",
  },
  "kdf-cost": {
    type: "number",
    default: DEFAULT_KDF.cost,
    describe:
      "KDF cost: pbkdf2 iterations or scrypt N (power of two). The default 262144 is EIP-2335's; use a low value (e.g. 16) only for tests and devnets",
  },
} as const;

export function kdfFromArgs(args: {kdf: string; "kdf-cost": number}): KdfOption {
  try {
    const kdf = validateKdf({function: args.kdf === "scrypt" ? "scrypt" : "pbkdf2", cost: args["kdf-cost"]});
    if (kdf.cost < DEFAULT_KDF.cost) {
      process.stderr.write(
        `warning: KDF cost ${kdf.cost} is below ${DEFAULT_KDF.cost}: these keystores are only fit for tests and devnets\n`,
      );
    }
    return kdf;
  } catch (e) {
    throw new CliError({code: "CLI_INVALID_ARGUMENT", argument: "kdf-cost"}, (e as Error).message);
  }
}

/** Progress of long work on stderr: one updating line on a terminal, a few lines otherwise. */
export function stderrProgress(): (p: {stage: string; done: number; total: number}) => void {
  const tty = process.stderr.isTTY === true;
  let lastStep = -1;
  return ({stage, done, total}) => {
    if (tty) {
      process.stderr.write(`\r${stage}: ${done}/${total}${done === total ? "\n" : ""}`);
      return;
    }
    const step = Math.floor((done * 4) / total);
    if (step !== lastStep || done === total) {
      lastStep = step;
      if (done === total || step > 0) process.stderr.write(`${stage}: ${done}/${total}\n`);
    }
  };
}

const USAGE_CODES = new Set([
  "CLUSTER_INVALID_THRESHOLD",
  "CLUSTER_UNSAFE_THRESHOLD",
  "CLUSTER_UNKNOWN_NETWORK",
  "CLUSTER_OUTPUT_EXISTS",
  "COMBINE_INVALID_THRESHOLD",
]);

/** Turns library errors into CLI errors: bad arguments exit 2, failures exit 1. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof RangeError) return new CliError({code: "CLI_INVALID_ARGUMENT", argument: ""}, e.message);
  if (e instanceof KeystoreError && e.type.code === "KEYSTORE_DUPLICATE_KEY") {
    return new CliError({code: "CLI_INVALID_ARGUMENT", argument: "split-keystores"}, e.message);
  }
  // Bad addresses, amounts, counts and config.yaml files are all the user's input.
  if (e instanceof DepositError || e instanceof NetworkError) {
    return new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.code}, e.message);
  }
  if (e instanceof ClusterError || e instanceof CombineError) {
    return USAGE_CODES.has(e.code)
      ? new CliError({code: "CLI_INVALID_ARGUMENT", argument: e.code}, e.message)
      : new CliError(
          {code: "CLI_COMMAND_FAILED"},
          e.message === e.code ? `${e.code} ${JSON.stringify(e.getMetadata())}` : e.message,
        );
  }
  return new CliError({code: "CLI_COMMAND_FAILED"}, e instanceof Error ? e.message : String(e));
}

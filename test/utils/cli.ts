import {runCli} from "../../src/plugin/cli/cli.js";

/** Runs the CLI in-process with stdout and stderr captured; returns its exit code and output. */
export async function runCliCaptured(argv: string[]): Promise<{code: number; out: string; err: string}> {
  let out = "";
  let err = "";
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return {code: await runCli(argv), out, err};
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}

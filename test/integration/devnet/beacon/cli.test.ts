import {type ChildProcess, spawn} from "node:child_process";
import {writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";
import {interopPublicKeys} from "../../../../src/devnet/beacon/validators.js";
import {runCli} from "../../../../src/plugin/cli/cli.js";
import {toHex} from "../../../../src/util/hex.js";
import {useTmpDir} from "../../../utils/tmpDir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** Runs the CLI in-process with stderr captured (for usage errors, which return before serving). */
async function cliError(...argv: string[]): Promise<{code: number; err: string}> {
  let err = "";
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return {code: await runCli(argv), err};
  } finally {
    process.stderr.write = orig;
  }
}

describe("cli: cohort devnet-beacon", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  let child: ChildProcess | null = null;

  afterEach(() => {
    if (child !== null && child.exitCode === null) child.kill("SIGKILL");
    child = null;
  });

  it("refuses bad usage with exit code 2 and bad files with 1", async () => {
    expect((await cliError("devnet-beacon", "--port", "0")).code).to.equal(2);
    const both = await cliError("devnet-beacon", "--interop", "4", "--validators-file", "x.json");
    expect(both.code).to.equal(2);
    expect(both.err).to.match(/exactly one of --validators-file/);
    expect((await cliError("devnet-beacon", "--interop", "4", "--seconds-per-slot", "0")).code).to.equal(2);
    const bad = path.join(tmp.path, "bad.json");
    writeFileSync(bad, JSON.stringify(["0x1234"]));
    const badFile = await cliError("devnet-beacon", "--validators-file", bad);
    expect(badFile.code).to.equal(1);
    expect(badFile.err).to.match(/entry 0/);
  });

  it("serves the validators of a file on the preset of LODESTAR_PRESET until SIGTERM, then stops cleanly", async () => {
    const keys = interopPublicKeys(3).map(toHex);
    const file = path.join(tmp.path, "validators.json");
    writeFileSync(file, JSON.stringify(keys));
    // Node itself (not the tsx wrapper, which does not pass SIGTERM on) so the signal reaches the command.
    const proc = spawn(
      process.execPath,
      ["--import", "tsx", "src/plugin/cli/index.ts", "devnet-beacon", "--port", "0", "--validators-file", file],
      {cwd: root, stdio: ["ignore", "pipe", "ignore"], env: {...process.env, LODESTAR_PRESET: "minimal"}},
    );
    child = proc;
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      proc.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.once("exit", (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const res = (await (await fetch(`${url}/eth/v1/beacon/states/head/validators`)).json()) as {
      data: {validator: {pubkey: string}}[];
    };
    expect(res.data.map((v) => v.validator.pubkey)).to.deep.equal(keys);
    const spec = ((await (await fetch(`${url}/eth/v1/config/spec`)).json()) as {data: Record<string, string>}).data;
    expect(spec.PRESET_BASE).to.equal("minimal");
    expect(spec.SLOTS_PER_EPOCH).to.equal("8");
    // Fulu from genesis by default (the fork mainnet runs).
    expect(spec.FULU_FORK_EPOCH).to.equal("0");
    const exited = new Promise<number | string | null>((resolve) =>
      proc.once("exit", (code, signal) => resolve(code ?? signal)),
    );
    proc.kill("SIGTERM");
    expect(await exited, out).to.equal(0);
    expect(out).to.match(/stopped at slot \d+/);
  });
});

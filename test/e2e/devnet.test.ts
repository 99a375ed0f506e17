import {spawn} from "node:child_process";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../src/plugin/cli/index.ts");

describe("cohort devnet (what npm start runs), as a process", function () {
  this.timeout(120_000);

  async function devnet(...args: string[]): Promise<{code: number | null; out: string}> {
    const env = {...process.env};
    delete env.LODESTAR_PRESET; // the devnet picks the minimal preset itself
    const child = spawn(process.execPath, ["--import", "tsx", cli, "devnet", "--epochs", "1", ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    return {code, out};
  }

  it("runs one epoch, every duty accepted; with --json stdout is only the summary, and the exit code says pass", async () => {
    const {code, out} = await devnet("--seed", "e2e-devnet", "--json");
    const summary = JSON.parse(out);
    expect(summary.slots).to.deep.equal({from: 0, to: 7});
    expect(summary.duties.proposer).to.deep.equal({expected: 7, submitted: 7, accepted: 7});
    expect(summary.duties.attester.accepted).to.equal(summary.duties.attester.expected);
    expect(summary.slashable).to.equal(0);
    expect(summary.failuresByReason).to.deep.equal({});
    expect(summary.verdict).to.equal("pass");
    expect(code).to.equal(0);
  });

  it("with --processes: a `cohort signer` and a `cohort run` process per node, stopped cleanly at the end", async () => {
    const {code, out} = await devnet("--processes", "--seed", "e2e-devnet-processes");
    expect(out).to.match(/node monitoring( http:\/\/127\.0\.0\.1:\d+){4}/);
    expect(out).to.match(/summary \(slots 0\.\.7\): attestations (\d+)\/\1 accepted, proposals 7\/7 accepted/);
    expect(out).to.include("slashable messages seen by the chain: 0; failed duty outcomes on the nodes: 0");
    expect(code, out).to.equal(0);
  });
});

/**
 * (a) Signer mode on a real Lodestar: four `cohort run` nodes with four `cohort signer` processes (what
 * `cohort devnet --beacon-node` starts, as an operator types them) on interop validators 4..7 of a
 * `lodestar dev` chain whose own validator client runs 0..3. Asserted on the chain and in the logs.
 */
import {mkdtempSync} from "node:fs";
import path from "node:path";
import {freePorts} from "../../src/devnet/localCluster.js";
import {expectChainVerdict, expectLockRegistrations, lodestarCliOrSkip} from "./expectations.js";
import {cohortCommand, REPO} from "./processes.js";
import {EPOCHS, formatReport, runInterop} from "./run.js";
import {interopRunRoot} from "./scratch.js";

describe("interop (a): cohort signer mode on a real Lodestar beacon node", function () {
  this.timeout(15 * 60_000);

  it(`4 cohort run + 4 cohort signer on validators 4..7 for ${EPOCHS} epochs: the chain shows their duties`, async function () {
    const cli = lodestarCliOrSkip(this);
    const dir = mkdtempSync(path.join(interopRunRoot(), "signer-"));
    const [rest, p2p] = await freePorts(2);
    const report = await runInterop({cli, dir, ports: {rest, p2p}}, async (ctx) => {
      const {command, args} = cohortCommand([
        "devnet",
        ...["--beacon-node", ctx.bnUrl, "--interop-indexes", "4..7", "--epochs", String(EPOCHS)],
        ...["--json", "--dir", path.join(dir, "cluster"), "--log-level", "warn"],
      ]);
      const devnet = ctx.procs.spawn("cohort-devnet", command, args, {cwd: REPO, logDir: dir, env: ctx.env});
      let stdout = "";
      devnet.child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const code = await devnet.exited;
      const summary = parseSummary(stdout, `cohort devnet exited ${code}; see ${devnet.logFile}`);
      console.log(`  cohort devnet verdict: ${summary.verdict} (exit ${code})`);
      // `cohort devnet --dir D` creates the cluster in D/cluster.
      return {slots: summary.slots, vcLogs: [], lockFile: path.join(dir, "cluster", "cluster", "cluster-lock.json")};
    });
    console.log(formatReport(report).replace(/^/gm, "  "));
    expectChainVerdict(report);
    expectLockRegistrations(report);
  });
});

function parseSummary(stdout: string, hint: string): {slots: {from: number; to: number}; verdict: string} {
  try {
    return JSON.parse(stdout.slice(stdout.indexOf("{")));
  } catch {
    throw new Error(`no JSON summary on stdout: ${hint}`);
  }
}

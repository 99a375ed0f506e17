/**
 * (c) The baseline: what the real client alone achieves on this machine and these slots. One plain
 * `lodestar validator` (not distributed, the whole interop keys of 4..7, no cohort) on the same
 * `lodestar dev` chain, audited exactly as (a) and (b). Where (b) misses a figure, this run tells a
 * limit of the setup (2 s slots, a block produced late by the BN) from something cohort adds.
 */
import {mkdtempSync} from "node:fs";
import path from "node:path";
import {freePorts} from "../../src/devnet/localCluster.js";
import {expectChainVerdict, lodestarCliOrSkip} from "./expectations.js";
import {forkParams} from "./processes.js";
import {DEBUG_LOGS, EPOCHS, formatReport, runEpochsFromNow, runInterop, SECONDS_PER_SLOT} from "./run.js";
import {interopRunRoot} from "./scratch.js";

/** The plain client's own fee recipient: its blocks are audited against it. */
const FEE_RECIPIENT = `0x${"aa".repeat(20)}`;

describe("interop (c): baseline, a plain lodestar validator on validators 4..7 (no cohort)", function () {
  this.timeout(15 * 60_000);

  it(`1 lodestar validator holding the keys of 4..7 for ${EPOCHS} epochs: the chain shows their duties`, async function () {
    const cli = lodestarCliOrSkip(this);
    const dir = mkdtempSync(path.join(interopRunRoot(), "baseline-"));
    const [rest, p2p] = await freePorts(2);
    const report = await runInterop({cli, dir, ports: {rest, p2p}}, async (ctx) => {
      const vc = ctx.procs.spawn(
        "lodestar-validator",
        cli,
        [
          "validator",
          ...["--params.SECONDS_PER_SLOT", String(SECONDS_PER_SLOT), ...forkParams()],
          ...["--dataDir", path.join(dir, "vc"), "--beaconNodes", ctx.bnUrl, "--interopIndexes", "4..7"],
          ...["--suggestedFeeRecipient", FEE_RECIPIENT],
          ...(DEBUG_LOGS ? ["--logLevel", "debug"] : []),
        ],
        {cwd: dir, logDir: dir, env: ctx.env},
      );
      const {from, to} = await runEpochsFromNow(ctx);
      return {slots: {from, to}, vcLogs: [vc.logFile], feeRecipient: FEE_RECIPIENT};
    });
    console.log(formatReport(report).replace(/^/gm, "  "));
    expectChainVerdict(report);
  });
});

import {expect} from "chai";
import {formatReport, type InteropReport} from "./run.js";

/** The bar of the real-clients issue, asserted on what the chain and the logs say. */
export const MIN_ON_CHAIN_PERCENT = 95;
export const MIN_FINALIZED_EPOCH = 2;

/** Skips the suite, saying why, when no Lodestar build is given. */
export function lodestarCliOrSkip(ctx: Mocha.Context): string {
  const cli = process.env.LODESTAR_CLI;
  if (!cli) {
    console.log("  skipped: LODESTAR_CLI is not set (the path of a built Lodestar v1.22 CLI; see docs/interop.md)");
    ctx.skip();
  }
  return cli as string;
}

export function expectChainVerdict(report: InteropReport): void {
  const failureHint = `\n${formatReport(report)}\nlogs and report.json in ${report.dir}`;
  for (const [v, gain] of Object.entries(report.balanceGainGwei)) {
    expect(BigInt(gain) > 0n, `validator ${v} gained ${gain} gwei${failureHint}`).to.equal(true);
  }
  expect(report.finalizedEpoch, `finalized epoch${failureHint}`).to.be.at.least(MIN_FINALIZED_EPOCH);
  for (const type of ["attestations", "syncMessages", "proposals"] as const) {
    const tally = report.audit[type];
    expect(tally.duties, `${type}: the cluster had no such duty${failureHint}`).to.be.greaterThan(0);
    expect(
      report.onChainPercent[type],
      `${type} on chain (missing: ${tally.missing.slice(0, 20).join(", ")})${failureHint}`,
    ).to.be.at.least(MIN_ON_CHAIN_PERCENT);
  }
  expect(report.audit.slashings, `slashings in blocks${failureHint}`).to.deep.equal({proposer: 0, attester: 0});
  // Every block of the cluster on chain pays the lock's fee recipient (prepare_beacon_proposer reached the BN).
  const fees = report.audit.feeRecipients;
  expect(fees.duties, `fee recipients: the cluster's blocks audited${failureHint}`).to.equal(
    report.audit.proposals.onChain,
  );
  expect(fees.missing, `blocks paying another fee recipient than the lock's${failureHint}`).to.deep.equal([]);
  for (const log of report.logs) {
    expect(log.errors, `error lines in ${log.file}${failureHint}`).to.deep.equal([]);
  }
}

/** Every cluster validator's registration, as the lock has it, reached the BN's builder (the BN answered 200). */
export function expectLockRegistrations(report: InteropReport): void {
  const failureHint = `\n${formatReport(report)}\nlogs and report.json in ${report.dir}`;
  const r = report.registrations;
  expect(r, `no cluster lock audited${failureHint}`).to.not.equal(null);
  expect(r?.missing, `registrations of the lock missing at the builder${failureHint}`).to.deep.equal([]);
  expect(r?.verified, `registrations that do not verify${failureHint}`).to.equal(r?.received);
}

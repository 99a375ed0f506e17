import {expect} from "chai";
import {runCliCaptured} from "../../utils/cli.js";

/** `cohort devnet --beacon-node URL --interop-indexes A..B`: bad flags are refused (exit 2) before anything starts. */
describe("cli: cohort devnet --beacon-node, argument checks", function () {
  this.timeout(30_000);
  // Nothing listens on port 1: a check that passes by mistake would fail to reach it (exit 1, not 2).
  const bn = "http://127.0.0.1:1";
  const devnet = (...args: string[]) => runCliCaptured(["devnet", "--epochs", "1", ...args]);

  it("--beacon-node needs --interop-indexes, and --interop-indexes needs --beacon-node", async () => {
    const a = await devnet("--beacon-node", bn);
    expect(a.code).to.equal(2);
    expect(a.err).to.match(/--beacon-node needs --interop-indexes/);
    const b = await devnet("--interop-indexes", "0..3");
    expect(b.code).to.equal(2);
    expect(b.err).to.match(/--interop-indexes needs --beacon-node/);
  });

  it("refuses the simulated chain's flags with --beacon-node, naming them", async () => {
    const r = await devnet(
      "--beacon-node",
      bn,
      "--interop-indexes",
      "0..3",
      "--seconds-per-slot",
      "3",
      "--genesis-delay",
      "5",
    );
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--seconds-per-slot and --genesis-delay only apply to the simulated chain/);
  });

  for (const bad of ["7..4", "-1..3", "a..b", "1.5..3", "0..20000"]) {
    it(`refuses --interop-indexes ${bad}`, async () => {
      const r = await devnet("--beacon-node", bn, `--interop-indexes=${bad}`);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/--interop-indexes .*expected A\.\.B/);
    });
  }

  it("--validators must match the number of indexes", async () => {
    const r = await devnet("--beacon-node", bn, "--interop-indexes", "4..7", "--validators", "3");
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--validators 3 but --interop-indexes 4\.\.7 names 4 validators/);
  });

  it("an unreachable beacon node is a failure (exit 1) with a clear message", async () => {
    const r = await devnet("--beacon-node", bn, "--interop-indexes", "4..7", "--validators", "4");
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/cannot run against the beacon node http:\/\/127\.0\.0\.1:1/);
  });
});

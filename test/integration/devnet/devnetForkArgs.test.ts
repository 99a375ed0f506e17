import {expect} from "chai";
import {runCliCaptured} from "../../utils/cli.js";

/** `--fork` / `--fork-epoch` of `cohort devnet` and `cohort devnet-beacon`: bad flags exit 2 before anything starts. */
describe("cli: cohort devnet and devnet-beacon, fork flags", function () {
  this.timeout(30_000);

  for (const command of [
    ["devnet", "--epochs", "1"],
    ["devnet-beacon", "--interop", "4", "--port", "1"],
  ]) {
    it(`${command[0]}: refuses an unknown fork, a malformed or contradictory --fork-epoch (exit 2)`, async () => {
      const unknown = await runCliCaptured([...command, "--fork", "gloas"]);
      expect(unknown.code).to.equal(2);
      expect(unknown.err).to.match(/fork/);
      const malformed = await runCliCaptured([...command, "--fork-epoch", "fulu:x"]);
      expect(malformed.code).to.equal(2);
      expect(malformed.err).to.match(/--fork-epoch fulu:x: expected fulu:N/);
      const contradictory = await runCliCaptured([...command, "--fork", "fulu", "--fork-epoch", "fulu:2"]);
      expect(contradictory.code).to.equal(2);
      expect(contradictory.err).to.match(/--fork fulu starts at Fulu/);
    });
  }

  it("devnet: the fork flags only apply to the simulated chain, not with --beacon-node", async () => {
    const r = await runCliCaptured([
      "devnet",
      "--epochs",
      "1",
      "--beacon-node",
      "http://127.0.0.1:1",
      "--interop-indexes",
      "0..3",
      "--fork-epoch",
      "fulu:2",
    ]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--fork-epoch only apply to the simulated chain/);
  });
});

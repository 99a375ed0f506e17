import {ACTIVE_PRESET} from "@lodestar/params";
import {expect} from "chai";
import {interopPublicKeys, SimulatedBeaconNode} from "../../src/devnet/beacon/index.js";
import {isAccepted} from "../../src/devnet/summary.js";
import {runCliCaptured} from "../utils/cli.js";

/**
 * `cohort devnet --beacon-node URL --interop-indexes A..B`: the simulated chain, started on its own with the
 * interop validators 0..7 as genesis validators, stands for an external dev BN (`lodestar dev`); the devnet
 * runs a cluster of the interop keys 4..7 against it, knowing only its URL.
 */
describe(`cohort devnet against an external beacon node (${ACTIVE_PRESET} preset)`, function () {
  this.timeout(120_000);
  let beacon: SimulatedBeaconNode | null = null;
  afterEach(async () => {
    await beacon?.stop();
    beacon = null;
  });

  it("--interop-indexes 4..7 for one epoch: every node outcome submitted, and the chain accepted validators 4..7's duties", async () => {
    beacon = new SimulatedBeaconNode({
      port: 0,
      host: "127.0.0.1",
      validators: interopPublicKeys(8),
      secondsPerSlot: 2,
      // A chain already running, as a dev BN usually is when the devnet joins it.
      genesisTime: Math.floor(Date.now() / 1000) - 7,
    });
    const url = await beacon.start();
    const {code, out, err} = await runCliCaptured([
      "devnet",
      ...["--beacon-node", url, "--interop-indexes", "4..7", "--epochs", "1", "--json", "--seed", "e2e-external-bn"],
      // In this process (the default's separate processes: devnet.test.ts).
      "--in-process",
    ]);
    expect(err).to.match(/interop validators 4\.\.7 of the beacon node/);
    const summary = JSON.parse(out);
    expect(summary.beaconNode).to.equal(url);
    expect(summary).to.not.have.property("slashable"); // a real BN's book is not ours to read
    expect(summary.failuresByReason).to.deep.equal({});
    expect(summary.duties.attester.done).to.be.greaterThan(0);
    for (const d of Object.values(summary.duties) as {failed: number}[]) expect(d.failed).to.equal(0);
    expect(summary.verdict).to.equal("pass");
    expect(code).to.equal(0);

    // The chain's own book over the summarized slots: validators 4..7's duties accepted (the cluster's),
    // validators 0..3's not (nobody runs them).
    const {from, to} = summary.slots as {from: number; to: number};
    const records = beacon.chain
      .records()
      .filter((r) => r.expected && r.slot >= from && r.slot <= to && (r.type === "attester" || r.type === "proposer"));
    const ours = records.filter((r) => r.validatorIndex >= 4);
    // Each validator attests once an epoch: a whole epoch's slots hold an attestation of most of them.
    expect(ours.filter((r) => r.type === "attester").length).to.be.greaterThan(0);
    const notAccepted = ours
      .filter((r) => !isAccepted(r))
      .map((r) => `${r.type}@${r.slot}/v${r.validatorIndex}:${r.status}`);
    expect(notAccepted, "duties of validators 4..7 the chain did not accept").to.deep.equal([]);
    expect(records.filter((r) => r.validatorIndex < 4 && isAccepted(r))).to.deep.equal([]);
    expect(beacon.chain.stats().slashable.total).to.equal(0);
  });
});

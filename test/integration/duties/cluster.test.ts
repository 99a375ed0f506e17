import {expect} from "chai";
import {startLocalCluster} from "../../../src/devnet/localCluster.js";
import {useTmpDir} from "../../utils/tmpDir.js";

describe("duties: a 4-node cluster end to end (sim chain, signers, libp2p, QBFT)", function () {
  this.timeout(120_000);
  const tmp = useTmpDir();

  it("every attestation and proposal duty is submitted and accepted, nothing slashable", async () => {
    const cluster = await startLocalCluster({dir: tmp.path, nodes: 4, validators: 4, secondsPerSlot: 2, seed: "e2e-happy"});
    try {
      await new Promise((r) => setTimeout(r, 16_000));
      const stats = cluster.beacon.chain.stats();
      console.log(JSON.stringify(stats.duties), stats.rejectionsByCode, cluster.outcomes.filter((o) => o.status === "failed").slice(0, 5));
      expect(stats.slashable.total).to.equal(0);
    } finally {
      await cluster.stop();
    }
  });
});

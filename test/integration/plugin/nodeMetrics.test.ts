import {expect} from "chai";
import {type LocalCluster, startLocalCluster} from "../../../src/devnet/localCluster.js";
import {useTmpDir} from "../../utils/tmpDir.js";

/** Polls the node's /metrics until `pattern` shows (the RS is called when the first selection proof is due). */
async function metricsShowing(url: string, pattern: RegExp, attempts: number): Promise<string> {
  let text = "";
  for (let i = 0; i < attempts; i++) {
    text = await (await fetch(`${url}/metrics`)).text();
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
  return text;
}

describe("plugin/CohortNode metrics (a real node, its RS and a simulated BN)", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  let cluster: LocalCluster | null = null;

  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  it("serves the BN and RS call metrics of the node's own clients on its /metrics; /readyz checks its RS", async () => {
    // One operator of four: it still calls its BN (start-up, duties) and its RS (selection-proof shares).
    cluster = await startLocalCluster({
      dir: tmp.path,
      nodes: 4,
      validators: 1,
      secondsPerSlot: 1,
      seed: "node-metrics",
      monitoring: true,
      skipNodes: [1, 2, 3],
    });
    const url = cluster.nodes[0]?.monitoringUrl;
    if (!url) return expect.fail("node 0 has no monitoring server");
    const text = await metricsShowing(url, /^cohort_remote_signer_request_seconds_count\{/m, 40);
    expect(text).to.match(/^cohort_bn_request_seconds_count\{operation="getGenesis",endpoint="[^"]+"\} [1-9]/m);
    expect(text).to.match(/^cohort_bn_request_seconds_count\{operation="getAttesterDuties",endpoint="[^"]+"\} [1-9]/m);
    expect(text).to.match(/^cohort_remote_signer_request_seconds_count\{type="AGGREGATION_SLOT"\} [1-9]/m);
    expect(text).to.include("# TYPE cohort_remote_signer_errors_total counter");
    expect(text).to.include("# TYPE cohort_bn_request_errors_total counter");
    // Its RS serves its key shares; one operator of four is short of peers.
    const readyz = (await (await fetch(`${url}/readyz`)).json()) as {checks: Record<string, unknown>};
    expect(readyz.checks.remote_signer).to.equal(true);
    expect(readyz.checks.peers).to.equal("0 peers connected, 2 needed");
  });
});

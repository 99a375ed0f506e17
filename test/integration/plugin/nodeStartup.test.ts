import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {expect} from "chai";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {knownNetwork} from "../../../src/cluster/networks.js";
import {CohortNode} from "../../../src/plugin/node.js";

describe("plugin/CohortNode monitoring during start-up (real HTTP)", function () {
  this.timeout(20_000);

  it("answers /livez and a 'starting' /readyz while it checks its BN, and closes them when start-up fails", async () => {
    const plan = planCluster(
      {nodes: 4, validators: 1, network: knownNetwork("hoodi")},
      {random: seededRandom("node-startup")},
    );
    let node: CohortNode | null = null;
    const seen: {livez?: number; readyz?: number; body?: unknown} = {};
    // A BN that, when first asked (for the genesis), looks at the starting node's endpoints, then fails.
    const bn = createServer((_req, res) => {
      const url = node?.monitoringUrl;
      const probe = async () => {
        if (url && seen.livez === undefined) {
          seen.livez = (await fetch(`${url}/livez`)).status;
          const readyz = await fetch(`${url}/readyz`);
          seen.readyz = readyz.status;
          seen.body = await readyz.json();
        }
      };
      void probe().finally(() => res.writeHead(503).end());
    });
    await new Promise<void>((resolve) => bn.listen(0, "127.0.0.1", resolve));
    try {
      node = new CohortNode(
        {
          lock: plan.lock,
          operatorIndex: 0,
          beaconNodeUrls: [`http://127.0.0.1:${(bn.address() as AddressInfo).port}`],
          remoteSignerUrl: "http://127.0.0.1:1",
          dataDir: "/nonexistent/cohort",
          p2pListen: ["/ip4/127.0.0.1/tcp/0"],
          monitoring: {address: "127.0.0.1", port: 0},
        },
        {identity: plan.identities[0]},
      );
      await node.start().then(
        () => expect.fail("the node started without a beacon node"),
        () => undefined,
      );
      expect(seen).to.deep.equal({livez: 200, readyz: 503, body: {ready: false, checks: {node: "starting"}}});
      const url = node.monitoringUrl as string;
      await fetch(`${url}/livez`).then(
        () => expect.fail("the monitoring server outlived the failed start"),
        () => undefined,
      );
    } finally {
      await node?.stop();
      await new Promise((resolve) => bn.close(resolve));
    }
  });
});

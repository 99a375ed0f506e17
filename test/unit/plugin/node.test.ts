import {expect} from "chai";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {knownNetwork} from "../../../src/cluster/networks.js";
import {NodeError} from "../../../src/plugin/errors.js";
import {CohortNode} from "../../../src/plugin/node.js";
import {nullLogger} from "../../../src/util/logger.js";

describe("plugin/CohortNode start-up refusals (nothing runs)", () => {
  const plan = planCluster(
    {nodes: 4, validators: 1, network: knownNetwork("hoodi")},
    {random: seededRandom("node-api")},
  );
  const opts = {lock: plan.lock, operatorIndex: 0, dataDir: "/nonexistent/cohort", p2pListen: ["/ip4/127.0.0.1/tcp/0"]};

  async function startError(node: CohortNode): Promise<NodeError> {
    try {
      await node.start();
    } catch (e) {
      expect(e).to.be.instanceOf(NodeError);
      return e as NodeError;
    }
    await node.stop();
    return expect.fail("the node started");
  }

  it("refuses a node given no beacon node", async () => {
    const err = await startError(new CohortNode({...opts, beaconNodeUrls: []}, {identity: plan.identities[0]}));
    expect(err.code).to.equal("NODE_NO_BEACON_NODE");
  });

  it("warns loudly when the lock's threshold is below ceil(2n/3)", async () => {
    const unsafe = planCluster(
      {nodes: 4, threshold: 2, unsafeThreshold: true, validators: 1, network: knownNetwork("hoodi")},
      {random: seededRandom("node-unsafe")},
    );
    for (const [p, expected] of [
      [unsafe, 1],
      [plan, 0],
    ] as const) {
      const warnings: string[] = [];
      const logger = {...nullLogger(), warn: (msg: string) => void warnings.push(msg)};
      await startError(
        new CohortNode({...opts, lock: p.lock, beaconNodeUrls: []}, {identity: p.identities[0], logger}),
      );
      expect(warnings.filter((w) => w.startsWith("UNSAFE CLUSTER THRESHOLD"))).to.have.length(expected);
      if (expected) expect(warnings[0]).to.include("any 2 colluding or compromised operators can sign anything");
    }
  });

  it("refuses to start once its abort signal has fired", async () => {
    const controller = new AbortController();
    controller.abort();
    const node = new CohortNode(
      {...opts, beaconNodeUrls: ["http://127.0.0.1:1"]},
      {identity: plan.identities[0], signal: controller.signal},
    );
    expect((await startError(node)).code).to.equal("NODE_ABORTED");
  });
});

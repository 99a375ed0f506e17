import path from "node:path";
import {expect} from "chai";
import {loadNode, nodeDirName} from "../../../src/cluster/index.js";
import {type LocalCluster, startLocalCluster} from "../../../src/devnet/localCluster.js";
import type {PeerConnectionEvent} from "../../../src/p2p/network.js";
import {NodeError} from "../../../src/plugin/errors.js";
import {CohortNode} from "../../../src/plugin/node.js";
import {useTmpDir} from "../../utils/tmpDir.js";

// CohortNode on a real local cluster (simulated BN, real signers, real libp2p on 127.0.0.1). Genesis is
// far out, so no duty runs: these tests are about the node itself.
describe("plugin/CohortNode (real cluster)", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  let cluster: LocalCluster | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  async function start(skipNodes: number[] = []): Promise<LocalCluster> {
    cluster = await startLocalCluster({
      dir: tmp.path,
      nodes: 4,
      validators: 1,
      secondsPerSlot: 2,
      genesisDelaySec: 120,
      seed: "plugin-node",
      skipNodes,
    });
    return cluster;
  }

  /** The next `peer` event of `node` about `operatorIndex`. */
  function nextPeerEvent(node: CohortNode, operatorIndex: number): Promise<PeerConnectionEvent> {
    return new Promise((resolve) => {
      const listener = (e: PeerConnectionEvent) => {
        if (e.operatorIndex !== operatorIndex) return;
        node.off("peer", listener);
        resolve(e);
      };
      node.on("peer", listener);
    });
  }

  it('emits "peer" disconnected when a co-validator stops', async () => {
    const c = await start();
    const node0 = c.nodes[0] as CohortNode;
    const gone = nextPeerEvent(node0, 3);
    await c.stopNode(3);
    expect(await gone).to.deep.equal({operatorIndex: 3, connected: false});
  });

  it("refuses to start without a signer (NODE_NO_SIGNER) and leaves nothing running", async () => {
    const c = await start([0, 1, 2, 3]);
    const loaded = await loadNode(path.join(tmp.path, "cluster", nodeDirName(0)));
    const node = new CohortNode(
      {
        lock: loaded.lock,
        operatorIndex: loaded.operatorIndex,
        beaconNodeUrls: [c.beaconUrl],
        dataDir: path.join(tmp.path, "nosigner"),
        p2pListen: ["/ip4/127.0.0.1/tcp/0"],
      },
      {identity: loaded.identity},
    );
    let error: unknown = null;
    try {
      await node.start();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(NodeError);
    expect((error as NodeError).type.code).to.equal("NODE_NO_SIGNER");
    // Stopping a node that never started is a no-op, and it can be asked again.
    await node.stop();
  });
});

import {expect} from "chai";
import {Registry} from "prom-client";
import {createP2pMetrics, type P2pMetrics} from "../../../src/p2p/metrics.js";
import {Libp2pNetwork} from "../../../src/p2p/network.js";
import {toHex} from "../../../src/util/hex.js";
import type {Logger} from "../../../src/util/logger.js";
import {CLUSTER_ID, counterValue, testKey, waitFor} from "./cluster.js";

/** A logger keeping its WARN lines. */
function warnRecorder(lines: string[]): Logger {
  const none = () => undefined;
  const l: Logger = {
    error: none,
    warn: (msg: string) => lines.push(msg),
    info: none,
    verbose: none,
    debug: none,
    child: () => l,
  };
  return l;
}

interface LockNode {
  net: Libp2pNetwork;
  metrics: P2pMetrics;
  warnings: string[];
  connections: boolean[];
}

describe("p2p: peers compare cluster lock hashes on connect (/cohort/lock/1), two real libp2p nodes", function () {
  this.timeout(30_000);
  const keys = [21, 22].map(testKey);
  const OTHER_LOCK = new Uint8Array(32).fill(0xd1);
  let nodes: LockNode[] = [];

  async function start(index: number, clusterId: Uint8Array, addrs: string[][]): Promise<LockNode> {
    const metrics = createP2pMetrics(new Registry());
    const warnings: string[] = [];
    const connections: boolean[] = [];
    const net = new Libp2pNetwork(
      {
        peers: keys.map((k, i) => ({index: i, publicKey: k.publicKey, multiaddrs: addrs[i] ?? []})),
        clusterId,
        listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
        redialBackoff: {baseMs: 50, maxMs: 60_000},
      },
      {
        identity: keys[index],
        metrics,
        logger: warnRecorder(warnings),
        random: () => 0.5,
        onPeerConnection: (e) => connections.push(e.connected),
      },
    );
    await net.start();
    const node = {net, metrics, warnings, connections};
    nodes.push(node);
    return node;
  }

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.net.stop()));
    nodes = [];
  });

  it("a peer on another lock is refused: WARN naming it and both hashes, counted, disconnected, not redialled at once", async () => {
    const a = await start(0, CLUSTER_ID, [[], []]);
    const b = await start(1, OTHER_LOCK, [a.net.multiaddrs(), []]);
    await waitFor(() => a.warnings.length > 0 && b.warnings.length > 0, "both nodes to warn about the other's lock");
    expect(a.warnings[0]).to.equal(
      `peer ${b.net.peerId} (operator 1) is on another cluster lock: theirs ${toHex(OTHER_LOCK)}, ours ${toHex(CLUSTER_ID)}`,
    );
    expect(b.warnings[0]).to.equal(
      `peer ${a.net.peerId} (operator 0) is on another cluster lock: theirs ${toHex(CLUSTER_ID)}, ours ${toHex(OTHER_LOCK)}`,
    );
    expect(await counterValue(a.metrics.lockChecks, {peer: "1", result: "mismatch"})).to.be.greaterThan(0);
    expect(await counterValue(b.metrics.lockChecks, {peer: "0", result: "mismatch"})).to.be.greaterThan(0);
    await waitFor(() => !a.net.peers()[0].connected && !b.net.peers()[0].connected, "the connection to be closed");
    // Redialled at the slowest pace (60 s here), not at once: one refusal each within the next second.
    await new Promise((r) => setTimeout(r, 1000));
    expect(a.net.peers()[0].connected).to.equal(false);
    expect(a.warnings).to.have.length(1);
    expect(await counterValue(a.metrics.lockChecks, {peer: "1", result: "ok"})).to.equal(0);
  });

  it("peers on the same lock pass the check and stay connected", async () => {
    const a = await start(0, CLUSTER_ID, [[], []]);
    const b = await start(1, CLUSTER_ID, [a.net.multiaddrs(), []]);
    const okCount = async (n: LockNode, peer: string) => counterValue(n.metrics.lockChecks, {peer, result: "ok"});
    const deadline = Date.now() + 10_000;
    while ((await okCount(a, "1")) < 1 || (await okCount(b, "0")) < 1) {
      if (Date.now() > deadline) throw new Error("timed out waiting for both lock checks");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(a.warnings).to.deep.equal([]);
    expect(b.warnings).to.deep.equal([]);
    expect(a.net.peers()[0].connected).to.equal(true);
    expect(b.net.peers()[0].connected).to.equal(true);
    expect(await counterValue(a.metrics.lockChecks, {peer: "1", result: "mismatch"})).to.equal(0);
  });
});

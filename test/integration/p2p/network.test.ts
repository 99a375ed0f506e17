import {expect} from "chai";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {createCohortLibp2p} from "../../../src/p2p/node.js";
import {libp2pPrivateKey} from "../../../src/p2p/peers.js";
import {
  allConnected,
  counterValue,
  hasMessage,
  startCluster,
  startNode,
  type TestNode,
  testKey,
  text,
  waitFor,
} from "./cluster.js";

describe("p2p/Libp2pNetwork on loopback", function () {
  this.timeout(30_000);
  const keys = [1, 2, 3, 4].map(testKey);
  let nodes: TestNode[] = [];
  const extraStops: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const stop of extraStops.splice(0)) await stop();
    await Promise.all(nodes.map((n) => n.net.stop()));
    nodes = [];
  });

  it("connects 4 nodes; broadcast on both topics reaches every other node with the true sender; RTT is measured", async () => {
    ({nodes} = await startCluster(keys, 4, {pingIntervalMs: 50}));
    for (const node of nodes) {
      await waitFor(
        () =>
          allConnected(
            node,
            [0, 1, 2, 3].filter((i) => i !== node.index),
          ),
        `node ${node.index} mesh`,
      );
    }
    for (const node of nodes) {
      node.net.broadcast("consensus", text(`c${node.index}`));
      node.net.broadcast("shares", text(`s${node.index}`));
    }
    for (const node of nodes) {
      for (const other of nodes.filter((o) => o.index !== node.index)) {
        await waitFor(() => hasMessage(node, other.index, "consensus", `c${other.index}`), "consensus message");
        await waitFor(() => hasMessage(node, other.index, "shares", `s${other.index}`), "shares message");
      }
      // A node never hears its own broadcast, and nothing arrives twice.
      expect(node.received.filter((m) => m.from === node.index)).to.have.length(0);
      expect(node.received).to.have.length(6);
    }
    await waitFor(() => nodes[0].net.peers().every((p) => p.rttMs !== null), "ping RTT");
    const peers = nodes[0].net.peers();
    expect(peers.map((p) => p.index)).to.deep.equal([1, 2, 3]);
    expect(peers.map((p) => p.peerId)).to.deep.equal([nodes[1].net.peerId, nodes[2].net.peerId, nodes[3].net.peerId]);

    // send() reaches only its addressee.
    nodes[1].net.send(2, "consensus", text("direct"));
    await waitFor(() => hasMessage(nodes[2], 1, "consensus", "direct"), "direct message");
    expect(hasMessage(nodes[3], 1, "consensus", "direct")).to.equal(false);
  });

  it("a node restarted with the same key is reconnected and catches up on the shares it missed", async () => {
    let addrs: string[][];
    ({nodes, addrs} = await startCluster(keys, 4));
    for (const node of nodes)
      await waitFor(
        () =>
          allConnected(
            node,
            [0, 1, 2, 3].filter((i) => i !== node.index),
          ),
        "mesh",
      );
    const port = new URL(`tcp://${addrs[3][0].split("/")[2]}:${addrs[3][0].split("/")[4]}`).port;
    await nodes[3].net.stop();
    await waitFor(() => !allConnected(nodes[0], [3]) && !allConnected(nodes[1], [3]), "node 3 seen down");

    nodes[0].net.broadcast("shares", text("missed share from 0"));
    nodes[1].net.broadcast("shares", text("missed share from 1"));
    nodes[0].net.broadcast("consensus", text("missed consensus from 0"));
    expect(await counterValue(nodes[0].metrics.sendDropped, {peer: "3", reason: "not_connected"})).to.be.greaterThan(0);

    // Same key, same port; it knows every other node's address and they know its.
    const restarted = await startNode(3, keys, addrs, `/ip4/127.0.0.1/tcp/${port}`);
    nodes[3] = restarted;
    await waitFor(() => allConnected(restarted, [0, 1, 2]), "restarted node reconnected");
    await waitFor(() => hasMessage(restarted, 0, "shares", "missed share from 0"), "share from 0 caught up");
    await waitFor(() => hasMessage(restarted, 1, "shares", "missed share from 1"), "share from 1 caught up");
    // Only shares are re-sent: a missed consensus message is QBFT's business (round changes).
    expect(hasMessage(restarted, 0, "consensus", "missed consensus from 0")).to.equal(false);
    expect(await counterValue(nodes[0].metrics.catchUpRequests, {peer: "3", result: "answered"})).to.be.greaterThan(0);

    // And the restarted node works normally afterwards.
    restarted.net.broadcast("consensus", text("back"));
    for (const i of [0, 1, 2])
      await waitFor(() => hasMessage(nodes[i], 3, "consensus", "back"), "post-restart message");
  });

  it("refuses a non-member key before any protocol runs, and counts the refusal", async () => {
    ({nodes} = await startCluster(keys, 2));
    await waitFor(() => allConnected(nodes[0], [1]), "members connected");
    const outsiderKey = IdentityKey.generate(() => new Uint8Array(32).fill(99));
    const outsider = await createCohortLibp2p({
      privateKey: libp2pPrivateKey(outsiderKey),
      listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
      isAllowed: () => true,
    });
    await outsider.start();
    extraStops.push(async () => {
      await outsider.stop();
    });
    const {multiaddr} = await import("@multiformats/multiaddr");
    let dialError: unknown = null;
    try {
      const stream = await outsider.dialProtocol(multiaddr(nodes[0].net.multiaddrs()[0]), "/cohort/consensus/1.0.0");
      stream.abort(new Error("unexpected success"));
    } catch (err) {
      dialError = err;
    }
    expect(dialError, "the outsider must not get a stream").to.not.equal(null);
    await waitFor(() => outsider.getConnections().length === 0, "outsider connection closed");
    expect(await counterValue(nodes[0].metrics.connectionsRefused, {direction: "inbound"})).to.be.greaterThan(0);
    expect(nodes[0].net.peers().map((p) => p.peerId)).to.not.include(outsider.peerId.toString());
    expect(nodes[0].received).to.have.length(0);
  });
});

describe("p2p/createCohortLibp2p gater", function () {
  this.timeout(20_000);

  it("refuses outbound dials to peer ids it does not allow, and an address answering with the wrong key", async () => {
    const [a, b, c] = [41, 42, 43].map(testKey);
    const {peerIdFromIdentityPublicKey} = await import("../../../src/p2p/peers.js");
    const {multiaddr} = await import("@multiformats/multiaddr");
    const bId = peerIdFromIdentityPublicKey(b.publicKey).toString();
    const refused: string[] = [];
    const make = (key: IdentityKey, allow: (id: string) => boolean) =>
      createCohortLibp2p({
        privateKey: libp2pPrivateKey(key),
        listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
        isAllowed: (id) => allow(id.toString()),
        onRefused: (direction, id) => refused.push(`${direction}:${id.toString()}`),
      });
    const nodeA = await make(a, (id) => id === bId);
    const nodeB = await make(b, () => true);
    const nodeC = await make(c, () => true);
    const started = [nodeA, nodeB, nodeC];
    try {
      for (const n of started) await n.start();
      // C is not allowed: A refuses to dial it (outbound) before any connection exists.
      let err: unknown = null;
      await nodeA.dial(nodeC.peerId).catch((e: unknown) => {
        err = e;
      });
      expect(err).to.not.equal(null);
      expect(refused).to.include(`outbound:${nodeC.peerId.toString()}`);
      // B's expected peer id at C's address: noise sees C's key, so the dial fails.
      err = null;
      await nodeA
        .dial(multiaddr(`${nodeC.getMultiaddrs()[0].toString().split("/p2p/")[0]}/p2p/${bId}`))
        .catch((e: unknown) => {
          err = e;
        });
      expect(err).to.not.equal(null);
      expect(nodeA.getConnections(nodeC.peerId)).to.have.length(0);
      // The allowed peer connects.
      await nodeA.dial(nodeB.getMultiaddrs()[0]);
      expect(nodeA.getConnections(nodeB.peerId).length).to.be.greaterThan(0);
    } finally {
      for (const n of started) await n.stop();
    }
  });
});

describe("p2p/Libp2pNetwork redial", function () {
  this.timeout(30_000);
  const keys = [61, 62].map(testKey);
  let nodes: TestNode[] = [];

  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.net.stop()));
    nodes = [];
  });

  it("keeps redialling a peer that is down and connects when it comes back at its address", async () => {
    let addrs: string[][];
    ({nodes, addrs} = await startCluster(keys, 2));
    await waitFor(() => allConnected(nodes[0], [1]), "connected");
    const listen = addrs[0][0].split("/p2p/")[0];
    // Node 0 goes away; node 1 (which dialled it) keeps redialling with backoff.
    await nodes[0].net.stop();
    await waitFor(() => !allConnected(nodes[1], [0]), "node 0 seen down");
    await new Promise((r) => setTimeout(r, 300));
    // Node 0 comes back on the same address knowing nobody's address: only node 1's redial can reconnect them.
    nodes[0] = await startNode(0, keys, [[], []], listen);
    await waitFor(() => allConnected(nodes[1], [0]) && allConnected(nodes[0], [1]), "reconnected by redial");
    expect(await counterValue(nodes[1].metrics.dials, {peer: "0", result: "error"})).to.be.greaterThan(0);
    nodes[1].net.broadcast("consensus", text("after redial"));
    await waitFor(() => hasMessage(nodes[0], 1, "consensus", "after redial"), "message after redial");
  });
});

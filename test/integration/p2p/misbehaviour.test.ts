import {multiaddr} from "@multiformats/multiaddr";
import {expect} from "chai";
import type {Topic} from "../../../src/duties/interfaces.js";
import {encodeEnvelope} from "../../../src/p2p/envelope.js";
import {encodeFrame} from "../../../src/p2p/framing.js";
import type {IdentityKey} from "../../../src/p2p/identity.js";
import {CONSENSUS_PROTOCOL, type CohortLibp2p, createCohortLibp2p} from "../../../src/p2p/node.js";
import {libp2pPrivateKey} from "../../../src/p2p/peers.js";
import {
  allConnected,
  CLUSTER_ID,
  counterValue,
  hasMessage,
  startCluster,
  type TestNode,
  testKey,
  text,
  waitFor,
} from "./cluster.js";

/** An envelope frame as operator `sender` would send it (signed by `signer`, by default its own key). */
function frameOf(
  signer: IdentityKey,
  sender: number,
  topic: Topic,
  payload: string,
  opts: {nonce?: bigint; timestampMs?: number} = {},
): Uint8Array {
  const body = encodeEnvelope(
    {
      kind: "message",
      topic,
      sender,
      timestampMs: opts.timestampMs ?? Date.now(),
      nonce: opts.nonce ?? 0n,
      payload: text(payload),
    },
    CLUSTER_ID,
    (m) => signer.sign(m),
  );
  return encodeFrame(body);
}

describe("p2p/Libp2pNetwork against a misbehaving member", function () {
  this.timeout(30_000);
  const keys = [11, 12, 13, 14].map(testKey);
  let nodes: TestNode[] = [];
  let rogue: CohortLibp2p | null = null;

  /** Operator 3 runs a bare libp2p node (the right key, so the gater admits it) and sends what it likes. */
  async function startRogue(onConsensusStream?: Parameters<CohortLibp2p["handle"]>[1]): Promise<CohortLibp2p> {
    const node = await createCohortLibp2p({
      privateKey: libp2pPrivateKey(keys[3]),
      listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
      isAllowed: () => true,
    });
    if (onConsensusStream) await node.handle(CONSENSUS_PROTOCOL, onConsensusStream);
    await node.start();
    rogue = node;
    return node;
  }

  afterEach(async () => {
    await rogue?.stop();
    rogue = null;
    await Promise.all(nodes.map((n) => n.net.stop()));
    nodes = [];
  });

  async function meshOfThree(extra: Parameters<typeof startCluster>[2] = {}): Promise<void> {
    ({nodes} = await startCluster(keys, 3, extra));
    for (const node of nodes)
      await waitFor(
        () =>
          allConnected(
            node,
            [0, 1, 2].filter((i) => i !== node.index),
          ),
        "mesh",
      );
  }

  async function othersStillWork(tag: string): Promise<void> {
    for (const node of nodes) node.net.broadcast("consensus", text(`${tag}${node.index}`));
    for (const node of nodes) {
      for (const other of nodes.filter((o) => o.index !== node.index)) {
        await waitFor(() => hasMessage(node, other.index, "consensus", `${tag}${other.index}`), "honest traffic");
      }
    }
  }

  it("drops malformed, misrouted, forged, replayed, stale and oversized frames, counted per peer and reason", async () => {
    await meshOfThree();
    const evil = await startRogue();
    const victim = nodes[0];
    const stream = await evil.dialProtocol(multiaddr(victim.net.multiaddrs()[0]), CONSENSUS_PROTOCOL);
    const good = frameOf(keys[3], 3, "consensus", "good from 3", {nonce: 7n});
    const forged = frameOf(keys[3], 3, "consensus", "forged", {nonce: 8n});
    forged[forged.length - 5] ^= 0x01;
    stream.send(encodeFrame(Uint8Array.from({length: 50}, (_, i) => (i * 37) & 0xff)));
    stream.send(frameOf(keys[3], 3, "shares", "shares on the consensus protocol", {nonce: 1n}));
    stream.send(frameOf(keys[2], 2, "consensus", "pretends to be 2", {nonce: 2n}));
    stream.send(forged);
    stream.send(good);
    stream.send(good);
    stream.send(frameOf(keys[3], 3, "consensus", "old", {nonce: 9n, timestampMs: Date.now() - 10 * 60_000}));
    const m = victim.metrics.messagesDropped;
    const dropped = async (reason: string) => counterValue(m, {peer: "3", reason});
    await waitFor(() => hasMessage(victim, 3, "consensus", "good from 3"), "the valid frame");
    for (const reason of ["malformed", "wrong_topic", "wrong_sender", "bad_signature", "replayed", "stale"]) {
      const start = Date.now();
      while ((await dropped(reason)) < 1 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 10));
      expect(await dropped(reason), reason).to.equal(1);
    }
    expect(victim.received.filter((r) => r.from === 3)).to.have.length(1);

    // A length prefix beyond the maximum: counted, and the stream is reset (it cannot be resynchronised).
    const oversized = new Uint8Array(8);
    new DataView(oversized.buffer).setUint32(0, 64 * 1024 * 1024);
    stream.send(oversized);
    await waitFor(() => stream.status !== "open", "oversized stream reset");
    expect(await dropped("oversized")).to.equal(1);

    // The other members keep working, and the member itself can still send valid messages.
    await othersStillWork("after-garbage-");
    const again = await evil.dialProtocol(multiaddr(victim.net.multiaddrs()[0]), CONSENSUS_PROTOCOL);
    again.send(frameOf(keys[3], 3, "consensus", "valid again", {nonce: 10n}));
    await waitFor(() => hasMessage(victim, 3, "consensus", "valid again"), "valid message on a new stream");
  });

  it("bans a member that keeps sending garbage: disconnected, refused while banned, others unaffected", async () => {
    await meshOfThree({misbehaviour: {threshold: 3, windowMs: 60_000, banMs: 60_000}});
    const evil = await startRogue();
    const victim = nodes[0];
    const stream = await evil.dialProtocol(multiaddr(victim.net.multiaddrs()[0]), CONSENSUS_PROTOCOL);
    for (let i = 0; i < 3; i++) stream.send(encodeFrame(new Uint8Array([1, 2, 3, i])));
    await waitFor(() => evil.getConnections().length === 0, "rogue disconnected");
    expect(await counterValue(victim.metrics.peerBans, {peer: "3"})).to.equal(1);
    expect(victim.net.peers().find((p) => p.index === 3)?.connected).to.equal(false);

    let redialFailed = false;
    try {
      await evil.dial(multiaddr(victim.net.multiaddrs()[0]));
      // The dial may complete on the rogue's side before the victim's gater closes the connection.
      await waitFor(() => evil.getConnections().length === 0, "refused connection closed");
      redialFailed = true;
    } catch {
      redialFailed = true;
    }
    expect(redialFailed).to.equal(true);
    await waitFor(() => victim.net.peers().find((p) => p.index === 3)?.connected === false, "still disconnected");
    expect(await counterValue(victim.metrics.connectionsRefused, {direction: "inbound"})).to.be.greaterThan(0);
    await othersStillWork("after-ban-");
  });

  it("a ban ends: the peer is readmitted and its valid messages are delivered again", async () => {
    await meshOfThree({misbehaviour: {threshold: 2, windowMs: 60_000, banMs: 400}});
    const evil = await startRogue();
    const victim = nodes[0];
    const stream = await evil.dialProtocol(multiaddr(victim.net.multiaddrs()[0]), CONSENSUS_PROTOCOL);
    for (let i = 0; i < 2; i++) stream.send(encodeFrame(new Uint8Array([9, 9, i])));
    await waitFor(() => evil.getConnections().length === 0, "rogue disconnected");
    expect(await counterValue(victim.metrics.peerBans, {peer: "3"})).to.equal(1);
    // After the ban its dials are accepted again (it redials, as a cohort node would).
    const deadline = Date.now() + 10_000;
    let again: Awaited<ReturnType<typeof evil.dialProtocol>> | null = null;
    while (again === null) {
      again = await evil.dialProtocol(multiaddr(victim.net.multiaddrs()[0]), CONSENSUS_PROTOCOL).catch(() => null);
      if (again === null && Date.now() > deadline) throw new Error("never readmitted");
      if (again === null) await new Promise((r) => setTimeout(r, 50));
    }
    await waitFor(() => victim.net.peers().find((p) => p.index === 3)?.connected === true, "readmitted");
    again.send(frameOf(keys[3], 3, "consensus", "behaving now", {nonce: 1n}));
    await waitFor(() => hasMessage(victim, 3, "consensus", "behaving now"), "delivered after the ban");
  });

  it("a member that stops reading does not stall broadcast to the others; its queue stays bounded", async () => {
    await meshOfThree({outboundQueue: {maxQueuedMessages: 8, maxQueuedBytes: 256 * 1024}});
    let rogueBytes = 0;
    const evil = await startRogue((stream) => {
      stream.addEventListener("message", (evt) => {
        rogueBytes += evt.data.byteLength;
      });
      // Stop reading: yamux stops granting flow-control window, so the sender's writes back up.
      stream.pause();
    });
    const sender = nodes[0];
    await evil.dial(multiaddr(sender.net.multiaddrs()[0]));
    await waitFor(() => allConnected(sender, [3]), "rogue connected");
    const big = new Uint8Array(64 * 1024);
    const count = 120;
    for (let i = 0; i < count; i++) {
      big[0] = i;
      sender.net.broadcast("consensus", big);
      // Each message reaches the honest peers even though operator 3 has stopped reading.
      await waitFor(() => nodes[1].received.length === i + 1 && nodes[2].received.length === i + 1, `message ${i}`);
    }
    const droppedForSlowPeer =
      (await counterValue(sender.metrics.sendDropped, {peer: "3", reason: "queue_full"})) +
      (await counterValue(sender.metrics.sendDropped, {peer: "3", reason: "stream_failed"}));
    expect(
      droppedForSlowPeer,
      "frames for the stalled peer were dropped, not buffered without bound",
    ).to.be.greaterThan(0);
    expect(await counterValue(sender.metrics.sendDropped, {peer: "1"})).to.equal(0);
    expect(await counterValue(sender.metrics.sendDropped, {peer: "2"})).to.equal(0);
    expect(rogueBytes).to.be.lessThan(count * big.length);
  });
});

import {noise} from "@chainsafe/libp2p-noise";
import {yamux} from "@chainsafe/libp2p-yamux";
import {type GossipSub, gossipsub, StrictNoSign, StrictSign} from "@libp2p/gossipsub";
import {identify} from "@libp2p/identify";
import {tcp} from "@libp2p/tcp";
import {createLibp2p, type Libp2p} from "libp2p";
import {Registry} from "prom-client";
import {encodeEnvelope} from "../../src/p2p/envelope.js";
import {IdentityKey} from "../../src/p2p/identity.js";
import {InboundValidator} from "../../src/p2p/inbound.js";
import {createP2pMetrics} from "../../src/p2p/metrics.js";
import {Libp2pNetwork} from "../../src/p2p/network.js";
import {CONSENSUS_PROTOCOL, type CohortLibp2p, createCohortLibp2p} from "../../src/p2p/node.js";
import {type ClusterPeer, libp2pPrivateKey} from "../../src/p2p/peers.js";
import {nullLogger} from "../../src/util/logger.js";
import {type BenchResult, type BenchSuite, summarize, type Timing} from "../harness.js";

// Three ways to fan one message out to 3 peers on loopback, four nodes each, all in this process:
// cohort's Libp2pNetwork (signed envelopes on direct streams), bare libp2p streams (the transport
// floor), and @libp2p/gossipsub (the rejected alternative; dev dependency, bench only). Samples of
// the variants are interleaved so they share the machine's noise.

const SUITE = "p2p";
const CLUSTER_ID = new Uint8Array(32).fill(0xb0);
const GOSSIP_TOPIC = "/cohort/bench/consensus";
const WARMUP = 20;

/** One four-node setup: `once` sends a payload from node 0 and resolves with ms until all 3 delivered. */
interface Fanout {
  once(payload: Uint8Array): Promise<number>;
  stop(): Promise<void>;
}

/** Counts deliveries; `start(n)` arms it for n deliveries and returns the promise of the last one. */
function arrivals(): {start(n: number): Promise<void>; delivered(): void} {
  let pending = 0;
  let done: () => void = () => {};
  return {
    start(n) {
      pending = n;
      return new Promise<void>((resolve) => {
        done = resolve;
      });
    },
    delivered() {
      if (--pending === 0) done();
    },
  };
}

async function waitUntil(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bench setup: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cohortFanout(keys: IdentityKey[]): Promise<Fanout & {nets: Libp2pNetwork[]}> {
  const addrs: string[][] = keys.map(() => []);
  const nets: Libp2pNetwork[] = [];
  for (let i = 0; i < keys.length; i++) {
    const peers: ClusterPeer[] = keys.map((k, j) => ({index: j, publicKey: k.publicKey, multiaddrs: addrs[j]}));
    const net = new Libp2pNetwork(
      {peers, clusterId: CLUSTER_ID, listenAddrs: ["/ip4/127.0.0.1/tcp/0"], redialBackoff: {baseMs: 20, maxMs: 200}},
      {identity: keys[i], metrics: createP2pMetrics(new Registry()), logger: nullLogger()},
    );
    await net.start();
    addrs[i] = net.multiaddrs();
    nets.push(net);
  }
  await waitUntil(() => nets.every((n) => n.peers().every((p) => p.connected)), "cohort cluster mesh");
  const counter = arrivals();
  for (const n of nets.slice(1)) n.onMessage("consensus", () => counter.delivered());
  return {
    nets,
    async once(payload) {
      const arrived = counter.start(nets.length - 1);
      const t0 = performance.now();
      nets[0].broadcast("consensus", payload);
      await arrived;
      return performance.now() - t0;
    },
    stop: async () => {
      await Promise.all(nets.map((n) => n.stop()));
    },
  };
}

/** The floor: the same transport stack with no envelope, signature or validation (fixed-size messages). */
async function rawFanout(keys: IdentityKey[]): Promise<Fanout> {
  const counter = arrivals();
  let size = 1;
  const nodes: CohortLibp2p[] = [];
  for (const key of keys) {
    const node = await createCohortLibp2p({
      privateKey: libp2pPrivateKey(key),
      listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
      isAllowed: () => true,
    });
    await node.handle(CONSENSUS_PROTOCOL, (stream) => {
      let got = 0;
      stream.addEventListener("message", (evt) => {
        got += evt.data.byteLength;
        while (got >= size) {
          got -= size;
          counter.delivered();
        }
      });
    });
    await node.start();
    nodes.push(node);
  }
  const streams = await Promise.all(
    nodes.slice(1).map((n) => nodes[0].dialProtocol(n.getMultiaddrs()[0], CONSENSUS_PROTOCOL)),
  );
  return {
    async once(payload) {
      size = payload.length;
      const arrived = counter.start(streams.length);
      const t0 = performance.now();
      for (const s of streams) s.send(payload);
      await arrived;
      return performance.now() - t0;
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** gossipsub on the same stack; `signed` = StrictSign with the nodes' secp256k1 libp2p keys. */
async function gossipFanout(keys: IdentityKey[], signed: boolean): Promise<Fanout> {
  const nodes: Libp2p<{pubsub: GossipSub}>[] = [];
  for (const key of keys) {
    nodes.push(
      await createLibp2p({
        privateKey: libp2pPrivateKey(key),
        addresses: {listen: ["/ip4/127.0.0.1/tcp/0"]},
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        connectionMonitor: {enabled: false},
        services: {
          identify: identify(),
          pubsub: gossipsub({globalSignaturePolicy: signed ? StrictSign : StrictNoSign, emitSelf: false}),
        },
      }),
    );
  }
  for (const n of nodes) n.services.pubsub.subscribe(GOSSIP_TOPIC);
  for (let i = 1; i < nodes.length; i++) {
    for (let j = 0; j < i; j++) await nodes[i].dial(nodes[j].getMultiaddrs()[0]);
  }
  await waitUntil(
    () => nodes[0].services.pubsub.getSubscribers(GOSSIP_TOPIC).length === nodes.length - 1,
    "gossipsub subscriptions",
  );
  const counter = arrivals();
  for (const n of nodes.slice(1)) n.services.pubsub.addEventListener("message", () => counter.delivered());
  let seq = 0;
  return {
    async once(payload) {
      // Distinct bytes each time: gossipsub drops a repeated message as a duplicate.
      new DataView(payload.buffer, payload.byteOffset).setUint32(0, seq++);
      const arrived = counter.start(nodes.length - 1);
      const t0 = performance.now();
      await nodes[0].services.pubsub.publish(GOSSIP_TOPIC, payload);
      await arrived;
      return performance.now() - t0;
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/**
 * Round-robin samples across the variants; returns one Timing per variant. A short pause after each
 * sample lets the previous variant's residual traffic (gossipsub's forwarding between receivers)
 * finish, so it is not billed to the next variant.
 */
async function interleaved(fanouts: Fanout[], size: number, iterations: number): Promise<Timing[]> {
  const samples: number[][] = fanouts.map(() => []);
  const payload = new Uint8Array(size);
  for (let i = 0; i < iterations + WARMUP; i++) {
    for (let v = 0; v < fanouts.length; v++) {
      const ms = await fanouts[v].once(payload);
      if (i >= WARMUP) samples[v].push(ms);
      await new Promise((r) => setTimeout(r, 3));
    }
  }
  return samples.map(summarize);
}

/** End to end: three nodes send to node 0 as fast as flow control allows; messages delivered per second. */
async function deliveryRate(nets: Libp2pNetwork[], perSender: number): Promise<number> {
  const total = perSender * (nets.length - 1);
  let received = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const unsub = nets[0].onMessage("shares", () => {
    if (++received === total) finished();
  });
  const payload = new Uint8Array(256);
  const t0 = performance.now();
  // Batches small enough for the outbound queues, yielding so the receiver runs between them.
  for (let sent = 0; sent < perSender; sent += 50) {
    for (let j = 0; j < 50; j++) for (let s = 1; s < nets.length; s++) nets[s].send(0, "shares", payload);
    await new Promise((r) => setImmediate(r));
  }
  await all;
  unsub();
  return total / ((performance.now() - t0) / 1000);
}

/** The receive path alone (decode, signature check, replay check) on pre-signed frames. */
function validatorRate(keys: IdentityKey[], count: number): number {
  const now = Date.now();
  const frames = Array.from({length: count}, (_, i) =>
    encodeEnvelope(
      {
        kind: "message",
        topic: "consensus",
        sender: 1,
        timestampMs: now,
        nonce: BigInt(i),
        payload: new Uint8Array(256),
      },
      CLUSTER_ID,
      (m) => keys[1].sign(m),
    ),
  );
  const v = new InboundValidator(
    {
      clusterId: CLUSTER_ID,
      memberPublicKeys: keys.map((k) => k.publicKey),
      replayWindowMs: 60_000,
      maxReplayEntriesPerSender: count + 1,
    },
    {now: () => now},
  );
  const t0 = performance.now();
  for (const f of frames) if (!v.validate(1, "consensus", f).ok) throw new Error("bench frame rejected");
  return count / ((performance.now() - t0) / 1000);
}

function latencyResults(label: string, size: string, t: Timing, target?: string): BenchResult[] {
  return [
    {
      suite: SUITE,
      name: `${label} ${size} to 3 peers, median`,
      value: t.medianMs,
      unit: "ms",
      ...(target !== undefined ? {target, met: t.medianMs < 2} : {}),
      note: `${t.iterations} sends, until all 3 delivered`,
    },
    {suite: SUITE, name: `${label} ${size} to 3 peers, p99`, value: t.p99Ms, unit: "ms"},
  ];
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchResult[]> {
    const keys = [1, 2, 3, 4].map((s) => IdentityKey.generate(() => new Uint8Array(32).fill(s + 100)));
    const cohort = await cohortFanout(keys);
    const raw = await rawFanout(keys);
    const gossip = await gossipFanout(keys, false);
    const results: BenchResult[] = [];
    try {
      const [cSmall, rSmall, gSmall] = await interleaved([cohort, raw, gossip], 256, 400);
      const [cLarge, rLarge, gLarge] = await interleaved([cohort, raw, gossip], 64 * 1024, 120);
      results.push(
        ...latencyResults("cohort broadcast", "256 B", cSmall, "< 2 ms"),
        ...latencyResults("cohort broadcast", "64 KiB", cLarge),
        ...latencyResults("floor: bare libp2p streams", "256 B", rSmall),
        ...latencyResults("floor: bare libp2p streams", "64 KiB", rLarge),
        ...latencyResults("alternative: gossipsub unsigned", "256 B", gSmall),
        ...latencyResults("alternative: gossipsub unsigned", "64 KiB", gLarge),
      );
      results.push({
        suite: SUITE,
        name: "messages authenticated + delivered by one node (3 senders, 256 B)",
        value: Math.round(await deliveryRate(cohort.nets, 500)),
        unit: "msg/s",
        note: "the senders sign in the same process: a lower bound",
      });
    } finally {
      await Promise.all([cohort.stop(), raw.stop(), gossip.stop()]);
    }
    results.push({
      suite: SUITE,
      name: "receive path alone: decode + verify + replay check",
      value: Math.round(validatorRate(keys, 3000)),
      unit: "msg/s",
      note: "pre-signed 256 B envelopes, one core",
    });
    // Signed gossipsub is an order of magnitude slower (pure-JS secp256k1): measured alone, briefly.
    const signed = await gossipFanout(keys, true);
    try {
      const [gSigned] = await interleaved([signed], 256, 40);
      results.push(...latencyResults("alternative: gossipsub StrictSign", "256 B", gSigned));
    } finally {
      await signed.stop();
    }
    return results;
  },
};

export default suite;

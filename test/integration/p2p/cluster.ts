import {Registry} from "prom-client";
import type {Topic} from "../../../src/duties/interfaces.js";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {createP2pMetrics, type P2pMetrics} from "../../../src/p2p/metrics.js";
import {Libp2pNetwork, type Libp2pNetworkOpts} from "../../../src/p2p/network.js";
import type {ClusterPeer} from "../../../src/p2p/peers.js";
import {nullLogger} from "../../../src/util/logger.js";

export const CLUSTER_ID = new Uint8Array(32).fill(0xc0);

export function testKey(seed: number): IdentityKey {
  return IdentityKey.generate(() => new Uint8Array(32).fill(seed));
}

export interface TestNode {
  index: number;
  key: IdentityKey;
  net: Libp2pNetwork;
  register: Registry;
  metrics: P2pMetrics;
  received: {topic: Topic; from: number; payload: Uint8Array}[];
}

/** Builds and starts one operator; `addrs[i]` is where operator i listens (empty when not yet known). */
export async function startNode(
  index: number,
  keys: IdentityKey[],
  addrs: string[][],
  listen = "/ip4/127.0.0.1/tcp/0",
  extra: Partial<Libp2pNetworkOpts> = {},
): Promise<TestNode> {
  const peers: ClusterPeer[] = keys.map((k, i) => ({index: i, publicKey: k.publicKey, multiaddrs: addrs[i] ?? []}));
  const register = new Registry();
  const metrics = createP2pMetrics(register);
  const net = new Libp2pNetwork(
    {peers, clusterId: CLUSTER_ID, listenAddrs: [listen], redialBackoff: {baseMs: 50, maxMs: 500}, ...extra},
    {identity: keys[index], metrics, logger: nullLogger(), random: () => 0.5},
  );
  const received: TestNode["received"] = [];
  for (const topic of ["consensus", "shares"] as const) {
    net.onMessage(topic, (msg) => received.push({topic: msg.topic, from: msg.from, payload: msg.payload}));
  }
  await net.start();
  return {index, key: keys[index], net, register, metrics, received};
}

/** Starts n operators in order; each dials the ones started before it (ports are OS-assigned). */
export async function startCluster(
  keys: IdentityKey[],
  count = keys.length,
  extra: Partial<Libp2pNetworkOpts> = {},
): Promise<{nodes: TestNode[]; addrs: string[][]}> {
  const addrs: string[][] = keys.map(() => []);
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) {
    const node = await startNode(i, keys, addrs, "/ip4/127.0.0.1/tcp/0", extra);
    addrs[i] = node.net.multiaddrs();
    nodes.push(node);
  }
  return {nodes, addrs};
}

/** Polls until `cond` holds; rejects after `timeoutMs` (a failure, not a performance assertion). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function counterValue(
  metric: {get(): Promise<{values: {labels: Record<string, string | number>; value: number}[]}>},
  labels: Record<string, string>,
): Promise<number> {
  const {values} = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
    .reduce((sum, v) => sum + v.value, 0);
}

export function allConnected(node: TestNode, expected: number[]): boolean {
  const peers = node.net.peers();
  return expected.every((i) => peers.find((p) => p.index === i)?.connected === true);
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function hasMessage(node: TestNode, from: number, topic: Topic, payload: string): boolean {
  const want = Buffer.from(text(payload));
  return node.received.some((m) => m.from === from && m.topic === topic && Buffer.from(m.payload).equals(want));
}

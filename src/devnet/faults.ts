import {randomBytes} from "node:crypto";
import {SecretKey} from "@chainsafe/blst";
import type {ShareSigner} from "../duties/attester.js";
import type {Network, Topic} from "../duties/interfaces.js";
import {decodeSharesMessage, encodeSharesMessage} from "../duties/shareCodec.js";
import type {DutyBeaconNode, NodeFaults} from "../plugin/node.js";

/** Byzantine behaviours a devnet node can be given (`--byzantine I:MODE`). */
export type ByzantineMode = "wrong-slot" | "invalid-shares" | "garbage";
export const BYZANTINE_MODES: readonly ByzantineMode[] = ["wrong-slot", "invalid-shares", "garbage"];

/** A key that is no share of anything: its signatures are valid points that verify under no share key. */
const forger = SecretKey.fromKeygen(new Uint8Array(32).fill(0x66));

export function byzantineFaults(mode: ByzantineMode): NodeFaults {
  switch (mode) {
    case "wrong-slot":
      // As leader, proposes attestation data for another slot: honest predicates must refuse it.
      return {
        beaconNode: (inner: DutyBeaconNode): DutyBeaconNode => ({
          produceAttestationData: async (slot, committeeIndex) => ({
            ...(await inner.produceAttestationData(slot, committeeIndex)),
            slot: slot + 1,
          }),
          submitAttestations: (a) => inner.submitAttestations(a),
          produceBlockV3: (slot, reveal, opts) => inner.produceBlockV3(slot, reveal, opts),
          publishBlock: (b) => inner.publishBlock(b),
          publishBlindedBlock: (b) => inner.publishBlindedBlock(b),
        }),
      };
    case "invalid-shares":
      // Sends every peer signature shares that do not verify (its own combination stays honest).
      return {network: (inner: Network): Network => corruptShares(inner)};
    case "garbage":
      // After every message it sends, sends a malformed one (random bytes) on the same topic.
      return {network: (inner: Network): Network => withGarbage(inner)};
  }
}

/** Applies several faults to one node: adapters are wrapped in order. */
export function combineFaults(...all: NodeFaults[]): NodeFaults {
  const compose =
    <T>(wrappers: ((inner: T) => T)[]) =>
    (inner: T) =>
      wrappers.reduce((acc, w) => w(acc), inner);
  const pick = <K extends keyof NodeFaults>(key: K) =>
    all.map((f) => f[key]).filter((w): w is NonNullable<NodeFaults[K]> => w !== undefined);
  const network = pick("network");
  const beaconNode = pick("beaconNode");
  const signer = pick("signer");
  return {
    ...(network.length ? {network: compose<Network>(network)} : {}),
    ...(beaconNode.length ? {beaconNode: compose<DutyBeaconNode>(beaconNode)} : {}),
    ...(signer.length ? {signer: compose<ShareSigner>(signer)} : {}),
  };
}

function withGarbage(inner: Network): Network {
  const garbage = () => new Uint8Array(randomBytes(64 + Math.floor(Math.random() * 256)));
  return {
    broadcast: (topic, payload) => {
      inner.broadcast(topic, payload);
      inner.broadcast(topic, garbage());
    },
    send: (to, topic, payload) => {
      inner.send(to, topic, payload);
      inner.send(to, topic, garbage());
    },
    onMessage: (topic, handler) => inner.onMessage(topic, handler),
    peers: () => inner.peers(),
  };
}

function corruptShares(inner: Network): Network {
  const corrupt = (payload: Uint8Array): Uint8Array => {
    const msg = decodeSharesMessage(payload);
    if (msg === null) return payload;
    return encodeSharesMessage({
      ...msg,
      shares: msg.shares.map((s) => ({...s, signature: forger.sign(s.signingRoot).toBytes()})),
    });
  };
  return {
    broadcast: (topic, payload) => inner.broadcast(topic, topic === "shares" ? corrupt(payload) : payload),
    send: (to, topic, payload) => inner.send(to, topic, topic === "shares" ? corrupt(payload) : payload),
    onMessage: (topic, handler) => inner.onMessage(topic, handler),
    peers: () => inner.peers(),
  };
}

/**
 * Crashes the node between its durable slashing-DB record and the signature request (the window of
 * safety rule 3): the first attestation signing throws and calls `onCrash`.
 */
export function crashBeforeFirstAttestationSign(onCrash: () => void): NodeFaults {
  let crashed = false;
  return {
    signer: (inner: ShareSigner): ShareSigner => ({
      sign: async (key, msg) => {
        if (msg.type === "ATTESTATION" && !crashed) {
          crashed = true;
          onCrash();
          throw new Error("crashed before signing (fault injection)");
        }
        return inner.sign(key, msg);
      },
    }),
  };
}

/**
 * A lossy, slow link out of a node: each message to each peer is dropped with probability `dropRate`
 * (from the injected `random`, seeded in tests) and otherwise delivered after `latencyMs`.
 */
export function lossyNetwork(opts: {latencyMs: number; dropRate: number; random: () => number}): NodeFaults {
  return {
    network: (inner: Network): Network => {
      const send = (to: number, topic: Topic, payload: Uint8Array) => {
        if (opts.random() < opts.dropRate) return;
        const deliver = () => {
          try {
            inner.send(to, topic, payload);
          } catch {
            // The node stopped while the message was in flight.
          }
        };
        if (opts.latencyMs <= 0) deliver();
        else setTimeout(deliver, opts.latencyMs);
      };
      return {
        broadcast: (topic, payload) => {
          for (const peer of inner.peers()) send(peer.index, topic, payload);
        },
        send,
        onMessage: (topic, handler) => inner.onMessage(topic, handler),
        peers: () => inner.peers(),
      };
    },
  };
}

/** A deterministic uniform [0, 1) stream (mulberry32) for seeded fault injection. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

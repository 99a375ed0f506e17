import {randomBytes} from "node:crypto";
import {SecretKey} from "@chainsafe/blst";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {decodeMessage, encodeMessage, hashValue, signingBytes, signingDomain} from "../consensus/codec.js";
import {DutyType, MsgType} from "../consensus/types.js";
import type {ShareSigner} from "../duties/attester.js";
import {decodeAttesterValue, encodeAttesterValue} from "../duties/attesterValue.js";
import type {Network, Topic} from "../duties/interfaces.js";
import {decodeSharesMessage, encodeSharesMessage} from "../duties/shareCodec.js";
import type {IdentityKey} from "../p2p/identity.js";
import type {DutyBeaconNode, NodeFaults} from "../plugin/node.js";
import type {ByzantineMode, NodeFaultFlags} from "./faultSpec.js";

export {BYZANTINE_MODES, type ByzantineMode, hashSeed, type NodeFaultFlags} from "./faultSpec.js";

/** What a Byzantine node knows of itself: enough to sign consensus messages as the operator it is. */
export interface ByzantineContext {
  /** 0-based operator index. */
  self: number;
  identity: IdentityKey;
  /** The cluster lock hash (the consensus signing domain's cluster id). */
  clusterId: Uint8Array;
}

/** How often a Byzantine node actually misbehaved, so that a campaign can tell it was not idle. */
export interface ByzantineStats {
  /** Conflicting PRE-PREPAREs sent (equivocate) or slashable attestation data produced (slashable). */
  misbehaviours: number;
}

/** A key that is no share of anything: its signatures are valid points that verify under no share key. */
const forger = SecretKey.fromKeygen(new Uint8Array(32).fill(0x66));

/**
 * The faults of one Byzantine mode. `equivocate` needs the node's `context` (it re-signs what it
 * alters); `stats`, when given, counts the misbehaviours of `equivocate` and `slashable`.
 */
export function byzantineFaults(mode: ByzantineMode, context?: ByzantineContext, stats?: ByzantineStats): NodeFaults {
  const counter = stats ?? {misbehaviours: 0};
  switch (mode) {
    case "equivocate": {
      if (!context) throw new Error("the equivocate fault needs the node's identity and cluster id");
      return {network: (inner: Network): Network => equivocating(inner, context, counter)};
    }
    case "slashable":
      // As leader, proposes attestation data that surrounds the validators' previous vote: source epoch 0
      // and the current target, around last epoch's (e - 2, e - 1). From epoch 3 that earlier vote has a
      // source >= 1, so the proposal is slashable; before, it proposes honestly (a non-slashable wrong
      // source would only test the chain's checks). Honest slashing DBs must refuse it.
      return {
        beaconNode: (inner: DutyBeaconNode): DutyBeaconNode => ({
          produceAttestationData: async (slot, committeeIndex) => {
            const data = await inner.produceAttestationData(slot, committeeIndex);
            if (Math.floor(slot / SLOTS_PER_EPOCH) < 3) return data;
            counter.misbehaviours++;
            return {...data, source: {epoch: 0, root: new Uint8Array(32)}};
          },
          submitAttestations: (a) => inner.submitAttestations(a),
          produceBlockV3: (slot, reveal, opts) => inner.produceBlockV3(slot, reveal, opts),
          publishBlock: (b) => inner.publishBlock(b),
          publishBlindedBlock: (b) => inner.publishBlindedBlock(b),
        }),
      };
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

/**
 * As leader of an attester instance, sends every other peer (by index order) a conflicting PRE-PREPARE:
 * the same attestation data but for another beacon block root, a value the honest predicate accepts,
 * hashed and signed with the node's own identity key, so peers hold validly signed, conflicting
 * proposals of one round. The rest of the peers get the honest one.
 */
function equivocating(inner: Network, ctx: ByzantineContext, stats: ByzantineStats): Network {
  const domain = signingDomain(ctx.clusterId);
  const conflicting = (payload: Uint8Array): Uint8Array | null => {
    let msg: ReturnType<typeof decodeMessage>;
    try {
      msg = decodeMessage(payload);
    } catch {
      return null;
    }
    const d = msg.signed.data;
    if (d.type !== MsgType.prePrepare || d.source !== ctx.self || d.dutyType !== DutyType.attester) return null;
    const entries = decodeAttesterValue(msg.value);
    if (entries === null || entries.length === 0) return null;
    const value = encodeAttesterValue(
      entries.map((e) => ({...e, data: {...e.data, beaconBlockRoot: hashValue(e.data.beaconBlockRoot)}})),
    );
    const data = {...d, valueHash: hashValue(value)};
    const signature = ctx.identity.sign(signingBytes(domain, data));
    return encodeMessage({signed: {data, signature}, value, justification: msg.justification});
  };
  return {
    broadcast: (topic, payload) => {
      const other = topic === "consensus" ? conflicting(payload) : null;
      if (other === null) {
        inner.broadcast(topic, payload);
        return;
      }
      stats.misbehaviours++;
      const peers = inner
        .peers()
        .map((p) => p.index)
        .sort((a, b) => a - b);
      peers.forEach((peer, k) => {
        inner.send(peer, topic, k % 2 === 0 ? other : payload);
      });
    },
    send: (to, topic, payload) => inner.send(to, topic, payload),
    onMessage: (topic, handler) => inner.onMessage(topic, handler),
    peers: () => inner.peers(),
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

/** The NodeFaults of a node's fault flags, or undefined when it has none. */
export function nodeFaultsOf(flags: NodeFaultFlags, context: ByzantineContext): NodeFaults | undefined {
  const parts = flags.byzantine.map((mode) => byzantineFaults(mode, context));
  if (flags.latencyMs > 0 || flags.dropRate > 0) {
    parts.push(lossyNetwork({latencyMs: flags.latencyMs, dropRate: flags.dropRate, random: seededUniform(flags.seed)}));
  }
  return parts.length > 0 ? combineFaults(...parts) : undefined;
}

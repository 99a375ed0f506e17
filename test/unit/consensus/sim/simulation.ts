import {createHash} from "node:crypto";
import {identityAuth, type MessageAuth} from "../../../../src/consensus/auth.js";
import {decodeMessage, encodeMessage, hashValue, signingBytes, signingDomain} from "../../../../src/consensus/codec.js";
import {ConsensusError} from "../../../../src/consensus/errors.js";
import {ConsensusService} from "../../../../src/consensus/service.js";
import {
  type ConsensusMessage,
  leaderOf,
  type MsgData,
  MsgType,
  quorumSize,
  type SignedMsg,
  ZERO_HASH,
} from "../../../../src/consensus/types.js";
import type {Network} from "../../../../src/duties/interfaces.js";
import {IdentityKey} from "../../../../src/p2p/identity.js";
import {MemoryHub} from "../../../../src/p2p/memoryNetwork.js";
import {bytesEqual} from "../../../../src/util/hex.js";
import {Prng} from "./prng.js";
import {VirtualTime} from "./virtualTime.js";

/**
 * A deterministic simulated cluster: n ConsensusServices over an in-memory network whose deliveries
 * (delay, drop, duplicate, reorder, partition, crash) are drawn from a seeded PRNG in virtual time,
 * plus scripted Byzantine operators. The same config and seed always give the same run.
 */

export type ByzantineKind = "equivocate" | "voteBoth" | "badJustification" | "replay" | "mixed";

export interface Partition {
  groups: number[][];
  fromMs: number;
  untilMs: number;
}

export interface SimConfig {
  n: number;
  seed: number;
  slot?: number;
  dutyType?: number;
  /** Δ, default 1000 ms. */
  roundDurationMs?: number;
  /** Operators run by the adversary. */
  byzantine?: Record<number, ByzantineKind>;
  /** Operators that crash at the given time (0: never start). */
  crashed?: Record<number, number>;
  /** Before GST: drop and duplicate probabilities, and delays up to maxDelayMs. */
  dropRate?: number;
  dupRate?: number;
  maxDelayMs?: number;
  /** From GST on: no drops, no partitions, delays up to stableDelayMs (default Δ/20). */
  gstMs?: number;
  stableDelayMs?: number;
  partitions?: Partition[];
  /** The instance's deadline, ms after the duty start (time 0). */
  deadlineMs: number;
  /** Honest nodes call decide() at a random time in [0, startJitterMs]. */
  startJitterMs?: number;
  /** Honest proposals become available at a random time in [0, proposeDelayMs] after decide(). */
  proposeDelayMs?: number;
  /** Honest node i's predicate; default: everything but EVIL_VALUE. */
  isValid?: (node: number, value: Uint8Array) => boolean;
  /** Real secp256k1 identity keys instead of the cheap hash signer. */
  realSignatures?: boolean;
  /** Drops the messages it returns true for (scripted partitions, e.g. "during commit"). */
  dropIf?: (from: number, to: number, msg: ConsensusMessage) => boolean;
  /** The services' re-send interval (default: theirs, a fifth of Δ here); 0: no re-sends. */
  resendIntervalMs?: number;
  /** Stop as soon as every live honest node decided (default true). */
  stopWhenDecided?: boolean;
}

export interface NodeDecision {
  value: Uint8Array;
  round: number;
  at: number;
}

export interface SimResult {
  decisions: Map<number, NodeDecision>;
  gaveUp: Map<number, string>;
  /** Honest operators that never crash. */
  correct: number[];
  /** Honest operators, crashed or not. */
  honest: number[];
  drops: Record<string, number>;
  delivered: number;
  endTime: number;
}

const enc = new TextEncoder();
export const EVIL_VALUE = enc.encode("evil: every honest predicate rejects this");
export const BYZ_A = enc.encode("byzantine value A (valid)");
export const BYZ_B = enc.encode("byzantine value B (valid)");

export function honestValue(i: number): Uint8Array {
  return enc.encode(`proposal of operator ${i}`);
}

/** Cheap test signer: SHA-256(secret_i || bytes) twice. Unforgeable enough inside a simulation. */
function cheapAuth(self: number, secrets: Uint8Array[]): MessageAuth {
  const mac = (i: number, bytes: Uint8Array): Uint8Array => {
    const h = createHash("sha256").update(secrets[i]).update(bytes).digest();
    const out = new Uint8Array(64);
    out.set(h, 0);
    out.set(h, 32);
    return out;
  };
  return {
    sign: (bytes) => mac(self, bytes),
    verify: (source, bytes, sig) => source < secrets.length && bytesEqual(mac(source, bytes), sig),
  };
}

export function makeAuths(n: number, seed: number, real: boolean): MessageAuth[] {
  const rng = new Prng(seed ^ 0x5eed);
  if (real) {
    const keys = Array.from({length: n}, () => IdentityKey.generate((k) => rng.bytes(k)));
    const pubkeys = keys.map((k) => k.publicKey);
    return keys.map((k) => identityAuth(k, pubkeys));
  }
  const secrets = Array.from({length: n}, () => rng.bytes(32));
  return secrets.map((_, i) => cheapAuth(i, secrets));
}

export async function runSimulation(cfg: SimConfig): Promise<SimResult> {
  const {n} = cfg;
  const rng = new Prng(cfg.seed);
  const slot = cfg.slot ?? 100 + (cfg.seed % 97);
  const dutyType = cfg.dutyType ?? 1;
  const delta = cfg.roundDurationMs ?? 1000;
  const gst = cfg.gstMs ?? 0;
  const maxDelay = cfg.maxDelayMs ?? 100;
  const stableDelay = cfg.stableDelayMs ?? Math.floor(delta / 20);
  const byzantine = cfg.byzantine ?? {};
  const crashed = cfg.crashed ?? {};
  const isByz = (i: number) => byzantine[i] !== undefined;
  const crashTime = (i: number) => crashed[i] ?? Number.POSITIVE_INFINITY;
  const vt = new VirtualTime(0);
  const auths = makeAuths(n, cfg.seed, cfg.realSignatures ?? false);
  const domain = signingDomain(new Uint8Array(32));
  let delivered = 0;

  const partitioned = (a: number, b: number, t: number): boolean => {
    for (const p of cfg.partitions ?? []) {
      if (t < p.fromMs || t >= p.untilMs) continue;
      const ga = p.groups.findIndex((g) => g.includes(a));
      const gb = p.groups.findIndex((g) => g.includes(b));
      if (ga !== gb) return true;
    }
    return false;
  };
  const hub = new MemoryHub({
    size: n,
    schedule: (from, to, deliver, payload) => {
      const t = vt.now();
      if (cfg.dropIf?.(from, to, decodeMessage(payload))) return;
      if (t >= crashTime(from) || t >= crashTime(to) || partitioned(from, to, t)) return;
      const stable = t >= gst;
      if (!stable && rng.chance(cfg.dropRate ?? 0)) return;
      const copies = !stable && rng.chance(cfg.dupRate ?? 0) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const delay = stable ? rng.int(0, stableDelay) : rng.int(0, maxDelay);
        vt.schedule(t + delay, () => {
          if (vt.now() >= crashTime(to)) return;
          delivered++;
          deliver();
        });
      }
    },
  });

  const honest = Array.from({length: n}, (_, i) => i).filter((i) => !isByz(i));
  const correct = honest.filter((i) => crashTime(i) === Number.POSITIVE_INFINITY);
  const decisions = new Map<number, NodeDecision>();
  const gaveUp = new Map<number, string>();
  const services: ConsensusService[] = [];
  const isValid = cfg.isValid ?? ((_node: number, v: Uint8Array) => !bytesEqual(v, EVIL_VALUE));

  for (const i of honest) {
    if (crashTime(i) <= 0) continue;
    const service = new ConsensusService(
      {self: i, n, roundDurationMs: delta, resendIntervalMs: cfg.resendIntervalMs},
      {network: hub.network(i), clock: vt, auth: auths[i]},
    );
    services.push(service);
    if (crashTime(i) !== Number.POSITIVE_INFINITY) vt.schedule(crashTime(i), () => service.close());
    const startAt = rng.int(0, cfg.startJitterMs ?? 0);
    const proposeDelay = rng.int(0, cfg.proposeDelayMs ?? 0);
    vt.schedule(startAt, () => {
      const propose = () =>
        new Promise<Uint8Array>((resolve) => vt.schedule(vt.now() + proposeDelay, () => resolve(honestValue(i))));
      service
        .decide(slot, dutyType, {propose, isValid: (v) => isValid(i, v), startMs: 0, deadlineMs: cfg.deadlineMs})
        .then(
          (r) => decisions.set(i, {value: r.value, round: r.round, at: vt.now()}),
          (e: unknown) => gaveUp.set(i, e instanceof ConsensusError ? e.type.code : String(e)),
        );
    });
  }

  for (const [index, kind] of Object.entries(byzantine)) {
    new Adversary(Number(index), kind, {
      n,
      slot,
      dutyType,
      delta,
      deadline: cfg.deadlineMs,
      hub,
      vt,
      rng,
      auth: auths[Number(index)],
      domain,
    });
  }

  const stopWhenDecided = cfg.stopWhenDecided ?? true;
  const until = cfg.deadlineMs + 1;
  let events = 0;
  while (vt.runNext(until)) {
    // Let promise callbacks (proposals, decisions) run between events, in order.
    await null;
    await null;
    if (++events > 2_000_000) throw new Error("simulation did not settle");
    if (stopWhenDecided && correct.every((i) => decisions.has(i) || gaveUp.has(i))) break;
  }
  await null;
  const endTime = vt.now();
  const drops: Record<string, number> = {};
  for (const s of services) {
    for (const [k, v] of Object.entries(s.droppedCounts())) drops[k] = (drops[k] ?? 0) + v;
    s.close();
  }
  await null;
  return {decisions, gaveUp, correct, honest, drops, delivered, endTime};
}

interface AdversaryCtx {
  n: number;
  slot: number;
  dutyType: number;
  delta: number;
  deadline: number;
  hub: MemoryHub;
  vt: VirtualTime;
  rng: Prng;
  auth: MessageAuth;
  domain: Uint8Array;
}

/** A scripted Byzantine operator: it signs whatever it likes with its own key and sends it to whomever it likes. */
class Adversary {
  private readonly net: Network;
  private readonly received: ConsensusMessage[] = [];
  private readonly voted = new Set<string>();
  private readonly roundChanges = new Map<number, Map<number, SignedMsg>>();

  constructor(
    private readonly self: number,
    private readonly kind: ByzantineKind,
    private readonly c: AdversaryCtx,
  ) {
    this.net = c.hub.network(self);
    this.net.onMessage("consensus", (m) => this.onMessage(m.payload));
    const rounds = Math.floor(c.deadline / c.delta) + 1;
    for (let r = 1; r <= rounds; r++) c.vt.schedule((r - 1) * c.delta + c.rng.int(0, 20), () => this.onRound(r));
  }

  private does(k: ByzantineKind): boolean {
    return this.kind === k || this.kind === "mixed";
  }

  private data(type: MsgType, round: number, valueHash: Uint8Array, pr = 0, pvh: Uint8Array = ZERO_HASH): MsgData {
    const {slot, dutyType} = this.c;
    return {type, slot, dutyType, round, source: this.self, valueHash, preparedRound: pr, preparedValueHash: pvh};
  }

  private signed(d: MsgData): SignedMsg {
    return {data: d, signature: this.c.auth.sign(signingBytes(this.c.domain, d))};
  }

  private others(): number[] {
    return Array.from({length: this.c.n}, (_, i) => i).filter((i) => i !== this.self);
  }

  private send(to: number, msg: ConsensusMessage): void {
    this.net.send(to, "consensus", encodeMessage(msg));
  }

  private broadcast(msg: ConsensusMessage): void {
    this.net.broadcast("consensus", encodeMessage(msg));
  }

  private onMessage(payload: Uint8Array): void {
    let msg: ConsensusMessage;
    try {
      msg = decodeMessage(payload);
    } catch {
      return;
    }
    const d = msg.signed.data;
    if (d.slot !== this.c.slot || d.dutyType !== this.c.dutyType) return;
    this.received.push(msg);
    if (d.type === MsgType.roundChange) {
      const m = this.roundChanges.get(d.round) ?? new Map<number, SignedMsg>();
      const isNew = !m.has(d.source);
      m.set(d.source, msg.signed);
      this.roundChanges.set(d.round, m);
      const {n, slot, dutyType} = this.c;
      // Once, when the quorum is first reached (honest nodes re-send their ROUND-CHANGEs).
      const quorumReached = isNew && m.size === quorumSize(n);
      if (this.does("equivocate") && quorumReached && leaderOf(slot, dutyType, d.round, n) === this.self) {
        this.equivocate(d.round, [...m.values()]);
      }
    }
    if (this.does("voteBoth") && (d.type === MsgType.prePrepare || d.type === MsgType.prepare)) {
      this.voteFor(d.round, d.valueHash);
    }
    if (this.does("replay") && this.c.rng.chance(0.3)) {
      const to = this.c.rng.pick(this.others());
      const at = this.c.vt.now() + this.c.rng.int(0, 3 * this.c.delta);
      this.c.vt.schedule(at, () => this.net.send(to, "consensus", payload));
    }
  }

  /**
   * Different PRE-PREPAREs to different peers, justified (after round 1) by the ROUND-CHANGEs it
   * collected, even when those name a prepared value it ignores.
   */
  private equivocate(round: number, justification: SignedMsg[]): void {
    this.others().forEach((to, k) => {
      const value = k % 2 === 0 ? BYZ_A : BYZ_B;
      this.send(to, {
        signed: this.signed(this.data(MsgType.prePrepare, round, hashValue(value))),
        value,
        justification,
      });
    });
  }

  private voteFor(round: number, valueHash: Uint8Array): void {
    const key = `${round}/${Buffer.from(valueHash).toString("hex")}`;
    if (this.voted.has(key)) return;
    this.voted.add(key);
    const empty = new Uint8Array(0);
    this.broadcast({
      signed: this.signed(this.data(MsgType.prepare, round, valueHash)),
      value: empty,
      justification: [],
    });
    this.broadcast({signed: this.signed(this.data(MsgType.commit, round, valueHash)), value: empty, justification: []});
  }

  private onRound(r: number): void {
    const {n, slot, dutyType} = this.c;
    const leader = leaderOf(slot, dutyType, r, n) === this.self;
    const rcs = [...(this.roundChanges.get(r)?.values() ?? [])];
    if (this.does("voteBoth")) {
      this.voteFor(r, hashValue(BYZ_A));
      this.voteFor(r, hashValue(BYZ_B));
    }
    if (this.does("equivocate") && leader && r === 1) this.equivocate(1, []);
    if (this.does("badJustification")) {
      const evilHash = hashValue(EVIL_VALUE);
      if (r > 1) {
        // A ROUND-CHANGE claiming EVIL was prepared, "proven" by its own PREPARE alone or by forged ones.
        const ownPrepare = this.signed(this.data(MsgType.prepare, r - 1, evilHash));
        const forged = this.others().map((src) => ({
          data: {...ownPrepare.data, source: src},
          signature: ownPrepare.signature,
        }));
        const justification = r % 2 === 0 ? [ownPrepare] : [ownPrepare, ...forged];
        this.broadcast({
          signed: this.signed(this.data(MsgType.roundChange, r, ZERO_HASH, r - 1, evilHash)),
          value: EVIL_VALUE,
          justification,
        });
      }
      if (leader) {
        // EVIL, with a justification that does not hold (or, in round 1, none: the predicate must catch it).
        this.broadcast({
          signed: this.signed(this.data(MsgType.prePrepare, r, evilHash)),
          value: EVIL_VALUE,
          justification: r === 1 ? [] : rcs.slice(0, Math.max(0, quorumSize(n) - 1)),
        });
      }
    }
    if (this.does("replay") && this.received.length > 0) {
      for (let k = 0; k < 3; k++) {
        const old = this.c.rng.pick(this.received);
        this.send(this.c.rng.pick(this.others()), old);
      }
    }
  }
}

/** Agreement, validity: the checks every run must pass whatever the faults. */
export function safetyViolations(result: SimResult, cfg: SimConfig): string[] {
  const problems: string[] = [];
  const isValid = cfg.isValid ?? ((_node: number, v: Uint8Array) => !bytesEqual(v, EVIL_VALUE));
  let first: NodeDecision | null = null;
  for (const [node, d] of result.decisions) {
    if (first === null) first = d;
    else if (!bytesEqual(first.value, d.value)) problems.push(`agreement: node ${node} decided another value`);
    if (!result.honest.some((h) => isValid(h, d.value))) {
      problems.push(`validity: node ${node} decided a value no honest node accepts`);
    }
    if (d.at > cfg.deadlineMs) problems.push(`node ${node} decided after the deadline`);
  }
  return problems;
}

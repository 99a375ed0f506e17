import type {Clock} from "../duties/clock.js";
import type {Network, NetworkMessage} from "../duties/interfaces.js";
import {bytesEqual} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {MessageAuth} from "./auth.js";
import {CodecError, decodeMessage, encodeMessage, MAX_OPERATORS, signingBytes, signingDomain} from "./codec.js";
import {ConsensusError} from "./errors.js";
import type {ConsensusMetrics} from "./metrics.js";
import {createInstance, type Decision, type Input, type InstanceState, type Output, step} from "./qbft.js";
import {type ConsensusMessage, DutyType, instanceKey, leaderOf, MsgType, type SignedMsg} from "./types.js";

// Time source and timers (absolute ms): the pipeline's injected clock.
export {type Clock, systemClock} from "../duties/clock.js";

export interface ConsensusServiceOpts {
  /** This node's 0-based operator index. */
  self: number;
  /** Number of operators. */
  n: number;
  /** Δ: round r of an instance times out at start + r·Δ. Default 1000 ms. */
  roundDurationMs?: number;
  /**
   * Re-send cadence of an undecided instance's own messages of its current round (and, once decided, of
   * the proof push). Default: a fifth of the shorter of Δ and the duty's span, at least 50 ms; 0: never.
   */
  resendIntervalMs?: number;
  /** Binds signatures to one cluster (the cluster lock hash); 32 zero bytes by default. */
  clusterId?: Uint8Array;
  /** Messages for instances up to this many slots past the newest started one are buffered. Default 2. */
  maxFutureSlots?: number;
  /** Messages for instances this many slots before the newest started one, never started here, are stale. Default 64. */
  maxPastSlots?: number;
  /** Buffered messages held per sending peer. Default 256. */
  maxBufferedPerPeer?: number;
  /** Pruned instance ids remembered to tell late messages from early ones. Default 4096. */
  maxRememberedInstances?: number;
}

export interface ConsensusModules {
  network: Network;
  clock: Clock;
  auth: MessageAuth;
  metrics?: ConsensusMetrics | null;
  logger?: Logger;
}

export interface DecideOpts {
  /** This node's proposal (the BN data, SSZ-encoded); used when it leads a round with nothing prepared. */
  propose(): Promise<Uint8Array>;
  /** Synchronous validity predicate (slashing DB and duty checks); a value it rejects is never PREPAREd. */
  isValid(value: Uint8Array): boolean;
  /** Absolute ms of the duty's start, which round timers align to. Default: now. */
  startMs?: number;
  /** Absolute ms after which the instance gives up. */
  deadlineMs: number;
  /**
   * The proposal is costly for the BN (a block: built and executed): only the leaders of rounds 1 and 2
   * ask for it at once (round 2's, so that a faulty round-1 leader costs no BN time); any other node asks
   * when round 1 times out, as it may lead a later round. n nodes sharing one BN then build two blocks,
   * not n at once, which delayed the leader's (seen on a real Lodestar).
   */
  proposeLazily?: boolean;
}

export interface DecideResult {
  value: Uint8Array;
  round: number;
}

/** What the duty pipeline needs from consensus (the lead may move this to src/duties/interfaces.ts). */
export interface Consensus {
  /** Agrees with the other operators on the value of instance (slot, dutyType); rejects with ConsensusError. */
  decide(slot: number, dutyType: DutyType | number, opts: DecideOpts): Promise<DecideResult>;
}

interface Running {
  state: InstanceState;
  opts: DecideOpts;
  resolve(r: DecideResult): void;
  reject(e: Error): void;
  cancelTimer: (() => void) | null;
  /** Frees a decided instance at its deadline (it answers lagging peers until then). */
  cancelPrune: (() => void) | null;
  queue: Input[];
  busy: boolean;
  /** Signatures already verified in this instance (justifications repeat the same messages). */
  verified: Set<string>;
}

/** Verified signatures remembered per instance (a few rounds of a 64-operator cluster). */
const MAX_VERIFIED_CACHE = 4096;
/** The shortest default re-send interval: below it copies outrun any useful network round trip. */
const MIN_RESEND_INTERVAL_MS = 50;
/** The default re-send interval is this fraction of the shorter of Δ and the duty's span. */
const RESENDS_PER_ROUND = 5;

interface Buffered {
  from: number;
  msg: ConsensusMessage;
}

/**
 * Runs QBFT instances over the co-validator Network (topic "consensus"): decodes and authenticates
 * messages, routes them to their instance, buffers early ones, answers late ones with the decision
 * (inside the core), drives timers from the injected clock, and prunes instances at their deadline.
 */
export class ConsensusService implements Consensus {
  private readonly instances = new Map<string, Running>();
  private readonly buffer = new Map<string, Buffered[]>();
  private readonly bufferedPerPeer: number[];
  private bufferedTotal = 0;
  private readonly pruned = new Set<string>();
  private readonly drops = new Map<string, number>();
  private newestSlot = -1;
  private readonly domain: Uint8Array;
  private readonly roundDurationMs: number;
  private readonly maxFutureSlots: number;
  private readonly maxPastSlots: number;
  private readonly maxBufferedPerPeer: number;
  private readonly maxRemembered: number;
  private readonly unsubscribe: () => void;
  private readonly logger: Logger;
  private readonly metrics: ConsensusMetrics | null;
  private closed = false;

  constructor(
    private readonly opts: ConsensusServiceOpts,
    private readonly modules: ConsensusModules,
  ) {
    if (!Number.isInteger(opts.n) || opts.n < 1 || opts.n > MAX_OPERATORS) {
      throw new ConsensusError({code: "CONSENSUS_INVALID_OPTIONS", reason: `n must be 1..${MAX_OPERATORS}`});
    }
    if (!Number.isInteger(opts.self) || opts.self < 0 || opts.self >= opts.n) {
      throw new ConsensusError({code: "CONSENSUS_INVALID_OPTIONS", reason: "self must be an operator index"});
    }
    this.roundDurationMs = opts.roundDurationMs ?? 1000;
    if (!(this.roundDurationMs > 0)) {
      throw new ConsensusError({code: "CONSENSUS_INVALID_OPTIONS", reason: "roundDurationMs must be > 0"});
    }
    this.domain = signingDomain(opts.clusterId ?? new Uint8Array(32));
    this.maxFutureSlots = opts.maxFutureSlots ?? 2;
    this.maxPastSlots = opts.maxPastSlots ?? 64;
    this.maxBufferedPerPeer = opts.maxBufferedPerPeer ?? 256;
    this.maxRemembered = opts.maxRememberedInstances ?? 4096;
    this.bufferedPerPeer = new Array<number>(opts.n).fill(0);
    this.logger = modules.logger ?? nullLogger();
    this.metrics = modules.metrics ?? null;
    this.unsubscribe = modules.network.onMessage("consensus", (m) => this.onNetworkMessage(m));
  }

  /** Agrees with the other operators on the value of instance (slot, dutyType). */
  decide(slot: number, dutyType: DutyType | number, opts: DecideOpts): Promise<DecideResult> {
    const key = instanceKey(slot, dutyType);
    if (this.closed) return Promise.reject(new ConsensusError({code: "CONSENSUS_STOPPED", slot, dutyType}));
    if (this.instances.has(key) || this.pruned.has(key)) {
      return Promise.reject(new ConsensusError({code: "CONSENSUS_DUPLICATE_INSTANCE", slot, dutyType}));
    }
    const now = this.modules.clock.now();
    const startMs = opts.startMs ?? now;
    const state = createInstance({
      n: this.opts.n,
      self: this.opts.self,
      slot,
      dutyType,
      startMs,
      roundDurationMs: this.roundDurationMs,
      deadlineMs: opts.deadlineMs,
      resendIntervalMs: this.resendIntervalFor(startMs, opts.deadlineMs),
    });
    return new Promise<DecideResult>((resolve, reject) => {
      const running: Running = {
        state,
        opts,
        resolve,
        reject,
        cancelTimer: null,
        cancelPrune: null,
        queue: [],
        busy: false,
        verified: new Set(),
      };
      this.instances.set(key, running);
      this.newestSlot = Math.max(this.newestSlot, slot);
      this.metrics?.instances.set(this.instances.size);
      this.apply(key, running, {kind: "start", now});
      for (const b of this.takeBuffered(key)) this.deliver(key, running, b.from, b.msg);
      const proposeNow = () =>
        opts.propose().then(
          (value) => {
            if (this.instances.get(key) === running) {
              this.apply(key, running, {kind: "proposal", value, now: this.modules.clock.now()});
            }
          },
          (e: unknown) => this.logger.warn("no local proposal", {slot, dutyType, error: (e as Error)?.message}),
        );
      const leadsEarly = [1, 2].some((round) => leaderOf(slot, dutyType, round, this.opts.n) === this.opts.self);
      if (opts.proposeLazily && !leadsEarly) {
        this.modules.clock.setTimer(startMs + this.roundDurationMs, () => {
          if (this.instances.get(key) === running && running.state.decision === null) void proposeNow();
        });
      } else {
        void proposeNow();
      }
    });
  }

  /** The re-send cadence of an instance: scaled to its round duration and its duty's span. */
  private resendIntervalFor(startMs: number, deadlineMs: number): number {
    if (this.opts.resendIntervalMs !== undefined) return Math.max(0, this.opts.resendIntervalMs);
    const span = Math.min(this.roundDurationMs, Math.max(0, deadlineMs - startMs));
    return Math.max(MIN_RESEND_INTERVAL_MS, Math.round(span / RESENDS_PER_ROUND));
  }

  /** Stops every instance (pending decide() calls reject) and detaches from the network. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const [key, r] of this.instances) {
      r.cancelTimer?.();
      r.cancelPrune?.();
      const {slot, dutyType} = r.state.params;
      if (r.state.decision === null) r.reject(new ConsensusError({code: "CONSENSUS_STOPPED", slot, dutyType}));
      this.instances.delete(key);
    }
    this.buffer.clear();
    this.bufferedTotal = 0;
    this.metrics?.instances.set(0);
    this.metrics?.bufferedMessages.set(0);
  }

  /** Instances held in memory (for tests and metrics). */
  get instanceCount(): number {
    return this.instances.size;
  }

  get bufferedCount(): number {
    return this.bufferedTotal;
  }

  private onNetworkMessage(m: NetworkMessage): void {
    if (this.closed) return;
    let msg: ConsensusMessage;
    try {
      msg = decodeMessage(m.payload);
    } catch (e) {
      if (e instanceof CodecError) {
        this.dropped("malformed");
        return;
      }
      throw e;
    }
    const d = msg.signed.data;
    this.metrics?.messagesReceived.inc({type: MsgType[d.type]});
    if (m.from < 0 || m.from >= this.opts.n || m.from === this.opts.self) {
      this.dropped("non_member");
      return;
    }
    const key = instanceKey(d.slot, d.dutyType);
    const running = this.instances.get(key);
    if (running !== undefined) {
      this.deliver(key, running, m.from, msg);
      return;
    }
    if (this.pruned.has(key) || this.isPast(d.slot)) {
      this.dropped("stale_instance");
      return;
    }
    if (this.newestSlot >= 0 && d.slot > this.newestSlot + this.maxFutureSlots) {
      this.dropped("future_instance");
      return;
    }
    if (this.bufferedPerPeer[m.from] >= this.maxBufferedPerPeer) {
      this.dropped("buffer_full");
      return;
    }
    const list = this.buffer.get(key) ?? [];
    // Peers re-send while undecided: a copy of a buffered message takes no second place.
    if (list.some((b) => b.from === m.from && bytesEqual(b.msg.signed.signature, msg.signed.signature))) {
      this.dropped("duplicate");
      return;
    }
    list.push({from: m.from, msg});
    this.buffer.set(key, list);
    this.bufferedPerPeer[m.from]++;
    this.bufferedTotal++;
    this.metrics?.bufferedMessages.set(this.bufferedTotal);
  }

  private isPast(slot: number): boolean {
    return this.newestSlot >= 0 && slot < this.newestSlot - this.maxPastSlots;
  }

  private takeBuffered(key: string): Buffered[] {
    const list = this.buffer.get(key) ?? [];
    this.buffer.delete(key);
    for (const b of list) this.bufferedPerPeer[b.from]--;
    this.bufferedTotal -= list.length;
    this.metrics?.bufferedMessages.set(this.bufferedTotal);
    // Buffered messages of instances that will never start (too old now) are released too.
    for (const [k, l] of this.buffer) {
      if (this.isPast(l[0]?.msg.signed.data.slot ?? 0)) {
        this.buffer.delete(k);
        for (const b of l) this.bufferedPerPeer[b.from]--;
        this.bufferedTotal -= l.length;
        for (let i = 0; i < l.length; i++) this.dropped("stale_instance");
      }
    }
    return list;
  }

  /** Authenticates every signed message in `msg` (members only), then hands it to the instance. */
  private deliver(key: string, running: Running, from: number, msg: ConsensusMessage): void {
    for (const signed of [msg.signed, ...msg.justification]) {
      if (signed.data.source >= this.opts.n) {
        this.dropped("non_member");
        return;
      }
      if (!this.verify(running, signed)) {
        this.dropped("bad_signature");
        return;
      }
    }
    this.apply(key, running, {kind: "message", from, msg, now: this.modules.clock.now()});
  }

  private verify(running: Running, signed: SignedMsg): boolean {
    const bytes = signingBytes(this.domain, signed.data);
    const cacheKey = `${Buffer.from(signed.signature).toString("base64")}${Buffer.from(bytes).toString("base64")}`;
    if (running.verified.has(cacheKey)) return true;
    if (!this.modules.auth.verify(signed.data.source, bytes, signed.signature)) return false;
    // A Byzantine member can sign endless distinct messages: keep the cache bounded.
    if (running.verified.size >= MAX_VERIFIED_CACHE) running.verified.clear();
    running.verified.add(cacheKey);
    return true;
  }

  /** Feeds an input to an instance and carries out its outputs; inputs raised meanwhile queue behind it. */
  private apply(key: string, running: Running, input: Input): void {
    running.queue.push(input);
    if (running.busy) return;
    running.busy = true;
    try {
      for (let next = running.queue.shift(); next !== undefined; next = running.queue.shift()) {
        const outputs = step(running.state, next, {sign: (d) => this.modules.auth.sign(signingBytes(this.domain, d))});
        for (const o of outputs) this.handle(key, running, o);
      }
    } finally {
      running.busy = false;
    }
  }

  private handle(key: string, running: Running, o: Output): void {
    const {slot, dutyType} = running.state.params;
    switch (o.kind) {
      case "broadcast":
        this.modules.network.broadcast("consensus", encodeMessage(o.msg));
        break;
      case "send":
        this.modules.network.send(o.to, "consensus", encodeMessage(o.msg));
        break;
      case "timer":
        running.cancelTimer?.();
        running.cancelTimer = this.modules.clock.setTimer(o.at, () => {
          if (this.instances.get(key) === running)
            this.apply(key, running, {kind: "tick", now: this.modules.clock.now()});
        });
        break;
      case "validate": {
        let valid = false;
        try {
          valid = running.opts.isValid(o.value);
        } catch (e) {
          this.logger.warn("validity predicate threw; value rejected", {slot, dutyType, error: (e as Error)?.message});
        }
        running.queue.push({kind: "verdict", valueHash: o.valueHash, valid, now: this.modules.clock.now()});
        break;
      }
      case "decided":
        this.onDecided(key, running, o.decision);
        break;
      case "gaveUp":
        this.metrics?.gaveUp.inc({reason: o.reason});
        this.logger.warn("consensus gave up at the deadline", {slot, dutyType, round: o.round, reason: o.reason});
        running.reject(
          new ConsensusError(
            {code: "CONSENSUS_DEADLINE", slot, dutyType, round: o.round, reason: o.reason},
            `no decision for slot ${slot} duty ${DutyType[dutyType] ?? dutyType} by the deadline (round ${o.round}: ${o.reason})`,
          ),
        );
        this.prune(key, running);
        break;
      case "dropped":
        this.dropped(o.reason);
        break;
      case "resent":
        this.metrics?.messagesResent.inc({type: MsgType[o.type]}, o.peers);
        break;
    }
  }

  private onDecided(key: string, running: Running, decision: Decision): void {
    const {slot, dutyType, startMs, deadlineMs} = running.state.params;
    const now = this.modules.clock.now();
    this.metrics?.decisions.inc({duty: DutyType[dutyType] ?? String(dutyType)});
    this.metrics?.decidedRound.observe(decision.round);
    this.metrics?.decisionSeconds.observe(Math.max(0, now - startMs) / 1000);
    this.logger.debug("consensus decided", {slot, dutyType, round: decision.round});
    running.resolve({value: decision.value, round: decision.round});
    // Keep answering lagging peers with the proof until the deadline, then free the memory. The round
    // timer goes; the instance may set another one (its proof push) after this.
    running.cancelTimer?.();
    running.cancelTimer = null;
    running.cancelPrune = this.modules.clock.setTimer(deadlineMs, () => this.prune(key, running));
  }

  private prune(key: string, running: Running): void {
    if (this.instances.get(key) !== running) return;
    running.cancelTimer?.();
    running.cancelTimer = null;
    running.cancelPrune?.();
    running.cancelPrune = null;
    this.instances.delete(key);
    this.pruned.add(key);
    if (this.pruned.size > this.maxRemembered) {
      const oldest = this.pruned.values().next().value;
      if (oldest !== undefined) this.pruned.delete(oldest);
    }
    this.metrics?.instances.set(this.instances.size);
  }

  private dropped(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.metrics?.messagesDropped.inc({reason});
  }

  /** Messages dropped so far, by reason (the same counts as the metric). */
  droppedCounts(): Record<string, number> {
    return Object.fromEntries(this.drops);
  }
}

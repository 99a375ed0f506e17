import type {Connection, PeerId, Stream} from "@libp2p/interface";
import type {Network, NetworkMessage, PeerStatus, Topic} from "../duties/interfaces.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {type BackoffOpts, backoffDelayMs} from "./backoff.js";
import {CLUSTER_ID_BYTES, ENVELOPE_OVERHEAD_BYTES, type EnvelopeKind, encodeEnvelope} from "./envelope.js";
import {P2pError} from "./errors.js";
import {encodeFrame, FrameDecoder} from "./framing.js";
import type {IdentityKey} from "./identity.js";
import {type DropReason, InboundValidator} from "./inbound.js";
import {answerLockHash, LOCK_PROTOCOL, readLockHash} from "./lockCheck.js";
import type {P2pMetrics} from "./metrics.js";
import {MisbehaviourTracker} from "./misbehaviour.js";
import {CONSENSUS_PROTOCOL, type CohortLibp2p, createCohortLibp2p, SHARES_PROTOCOL} from "./node.js";
import {OutboundQueue, type OutboundQueueOpts} from "./outbound.js";
import {type ClusterPeer, libp2pPrivateKey, type MemberPeer, PeerTable} from "./peers.js";
import {RecentShares} from "./shareCache.js";

export interface Libp2pNetworkOpts {
  /** Every operator of the cluster, this node included (its entry is found by identity key). */
  peers: ClusterPeer[];
  /** 32 bytes naming the cluster (the lock hash): bound into every signature. */
  clusterId: Uint8Array;
  /** e.g. ["/ip4/0.0.0.0/tcp/3610"]; port 0 picks a free port. */
  listenAddrs: string[];
  /** Largest envelope (frame body) accepted or sent; 8 MiB by default (blocks with blobs fit). */
  maxMessageBytes?: number;
  /** Accepted clock distance of a sender's timestamp, and the replay memory's span; 60 s by default. */
  replayWindowMs?: number;
  maxReplayEntriesPerSender?: number;
  redialBackoff?: BackoffOpts;
  pingIntervalMs?: number;
  /** `threshold` dropped frames within `windowMs` get a peer banned for `banMs`. */
  misbehaviour?: {threshold: number; windowMs: number; banMs: number};
  outboundQueue?: OutboundQueueOpts;
  shareCache?: {maxMessages: number; maxBytes: number; ttlMs: number};
  /** At most one catch-up answer per peer connection within this interval. */
  catchUpMinIntervalMs?: number;
  /** How long a new connection's lock hash exchange may take (/cohort/lock/1); 5 s by default. */
  lockCheckTimeoutMs?: number;
}

export interface Libp2pNetworkModules {
  identity: IdentityKey;
  metrics: P2pMetrics;
  logger: Logger;
  /** Wall clock, unix ms (envelope timestamps and replay window). */
  now?: () => number;
  /** Uniform [0, 1), for redial jitter. */
  random?: () => number;
  /** Told when a cluster peer connects (first open connection) or disconnects (last one closed). */
  onPeerConnection?: (event: PeerConnectionEvent) => void;
}

export interface PeerConnectionEvent {
  /** The peer's 0-based operator index in the cluster lock. */
  operatorIndex: number;
  connected: boolean;
}

const DEFAULTS = {
  maxMessageBytes: 8 * 1024 * 1024,
  replayWindowMs: 60_000,
  maxReplayEntriesPerSender: 16_384,
  redialBackoff: {baseMs: 250, maxMs: 30_000},
  pingIntervalMs: 5_000,
  misbehaviour: {threshold: 20, windowMs: 60_000, banMs: 60_000},
  outboundQueue: {maxQueuedMessages: 1024, maxQueuedBytes: 32 * 1024 * 1024},
  shareCache: {maxMessages: 512, maxBytes: 16 * 1024 * 1024, ttlMs: 2 * 32 * 12_000},
  catchUpMinIntervalMs: 1_000,
  lockCheckTimeoutMs: 5_000,
};

const TOPIC_PROTOCOLS: Record<Topic, string> = {consensus: CONSENSUS_PROTOCOL, shares: SHARES_PROTOCOL};
const TOPICS: readonly Topic[] = ["consensus", "shares"];

interface PeerState {
  member: MemberPeer;
  label: string;
  queues: Record<Topic, OutboundQueue>;
  inbound: Set<Stream>;
  rttMs: number | null;
  dialAttempt: number;
  dialing: boolean;
  redialTimer: NodeJS.Timeout | null;
  lastCatchUpAnswerMs: number | null;
  /** RecentShares.nextSeq when the current connection opened: later shares were sent on it already. */
  connectedAtShareSeq: number;
  /** The peer answered another lock hash on its last connection: redial it slowly. */
  otherLock: boolean;
  /** Until then (unix ms) the gater refuses the peer: it was on another lock. */
  otherLockUntilMs: number;
  /** This connection's peer has our lock hash (so it can tell its operator too before we hang up). */
  lockAnswered: boolean;
}

/**
 * The co-validator `Network` on libp2p: one long-lived outbound stream per peer and protocol (direct
 * n² streams), signed envelopes in length-prefixed frames, a member-only gater, redial with backoff,
 * ping RTT, misbehaviour bans and share catch-up. Docs: docs/wire.md.
 */
export class Libp2pNetwork implements Network {
  readonly selfIndex: number;
  private readonly table: PeerTable;
  private readonly cfg: typeof DEFAULTS;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly validator: InboundValidator;
  private readonly misbehaviour: MisbehaviourTracker;
  private readonly recentShares: RecentShares;
  private readonly handlers: Record<Topic, Set<(msg: NetworkMessage) => void>> = {
    consensus: new Set(),
    shares: new Set(),
  };
  private readonly states = new Map<number, PeerState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private libp2p: CohortLibp2p | null = null;
  private abort = new AbortController();
  private running = false;
  private nonce = 0n;

  constructor(
    private readonly opts: Libp2pNetworkOpts,
    private readonly modules: Libp2pNetworkModules,
  ) {
    if (opts.clusterId.length !== CLUSTER_ID_BYTES) {
      throw new P2pError(
        {code: "P2P_INVALID_OPTION", option: "clusterId", reason: `must be ${CLUSTER_ID_BYTES} bytes`},
        `clusterId must be ${CLUSTER_ID_BYTES} bytes, got ${opts.clusterId.length}`,
      );
    }
    this.cfg = {
      maxMessageBytes: opts.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
      replayWindowMs: opts.replayWindowMs ?? DEFAULTS.replayWindowMs,
      maxReplayEntriesPerSender: opts.maxReplayEntriesPerSender ?? DEFAULTS.maxReplayEntriesPerSender,
      redialBackoff: opts.redialBackoff ?? DEFAULTS.redialBackoff,
      pingIntervalMs: opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
      misbehaviour: opts.misbehaviour ?? DEFAULTS.misbehaviour,
      outboundQueue: opts.outboundQueue ?? DEFAULTS.outboundQueue,
      shareCache: opts.shareCache ?? DEFAULTS.shareCache,
      catchUpMinIntervalMs: opts.catchUpMinIntervalMs ?? DEFAULTS.catchUpMinIntervalMs,
      lockCheckTimeoutMs: opts.lockCheckTimeoutMs ?? DEFAULTS.lockCheckTimeoutMs,
    };
    if (this.cfg.maxMessageBytes <= ENVELOPE_OVERHEAD_BYTES || this.cfg.maxMessageBytes > 2 ** 31) {
      throw new P2pError(
        {code: "P2P_INVALID_OPTION", option: "maxMessageBytes", reason: "out of range"},
        `maxMessageBytes must be in (${ENVELOPE_OVERHEAD_BYTES}, 2^31]`,
      );
    }
    this.table = new PeerTable(opts.peers, modules.identity);
    this.selfIndex = this.table.selfIndex;
    this.now = modules.now ?? Date.now;
    this.random = modules.random ?? Math.random;
    this.validator = new InboundValidator(
      {
        clusterId: opts.clusterId,
        memberPublicKeys: this.table.members.map((m) => m.publicKey),
        replayWindowMs: this.cfg.replayWindowMs,
        maxReplayEntriesPerSender: this.cfg.maxReplayEntriesPerSender,
      },
      {now: this.now},
    );
    this.misbehaviour = new MisbehaviourTracker(this.cfg.misbehaviour, {now: this.now});
    this.recentShares = new RecentShares(this.cfg.shareCache);
  }

  /** Starts listening, dials every peer, starts pinging. */
  async start(): Promise<void> {
    if (this.running) return;
    this.abort = new AbortController();
    const {metrics} = this.modules;
    const libp2p = await createCohortLibp2p({
      privateKey: libp2pPrivateKey(this.modules.identity),
      listenAddrs: this.opts.listenAddrs,
      isAllowed: (peerId) => this.isAllowed(peerId),
      onRefused: (direction, peerId) => {
        metrics.connectionsRefused.inc({direction});
        this.modules.logger.debug("connection refused", {direction, peerId: peerId.toString()});
      },
      maxConnections: 4 * this.table.members.length + 8,
    });
    this.libp2p = libp2p;
    for (const member of this.table.others()) this.states.set(member.index, this.newPeerState(member));
    for (const topic of TOPICS) {
      await libp2p.handle(
        TOPIC_PROTOCOLS[topic],
        (stream, connection) => this.onInboundStream(topic, stream, connection),
        {
          maxInboundStreams: 4,
        },
      );
    }
    await libp2p.handle(
      LOCK_PROTOCOL,
      (stream, connection) => {
        const state = this.stateOf(connection.remotePeer);
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.cfg.lockCheckTimeoutMs)]);
        answerLockHash(stream, this.opts.clusterId, signal).then(
          () => {
            if (state === undefined) return;
            state.lockAnswered = true;
            if (state.otherLock) this.refuseOtherLock(state);
          },
          (err: Error) => {
            this.modules.logger.debug("lock hash answer failed", {error: err.message});
          },
        );
      },
      {maxInboundStreams: 2},
    );
    libp2p.addEventListener("peer:connect", (evt) => this.onPeerConnect(evt.detail));
    libp2p.addEventListener("peer:disconnect", (evt) => this.onPeerDisconnect(evt.detail));
    for (const member of this.table.others()) {
      if (member.multiaddrs.length > 0) await libp2p.peerStore.merge(member.peerId, {multiaddrs: member.multiaddrs});
    }
    // Running before libp2p starts: a peer may connect (and need a catch-up request) during start.
    this.running = true;
    try {
      await libp2p.start();
    } catch (err) {
      this.running = false;
      this.libp2p = null;
      this.states.clear();
      throw err;
    }
    this.modules.logger.info("p2p started", {
      index: this.selfIndex,
      peerId: libp2p.peerId.toString(),
      addrs: this.multiaddrs(),
    });
    for (const state of this.states.values()) this.dial(state);
    this.schedulePing();
  }

  /** Closes every stream and connection and clears every timer. */
  async stop(): Promise<void> {
    if (this.libp2p === null) return;
    this.running = false;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const state of this.states.values()) {
      if (state.redialTimer !== null) clearTimeout(state.redialTimer);
      for (const topic of TOPICS) state.queues[topic].close();
      for (const s of state.inbound) s.abort(new Error("shutting down"));
      state.inbound.clear();
      this.modules.metrics.peerConnected.set({peer: state.label}, 0);
    }
    const libp2p = this.libp2p;
    this.libp2p = null;
    await libp2p.stop();
    this.states.clear();
    this.modules.logger.info("p2p stopped", {index: this.selfIndex});
  }

  get peerId(): string {
    return this.table.members[this.selfIndex].peerIdStr;
  }

  /** The addresses the node listens on, with its /p2p/ peer id (empty until started). */
  multiaddrs(): string[] {
    return this.libp2p?.getMultiaddrs().map((ma) => ma.toString()) ?? [];
  }

  broadcast(topic: Topic, payload: Uint8Array): void {
    const frame = this.seal("message", topic, payload);
    // A copy: the caller may reuse its buffer.
    if (topic === "shares") this.recentShares.add(Uint8Array.from(payload), this.now());
    for (const state of this.states.values()) this.sendFrame(state, topic, frame);
  }

  send(to: number, topic: Topic, payload: Uint8Array): void {
    if (to === this.selfIndex) return;
    const state = this.states.get(to);
    if (state === undefined) {
      throw new P2pError({code: "P2P_UNKNOWN_PEER", index: to}, `no peer with operator index ${to}`);
    }
    this.sendFrame(state, topic, this.seal("message", topic, payload));
  }

  onMessage(topic: Topic, handler: (msg: NetworkMessage) => void): () => void {
    this.handlers[topic].add(handler);
    return () => {
      this.handlers[topic].delete(handler);
    };
  }

  peers(): PeerStatus[] {
    return this.table.others().map((member) => {
      const connected = this.isConnected(member.peerId);
      return {
        index: member.index,
        peerId: member.peerIdStr,
        connected,
        rttMs: connected ? (this.states.get(member.index)?.rttMs ?? null) : null,
      };
    });
  }

  // --- outbound -------------------------------------------------------------------------------

  private seal(kind: EnvelopeKind, topic: Topic, payload: Uint8Array): Uint8Array {
    if (!this.running) throw new P2pError({code: "P2P_NOT_STARTED"}, "the p2p network is not started");
    const bytes = payload.length + ENVELOPE_OVERHEAD_BYTES;
    if (bytes > this.cfg.maxMessageBytes) {
      throw new P2pError(
        {code: "P2P_MESSAGE_TOO_LARGE", bytes, maxBytes: this.cfg.maxMessageBytes},
        `message of ${bytes} bytes exceeds the ${this.cfg.maxMessageBytes}-byte maximum`,
      );
    }
    const envelope = encodeEnvelope(
      {kind, topic, sender: this.selfIndex, timestampMs: this.now(), nonce: this.nonce++, payload},
      this.opts.clusterId,
      (msg) => this.modules.identity.sign(msg),
    );
    return encodeFrame(envelope);
  }

  private sendFrame(state: PeerState, topic: Topic, frame: Uint8Array): void {
    if (!this.isConnected(state.member.peerId)) {
      this.modules.metrics.sendDropped.inc({peer: state.label, reason: "not_connected"});
      return;
    }
    state.queues[topic].enqueue(frame);
  }

  private newPeerState(member: MemberPeer): PeerState {
    const label = String(member.index);
    const queue = (topic: Topic): OutboundQueue =>
      new OutboundQueue(this.cfg.outboundQueue, {
        openStream: () => {
          if (this.libp2p === null) return Promise.reject(new Error("stopped"));
          return this.libp2p.dialProtocol(member.peerId, TOPIC_PROTOCOLS[topic], {signal: this.abort.signal});
        },
        onSent: () => this.modules.metrics.messagesSent.inc({peer: label, topic}),
        onDropped: (reason, count) => this.modules.metrics.sendDropped.inc({peer: label, reason}, count),
        logger: this.modules.logger.child({peer: member.index, topic}),
      });
    return {
      member,
      label,
      queues: {consensus: queue("consensus"), shares: queue("shares")},
      inbound: new Set(),
      rttMs: null,
      dialAttempt: 0,
      dialing: false,
      redialTimer: null,
      lastCatchUpAnswerMs: null,
      connectedAtShareSeq: 0,
      otherLock: false,
      otherLockUntilMs: 0,
      lockAnswered: false,
    };
  }

  // --- inbound --------------------------------------------------------------------------------

  private onInboundStream(topic: Topic, stream: Stream, connection: Connection): void {
    const member = this.table.byPeer(connection.remotePeer);
    const state = member === undefined ? undefined : this.states.get(member.index);
    // The gater already refused non-members; this also covers a peer banned after it connected.
    if (state === undefined || this.misbehaviour.isBanned(state.member.index)) {
      stream.abort(new Error("peer not allowed"));
      return;
    }
    const decoder = new FrameDecoder(this.cfg.maxMessageBytes);
    state.inbound.add(stream);
    stream.addEventListener("close", () => state.inbound.delete(stream));
    stream.addEventListener("message", (evt) => {
      const chunk = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray();
      const result = decoder.push(chunk);
      for (const frame of result.frames) {
        if (!state.inbound.has(stream)) return;
        this.onFrame(state, topic, frame);
      }
      if (result.oversized) {
        // The length prefix cannot be skipped safely: the stream is unusable.
        this.drop(state, "oversized");
        state.inbound.delete(stream);
        stream.abort(new Error("oversized frame"));
      }
    });
  }

  private onFrame(state: PeerState, topic: Topic, frame: Uint8Array): void {
    // Data still buffered while stopping is discarded (answering it would need a running node).
    if (!this.running) return;
    const endTimer = this.modules.metrics.inboundProcessingSeconds.startTimer({topic});
    const result = this.validator.validate(state.member.index, topic, frame);
    if (!result.ok) {
      this.drop(state, result.reason);
      return;
    }
    const env = result.envelope;
    if (env.kind === "catchUpRequest") {
      this.answerCatchUp(state);
      return;
    }
    this.modules.metrics.messagesReceived.inc({peer: state.label, topic});
    const msg: NetworkMessage = {topic, from: env.sender, payload: env.payload};
    for (const handler of this.handlers[topic]) {
      try {
        handler(msg);
      } catch (err) {
        this.modules.logger.error("message handler failed", {topic, from: env.sender}, err);
      }
    }
    endTimer();
  }

  private drop(state: PeerState, reason: DropReason): void {
    this.modules.metrics.messagesDropped.inc({peer: state.label, reason});
    this.modules.logger.debug("dropped message", {peer: state.member.index, reason});
    // Clock skew is the operator's problem, not an attack: counted, not punished.
    if (reason === "stale") return;
    if (this.misbehaviour.record(state.member.index)) this.ban(state);
  }

  private ban(state: PeerState): void {
    const banMs = this.misbehaviour.banRemainingMs(state.member.index);
    this.modules.metrics.peerBans.inc({peer: state.label});
    this.modules.logger.warn("peer banned for sending invalid messages", {peer: state.member.index, banMs});
    for (const s of state.inbound) s.abort(new Error("peer banned"));
    state.inbound.clear();
    for (const topic of TOPICS) state.queues[topic].reset();
    this.libp2p?.hangUp(state.member.peerId).catch((err: Error) => {
      this.modules.logger.debug("hang up failed", {peer: state.member.index, error: err.message});
    });
    this.scheduleRedial(state, banMs);
  }

  // --- shares catch-up ------------------------------------------------------------------------

  private requestCatchUp(state: PeerState): void {
    if (!this.running) return;
    state.queues.shares.enqueue(this.seal("catchUpRequest", "shares", new Uint8Array(0)));
  }

  private answerCatchUp(state: PeerState): void {
    const now = this.now();
    const {metrics} = this.modules;
    if (state.lastCatchUpAnswerMs !== null && now - state.lastCatchUpAnswerMs < this.cfg.catchUpMinIntervalMs) {
      metrics.catchUpRequests.inc({peer: state.label, result: "rate_limited"});
      return;
    }
    state.lastCatchUpAnswerMs = now;
    metrics.catchUpRequests.inc({peer: state.label, result: "answered"});
    // Fresh envelopes (new timestamp and nonce): the originals may be past the replay window.
    const shares = this.recentShares.recent(now, state.connectedAtShareSeq);
    for (const payload of shares) this.sendFrame(state, "shares", this.seal("message", "shares", payload));
    metrics.catchUpSharesResent.inc({peer: state.label}, shares.length);
  }

  // --- connectivity ---------------------------------------------------------------------------

  private isAllowed(peerId: PeerId): boolean {
    const member = this.table.byPeer(peerId);
    if (member === undefined || member.index === this.selfIndex || this.misbehaviour.isBanned(member.index))
      return false;
    const state = this.states.get(member.index);
    return state === undefined || this.now() >= state.otherLockUntilMs;
  }

  private isConnected(peerId: PeerId): boolean {
    return this.libp2p?.getConnections(peerId).some((c) => c.status === "open") ?? false;
  }

  private onPeerConnect(peerId: PeerId): void {
    const state = this.stateOf(peerId);
    if (state === undefined || !this.running) return;
    state.dialAttempt = 0;
    state.lastCatchUpAnswerMs = null;
    state.connectedAtShareSeq = this.recentShares.nextSeq;
    state.lockAnswered = false;
    if (state.redialTimer !== null) clearTimeout(state.redialTimer);
    state.redialTimer = null;
    this.modules.metrics.peerConnected.set({peer: state.label}, 1);
    this.modules.logger.verbose("peer connected", {peer: state.member.index});
    this.modules.onPeerConnection?.({operatorIndex: state.member.index, connected: true});
    this.requestCatchUp(state);
    this.checkLock(state);
  }

  /** Asks the peer for its lock hash; a peer on another lock is told in a WARN, counted and hung up on. */
  private checkLock(state: PeerState): void {
    const libp2p = this.libp2p;
    if (libp2p === null) return;
    const {metrics, logger} = this.modules;
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.cfg.lockCheckTimeoutMs)]);
    libp2p
      .dialProtocol(state.member.peerId, LOCK_PROTOCOL, {signal})
      .then((stream) => readLockHash(stream, signal))
      .then(
        (theirs) => {
          if (bytesEqual(theirs, this.opts.clusterId)) {
            state.otherLock = false;
            metrics.lockChecks.inc({peer: state.label, result: "ok"});
            return;
          }
          state.otherLock = true;
          // Refused (both directions) until the slow redial re-checks: its operator must fix the lock.
          state.otherLockUntilMs = this.now() + this.cfg.redialBackoff.maxMs;
          metrics.lockChecks.inc({peer: state.label, result: "mismatch"});
          logger.warn(
            `peer ${state.member.peerIdStr} (operator ${state.member.index}) is on another cluster lock: theirs ${toHex(theirs)}, ours ${toHex(this.opts.clusterId)}`,
            {peer: state.member.index},
          );
          // Hang up once the peer has our hash too (so both operators are told), or after the timeout.
          if (state.lockAnswered) this.refuseOtherLock(state);
          else {
            const timer = setTimeout(() => {
              this.timers.delete(timer);
              this.refuseOtherLock(state);
            }, this.cfg.lockCheckTimeoutMs);
            this.timers.add(timer);
          }
        },
        (err: Error) => {
          if (!this.running) return;
          // No answer (an older cohort, or a slow peer): its messages still must verify under our lock hash.
          metrics.lockChecks.inc({peer: state.label, result: "error"});
          logger.debug("lock hash check failed", {peer: state.member.index, error: err.message});
        },
      );
  }

  private refuseOtherLock(state: PeerState): void {
    if (this.libp2p === null || !this.isConnected(state.member.peerId)) return;
    this.libp2p.hangUp(state.member.peerId).catch((err: Error) => {
      this.modules.logger.debug("hang up failed", {peer: state.member.index, error: err.message});
    });
  }

  private onPeerDisconnect(peerId: PeerId): void {
    const state = this.stateOf(peerId);
    if (state === undefined || !this.running) return;
    state.rttMs = null;
    for (const topic of TOPICS) state.queues[topic].reset();
    this.modules.metrics.peerConnected.set({peer: state.label}, 0);
    this.modules.logger.verbose("peer disconnected", {peer: state.member.index});
    this.modules.onPeerConnection?.({operatorIndex: state.member.index, connected: false});
    const banMs = this.misbehaviour.banRemainingMs(state.member.index);
    // A peer on another lock stays so until its operator acts: retry at the slowest redial pace.
    const delayMs =
      banMs > 0
        ? banMs
        : state.otherLock
          ? this.cfg.redialBackoff.maxMs
          : backoffDelayMs(0, this.cfg.redialBackoff, this.random);
    this.scheduleRedial(state, delayMs);
  }

  private stateOf(peerId: PeerId): PeerState | undefined {
    const member = this.table.byPeer(peerId);
    return member === undefined ? undefined : this.states.get(member.index);
  }

  private dial(state: PeerState): void {
    const libp2p = this.libp2p;
    if (libp2p === null || !this.running || state.dialing) return;
    if (this.misbehaviour.isBanned(state.member.index) || this.isConnected(state.member.peerId)) return;
    state.dialing = true;
    libp2p.dial(state.member.peerId, {signal: this.abort.signal}).then(
      () => {
        state.dialing = false;
        state.dialAttempt = 0;
        this.modules.metrics.dials.inc({peer: state.label, result: "ok"});
      },
      (err: Error) => {
        state.dialing = false;
        if (!this.running) return;
        this.modules.metrics.dials.inc({peer: state.label, result: "error"});
        const delay = backoffDelayMs(state.dialAttempt++, this.cfg.redialBackoff, this.random);
        this.modules.logger.debug("dial failed", {peer: state.member.index, error: err.message, retryMs: delay});
        this.scheduleRedial(state, delay);
      },
    );
  }

  private scheduleRedial(state: PeerState, delayMs: number): void {
    if (!this.running) return;
    if (state.redialTimer !== null) clearTimeout(state.redialTimer);
    state.redialTimer = setTimeout(() => {
      state.redialTimer = null;
      this.dial(state);
    }, delayMs);
  }

  private schedulePing(): void {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pingAll().finally(() => this.schedulePing());
    }, this.cfg.pingIntervalMs);
    this.timers.add(timer);
  }

  private async pingAll(): Promise<void> {
    const libp2p = this.libp2p;
    if (libp2p === null) return;
    await Promise.all(
      [...this.states.values()].map(async (state) => {
        if (!this.isConnected(state.member.peerId)) return;
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.cfg.pingIntervalMs)]);
        try {
          // The service times the echo alone (whole ms), not the stream opening before it.
          state.rttMs = await libp2p.services.ping.ping(state.member.peerId, {signal});
          this.modules.metrics.peerRttSeconds.set({peer: state.label}, state.rttMs / 1000);
        } catch (err) {
          this.modules.logger.debug("ping failed", {peer: state.member.index, error: (err as Error).message});
        }
      }),
    );
  }
}

import type {CombineMetrics, Combiner, ShareSubmission, SubmitResult} from "../combine/index.js";
import {toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import type {Clock} from "./clock.js";
import type {Network, NetworkMessage} from "./interfaces.js";
import {decodeSharesMessage, encodeSharesMessage, MAX_SHARES_PER_MESSAGE} from "./shareCodec.js";

export interface DutyRef {
  slot: number;
  dutyType: number;
}

export interface OwnShare {
  /** Validator public key, 0x-hex lowercase as in the cluster lock. */
  validator: string;
  signingRoot: Uint8Array;
  signature: Uint8Array;
}

export interface ShareExchangeOpts {
  /** This node's 0-based operator index (its shares have index self + 1). */
  self: number;
  /**
   * Own shares of an uncombined duty are sent again at this interval (the network is lossy), or at a
   * quarter of the time the duty has left when it publishes, if shorter (not below 100 ms): a duty due
   * within a third of a short slot gets its re-sends in time.
   */
  rebroadcastIntervalMs: number;
}

export interface ShareExchangeModules {
  network: Network;
  combiner: Combiner;
  clock: Clock;
  logger: Logger;
  metrics?: CombineMetrics;
  /**
   * Whether a peer's shares for `slot` may be held (a window around the current slot): shares for far
   * away slots are dropped, so a peer cannot make this node keep state for arbitrarily many duties.
   */
  isRelevantSlot?(slot: number): boolean;
  /**
   * Whether duties of `slot` may be running now (without it: every slot). Peers' shares of an older
   * duty this node has not started are held unverified, and combined only if it starts that duty: a
   * node back from a restart is sent the shares of the last epochs, and verifying them all at once
   * would stall its current duties for seconds.
   */
  isCurrentSlot?(slot: number): boolean;
}

/** A validator's combined (verified) signature and the signing root its t shares agreed on. */
export interface Combined {
  signature: Uint8Array;
  signingRoot: Uint8Array;
}

interface Waiter {
  resolve(combined: Combined): void;
  reject(e: Error): void;
}

interface DutyState {
  ref: DutyRef;
  expiresAtMs: number;
  own: OwnShare[];
  /** Combined validator signatures by validator key, with the signing root they sign. */
  combined: Map<string, Combined>;
  waiters: Map<string, Waiter[]>;
  cancelRebroadcast: (() => void) | null;
  /** Re-send cadence of this duty's own shares (see ShareExchangeOpts.rebroadcastIntervalMs). */
  rebroadcastMs: number;
  /** When own shares were last sent straight to a lagging peer, by operator index. */
  answeredAt: Map<number, number>;
  /** Validators whose share each peer has sent (a second copy means the peer re-sends: it is waiting). */
  receivedFrom: Map<number, Set<string>>;
  cancelExpiry: () => void;
}

/** Floor of the re-send cadence. */
const MIN_REBROADCAST_MS = 100;
/** Bound of the peers' messages held for duties this node has not started (the oldest go first). */
const MAX_HELD_MESSAGES = 1024;

interface HeldMessage {
  ref: DutyRef;
  from: number;
  shares: OwnShare[];
}

export class ShareExchangeError extends Error {
  constructor(
    readonly code: "SHARES_EXPIRED" | "SHARES_STOPPED",
    message: string,
  ) {
    super(message);
    this.name = "ShareExchangeError";
  }
}

/**
 * Exchanges signature shares: this node's shares go to the combiner and to every peer (again and again
 * until every validator of the duty is combined or the duty expires); peers' shares go to the combiner,
 * which verifies each against its sender's public key share. `awaitCombined` resolves with the verified
 * validator signature once t valid shares are in.
 *
 * A node stops re-sending once it has combined, but a peer that lost shares may still lack them: a
 * peer re-sending a share this node already has from it is still waiting, so for validators this node
 * has combined it answers with its own shares, straight to that peer, at most once per re-send interval.
 * A first (merely late) share gets no answer: without loss, nothing more is sent than before.
 */
export class ShareExchange {
  private readonly duties = new Map<string, DutyState>();
  /** Peers' shares of past duties this node has not started, by duty key, unverified. */
  private readonly held = new Map<string, HeldMessage[]>();
  private heldCount = 0;
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(
    private readonly opts: ShareExchangeOpts,
    private readonly modules: ShareExchangeModules,
  ) {
    this.unsubscribe = modules.network.onMessage("shares", (m) => this.onMessage(m));
  }

  /** Registers this node's shares of a duty, combines them with the peers' and sends them out. */
  publish(ref: DutyRef, shares: OwnShare[], expiresAtMs: number): void {
    if (this.stopped) throw new ShareExchangeError("SHARES_STOPPED", "the share exchange is stopped");
    const state = this.state(ref, expiresAtMs);
    // The cadence follows this publication's budget (the state may predate it: peers' shares came first).
    state.rebroadcastMs = this.rebroadcastMsFor(expiresAtMs);
    state.own.push(...shares);
    this.submit(ref, this.opts.self, shares);
    this.send(ref, shares);
    this.scheduleRebroadcast(state);
  }

  /** The combined signature of `validator` in the duty; rejects when the duty expires first. */
  async awaitCombined(ref: DutyRef, validator: string, expiresAtMs: number): Promise<Uint8Array> {
    return (await this.awaitCombinedRoot(ref, validator, expiresAtMs)).signature;
  }

  /**
   * `awaitCombined` with the signing root the shares agreed on: where operators may sign different messages
   * for one duty (sync committee messages in validator-API mode, over each VC's head), the first root t
   * shares agree on wins.
   */
  awaitCombinedRoot(ref: DutyRef, validator: string, expiresAtMs: number): Promise<Combined> {
    if (this.stopped) return Promise.reject(new ShareExchangeError("SHARES_STOPPED", "the share exchange is stopped"));
    const state = this.state(ref, expiresAtMs);
    const done = state.combined.get(validator);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const list = state.waiters.get(validator) ?? [];
      list.push({resolve, reject});
      state.waiters.set(validator, list);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.held.clear();
    this.heldCount = 0;
    for (const key of [...this.duties.keys()]) this.end(key, new ShareExchangeError("SHARES_STOPPED", "stopped"));
  }

  private onMessage(m: NetworkMessage): void {
    const msg = decodeSharesMessage(m.payload);
    if (msg === null) {
      this.modules.logger.debug("malformed shares message dropped", {from: m.from});
      return;
    }
    if (this.modules.isRelevantSlot && !this.modules.isRelevantSlot(msg.slot)) {
      this.modules.logger.debug("shares for an irrelevant slot dropped", {from: m.from, slot: msg.slot});
      return;
    }
    const ref = {slot: msg.slot, dutyType: msg.dutyType};
    const shares = msg.shares.map((s) => ({
      validator: toHex(s.validator),
      signingRoot: s.signingRoot,
      signature: s.signature,
    }));
    if (!this.duties.has(dutyKey(ref)) && this.modules.isCurrentSlot && !this.modules.isCurrentSlot(msg.slot)) {
      this.hold({ref, from: m.from, shares});
      return;
    }
    this.answerLagging(ref, m.from, shares);
    this.submit(ref, m.from, shares);
  }

  private hold(message: HeldMessage): void {
    const key = dutyKey(message.ref);
    const list = this.held.get(key) ?? [];
    list.push(message);
    this.held.set(key, list);
    this.heldCount++;
    while (this.heldCount > MAX_HELD_MESSAGES) {
      const [oldestKey, oldest] = this.held.entries().next().value as [string, HeldMessage[]];
      oldest.shift();
      this.heldCount--;
      if (oldest.length === 0) this.held.delete(oldestKey);
    }
  }

  /** Combines what peers sent for a duty before this node started it. */
  private releaseHeld(key: string): void {
    const list = this.held.get(key);
    if (list === undefined) return;
    this.held.delete(key);
    this.heldCount -= list.length;
    for (const h of list) this.submit(h.ref, h.from, h.shares);
  }

  /** Sends own shares of validators this node has combined to a peer that re-sends its own for them. */
  private answerLagging(ref: DutyRef, peer: number, theirs: OwnShare[]): void {
    const state = this.duties.get(dutyKey(ref));
    if (state === undefined) return;
    let received = state.receivedFrom.get(peer);
    if (received === undefined) {
      received = new Set();
      state.receivedFrom.set(peer, received);
    }
    const resent = new Set<string>();
    for (const s of theirs) {
      if (received.has(s.validator)) resent.add(s.validator);
      else received.add(s.validator);
    }
    if (resent.size === 0 || state.own.length === 0) return;
    const now = this.modules.clock.now();
    if (now - (state.answeredAt.get(peer) ?? Number.NEGATIVE_INFINITY) < state.rebroadcastMs) return;
    const answer = state.own.filter((s) => resent.has(s.validator) && state.combined.has(s.validator));
    if (answer.length === 0) return;
    state.answeredAt.set(peer, now);
    this.send(ref, answer, peer);
  }

  private submit(ref: DutyRef, operator: number, shares: OwnShare[]): void {
    const duty = dutyKey(ref);
    const submissions: ShareSubmission[] = shares.map((s) => ({
      duty,
      validator: s.validator,
      signingRoot: s.signingRoot,
      shareIndex: operator + 1,
      signature: s.signature,
    }));
    // With a verify pool the batch is checked on worker threads; results come back asynchronously.
    this.modules.combiner.submitManyAsync(submissions).then(
      (results) => this.onResults(ref, operator, submissions, results),
      (e: Error) => {
        // Stopping closes the verify pool under running checks: nothing to report then.
        if (!this.stopped) this.modules.logger.error("share verification failed", {slot: ref.slot, reason: e.message});
      },
    );
  }

  private onResults(ref: DutyRef, operator: number, submissions: ShareSubmission[], results: SubmitResult[]): void {
    if (this.stopped) return;
    results.forEach((r: SubmitResult, i) => {
      if (r.status === "combined") {
        this.onCombined(ref, submissions[i].validator, {
          signature: r.signature,
          signingRoot: submissions[i].signingRoot,
        });
      } else if (r.status === "invalid") {
        this.modules.logger.warn("invalid signature share dropped", {
          ...r.error.getMetadata(),
          from: operator,
          slot: ref.slot,
          dutyType: ref.dutyType,
        });
      }
    });
  }

  private onCombined(ref: DutyRef, validator: string, combined: Combined): void {
    // Peers' shares may complete a duty this node has not reached yet: keep the result until it asks.
    const state = this.state(ref, this.modules.clock.now() + 60_000);
    state.combined.set(validator, combined);
    for (const w of state.waiters.get(validator) ?? []) w.resolve(combined);
    state.waiters.delete(validator);
    if (state.own.length > 0 && state.own.every((s) => state.combined.has(s.validator))) {
      state.cancelRebroadcast?.();
      state.cancelRebroadcast = null;
    }
  }

  /** To every peer, or to `to` only. */
  private send(ref: DutyRef, shares: OwnShare[], to?: number): void {
    for (let i = 0; i < shares.length; i += MAX_SHARES_PER_MESSAGE) {
      const chunk = shares.slice(i, i + MAX_SHARES_PER_MESSAGE);
      const payload = encodeSharesMessage({
        slot: ref.slot,
        dutyType: ref.dutyType,
        shares: chunk.map((s) => ({
          validator: hexBytes(s.validator),
          signingRoot: s.signingRoot,
          signature: s.signature,
        })),
      });
      try {
        if (to === undefined) this.modules.network.broadcast("shares", payload);
        else this.modules.network.send(to, "shares", payload);
      } catch (e) {
        // A lost send is what re-broadcasting is for; never fail a duty over it.
        this.modules.logger.debug("shares broadcast failed", {slot: ref.slot, reason: (e as Error).message});
      }
    }
  }

  private scheduleRebroadcast(state: DutyState): void {
    if (state.cancelRebroadcast || this.stopped) return;
    const at = this.modules.clock.now() + state.rebroadcastMs;
    if (at >= state.expiresAtMs) return;
    state.cancelRebroadcast = this.modules.clock.setTimer(at, () => {
      state.cancelRebroadcast = null;
      const pending = state.own.filter((s) => !state.combined.has(s.validator));
      if (pending.length === 0) return;
      this.send(state.ref, pending);
      this.scheduleRebroadcast(state);
    });
  }

  private state(ref: DutyRef, expiresAtMs: number): DutyState {
    const key = dutyKey(ref);
    let state = this.duties.get(key);
    if (!state) {
      const created: DutyState = {
        ref,
        expiresAtMs,
        own: [],
        combined: new Map(),
        waiters: new Map(),
        cancelRebroadcast: null,
        rebroadcastMs: this.rebroadcastMsFor(expiresAtMs),
        answeredAt: new Map(),
        receivedFrom: new Map(),
        cancelExpiry: this.modules.clock.setTimer(expiresAtMs, () =>
          this.end(key, new ShareExchangeError("SHARES_EXPIRED", `duty ${key} expired before t shares arrived`)),
        ),
      };
      this.duties.set(key, created);
      state = created;
      this.releaseHeld(key);
    } else if (expiresAtMs > state.expiresAtMs) {
      state.cancelExpiry();
      state.expiresAtMs = expiresAtMs;
      state.cancelExpiry = this.modules.clock.setTimer(expiresAtMs, () =>
        this.end(key, new ShareExchangeError("SHARES_EXPIRED", `duty ${key} expired before t shares arrived`)),
      );
    }
    return state;
  }

  private rebroadcastMsFor(expiresAtMs: number): number {
    const quarter = (expiresAtMs - this.modules.clock.now()) / 4;
    return Math.min(this.opts.rebroadcastIntervalMs, Math.max(MIN_REBROADCAST_MS, quarter));
  }

  private end(key: string, error: ShareExchangeError): void {
    const state = this.duties.get(key);
    if (!state) return;
    this.duties.delete(key);
    state.cancelExpiry();
    state.cancelRebroadcast?.();
    for (const list of state.waiters.values()) for (const w of list) w.reject(error);
    this.modules.combiner.forgetDuty(key);
  }
}

export function dutyKey(ref: DutyRef): string {
  return `${ref.dutyType}/${ref.slot}`;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}

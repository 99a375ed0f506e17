import {bytesEqual} from "../util/hex.js";
import {hashValue} from "./codec.js";
import {
  checkDecided,
  checkPrePrepare,
  checkRoundChange,
  checkVote,
  type InstanceRef,
  type JustificationFailure,
} from "./justify.js";
import {
  type ConsensusMessage,
  faultTolerance,
  leaderOf,
  type MsgData,
  MsgType,
  quorumSize,
  type SignedMsg,
  ZERO_HASH,
} from "./types.js";

/**
 * One QBFT instance (Moniz 2020) as a deterministic state machine: `step(state, input, deps)` applies an
 * input and returns the outputs. The state is plain data updated in place (copying it per message would
 * cost more than the protocol); the same inputs in the same order always give the same outputs. There is
 * no clock, socket or randomness in here: time arrives as `now` in inputs, and the only injected function
 * is the (deterministic, RFC 6979) signer of the node's own messages.
 *
 * Inputs are messages whose signatures (outer and justification) the adapter already verified.
 */

export interface InstanceParams {
  n: number;
  /** This node's 0-based operator index. */
  self: number;
  slot: number;
  dutyType: number;
  /** Absolute ms at which round 1 starts; round r times out at startMs + r * roundDurationMs. */
  startMs: number;
  roundDurationMs: number;
  /** Absolute ms at which the instance gives up. */
  deadlineMs: number;
  /**
   * Re-send cadence (ms) of this node's messages of the current round while undecided; 0 or absent:
   * never. Under loss a lost PRE-PREPARE, PREPARE or COMMIT then costs one interval, not a round change.
   * Once decided, the decision proof goes once, an interval later, to the peers whose COMMIT is missing.
   */
  resendIntervalMs?: number;
}

export interface InstanceDeps {
  /** Signs this node's message data (the adapter binds the domain and the identity key). */
  sign(data: MsgData): Uint8Array;
}

/** `now` (absolute ms) on message, proposal and verdict inputs dates this node's messages for re-sends. */
export type Input =
  | {kind: "start"; now: number}
  | {kind: "message"; from: number; msg: ConsensusMessage; now?: number}
  | {kind: "tick"; now: number}
  | {kind: "proposal"; value: Uint8Array; now?: number}
  | {kind: "verdict"; valueHash: Uint8Array; valid: boolean; now?: number};

export type DropReason =
  | JustificationFailure
  | "wrong_instance"
  | "non_member"
  | "round_out_of_range"
  | "not_leader"
  | "old_round"
  | "duplicate"
  | "equivocation"
  | "invalid_value"
  | "after_decision"
  | "stopped";

export type GiveUpReason =
  /** No justified PRE-PREPARE from a leader arrived in any round. */
  | "no_pre_prepare"
  /** PRE-PREPAREs arrived but the validity predicate rejected every value. */
  | "rejected_values"
  /** A value was accepted but no round gathered a quorum of PREPAREs. */
  | "no_prepare_quorum"
  /** A value was prepared but no round gathered a quorum of COMMITs. */
  | "no_commit_quorum";

export interface Decision {
  value: Uint8Array;
  valueHash: Uint8Array;
  round: number;
  /** The quorum of COMMITs that proves the decision. */
  commits: SignedMsg[];
}

export type Output =
  | {kind: "broadcast"; msg: ConsensusMessage}
  | {kind: "send"; to: number; msg: ConsensusMessage}
  /** Wake the instance with a tick at this absolute time (replaces any earlier timer). */
  | {kind: "timer"; at: number}
  /** Ask the validity predicate about a value; answer with a `verdict` input. */
  | {kind: "validate"; valueHash: Uint8Array; value: Uint8Array}
  | {kind: "decided"; decision: Decision}
  | {kind: "gaveUp"; round: number; reason: GiveUpReason}
  | {kind: "dropped"; reason: DropReason; type: MsgType; from: number}
  /** A message of this node sent again (to the peers that may still lack it), or a decision proof pushed. */
  | {kind: "resent"; type: MsgType; peers: number};

type PrePrepareStatus = "pending" | "accepted" | "rejected";

interface RoundState {
  /** The first justified PRE-PREPARE from this round's leader. */
  prePrepare: ConsensusMessage | null;
  prePrepareStatus: PrePrepareStatus | null;
  prepares: Map<number, SignedMsg>;
  commits: Map<number, SignedMsg>;
  roundChanges: Map<number, ConsensusMessage>;
  sentPrePrepare: boolean;
  sentPrepare: boolean;
  sentCommit: boolean;
}

export interface InstanceState {
  readonly params: InstanceParams;
  readonly ref: InstanceRef;
  readonly f: number;
  /** Rounds past this one would start after the deadline: messages for them are dropped. */
  readonly maxRound: number;
  started: boolean;
  stopped: boolean;
  round: number;
  preparedRound: number;
  preparedValueHash: Uint8Array;
  preparedValue: Uint8Array;
  preparedProof: SignedMsg[];
  proposal: Uint8Array | null;
  /** Values seen in justified messages, by hex hash. */
  values: Map<string, Uint8Array>;
  verdicts: Map<string, boolean>;
  rounds: Map<number, RoundState>;
  decision: Decision | null;
  /** The signed DECIDED message, built on first use. */
  decisionProof: ConsensusMessage | null;
  /** Decision proofs sent per `${peer}/${round}` of the message answered (a few, in case one is lost). */
  answered: Map<string, number>;
  /** The latest time an input told (absolute ms). */
  now: number;
  /** This node's messages, with when each was last sent (re-sends cover those of the current round). */
  own: OwnMessage[];
  decidedAt: number;
  /** The decision proof was pushed to the peers whose COMMIT was missing (once). */
  proofPushed: boolean;
  /** `${source}/${type}/${round}` of messages received after the decision: a second copy means a re-send. */
  seenAfterDecision: Set<string>;
}

interface OwnMessage {
  msg: ConsensusMessage;
  sentAt: number;
}

/** Decision proofs sent in answer to one peer's messages of one round, at most. */
const MAX_ANSWERS_PER_PEER_ROUND = 3;

/** Hard cap on rounds, whatever the deadline and round duration. */
export const MAX_ROUNDS = 1024;

export function createInstance(params: InstanceParams): InstanceState {
  if (params.n < 1 || params.self < 0 || params.self >= params.n) throw new Error("invalid operator index");
  if (params.roundDurationMs <= 0) throw new Error("round duration must be > 0");
  const span = Math.max(0, params.deadlineMs - params.startMs);
  return {
    params,
    ref: {slot: params.slot, dutyType: params.dutyType, n: params.n, quorum: quorumSize(params.n)},
    f: faultTolerance(params.n),
    maxRound: Math.min(MAX_ROUNDS, Math.max(1, Math.ceil(span / params.roundDurationMs))),
    started: false,
    stopped: false,
    round: 1,
    preparedRound: 0,
    preparedValueHash: ZERO_HASH,
    preparedValue: new Uint8Array(0),
    preparedProof: [],
    proposal: null,
    values: new Map(),
    verdicts: new Map(),
    rounds: new Map(),
    decision: null,
    decisionProof: null,
    answered: new Map(),
    now: params.startMs,
    own: [],
    decidedAt: 0,
    proofPushed: false,
    seenAfterDecision: new Set(),
  };
}

/** Applies one input; returns what the adapter must do. */
export function step(state: InstanceState, input: Input, deps: InstanceDeps): Output[] {
  const out: Output[] = [];
  const ctx: Ctx = {s: state, deps, out};
  if ("now" in input && input.now !== undefined && input.now > state.now) state.now = input.now;
  switch (input.kind) {
    case "start":
      onStart(ctx, input.now);
      break;
    case "tick":
      onTick(ctx, input.now);
      break;
    case "message":
      onMessage(ctx, input.from, input.msg);
      break;
    case "proposal":
      if (state.proposal === null) state.proposal = input.value;
      if (state.started && !state.stopped && state.decision === null) leaderRules(ctx);
      break;
    case "verdict":
      onVerdict(ctx, input.valueHash, input.valid);
      break;
  }
  return out;
}

interface Ctx {
  s: InstanceState;
  deps: InstanceDeps;
  out: Output[];
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** The round a node should be in at `now`, from the absolute round schedule. */
export function roundAt(params: InstanceParams, now: number): number {
  if (now < params.startMs) return 1;
  return Math.floor((now - params.startMs) / params.roundDurationMs) + 1;
}

function roundState(s: InstanceState, round: number): RoundState {
  let rs = s.rounds.get(round);
  if (rs === undefined) {
    rs = {
      prePrepare: null,
      prePrepareStatus: null,
      prepares: new Map(),
      commits: new Map(),
      roundChanges: new Map(),
      sentPrePrepare: false,
      sentPrepare: false,
      sentCommit: false,
    };
    s.rounds.set(round, rs);
  }
  return rs;
}

function onStart(ctx: Ctx, now: number): void {
  const {s} = ctx;
  if (s.started) return;
  s.started = true;
  if (now >= s.params.deadlineMs) {
    giveUp(ctx);
    return;
  }
  const r = Math.min(roundAt(s.params, now), s.maxRound);
  if (r > 1) {
    // Joining late: enter the round the schedule says, as if our earlier rounds had timed out.
    enterRound(ctx, r, true);
  } else {
    setTimer(ctx);
    reevaluateRound(ctx);
  }
}

function onTick(ctx: Ctx, now: number): void {
  const {s} = ctx;
  if (!s.started || s.stopped) return;
  if (s.decision !== null) {
    pushDecisionProof(ctx, now);
    return;
  }
  if (now >= s.params.deadlineMs) {
    giveUp(ctx);
    return;
  }
  const r = Math.min(roundAt(s.params, now), s.maxRound);
  if (r > s.round) enterRound(ctx, r, true);
  else {
    resendDue(ctx, now);
    setTimer(ctx);
  }
}

function resendInterval(s: InstanceState): number {
  return s.params.resendIntervalMs ?? 0;
}

/**
 * Sends again this node's messages of the current round last sent an interval ago or more, to the peers
 * that may still lack them: a peer that PREPAREd or COMMITted in the round has the PRE-PREPARE, and one
 * that COMMITted has a PREPARE quorum. Receivers drop the copies as duplicates (their signatures are
 * cached), so a copy costs a decode and a lookup.
 */
function resendDue(ctx: Ctx, now: number): void {
  const {s} = ctx;
  const interval = resendInterval(s);
  if (interval <= 0) return;
  const rs = s.rounds.get(s.round);
  for (const own of s.own) {
    const d = own.msg.signed.data;
    if (d.round !== s.round || own.sentAt + interval > now) continue;
    own.sentAt = now;
    let peers = 0;
    for (let p = 0; p < s.params.n; p++) {
      if (p === s.params.self) continue;
      const hasCommitted = rs?.commits.has(p) ?? false;
      if (d.type === MsgType.prePrepare && (hasCommitted || (rs?.prepares.has(p) ?? false))) continue;
      if (d.type === MsgType.prepare && hasCommitted) continue;
      ctx.out.push({kind: "send", to: p, msg: own.msg});
      peers++;
    }
    if (peers > 0) ctx.out.push({kind: "resent", type: d.type, peers});
  }
}

/** An interval after deciding: the proof to the peers whose COMMIT of the decided round never arrived. */
function pushDecisionProof(ctx: Ctx, now: number): void {
  const {s} = ctx;
  const decision = s.decision;
  if (decision === null || s.proofPushed || resendInterval(s) <= 0) return;
  if (now < s.decidedAt + resendInterval(s)) {
    setTimer(ctx);
    return;
  }
  s.proofPushed = true;
  const commits = s.rounds.get(decision.round)?.commits;
  let peers = 0;
  for (let p = 0; p < s.params.n; p++) {
    if (p === s.params.self || commits?.has(p)) continue;
    ctx.out.push({kind: "send", to: p, msg: decisionProof(ctx)});
    peers++;
  }
  if (peers > 0) ctx.out.push({kind: "resent", type: MsgType.decided, peers});
}

function giveUp(ctx: Ctx): void {
  const {s} = ctx;
  s.stopped = true;
  let sawPrePrepare = false;
  let accepted = false;
  for (const rs of s.rounds.values()) {
    if (rs.prePrepare !== null) sawPrePrepare = true;
    if (rs.prePrepareStatus === "accepted") accepted = true;
  }
  const reason: GiveUpReason =
    s.preparedRound > 0
      ? "no_commit_quorum"
      : accepted
        ? "no_prepare_quorum"
        : sawPrePrepare
          ? "rejected_values"
          : "no_pre_prepare";
  ctx.out.push({kind: "gaveUp", round: s.round, reason});
}

function setTimer(ctx: Ctx): void {
  const {s} = ctx;
  const {params, round, maxRound} = s;
  const interval = resendInterval(s);
  if (s.decision !== null) {
    // Decided: only the proof push is left to wake up for.
    if (interval > 0 && !s.proofPushed) {
      ctx.out.push({kind: "timer", at: Math.min(s.decidedAt + interval, params.deadlineMs)});
    }
    return;
  }
  // In the last round (capped by MAX_ROUNDS) only the deadline is left to wait for.
  const roundEnd = round >= maxRound ? params.deadlineMs : params.startMs + round * params.roundDurationMs;
  let at = Math.min(roundEnd, params.deadlineMs);
  if (interval > 0) {
    for (const own of s.own) if (own.msg.signed.data.round === round) at = Math.min(at, own.sentAt + interval);
  }
  ctx.out.push({kind: "timer", at});
}

/** Moves to a later round; on a timeout or the f+1 rule this node also announces it with a ROUND-CHANGE. */
function enterRound(ctx: Ctx, round: number, sendRoundChange: boolean): void {
  const {s} = ctx;
  s.round = round;
  // Messages of earlier rounds are never re-sent.
  s.own = s.own.filter((o) => o.msg.signed.data.round >= round);
  setTimer(ctx);
  if (sendRoundChange) {
    broadcastOwn(ctx, {
      data: data(s, MsgType.roundChange, round, ZERO_HASH, s.preparedRound, s.preparedValueHash),
      value: s.preparedRound > 0 ? s.preparedValue : new Uint8Array(0),
      justification: s.preparedRound > 0 ? s.preparedProof : [],
    });
  }
  reevaluateRound(ctx);
}

/** Runs every rule that may fire on entering a round, on messages that arrived early for it. */
function reevaluateRound(ctx: Ctx): void {
  const {s} = ctx;
  if (s.decision !== null || s.stopped) return;
  const rs = s.rounds.get(s.round);
  if (rs?.prePrepare && rs.prePrepareStatus === "pending") tryAcceptPrePrepare(ctx, s.round);
  if (s.decision === null) checkPrepareQuorum(ctx, s.round);
  if (s.decision === null) leaderRules(ctx);
}

function data(
  s: InstanceState,
  type: MsgType,
  round: number,
  valueHash: Uint8Array,
  preparedRound = 0,
  preparedValueHash: Uint8Array = ZERO_HASH,
): MsgData {
  const {slot, dutyType, self} = s.params;
  return {type, slot, dutyType, round, source: self, valueHash, preparedRound, preparedValueHash};
}

/** Signs, broadcasts, and delivers to ourselves (our own vote counts like any other). */
function broadcastOwn(ctx: Ctx, m: {data: MsgData; value: Uint8Array; justification: SignedMsg[]}): void {
  const msg: ConsensusMessage = {
    signed: {data: m.data, signature: ctx.deps.sign(m.data)},
    value: m.value,
    justification: m.justification,
  };
  ctx.out.push({kind: "broadcast", msg});
  if (resendInterval(ctx.s) > 0) {
    ctx.s.own.push({msg, sentAt: ctx.s.now});
    setTimer(ctx);
  }
  onMessage(ctx, ctx.s.params.self, msg);
}

function drop(ctx: Ctx, reason: DropReason, msg: ConsensusMessage, from: number): void {
  ctx.out.push({kind: "dropped", reason, type: msg.signed.data.type, from});
}

function onMessage(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const d = msg.signed.data;
  if (d.slot !== s.params.slot || d.dutyType !== s.params.dutyType) {
    drop(ctx, "wrong_instance", msg, from);
    return;
  }
  if (d.source >= s.params.n || from >= s.params.n) {
    drop(ctx, "non_member", msg, from);
    return;
  }
  if (s.decision !== null) {
    answerWithDecision(ctx, from, msg);
    return;
  }
  if (s.stopped) {
    drop(ctx, "stopped", msg, from);
    return;
  }
  if (d.round < 1 || d.round > s.maxRound) {
    drop(ctx, "round_out_of_range", msg, from);
    return;
  }
  switch (d.type) {
    case MsgType.prePrepare: {
      onPrePrepare(ctx, from, msg);
      return;
    }
    case MsgType.prepare:
    case MsgType.commit: {
      onVote(ctx, from, msg);
      return;
    }
    case MsgType.roundChange: {
      onRoundChange(ctx, from, msg);
      return;
    }
    case MsgType.decided: {
      onDecided(ctx, from, msg);
      return;
    }
  }
}

function onPrePrepare(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const d = msg.signed.data;
  if (d.source !== leaderOf(s.params.slot, s.params.dutyType, d.round, s.params.n)) {
    drop(ctx, "not_leader", msg, from);
    return;
  }
  if (d.round < s.round) {
    drop(ctx, "old_round", msg, from);
    return;
  }
  const rs = roundState(s, d.round);
  if (rs.prePrepare !== null) {
    drop(ctx, sameSigned(rs.prePrepare.signed, msg.signed) ? "duplicate" : "equivocation", msg, from);
    return;
  }
  const failure = checkPrePrepare(s.ref, msg);
  if (failure !== null) {
    drop(ctx, failure, msg, from);
    return;
  }
  rs.prePrepare = msg;
  rs.prePrepareStatus = "pending";
  s.values.set(hex(d.valueHash), msg.value);
  if (!s.verdicts.has(hex(d.valueHash))) {
    ctx.out.push({kind: "validate", valueHash: d.valueHash, value: msg.value});
  }
  tryAcceptPrePrepare(ctx, d.round);
  // The value may complete a COMMIT quorum that was waiting for its bytes.
  if (s.decision === null) checkCommitQuorum(ctx, d.round);
}

function onVerdict(ctx: Ctx, valueHash: Uint8Array, valid: boolean): void {
  const {s} = ctx;
  const key = hex(valueHash);
  if (s.verdicts.has(key)) return;
  s.verdicts.set(key, valid);
  if (!s.started || s.stopped || s.decision !== null) return;
  for (const [round, rs] of s.rounds) {
    if (
      rs.prePrepareStatus === "pending" &&
      rs.prePrepare &&
      bytesEqual(rs.prePrepare.signed.data.valueHash, valueHash)
    ) {
      tryAcceptPrePrepare(ctx, round);
    }
  }
}

/** Upon a justified PRE-PREPARE for this or a later round whose value our predicate accepts: PREPARE it. */
function tryAcceptPrePrepare(ctx: Ctx, round: number): void {
  const {s} = ctx;
  const rs = roundState(s, round);
  if (rs.prePrepare === null || rs.prePrepareStatus !== "pending") return;
  if (!s.started || round < s.round || rs.sentPrepare) return;
  const valueHash = rs.prePrepare.signed.data.valueHash;
  const verdict = s.verdicts.get(hex(valueHash));
  if (verdict === undefined) return;
  if (!verdict) {
    rs.prePrepareStatus = "rejected";
    drop(ctx, "invalid_value", rs.prePrepare, rs.prePrepare.signed.data.source);
    return;
  }
  rs.prePrepareStatus = "accepted";
  // A justified PRE-PREPARE for a later round proves a quorum moved there: follow it (as Charon does).
  if (round > s.round) {
    s.round = round;
    setTimer(ctx);
  }
  rs.sentPrepare = true;
  broadcastOwn(ctx, {data: data(s, MsgType.prepare, round, valueHash), value: new Uint8Array(0), justification: []});
}

function onVote(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const d = msg.signed.data;
  const failure = checkVote(msg);
  if (failure !== null) {
    drop(ctx, failure, msg, from);
    return;
  }
  if (d.preparedRound !== 0 || !bytesEqual(d.preparedValueHash, ZERO_HASH)) {
    drop(ctx, "bad_prepared_fields", msg, from);
    return;
  }
  const isPrepare = d.type === MsgType.prepare;
  // Late PREPAREs can no longer matter; late COMMITs can still complete a decision.
  if (isPrepare && d.round < s.round) {
    drop(ctx, "old_round", msg, from);
    return;
  }
  const rs = roundState(s, d.round);
  const votes = isPrepare ? rs.prepares : rs.commits;
  const previous = votes.get(d.source);
  if (previous !== undefined) {
    drop(ctx, sameSigned(previous, msg.signed) ? "duplicate" : "equivocation", msg, from);
    return;
  }
  votes.set(d.source, msg.signed);
  if (isPrepare) checkPrepareQuorum(ctx, d.round);
  else checkCommitQuorum(ctx, d.round);
}

/** Votes in `votes` for the value with a quorum, if one has. */
function quorumValue(s: InstanceState, votes: Map<number, SignedMsg>): {hash: Uint8Array; msgs: SignedMsg[]} | null {
  if (votes.size < s.ref.quorum) return null;
  const byHash = new Map<string, SignedMsg[]>();
  for (const v of votes.values()) {
    const key = hex(v.data.valueHash);
    const list = byHash.get(key) ?? [];
    list.push(v);
    byHash.set(key, list);
    if (list.length >= s.ref.quorum) return {hash: v.data.valueHash, msgs: list};
  }
  return null;
}

/** Upon a quorum of PREPAREs for the current round (and the value's bytes): prepared, COMMIT. */
function checkPrepareQuorum(ctx: Ctx, round: number): void {
  const {s} = ctx;
  if (round !== s.round) return;
  const rs = s.rounds.get(round);
  if (rs === undefined || rs.sentCommit) return;
  const q = quorumValue(s, rs.prepares);
  if (q === null) return;
  const value = s.values.get(hex(q.hash));
  if (value === undefined) return; // wait for the PRE-PREPARE carrying the bytes
  rs.sentCommit = true;
  s.preparedRound = round;
  s.preparedValueHash = q.hash;
  s.preparedValue = value;
  s.preparedProof = q.msgs;
  broadcastOwn(ctx, {data: data(s, MsgType.commit, round, q.hash), value: new Uint8Array(0), justification: []});
}

/** Upon a quorum of COMMITs for a value of any round (and its bytes): decide. */
function checkCommitQuorum(ctx: Ctx, round: number): void {
  const {s} = ctx;
  if (s.decision !== null) return;
  const rs = s.rounds.get(round);
  if (rs === undefined) return;
  const q = quorumValue(s, rs.commits);
  if (q === null) return;
  const value = s.values.get(hex(q.hash));
  if (value === undefined) return;
  decide(ctx, {value, valueHash: q.hash, round, commits: q.msgs});
}

function decide(ctx: Ctx, decision: Decision): void {
  ctx.s.decision = decision;
  ctx.s.decidedAt = ctx.s.now;
  ctx.s.own = [];
  ctx.out.push({kind: "decided", decision});
  setTimer(ctx);
}

function onRoundChange(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const d = msg.signed.data;
  const failure = checkRoundChange(s.ref, msg);
  if (failure !== null) {
    drop(ctx, failure, msg, from);
    return;
  }
  const rs = roundState(s, d.round);
  const previous = rs.roundChanges.get(d.source);
  if (previous !== undefined) {
    drop(ctx, sameSigned(previous.signed, msg.signed) ? "duplicate" : "equivocation", msg, from);
    return;
  }
  rs.roundChanges.set(d.source, msg);
  if (d.preparedRound > 0) s.values.set(hex(d.preparedValueHash), msg.value);
  roundChangeRules(ctx);
}

function roundChangeRules(ctx: Ctx): void {
  const {s} = ctx;
  // f+1 ROUND-CHANGEs for later rounds: at least one honest node is ahead; join the lowest of them.
  const ahead: number[] = [];
  const highestBySource = new Map<number, number>();
  for (const [round, rs] of s.rounds) {
    if (round <= s.round) continue;
    for (const source of rs.roundChanges.keys()) {
      highestBySource.set(source, Math.max(highestBySource.get(source) ?? 0, round));
    }
  }
  for (const r of highestBySource.values()) ahead.push(r);
  if (ahead.length >= s.f + 1) {
    ahead.sort((a, b) => b - a);
    enterRound(ctx, ahead[s.f], true);
    return;
  }
  leaderRules(ctx);
}

/** The leader's PRE-PREPARE: in round 1 its own proposal; later, on a quorum of ROUND-CHANGEs. */
function leaderRules(ctx: Ctx): void {
  const {s} = ctx;
  const r = s.round;
  if (!s.started || s.stopped || s.decision !== null) return;
  if (leaderOf(s.params.slot, s.params.dutyType, r, s.params.n) !== s.params.self) return;
  const rs = roundState(s, r);
  if (rs.sentPrePrepare) return;
  if (r === 1) {
    if (s.proposal === null) return;
    rs.sentPrePrepare = true;
    broadcastOwn(ctx, {
      data: data(s, MsgType.prePrepare, 1, hashOf(s, s.proposal)),
      value: s.proposal,
      justification: [],
    });
    return;
  }
  if (rs.roundChanges.size < s.ref.quorum) return;
  let highest: ConsensusMessage | null = null;
  for (const rc of rs.roundChanges.values()) {
    if (rc.signed.data.preparedRound > (highest?.signed.data.preparedRound ?? 0)) highest = rc;
  }
  const value = highest !== null ? highest.value : s.proposal;
  if (value === null) return; // no prepared value and our own proposal is not there yet
  const valueHash = highest !== null ? highest.signed.data.preparedValueHash : hashOf(s, value);
  const justification = [...rs.roundChanges.values()].map((m) => m.signed);
  if (highest !== null) justification.push(...highest.justification);
  rs.sentPrePrepare = true;
  broadcastOwn(ctx, {data: data(s, MsgType.prePrepare, r, valueHash), value, justification});
}

function onDecided(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const failure = checkDecided(s.ref, msg);
  if (failure !== null) {
    drop(ctx, failure, msg, from);
    return;
  }
  const d = msg.signed.data;
  s.values.set(hex(d.valueHash), msg.value);
  const commits = msg.justification.filter(
    (m) =>
      m.data.type === MsgType.commit &&
      m.data.slot === d.slot &&
      m.data.dutyType === d.dutyType &&
      m.data.round === d.round &&
      bytesEqual(m.data.valueHash, d.valueHash),
  );
  // The proof's COMMITs count as received: no proof is pushed back to their authors.
  const rs = roundState(s, d.round);
  for (const c of commits) if (!rs.commits.has(c.data.source)) rs.commits.set(c.data.source, c);
  s.decisionProof = msg;
  decide(ctx, {value: msg.value, valueHash: d.valueHash, round: d.round, commits});
}

/** A peer still working on a decided instance gets the decision proof (a few times per peer and round). */
function answerWithDecision(ctx: Ctx, from: number, msg: ConsensusMessage): void {
  const {s} = ctx;
  const decision = s.decision!;
  const d = msg.signed.data;
  if (from === s.params.self || d.type === MsgType.decided) {
    drop(ctx, "after_decision", msg, from);
    return;
  }
  // A late COMMIT for the decided value: its author needs no pushed proof (a copy of it still gets one).
  const commits = s.rounds.get(decision.round)?.commits;
  if (
    d.type === MsgType.commit &&
    d.round === decision.round &&
    bytesEqual(d.valueHash, decision.valueHash) &&
    commits !== undefined &&
    !commits.has(d.source)
  ) {
    commits.set(d.source, msg.signed);
    drop(ctx, "after_decision", msg, from);
    return;
  }
  // Late votes of the decided round come from peers about to decide themselves. A peer that is stuck
  // times out and sends a ROUND-CHANGE (or works in a later round), or sends the same message again
  // (a peer re-sends only while undecided): that is what gets the proof.
  const stuck = d.type === MsgType.roundChange || d.round > decision.round || isRepeat(s, msg);
  const key = `${from}/${d.round}`;
  const answers = s.answered.get(key) ?? 0;
  if (
    !stuck ||
    answers >= MAX_ANSWERS_PER_PEER_ROUND ||
    (answers === 0 && s.answered.size >= s.params.n * s.maxRound)
  ) {
    drop(ctx, "after_decision", msg, from);
    return;
  }
  s.answered.set(key, answers + 1);
  ctx.out.push({kind: "send", to: from, msg: decisionProof(ctx)});
}

/** Whether this node already received this message (same author, type, round) before: a re-send. */
function isRepeat(s: InstanceState, msg: ConsensusMessage): boolean {
  const d = msg.signed.data;
  const rs = s.rounds.get(d.round);
  const held =
    d.type === MsgType.prePrepare
      ? rs?.prePrepare?.signed.data.source === d.source
      : d.type === MsgType.prepare
        ? rs?.prepares.has(d.source)
        : d.type === MsgType.commit
          ? rs?.commits.has(d.source)
          : rs?.roundChanges.has(d.source);
  if (held) return true;
  const key = `${d.source}/${d.type}/${d.round}`;
  if (s.seenAfterDecision.has(key)) return true;
  // Bounded like the answers: a Byzantine peer cannot grow it past a few entries per member and round.
  if (s.seenAfterDecision.size < 4 * s.params.n * s.maxRound) s.seenAfterDecision.add(key);
  return false;
}

/** The signed DECIDED message of this node's decision, built on first use. */
function decisionProof(ctx: Ctx): ConsensusMessage {
  const {s} = ctx;
  const decision = s.decision!;
  if (s.decisionProof === null) {
    const proofData = data(s, MsgType.decided, decision.round, decision.valueHash);
    s.decisionProof = {
      signed: {data: proofData, signature: ctx.deps.sign(proofData)},
      value: decision.value,
      justification: decision.commits,
    };
  }
  return s.decisionProof;
}

function hashOf(s: InstanceState, value: Uint8Array): Uint8Array {
  const h = hashValue(value);
  s.values.set(hex(h), value);
  return h;
}

/** Same content from the same author: a repeat (even if re-signed), not an equivocation. */
function sameSigned(a: SignedMsg, b: SignedMsg): boolean {
  const x = a.data;
  const y = b.data;
  return (
    x.type === y.type &&
    x.round === y.round &&
    x.source === y.source &&
    x.preparedRound === y.preparedRound &&
    bytesEqual(x.valueHash, y.valueHash) &&
    bytesEqual(x.preparedValueHash, y.preparedValueHash)
  );
}

import {expect} from "chai";
import {hashValue} from "../../../src/consensus/codec.js";
import {createInstance, type Input, type Output, step} from "../../../src/consensus/qbft.js";
import {type ConsensusMessage, type MsgData, MsgType} from "../../../src/consensus/types.js";
import {commits, enc, msg, prepares, roundChange} from "./helpers.js";
import {runSimulation, type SimConfig, safetyViolations} from "./sim/simulation.js";

// Instance (slot 10, dutyType 1), n = 4, quorum 3: node 0 leads round 1, node 1 round 2.
const DELTA = 1000;
const RESEND = 100;
const A = enc("value A");
const empty = new Uint8Array(0);

function node(self: number, resendIntervalMs = RESEND) {
  const state = createInstance({
    n: 4,
    self,
    slot: 10,
    dutyType: 1,
    startMs: 0,
    roundDurationMs: DELTA,
    deadlineMs: 10 * DELTA,
    resendIntervalMs,
  });
  const sign = (d: MsgData) => new Uint8Array(64).fill(d.type * 16 + d.source);
  return {state, step: (input: Input): Output[] => step(state, input, {sign})};
}

const ofKind = <K extends Output["kind"]>(out: Output[], kind: K) =>
  out.filter((o): o is Extract<Output, {kind: K}> => o.kind === kind);
const lastTimer = (out: Output[]) => ofKind(out, "timer").at(-1)?.at;
/** The re-sent copies in `out`, as "type→peer". */
const copies = (out: Output[]) => ofKind(out, "send").map((o) => `${MsgType[o.msg.signed.data.type]}→${o.to}`);
const vote = (signed: ConsensusMessage["signed"]): ConsensusMessage => ({signed, value: empty, justification: []});

/** Node 0, round-1 leader, that proposed A at `now` and PREPAREd it. */
function proposingLeader(now = 0) {
  const leader = node(0);
  leader.step({kind: "start", now: 0});
  leader.step({kind: "proposal", value: A, now});
  leader.step({kind: "verdict", valueHash: hashValue(A), valid: true, now});
  return leader;
}

describe("consensus/qbft re-sends of an undecided instance", () => {
  it("re-sends its messages of the round an interval after each was sent, and again every interval", () => {
    const leader = proposingLeader(30);
    // Woken at the first re-send, not at the round's end.
    expect(leader.state.own.map((o) => o.sentAt)).to.deep.equal([30, 30]);
    const early = leader.step({kind: "tick", now: 129});
    expect(copies(early)).to.deep.equal([]);
    expect(lastTimer(early)).to.equal(130);
    const first = leader.step({kind: "tick", now: 130});
    expect(copies(first)).to.deep.equal([
      "prePrepare→1",
      "prePrepare→2",
      "prePrepare→3",
      "prepare→1",
      "prepare→2",
      "prepare→3",
    ]);
    expect(ofKind(first, "resent").map((o) => [o.type, o.peers])).to.deep.equal([
      [MsgType.prePrepare, 3],
      [MsgType.prepare, 3],
    ]);
    expect(lastTimer(first)).to.equal(230);
    expect(copies(leader.step({kind: "tick", now: 230}))).to.have.length(6);
  });

  it("re-sends only to the peers that may lack a message: a PREPARE shows the PRE-PREPARE arrived, a COMMIT both", () => {
    const leader = proposingLeader();
    leader.step({kind: "message", from: 2, msg: vote(prepares(1, A, [2])[0]), now: 10});
    // Node 3 COMMITs (it saw a PREPARE quorum this node has not seen yet).
    leader.step({kind: "message", from: 3, msg: vote(commits(1, A, [3])[0]), now: 20});
    const out = leader.step({kind: "tick", now: RESEND});
    expect(copies(out)).to.deep.equal(["prePrepare→1", "prepare→1", "prepare→2"]);
  });

  it("re-sends a copy of the very message (same signature), which receivers drop as a duplicate", () => {
    const leader = proposingLeader();
    const [prePrepare] = ofKind(leader.step({kind: "tick", now: RESEND}), "send").map((o) => o.msg);
    const follower = node(1);
    follower.step({kind: "start", now: 0});
    follower.step({kind: "message", from: 0, msg: prePrepare, now: 5});
    follower.step({kind: "verdict", valueHash: hashValue(A), valid: true, now: 5});
    const again = follower.step({kind: "message", from: 0, msg: prePrepare, now: 105});
    expect(again.map((o) => o.kind)).to.deep.equal(["dropped"]);
    expect(ofKind(again, "dropped")[0].reason).to.equal("duplicate");
    expect(follower.state.rounds.get(1)?.prePrepare?.signed.signature).to.deep.equal(prePrepare.signed.signature);
  });

  it("after a round change re-sends the new round's ROUND-CHANGE, never the earlier round's messages", () => {
    const leader = proposingLeader();
    const timeout = leader.step({kind: "tick", now: DELTA});
    expect(ofKind(timeout, "broadcast").map((o) => o.msg.signed.data.type)).to.deep.equal([MsgType.roundChange]);
    expect(lastTimer(timeout)).to.equal(DELTA + RESEND);
    const out = leader.step({kind: "tick", now: DELTA + RESEND});
    expect(copies(out)).to.deep.equal(["roundChange→1", "roundChange→2", "roundChange→3"]);
  });

  it("stops re-sending once decided; an interval later pushes the proof to the peers whose COMMIT is missing", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    n1.step({kind: "message", from: 0, msg: msg(MsgType.prePrepare, 1, 0, {value: A}), now: 0});
    n1.step({kind: "verdict", valueHash: hashValue(A), valid: true, now: 0});
    for (const p of prepares(1, A, [0, 2])) n1.step({kind: "message", from: p.data.source, msg: vote(p), now: 10});
    n1.step({kind: "message", from: 0, msg: vote(commits(1, A, [0])[0]), now: 20});
    const decided = n1.step({kind: "message", from: 2, msg: vote(commits(1, A, [2])[0]), now: 40});
    expect(ofKind(decided, "decided")).to.have.length(1);
    expect(lastTimer(decided)).to.equal(40 + RESEND);
    expect(copies(n1.step({kind: "tick", now: 40 + RESEND - 1}))).to.deep.equal([]);
    const push = n1.step({kind: "tick", now: 40 + RESEND});
    // Node 3 sent no COMMIT: it gets the proof; 0 and 2 committed and are not sent their own messages again.
    expect(copies(push)).to.deep.equal(["decided→3"]);
    expect(ofKind(push, "timer")).to.deep.equal([]);
    expect(copies(n1.step({kind: "tick", now: 40 + 5 * RESEND}))).to.deep.equal([]);
  });

  it("a decided node answers a re-sent vote (the peer is still undecided), not a first late one", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    n1.step({kind: "message", from: 0, msg: msg(MsgType.prePrepare, 1, 0, {value: A}), now: 0});
    n1.step({kind: "verdict", valueHash: hashValue(A), valid: true, now: 0});
    for (const p of prepares(1, A, [0, 2])) n1.step({kind: "message", from: p.data.source, msg: vote(p), now: 10});
    for (const c of commits(1, A, [0, 2])) n1.step({kind: "message", from: c.data.source, msg: vote(c), now: 10});
    expect(n1.state.decision).to.not.equal(null);
    const lateCommit = vote(commits(1, A, [3])[0]);
    expect(copies(n1.step({kind: "message", from: 3, msg: lateCommit, now: 20}))).to.deep.equal([]);
    expect(copies(n1.step({kind: "message", from: 3, msg: lateCommit, now: 120}))).to.deep.equal(["decided→3"]);
    // A late COMMIT that arrived after the decision: its author gets no pushed proof.
    expect(copies(n1.step({kind: "tick", now: 10 + RESEND}))).to.deep.equal([]);
    // A re-sent COMMIT that arrived before the decision counts as well.
    expect(copies(n1.step({kind: "message", from: 2, msg: vote(commits(1, A, [2])[0]), now: 130}))).to.deep.equal([
      "decided→2",
    ]);
  });

  it("without a re-send interval behaves as before: no copies, timers at the round's end only", () => {
    const leader = node(0, 0);
    leader.step({kind: "start", now: 0});
    const out = [
      ...leader.step({kind: "proposal", value: A, now: 0}),
      ...leader.step({kind: "verdict", valueHash: hashValue(A), valid: true, now: 0}),
    ];
    expect(ofKind(out, "timer")).to.deep.equal([]);
    expect(copies(leader.step({kind: "tick", now: 500}))).to.deep.equal([]);
    expect(leader.state.own).to.deep.equal([]);
    expect(ofKind(leader.step({kind: "message", from: 2, msg: roundChange(2, 2), now: 600}), "send")).to.deep.equal([]);
  });
});

// n = 4 and (slot 100, dutyType 0): leader of round r is r mod 4.
const base: SimConfig = {
  n: 4,
  seed: 3,
  slot: 100,
  dutyType: 0,
  deadlineMs: 4 * DELTA,
  maxDelayMs: 20,
  stableDelayMs: 20,
};

/** Drops the first copy of every message of `types` from one node to another, and counts them. */
function firstCopyLost(types: MsgType[], to?: number) {
  const seen = new Set<string>();
  return (from: number, dest: number, m: ConsensusMessage) => {
    const d = m.signed.data;
    if (!types.includes(d.type) || (to !== undefined && dest !== to)) return false;
    const key = `${from}/${dest}/${d.type}/${d.round}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}

describe("consensus re-sends over a lossy network (simulation)", () => {
  const rounds = (r: Awaited<ReturnType<typeof runSimulation>>) =>
    Object.fromEntries([...r.decisions].map(([i, d]) => [i, d.round]));

  for (const [name, dropIf] of [
    [
      "the first copy of the leader's PRE-PREPARE to every follower",
      () => firstCopyLost([MsgType.prePrepare], undefined),
    ],
    ["every first PREPARE and COMMIT", () => firstCopyLost([MsgType.prepare, MsgType.commit])],
    ["every first COMMIT to node 0", () => firstCopyLost([MsgType.commit], 0)],
  ] as const) {
    it(`lost ${name}: recovered by re-sends in round 1, within a fraction of the round`, async () => {
      const cfg: SimConfig = {...base, dropIf: dropIf()};
      const r = await runSimulation(cfg);
      expect(safetyViolations(r, cfg)).to.deep.equal([]);
      expect(rounds(r)).to.deep.equal({0: 1, 1: 1, 2: 1, 3: 1});
      for (const d of r.decisions.values()) expect(d.at).to.be.below(DELTA / 2);
      // Without re-sends the same losses cost a round timeout: some node decides after it, or none decides.
      const without: SimConfig = {...base, dropIf: dropIf(), resendIntervalMs: 0};
      const w = await runSimulation(without);
      expect(safetyViolations(w, without)).to.deep.equal([]);
      const lateOrNone = w.decisions.size < 4 || [...w.decisions.values()].some((d) => d.at >= DELTA);
      expect(lateOrNone, JSON.stringify(rounds(w))).to.equal(true);
    });
  }

  it("duplicated and re-sent messages are harmless: agreement, and decisions in round 1 under 10% loss", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cfg: SimConfig = {...base, seed, dropRate: 0.1, dupRate: 0.2, maxDelayMs: 50};
      const r = await runSimulation(cfg);
      expect(safetyViolations(r, cfg), `seed ${seed}`).to.deep.equal([]);
      expect(r.decisions.size, `seed ${seed}`).to.equal(4);
      expect(r.drops.equivocation ?? 0, `seed ${seed}`).to.equal(0);
    }
  });
});

import {expect} from "chai";
import {hashValue} from "../../../src/consensus/codec.js";
import {
  createInstance,
  type Input,
  type InstanceState,
  MAX_ROUNDS,
  type Output,
  step,
} from "../../../src/consensus/qbft.js";
import {type ConsensusMessage, type MsgData, MsgType} from "../../../src/consensus/types.js";
import {commits, enc, msg, prepares, roundChange} from "./helpers.js";

// Instance (slot 10, dutyType 1), n = 4, quorum 3, f = 1: leaders are 0 (round 1), 1 (round 2), 2 (round 3), 3 (round 4).
const DELTA = 1000;

function node(self: number, deadlineMs = 10 * DELTA) {
  const state = createInstance({n: 4, self, slot: 10, dutyType: 1, startMs: 0, roundDurationMs: DELTA, deadlineMs});
  const sign = (d: MsgData) => new Uint8Array(64).fill(d.type * 16 + d.source);
  return {state, step: (input: Input): Output[] => step(state, input, {sign})};
}

const A = enc("value A");
const B = enc("value B");
const broadcasts = (out: Output[]) =>
  out.flatMap((o) => (o.kind === "broadcast" ? [o.msg] : [])).map((m) => m.signed.data);
const ofKind = <K extends Output["kind"]>(out: Output[], kind: K) =>
  out.filter((o): o is Extract<Output, {kind: K}> => o.kind === kind);
const deliver = (n: ReturnType<typeof node>, m: ConsensusMessage, from = m.signed.data.source) =>
  n.step({kind: "message", from, msg: m});

describe("consensus/qbft state machine", () => {
  it("round-1 leader proposes once its proposal is available; timers are absolute", () => {
    const leader = node(0);
    const start = leader.step({kind: "start", now: 0});
    expect(ofKind(start, "timer")).to.deep.equal([{kind: "timer", at: DELTA}]);
    expect(broadcasts(start)).to.have.length(0);
    const out = leader.step({kind: "proposal", value: A});
    const sent = broadcasts(out);
    expect(sent.map((d) => d.type)).to.deep.equal([MsgType.prePrepare]);
    expect(sent[0].valueHash).to.deep.equal(hashValue(A));
    // Its own PRE-PREPARE goes through the predicate like anyone's.
    expect(ofKind(out, "validate")).to.have.length(1);
    expect(
      broadcasts(leader.step({kind: "verdict", valueHash: hashValue(A), valid: true})).map((d) => d.type),
    ).to.deep.equal([MsgType.prepare]);
    expect(broadcasts(leader.step({kind: "proposal", value: B}))).to.have.length(0);

    const follower = node(1);
    follower.step({kind: "start", now: 0});
    expect(broadcasts(follower.step({kind: "proposal", value: B}))).to.have.length(0);
  });

  it("never PREPAREs a value its predicate rejects", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    const out = deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A}));
    expect(ofKind(out, "validate").map((o) => o.value)).to.deep.equal([A]);
    expect(broadcasts(out)).to.have.length(0);
    const rejected = n1.step({kind: "verdict", valueHash: hashValue(A), valid: false});
    expect(broadcasts(rejected)).to.have.length(0);
    expect(ofKind(rejected, "dropped").map((o) => o.reason)).to.deep.equal(["invalid_value"]);
    // Even with a quorum of others preparing it, this node does not PREPARE it.
    for (const p of prepares(1, A, [0, 2, 3])) deliver(n1, {signed: p, value: new Uint8Array(0), justification: []});
    expect(n1.state.rounds.get(1)?.sentPrepare).to.equal(false);
  });

  it("PREPAREs a valid value, COMMITs on a PREPARE quorum, decides on a COMMIT quorum", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A}));
    expect(
      broadcasts(n1.step({kind: "verdict", valueHash: hashValue(A), valid: true})).map((d) => d.type),
    ).to.deep.equal([MsgType.prepare]);
    const vote = (m: ConsensusMessage["signed"]) =>
      deliver(n1, {signed: m, value: new Uint8Array(0), justification: []});
    expect(broadcasts(vote(prepares(1, A, [0])[0]))).to.have.length(0);
    expect(broadcasts(vote(prepares(1, A, [2])[0])).map((d) => d.type)).to.deep.equal([MsgType.commit]);
    expect(n1.state.preparedRound).to.equal(1);
    expect(ofKind(vote(commits(1, A, [0])[0]), "decided")).to.have.length(0);
    const decided = ofKind(vote(commits(1, A, [2])[0]), "decided");
    expect(decided).to.have.length(1);
    expect(decided[0].decision.round).to.equal(1);
    expect(decided[0].decision.value).to.deep.equal(A);
    expect(decided[0].decision.commits).to.have.length(3);
  });

  it("drops PRE-PREPAREs from non-leaders, duplicates and equivocations", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    const reasons = (out: Output[]) => ofKind(out, "dropped").map((o) => o.reason);
    expect(reasons(deliver(n1, msg(MsgType.prePrepare, 1, 3, {value: A})))).to.deep.equal(["not_leader"]);
    deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A}));
    expect(reasons(deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A})))).to.deep.equal(["duplicate"]);
    expect(reasons(deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: B})))).to.deep.equal(["equivocation"]);
    const p = {signed: prepares(1, A, [2])[0], value: new Uint8Array(0), justification: []};
    deliver(n1, p);
    expect(reasons(deliver(n1, p))).to.deep.equal(["duplicate"]);
    const p2 = {signed: prepares(1, B, [2])[0], value: new Uint8Array(0), justification: []};
    expect(reasons(deliver(n1, p2))).to.deep.equal(["equivocation"]);
    expect(reasons(deliver(n1, msg(MsgType.prepare, 1, 3, {valueHash: hashValue(A), slot: 11})))).to.deep.equal([
      "wrong_instance",
    ]);
    expect(reasons(deliver(n1, msg(MsgType.prepare, 11, 3, {valueHash: hashValue(A)})))).to.deep.equal([
      "round_out_of_range",
    ]);
  });

  it("on timeout sends ROUND-CHANGE with its prepared round, value and PREPARE quorum", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A}));
    n1.step({kind: "verdict", valueHash: hashValue(A), valid: true});
    for (const p of prepares(1, A, [0, 2])) deliver(n1, {signed: p, value: new Uint8Array(0), justification: []});
    expect(broadcasts(n1.step({kind: "tick", now: DELTA - 1}))).to.have.length(0);
    const out = n1.step({kind: "tick", now: DELTA});
    const rc = ofKind(out, "broadcast")[0].msg;
    expect(rc.signed.data).to.include({type: MsgType.roundChange, round: 2, preparedRound: 1});
    expect(rc.signed.data.preparedValueHash).to.deep.equal(hashValue(A));
    expect(rc.value).to.deep.equal(A);
    expect(rc.justification.map((j) => j.data.type)).to.deep.equal([MsgType.prepare, MsgType.prepare, MsgType.prepare]);
    expect(ofKind(out, "timer")).to.deep.equal([{kind: "timer", at: 2 * DELTA}]);
  });

  it("a late tick jumps straight to the round of the absolute schedule", () => {
    const n2 = node(2);
    n2.step({kind: "start", now: 0});
    const out = n2.step({kind: "tick", now: 3 * DELTA + 10});
    expect(broadcasts(out).map((d) => [d.type, d.round])).to.deep.equal([[MsgType.roundChange, 4]]);
    expect(ofKind(out, "timer")).to.deep.equal([{kind: "timer", at: 4 * DELTA}]);
    // Starting late joins the current round the same way.
    const late = node(3);
    const start = late.step({kind: "start", now: 2 * DELTA + 5});
    expect(broadcasts(start).map((d) => [d.type, d.round])).to.deep.equal([[MsgType.roundChange, 3]]);
  });

  it("gives up at the deadline and says why", () => {
    const n1 = node(1, 2500);
    n1.step({kind: "start", now: 0});
    const t = ofKind(n1.step({kind: "tick", now: 2 * DELTA}), "timer");
    expect(t).to.deep.equal([{kind: "timer", at: 2500}]);
    expect(ofKind(n1.step({kind: "tick", now: 2500}), "gaveUp")).to.deep.equal([
      {kind: "gaveUp", round: 3, reason: "no_pre_prepare"},
    ]);
    expect(ofKind(deliver(n1, msg(MsgType.prePrepare, 3, 2, {value: A})), "dropped")[0].reason).to.equal("stopped");

    const rejecting = node(1, 1500);
    rejecting.step({kind: "start", now: 0});
    deliver(rejecting, msg(MsgType.prePrepare, 1, 0, {value: A}));
    rejecting.step({kind: "verdict", valueHash: hashValue(A), valid: false});
    expect(ofKind(rejecting.step({kind: "tick", now: 1500}), "gaveUp")[0].reason).to.equal("rejected_values");
  });

  it("caps rounds at MAX_ROUNDS and then waits for the deadline", () => {
    const state = createInstance({
      n: 4,
      self: 1,
      slot: 10,
      dutyType: 1,
      startMs: 0,
      roundDurationMs: 1,
      deadlineMs: 5000,
    });
    expect(state.maxRound).to.equal(MAX_ROUNDS);
    const sign = () => new Uint8Array(64);
    step(state, {kind: "start", now: 0}, {sign});
    const out = step(state, {kind: "tick", now: 2000}, {sign});
    expect(state.round).to.equal(MAX_ROUNDS);
    expect(ofKind(out, "timer")).to.deep.equal([{kind: "timer", at: 5000}]);
  });

  it("joins the lowest of f+1 later rounds announced by ROUND-CHANGEs", () => {
    const n0 = node(0);
    n0.step({kind: "start", now: 0});
    expect(broadcasts(deliver(n0, roundChange(3, 2)))).to.have.length(0);
    const out = deliver(n0, roundChange(5, 3));
    expect(broadcasts(out).map((d) => [d.type, d.round])).to.deep.equal([[MsgType.roundChange, 3]]);
    expect(n0.state.round).to.equal(3);
  });

  it("round-2 leader re-proposes the highest prepared value with its proof", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    n1.step({kind: "proposal", value: B});
    n1.step({kind: "tick", now: DELTA});
    deliver(n1, roundChange(2, 0, {round: 1, value: A}));
    const out = deliver(n1, roundChange(2, 2));
    const pp = ofKind(out, "broadcast").find((o) => o.msg.signed.data.type === MsgType.prePrepare)!.msg;
    expect(pp.signed.data.round).to.equal(2);
    expect(pp.value).to.deep.equal(A);
    expect(pp.justification.filter((j) => j.data.type === MsgType.roundChange)).to.have.length(3);
    expect(pp.justification.filter((j) => j.data.type === MsgType.prepare)).to.have.length(3);
  });

  it("round-2 leader with nothing prepared proposes its own value, waiting for it if needed", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    n1.step({kind: "tick", now: DELTA});
    deliver(n1, roundChange(2, 0));
    expect(broadcasts(deliver(n1, roundChange(2, 2))).filter((d) => d.type === MsgType.prePrepare)).to.have.length(0);
    const out = n1.step({kind: "proposal", value: B});
    const pp = ofKind(out, "broadcast").find((o) => o.msg.signed.data.type === MsgType.prePrepare)!.msg;
    expect(pp.value).to.deep.equal(B);
    expect(pp.justification).to.have.length(3);
  });

  it("follows a justified PRE-PREPARE of a later round", () => {
    const n3 = node(3);
    n3.step({kind: "start", now: 0});
    const j = [0, 1, 2].map((s) => roundChange(2, s).signed);
    deliver(n3, msg(MsgType.prePrepare, 2, 1, {value: B, justification: j}));
    const out = n3.step({kind: "verdict", valueHash: hashValue(B), valid: true});
    expect(n3.state.round).to.equal(2);
    expect(broadcasts(out).map((d) => [d.type, d.round])).to.deep.equal([[MsgType.prepare, 2]]);
  });

  it("decides from COMMITs that arrived before the value, once the PRE-PREPARE brings it", () => {
    const n3 = node(3);
    n3.step({kind: "start", now: 0});
    for (const c of commits(1, A, [0, 1, 2])) {
      expect(ofKind(deliver(n3, {signed: c, value: new Uint8Array(0), justification: []}), "decided")).to.have.length(
        0,
      );
    }
    const out = deliver(n3, msg(MsgType.prePrepare, 1, 0, {value: A}));
    expect(ofKind(out, "decided")).to.have.length(1);
  });

  it("answers a peer of a decided instance with the proof, a few times per peer and round; the peer decides from it", () => {
    const n1 = node(1);
    n1.step({kind: "start", now: 0});
    deliver(n1, msg(MsgType.prePrepare, 1, 0, {value: A}));
    n1.step({kind: "verdict", valueHash: hashValue(A), valid: true});
    for (const c of commits(1, A, [0, 2, 3])) deliver(n1, {signed: c, value: new Uint8Array(0), justification: []});
    expect(n1.state.decision).to.not.equal(null);

    const sends = ofKind(deliver(n1, roundChange(2, 3)), "send");
    expect(sends).to.have.length(1);
    expect(sends[0].to).to.equal(3);
    // A lost answer is made good when the peer sends again, up to 3 answers per peer and round.
    expect(ofKind(deliver(n1, roundChange(2, 3)), "send"), "again").to.have.length(1);
    expect(ofKind(deliver(n1, roundChange(2, 3)), "send"), "a third time").to.have.length(1);
    expect(ofKind(deliver(n1, roundChange(2, 3)), "send"), "no more for this peer and round").to.have.length(0);
    expect(ofKind(deliver(n1, roundChange(3, 3)), "send"), "next round").to.have.length(1);

    const proof = sends[0].msg;
    expect(proof.signed.data.type).to.equal(MsgType.decided);
    const lagging = node(3);
    lagging.step({kind: "start", now: 0});
    const decided = ofKind(deliver(lagging, proof), "decided");
    expect(decided).to.have.length(1);
    expect(decided[0].decision.value).to.deep.equal(A);

    const forged = {...proof, justification: proof.justification.slice(0, 2)};
    const other = node(2);
    other.step({kind: "start", now: 0});
    expect(ofKind(deliver(other, forged), "dropped")[0].reason).to.equal("no_commit_quorum");
    expect(other.state.decision).to.equal(null);
  });

  it("is deterministic: the same inputs give the same outputs", () => {
    const run = () => {
      const n1 = node(1);
      const all: Output[] = [];
      const inputs: Input[] = [
        {kind: "start", now: 0},
        {kind: "message", from: 0, msg: msg(MsgType.prePrepare, 1, 0, {value: A})},
        {kind: "verdict", valueHash: hashValue(A), valid: true},
        {kind: "tick", now: DELTA},
        {kind: "message", from: 2, msg: roundChange(2, 2)},
        {kind: "proposal", value: B},
        {kind: "message", from: 3, msg: roundChange(2, 3)},
      ];
      for (const i of inputs) all.push(...n1.step(i));
      return {all, state: snapshot(n1.state)};
    };
    expect(run()).to.deep.equal(run());
  });
});

function snapshot(s: InstanceState): unknown {
  return {round: s.round, preparedRound: s.preparedRound, rounds: [...s.rounds.keys()], decided: s.decision?.round};
}

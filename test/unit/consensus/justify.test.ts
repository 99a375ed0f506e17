import {expect} from "chai";
import {hashValue} from "../../../src/consensus/codec.js";
import {
  checkDecided,
  checkPrePrepare,
  checkRoundChange,
  checkVote,
  isQuorumOf,
} from "../../../src/consensus/justify.js";
import {faultTolerance, leaderOf, MsgType, quorumSize, ZERO_HASH} from "../../../src/consensus/types.js";
import {commits, enc, msg, prepares, REF, roundChange} from "./helpers.js";

describe("consensus/justify", () => {
  const A = enc("value A");
  const B = enc("value B");

  describe("quorum, f and leader", () => {
    it("quorum is ⌈(n+f+1)/2⌉ with f = ⌊(n−1)/3⌋ for every n", () => {
      const expected: Record<number, [number, number]> = {
        1: [0, 1],
        2: [0, 2],
        3: [0, 2],
        4: [1, 3],
        5: [1, 4],
        6: [1, 4],
        7: [2, 5],
        10: [3, 7],
        13: [4, 9],
      };
      for (const [n, [f, q]] of Object.entries(expected)) {
        expect([faultTolerance(Number(n)), quorumSize(Number(n))], `n=${n}`).to.deep.equal([f, q]);
      }
      // Two quorums always share an honest node: 2q − n ≥ f + 1.
      for (let n = 1; n <= 64; n++) expect(2 * quorumSize(n) - n).to.be.at.least(faultTolerance(n) + 1);
    });

    it("rotates the leader as (slot + dutyType + round) mod n", () => {
      expect(leaderOf(10, 1, 1, 4)).to.equal(0);
      expect(leaderOf(10, 1, 2, 4)).to.equal(1);
      expect(leaderOf(10, 2, 1, 4)).to.equal(1);
      expect(leaderOf(11, 1, 4, 7)).to.equal(2);
    });
  });

  describe("isQuorumOf", () => {
    it("counts distinct members with matching type, round, value and instance only", () => {
      const h = hashValue(A);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1, 2]), MsgType.prepare, 1, h)).to.equal(true);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1]), MsgType.prepare, 1, h)).to.equal(false);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1, 1, 1]), MsgType.prepare, 1, h), "duplicates").to.equal(false);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1, 2]), MsgType.commit, 1, h), "type").to.equal(false);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1, 2]), MsgType.prepare, 2, h), "round").to.equal(false);
      expect(isQuorumOf(REF, prepares(1, A, [0, 1, 2]), MsgType.prepare, 1, hashValue(B)), "value").to.equal(false);
      const mixed = [...prepares(1, A, [0, 1]), ...prepares(1, B, [2])];
      expect(isQuorumOf(REF, mixed, MsgType.prepare, 1, h), "mixed values").to.equal(false);
      const otherSlot = [...prepares(1, A, [0, 1]), msg(MsgType.prepare, 1, 2, {valueHash: h, slot: 11}).signed];
      expect(isQuorumOf(REF, otherSlot, MsgType.prepare, 1, h), "other instance").to.equal(false);
      const nonMember = [...prepares(1, A, [0, 1]), msg(MsgType.prepare, 1, 4, {valueHash: h}).signed];
      expect(isQuorumOf(REF, nonMember, MsgType.prepare, 1, h), "non-member").to.equal(false);
    });
  });

  describe("PREPARE and COMMIT", () => {
    it("carry neither value nor justification", () => {
      expect(checkVote(msg(MsgType.prepare, 1, 0, {valueHash: hashValue(A)}))).to.equal(null);
      expect(checkVote(msg(MsgType.prepare, 1, 0, {value: A}))).to.equal("unexpected_value");
      expect(
        checkVote(msg(MsgType.commit, 1, 0, {valueHash: hashValue(A), justification: prepares(1, A, [0])})),
      ).to.equal("unexpected_justification");
    });
  });

  describe("ROUND-CHANGE (JustifyRoundChange)", () => {
    it("accepts an unprepared round change that carries nothing", () => {
      expect(checkRoundChange(REF, roundChange(2, 1))).to.equal(null);
    });

    it("accepts a prepared round change with its value and a PREPARE quorum", () => {
      expect(checkRoundChange(REF, roundChange(3, 1, {round: 2, value: A}))).to.equal(null);
    });

    it("rejects an unprepared round change with a value, a justification or a prepared hash", () => {
      expect(checkRoundChange(REF, msg(MsgType.roundChange, 2, 1, {value: A, valueHash: ZERO_HASH}))).to.equal(
        "unexpected_value",
      );
      expect(
        checkRoundChange(REF, msg(MsgType.roundChange, 2, 1, {justification: prepares(1, A, [0, 1, 2])})),
      ).to.equal("unexpected_justification");
      expect(checkRoundChange(REF, msg(MsgType.roundChange, 2, 1, {preparedValueHash: hashValue(A)}))).to.equal(
        "bad_prepared_fields",
      );
      expect(checkRoundChange(REF, msg(MsgType.roundChange, 2, 1, {valueHash: hashValue(A)}))).to.equal(
        "bad_prepared_fields",
      );
    });

    it("rejects a prepared round at or above the round it moves to", () => {
      const rc = roundChange(2, 1, {round: 2, value: A});
      expect(checkRoundChange(REF, rc)).to.equal("bad_prepared_fields");
    });

    it("rejects a prepared value whose bytes do not match its hash", () => {
      const rc = roundChange(3, 1, {round: 2, value: A});
      rc.value = B;
      expect(checkRoundChange(REF, rc)).to.equal("value_hash_mismatch");
    });

    it("rejects a prepared claim without a PREPARE quorum for exactly (pr, pv)", () => {
      const short = roundChange(3, 1, {round: 2, value: A});
      short.justification = prepares(2, A, [0, 1]);
      expect(checkRoundChange(REF, short)).to.equal("no_prepare_quorum");
      const wrongRound = roundChange(3, 1, {round: 2, value: A});
      wrongRound.justification = prepares(1, A, [0, 1, 2]);
      expect(checkRoundChange(REF, wrongRound)).to.equal("no_prepare_quorum");
      const wrongValue = roundChange(3, 1, {round: 2, value: A});
      wrongValue.justification = prepares(2, B, [0, 1, 2]);
      expect(checkRoundChange(REF, wrongValue)).to.equal("no_prepare_quorum");
      const commitsInstead = roundChange(3, 1, {round: 2, value: A});
      commitsInstead.justification = commits(2, A, [0, 1, 2]);
      expect(checkRoundChange(REF, commitsInstead)).to.equal("no_prepare_quorum");
    });
  });

  describe("PRE-PREPARE (JustifyPrePrepare)", () => {
    it("round 1 needs no justification and must carry the value of its hash", () => {
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 1, 1, {value: A}))).to.equal(null);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 1, 1, {value: A, valueHash: hashValue(B)}))).to.equal(
        "value_hash_mismatch",
      );
      expect(
        checkPrePrepare(REF, msg(MsgType.prePrepare, 1, 1, {value: A, justification: [roundChange(1, 0).signed]})),
      ).to.equal("unexpected_justification");
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 1, 1, {value: A, preparedRound: 1}))).to.equal(
        "bad_prepared_fields",
      );
    });

    it("a later round with a quorum of unprepared ROUND-CHANGEs may propose any value", () => {
      const j = [0, 1, 2].map((s) => roundChange(2, s).signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B, justification: j}))).to.equal(null);
    });

    it("rejects a later round without a ROUND-CHANGE quorum for that round and instance", () => {
      const two = [0, 1].map((s) => roundChange(2, s).signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B, justification: two}))).to.equal(
        "no_round_change_quorum",
      );
      const dup = [0, 1, 1].map((s) => roundChange(2, s).signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B, justification: dup}))).to.equal(
        "no_round_change_quorum",
      );
      const otherRound = [0, 1, 2].map((s) => roundChange(3, s).signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B, justification: otherRound}))).to.equal(
        "no_round_change_quorum",
      );
      const otherSlot = [0, 1, 2].map((s) => msg(MsgType.roundChange, 2, s, {slot: 9}).signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B, justification: otherSlot}))).to.equal(
        "no_round_change_quorum",
      );
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 2, 2, {value: B}))).to.equal("no_round_change_quorum");
    });

    it("must propose the highest prepared value, proven by its PREPARE quorum", () => {
      const rcs = [roundChange(3, 0, {round: 1, value: B}), roundChange(3, 1, {round: 2, value: A}), roundChange(3, 2)];
      const j = [...rcs.map((m) => m.signed), ...prepares(2, A, [0, 1, 2])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: j}))).to.equal(null);
      // The value prepared in a lower round does not win.
      const jB = [...rcs.map((m) => m.signed), ...prepares(1, B, [0, 1, 2])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: B, justification: jB}))).to.equal(
        "not_highest_prepared",
      );
      // Nor does a fresh value when something was prepared.
      expect(
        checkPrePrepare(
          REF,
          msg(MsgType.prePrepare, 3, 3, {value: enc("fresh"), justification: rcs.map((m) => m.signed)}),
        ),
      ).to.equal("not_highest_prepared");
    });

    it("rejects the highest prepared value without its PREPARE quorum", () => {
      const rcs = [roundChange(3, 0), roundChange(3, 1, {round: 2, value: A}), roundChange(3, 2)].map((m) => m.signed);
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: rcs}))).to.equal(
        "no_prepare_quorum",
      );
      const weak = [...rcs, ...prepares(2, A, [0, 1])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: weak}))).to.equal(
        "no_prepare_quorum",
      );
      const wrongRound = [...rcs, ...prepares(1, A, [0, 1, 2])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: wrongRound}))).to.equal(
        "no_prepare_quorum",
      );
    });

    it("rejects two different values claimed at the highest prepared round", () => {
      const rcs = [roundChange(3, 0, {round: 2, value: B}), roundChange(3, 1, {round: 2, value: A}), roundChange(3, 2)];
      const j = [...rcs.map((m) => m.signed), ...prepares(2, A, [0, 1, 2])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: j}))).to.equal(
        "conflicting_highest_prepared",
      );
    });

    it("rejects a ROUND-CHANGE in the justification claiming a prepared round not below the round", () => {
      const bad = msg(MsgType.roundChange, 3, 1, {preparedRound: 3, preparedValueHash: hashValue(A)}).signed;
      const j = [roundChange(3, 0).signed, bad, roundChange(3, 2).signed, ...prepares(3, A, [0, 1, 2])];
      expect(checkPrePrepare(REF, msg(MsgType.prePrepare, 3, 3, {value: A, justification: j}))).to.equal(
        "bad_prepared_fields",
      );
    });
  });

  describe("DECIDED (decision proof)", () => {
    it("accepts the value with a COMMIT quorum for its round and rejects anything less", () => {
      const ok = msg(MsgType.decided, 2, 1, {value: A, justification: commits(2, A, [0, 2, 3])});
      expect(checkDecided(REF, ok)).to.equal(null);
      expect(checkDecided(REF, msg(MsgType.decided, 2, 1, {value: A, justification: commits(2, A, [0, 2])}))).to.equal(
        "no_commit_quorum",
      );
      expect(
        checkDecided(REF, msg(MsgType.decided, 2, 1, {value: A, justification: commits(1, A, [0, 2, 3])})),
      ).to.equal("no_commit_quorum");
      expect(
        checkDecided(REF, msg(MsgType.decided, 2, 1, {value: A, justification: prepares(2, A, [0, 2, 3])})),
      ).to.equal("no_commit_quorum");
      expect(
        checkDecided(REF, msg(MsgType.decided, 2, 1, {value: B, justification: commits(2, A, [0, 2, 3])})),
      ).to.equal("no_commit_quorum");
      const mismatch = msg(MsgType.decided, 2, 1, {value: A, justification: commits(2, A, [0, 2, 3])});
      mismatch.value = B;
      expect(checkDecided(REF, mismatch)).to.equal("value_hash_mismatch");
    });
  });
});

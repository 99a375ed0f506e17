import {expect} from "chai";
import fc from "fast-check";
import {Registry} from "prom-client";
import {CodecError, decodeMessage, encodeMessage, hashValue} from "../../../src/consensus/codec.js";
import {createConsensusMetrics} from "../../../src/consensus/metrics.js";
import {createInstance, type Input, step} from "../../../src/consensus/qbft.js";
import {type ConsensusMessage, MsgType, type SignedMsg, ZERO_HASH} from "../../../src/consensus/types.js";
import {enc, prepares, roundChange} from "./helpers.js";

// Seeded property checks: hostile bytes and hostile message sequences never crash anything.
const SEED = 20261127;

describe("consensus/fuzz", () => {
  it("decoding arbitrary or mutated bytes yields a message or a CodecError, nothing else", () => {
    const valid = encodeMessage(roundChange(3, 1, {round: 2, value: enc("prepared value")}));
    const mutated = fc
      .tuple(fc.nat(valid.length - 1), fc.integer({min: 0, max: 255}), fc.nat(valid.length))
      .map(([at, byte, cut]) => {
        const b = Uint8Array.from(valid);
        b[at] = byte;
        return b.subarray(0, Math.max(cut, at + 1));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({maxLength: 600}), mutated), (bytes) => {
        try {
          const m = decodeMessage(bytes);
          // Whatever decodes re-encodes to the same bytes (the encoding is canonical).
          expect(Buffer.from(encodeMessage(m)).equals(Buffer.from(bytes))).to.equal(true);
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
        }
      }),
      {seed: SEED, numRuns: 3000},
    );
  });

  it("the state machine survives any sequence of well-formed but hostile inputs", () => {
    const A = enc("A");
    const B = enc("B");
    const hashes = [hashValue(A), hashValue(B), ZERO_HASH, new Uint8Array(32).fill(7)];
    const signedArb: fc.Arbitrary<SignedMsg> = fc
      .record({
        type: fc.constantFrom(
          MsgType.prePrepare,
          MsgType.prepare,
          MsgType.commit,
          MsgType.roundChange,
          MsgType.decided,
        ),
        round: fc.integer({min: 1, max: 6}),
        source: fc.integer({min: 0, max: 4}),
        h: fc.nat(3),
        pr: fc.integer({min: 0, max: 6}),
        ph: fc.nat(3),
        slot: fc.constantFrom(10, 10, 10, 11),
      })
      .map((r) => ({
        data: {
          type: r.type,
          slot: r.slot,
          dutyType: 1,
          round: r.round,
          source: r.source,
          valueHash: hashes[r.h],
          preparedRound: r.pr,
          preparedValueHash: hashes[r.ph],
        },
        signature: new Uint8Array(64),
      }));
    const messageArb: fc.Arbitrary<ConsensusMessage> = fc.record({
      signed: signedArb,
      value: fc.constantFrom(new Uint8Array(0), A, B),
      justification: fc.oneof(
        fc.constant([] as SignedMsg[]),
        fc.array(signedArb, {maxLength: 8}),
        fc.constant(prepares(1, A, [0, 1, 2])),
        fc.constant([0, 1, 2].map((s) => roundChange(2, s).signed)),
      ),
    });
    const inputArb: fc.Arbitrary<Input> = fc.oneof(
      {weight: 6, arbitrary: fc.record({kind: fc.constant("message" as const), from: fc.nat(3), msg: messageArb})},
      {weight: 1, arbitrary: fc.record({kind: fc.constant("tick" as const), now: fc.integer({min: 0, max: 7000})})},
      {weight: 1, arbitrary: fc.record({kind: fc.constant("proposal" as const), value: fc.constantFrom(A, B)})},
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("verdict" as const),
          valueHash: fc.constantFrom(...hashes),
          valid: fc.boolean(),
        }),
      },
    );
    fc.assert(
      fc.property(fc.nat(3), fc.array(inputArb, {maxLength: 60}), (self, inputs) => {
        const state = createInstance({
          n: 4,
          self,
          slot: 10,
          dutyType: 1,
          startMs: 0,
          roundDurationMs: 1000,
          deadlineMs: 6000,
        });
        const deps = {sign: () => new Uint8Array(64)};
        step(state, {kind: "start", now: 0}, deps);
        let decided: Uint8Array | null = null;
        for (const input of inputs) {
          for (const o of step(state, input, deps)) {
            if (o.kind === "decided") {
              // At most one decision per instance.
              expect(decided).to.equal(null);
              decided = o.decision.valueHash;
            }
            if (o.kind === "broadcast") expect(o.msg.signed.data.source).to.equal(self);
          }
          expect(state.round).to.be.within(1, state.maxRound);
        }
      }),
      {seed: SEED, numRuns: 1500},
    );
  });

  it("the metrics are cohort_-prefixed and carry their unit", async () => {
    const register = new Registry();
    createConsensusMetrics(register);
    const names = (await register.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).to.equal(9);
    for (const n of names) expect(n).to.match(/^cohort_consensus_/);
    expect(names.filter((n) => /_total$|_seconds$|_round$|instances$|messages$/.test(n))).to.have.length(9);
  });
});

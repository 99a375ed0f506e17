import {expect} from "chai";
import fc from "fast-check";
import {type EnvelopeKind, encodeEnvelope} from "../../../src/p2p/envelope.js";
import {encodeFrame, FrameDecoder} from "../../../src/p2p/framing.js";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {InboundValidator} from "../../../src/p2p/inbound.js";

const keys = [21, 22, 23, 24].map((s) => IdentityKey.generate(() => new Uint8Array(32).fill(s)));
const clusterId = new Uint8Array(32).fill(1);
const NOW = 1_800_000_000_000;

function validator(now = () => NOW, maxEntries = 1000): InboundValidator {
  return new InboundValidator(
    {
      clusterId,
      memberPublicKeys: keys.map((k) => k.publicKey),
      replayWindowMs: 60_000,
      maxReplayEntriesPerSender: maxEntries,
    },
    {now},
  );
}

function envelope(
  sender: number,
  opts: {nonce?: bigint; ts?: number; topic?: "consensus" | "shares"; kind?: EnvelopeKind; payload?: Uint8Array} = {},
): Uint8Array {
  return encodeEnvelope(
    {
      kind: opts.kind ?? "message",
      topic: opts.topic ?? "consensus",
      sender,
      timestampMs: opts.ts ?? NOW,
      nonce: opts.nonce ?? 0n,
      payload: opts.payload ?? new Uint8Array([1, 2, 3, 4]),
    },
    clusterId,
    (m) => keys[sender].sign(m),
  );
}

describe("p2p/inbound validator", () => {
  it("accepts a valid envelope from the connection's peer on its topic", () => {
    const result = validator().validate(1, "consensus", envelope(1));
    expect(result.ok).to.equal(true);
    expect(result.ok && result.envelope.sender).to.equal(1);
  });

  it("drops, with the right reason: wrong topic, wrong sender, forged signature, replay, stale, bad cluster", () => {
    const v = validator();
    expect(v.validate(1, "shares", envelope(1))).to.deep.equal({ok: false, reason: "wrong_topic"});
    // Operator 1 relaying operator 2's genuine envelope is refused: the sender must be the connection's peer.
    expect(v.validate(1, "consensus", envelope(2))).to.deep.equal({ok: false, reason: "wrong_sender"});
    const forged = envelope(1, {nonce: 1n});
    forged[forged.length - 1] ^= 0x80;
    expect(v.validate(1, "consensus", forged)).to.deep.equal({ok: false, reason: "bad_signature"});
    // Signed by operator 1's key but claiming sender 0 on operator 0's connection.
    const impersonation = encodeEnvelope(
      {kind: "message", topic: "consensus", sender: 0, timestampMs: NOW, nonce: 9n, payload: new Uint8Array(1)},
      clusterId,
      (m) => keys[1].sign(m),
    );
    expect(v.validate(0, "consensus", impersonation)).to.deep.equal({ok: false, reason: "bad_signature"});
    const otherCluster = encodeEnvelope(
      {kind: "message", topic: "consensus", sender: 1, timestampMs: NOW, nonce: 3n, payload: new Uint8Array(1)},
      new Uint8Array(32).fill(2),
      (m) => keys[1].sign(m),
    );
    expect(v.validate(1, "consensus", otherCluster)).to.deep.equal({ok: false, reason: "bad_signature"});
    const once = envelope(1, {nonce: 4n});
    expect(v.validate(1, "consensus", once).ok).to.equal(true);
    expect(v.validate(1, "consensus", once)).to.deep.equal({ok: false, reason: "replayed"});
    expect(v.validate(1, "consensus", envelope(1, {ts: NOW - 60_001}))).to.deep.equal({ok: false, reason: "stale"});
    expect(v.validate(1, "consensus", envelope(1, {ts: NOW + 60_001}))).to.deep.equal({ok: false, reason: "stale"});
    expect(v.validate(1, "consensus", new Uint8Array([1, 0, 0]))).to.deep.equal({ok: false, reason: "malformed"});
  });

  it("a forged or malformed envelope never enters the replay cache (so it cannot block the real one)", () => {
    const v = validator();
    const real = envelope(1, {nonce: 77n});
    const forged = Uint8Array.from(real);
    forged[forged.length - 10] ^= 1;
    expect(v.validate(1, "consensus", forged).ok).to.equal(false);
    expect(v.validate(1, "consensus", real).ok).to.equal(true);
  });

  describe("fuzz (seeded, fixed budget): nothing throws past the decoder, and no altered frame is accepted", () => {
    const valid = [
      envelope(1, {nonce: 1n}),
      envelope(1, {nonce: 2n, topic: "shares", payload: new Uint8Array(200).fill(9)}),
      envelope(1, {nonce: 3n, topic: "shares", kind: "catchUpRequest", payload: new Uint8Array(0)}),
    ];
    const frames = valid.map(encodeFrame);

    it("random byte streams through FrameDecoder and the validator", () => {
      const v = validator();
      fc.assert(
        fc.property(fc.array(fc.uint8Array({maxLength: 400}), {maxLength: 6}), (chunks) => {
          const decoder = new FrameDecoder(1024);
          for (const chunk of chunks) {
            const {frames: out} = decoder.push(chunk);
            for (const frame of out) expect(v.validate(1, "consensus", frame).ok).to.equal(false);
          }
        }),
        {seed: 1, numRuns: 3000},
      );
    });

    it("valid frames with bytes flipped, truncated, extended or spliced", () => {
      fc.assert(
        fc.property(
          fc.integer({min: 0, max: frames.length - 1}),
          fc.array(fc.tuple(fc.nat(), fc.integer({min: 1, max: 255})), {minLength: 1, maxLength: 4}),
          fc.oneof(fc.constant("flip"), fc.constant("truncate"), fc.constant("extend")),
          (which, edits, mode) => {
            // A fresh validator each run: a rejection must come from the alteration, not from replay.
            const v = validator();
            const topic = which === 0 ? "consensus" : "shares";
            const frame = Uint8Array.from(frames[which]);
            let mutated: Uint8Array;
            if (mode === "flip") {
              // Flip bits in the body (after the 4-byte length), so the frame still parses as one frame.
              for (const [pos, mask] of edits) frame[4 + (pos % (frame.length - 4))] ^= mask;
              mutated = frame;
            } else if (mode === "truncate") {
              mutated = frame.subarray(0, 4 + (edits[0][0] % (frame.length - 4)));
              new DataView(mutated.buffer, mutated.byteOffset).setUint32(0, mutated.length - 4);
            } else {
              mutated = new Uint8Array(frame.length + edits.length);
              mutated.set(frame);
              edits.forEach(([, b], i) => {
                mutated[frame.length + i] = b;
              });
              new DataView(mutated.buffer).setUint32(0, mutated.length - 4);
            }
            const decoder = new FrameDecoder(1024);
            const {frames: out} = decoder.push(mutated);
            for (const f of out) expect(v.validate(1, topic, f).ok, `${mode} accepted`).to.equal(false);
          },
        ),
        {seed: 2, numRuns: 3000},
      );
    });

    it("the unaltered frames are accepted (the fuzz above would be vacuous otherwise)", () => {
      const v = validator();
      frames.forEach((frame, i) => {
        const out = new FrameDecoder(1024).push(frame).frames;
        expect(out).to.have.length(1);
        expect(v.validate(1, i === 0 ? "consensus" : "shares", out[0]).ok).to.equal(true);
      });
    });
  });
});

import {expect} from "chai";
import fc from "fast-check";
import {encodeFrame, FrameDecoder} from "../../../src/p2p/framing.js";

describe("p2p/framing", () => {
  it("decodes frames however the byte stream is split into chunks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({maxLength: 300}), {maxLength: 8}),
        fc.array(fc.integer({min: 1, max: 64}), {minLength: 1, maxLength: 20}),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map(encodeFrame));
          const decoder = new FrameDecoder(300);
          const out: Uint8Array[] = [];
          let offset = 0;
          let i = 0;
          while (offset < stream.length) {
            const end = Math.min(stream.length, offset + cuts[i++ % cuts.length]);
            const result = decoder.push(stream.subarray(offset, end));
            expect(result.oversized).to.equal(false);
            out.push(...result.frames);
            offset = end;
          }
          expect(out.map((f) => Buffer.from(f).toString("hex"))).to.deep.equal(
            bodies.map((b) => Buffer.from(b).toString("hex")),
          );
          expect(decoder.bufferedBytes).to.equal(0);
        },
      ),
      {seed: 42, numRuns: 300},
    );
  });

  it("refuses a length prefix above the maximum before buffering its body, and stays failed", () => {
    const decoder = new FrameDecoder(100);
    const ok = decoder.push(encodeFrame(new Uint8Array(100)));
    expect(ok.frames).to.have.length(1);
    const bad = decoder.push(encodeFrame(new Uint8Array(101)).subarray(0, 6));
    expect(bad.oversized).to.equal(true);
    expect(bad.oversized && bad.length).to.equal(101);
    expect(decoder.isFailed).to.equal(true);
    expect(decoder.bufferedBytes).to.equal(0);
    expect(decoder.push(encodeFrame(new Uint8Array(1))).frames).to.have.length(0);
  });

  it("holds at most one partial frame plus a header", () => {
    const decoder = new FrameDecoder(1000);
    const frame = encodeFrame(new Uint8Array(1000).fill(7));
    for (let i = 0; i < frame.length - 1; i++) decoder.push(frame.subarray(i, i + 1));
    expect(decoder.bufferedBytes).to.equal(frame.length - 1);
    const last = decoder.push(frame.subarray(frame.length - 1));
    expect(last.frames[0]).to.deep.equal(new Uint8Array(1000).fill(7));
    expect(decoder.bufferedBytes).to.equal(0);
  });

  it("delivered frames do not alias the transport's buffers", () => {
    const decoder = new FrameDecoder(10);
    const chunk = encodeFrame(new Uint8Array([1, 2, 3]));
    const [frame] = decoder.push(chunk).frames;
    chunk.fill(0);
    expect([...frame]).to.deep.equal([1, 2, 3]);
  });
});

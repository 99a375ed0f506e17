import type {Stream} from "@libp2p/interface";
import {expect} from "chai";
import {OutboundQueue, type SendDropReason} from "../../../src/p2p/outbound.js";
import {nullLogger} from "../../../src/util/logger.js";

/** The part of a libp2p Stream the queue uses, with a switchable full write buffer. */
class FakeStream extends EventTarget {
  status = "open";
  writeStatus = "writable";
  writableNeedsDrain = false;
  readonly written: Uint8Array[] = [];
  aborted: Error | null = null;
  private drainWaiters: (() => void)[] = [];

  send(data: Uint8Array): boolean {
    if (this.status !== "open") throw new Error("stream closed");
    this.written.push(data);
    return !this.writableNeedsDrain;
  }

  onDrain(): Promise<void> {
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  drain(): void {
    this.writableNeedsDrain = false;
    for (const w of this.drainWaiters.splice(0)) w();
  }

  abort(err: Error): void {
    this.aborted = err;
    this.status = "aborted";
    this.dispatchEvent(new Event("close"));
  }
}

function setup(opts = {maxQueuedMessages: 3, maxQueuedBytes: 1000}) {
  const streams: FakeStream[] = [];
  const drops: [SendDropReason, number][] = [];
  let sent = 0;
  let failOpen = false;
  const queue = new OutboundQueue(opts, {
    openStream: async () => {
      if (failOpen) throw new Error("no route");
      const s = new FakeStream();
      streams.push(s);
      return s as unknown as Stream;
    },
    onSent: () => sent++,
    onDropped: (reason, count) => drops.push([reason, count]),
    logger: nullLogger(),
  });
  return {
    queue,
    streams,
    drops,
    sent: () => sent,
    setFailOpen: (v: boolean) => {
      failOpen = v;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));
const frame = (n: number, size = 10) => new Uint8Array(size).fill(n);

describe("p2p/OutboundQueue", () => {
  it("opens one stream lazily and writes frames in order", async () => {
    const t = setup();
    t.queue.enqueue(frame(1));
    t.queue.enqueue(frame(2));
    await tick();
    expect(t.streams).to.have.length(1);
    t.queue.enqueue(frame(3));
    expect(t.streams[0].written.map((f) => f[0])).to.deep.equal([1, 2, 3]);
    expect(t.sent()).to.equal(3);
  });

  it("a stream that needs draining holds frames in the bounded queue, dropping the oldest, and resumes on drain", async () => {
    const t = setup();
    t.queue.enqueue(frame(0));
    await tick();
    const s = t.streams[0];
    s.writableNeedsDrain = true;
    for (let i = 1; i <= 5; i++) t.queue.enqueue(frame(i));
    expect(t.queue.length).to.equal(3);
    expect(t.drops).to.deep.equal([
      ["queue_full", 1],
      ["queue_full", 1],
    ]);
    s.drain();
    await tick();
    expect(s.written.map((f) => f[0])).to.deep.equal([0, 3, 4, 5]);
    expect(t.queue.length).to.equal(0);
  });

  it("bounds queued bytes too", async () => {
    const t = setup({maxQueuedMessages: 100, maxQueuedBytes: 25});
    t.queue.enqueue(frame(0));
    await tick();
    t.streams[0].writableNeedsDrain = true;
    for (let i = 1; i <= 4; i++) t.queue.enqueue(frame(i));
    expect(t.queue.length).to.equal(2);
  });

  it("reopens after the stream closes, and drops (counted) what it cannot open a stream for", async () => {
    const t = setup();
    t.queue.enqueue(frame(1));
    await tick();
    t.streams[0].abort(new Error("remote reset"));
    t.queue.enqueue(frame(2));
    await tick();
    expect(t.streams).to.have.length(2);
    expect(t.streams[1].written.map((f) => f[0])).to.deep.equal([2]);
    t.streams[1].abort(new Error("gone"));
    t.setFailOpen(true);
    t.queue.enqueue(frame(3));
    await tick();
    expect(t.drops).to.deep.equal([["stream_failed", 1]]);
  });

  it("close() aborts the stream and refuses further frames", async () => {
    const t = setup();
    t.queue.enqueue(frame(1));
    await tick();
    t.queue.close();
    expect(t.streams[0].aborted).to.not.equal(null);
    t.queue.enqueue(frame(2));
    await tick();
    expect(t.streams).to.have.length(1);
    expect(t.drops).to.deep.equal([["closed", 1]]);
  });
});

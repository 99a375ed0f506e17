import type {Stream} from "@libp2p/interface";
import type {Logger} from "../util/logger.js";

export type SendDropReason = "queue_full" | "stream_failed" | "closed";

export interface OutboundQueueOpts {
  maxQueuedMessages: number;
  maxQueuedBytes: number;
}

export interface OutboundQueueModules {
  /** Opens a new stream of this queue's protocol to its peer. */
  openStream: () => Promise<Stream>;
  onSent: () => void;
  onDropped: (reason: SendDropReason, count: number) => void;
  logger: Logger;
}

/**
 * The frames waiting for one (peer, protocol) stream. Enqueueing never blocks and never throws: a
 * peer that reads slowly fills only its own queue (bounded; the oldest frames are dropped first), so
 * broadcast to the other peers never waits on it. The stream is opened lazily and reopened after it
 * closes.
 */
export class OutboundQueue {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private stream: Stream | null = null;
  private opening = false;
  private waitingDrain = false;
  private closed = false;

  constructor(
    private readonly opts: OutboundQueueOpts,
    private readonly modules: OutboundQueueModules,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  enqueue(frame: Uint8Array): void {
    if (this.closed) {
      this.modules.onDropped("closed", 1);
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    let dropped = 0;
    while (
      this.queue.length > 1 &&
      (this.queue.length > this.opts.maxQueuedMessages || this.queuedBytes > this.opts.maxQueuedBytes)
    ) {
      this.queuedBytes -= this.queue.shift()?.length ?? 0;
      dropped++;
    }
    if (dropped > 0) this.modules.onDropped("queue_full", dropped);
    this.flush();
  }

  /** Drops what is queued and aborts the stream (shutdown, or the peer was banned). */
  close(): void {
    this.closed = true;
    this.clear();
    this.stream?.abort(new Error("outbound queue closed"));
    this.stream = null;
  }

  /** Drops the stream (the connection went away); queued frames are dropped, a later enqueue reopens. */
  reset(): void {
    const count = this.clear();
    if (count > 0) this.modules.onDropped("stream_failed", count);
    this.stream?.abort(new Error("peer disconnected"));
    this.stream = null;
  }

  private clear(): number {
    const count = this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    return count;
  }

  private flush(): void {
    if (this.closed || this.waitingDrain || this.queue.length === 0) return;
    const stream = this.stream;
    if (stream === null || stream.status !== "open" || stream.writeStatus !== "writable") {
      this.stream = null;
      this.open();
      return;
    }
    while (this.queue.length > 0) {
      if (stream.writableNeedsDrain) {
        this.waitForDrain(stream);
        return;
      }
      const frame = this.queue.shift() as Uint8Array;
      this.queuedBytes -= frame.length;
      try {
        stream.send(frame);
        this.modules.onSent();
      } catch (err) {
        this.modules.logger.debug("stream send failed", {error: (err as Error).message});
        this.modules.onDropped("stream_failed", 1);
        stream.abort(err as Error);
        this.stream = null;
        // Reopen for what is still queued.
        this.flush();
        return;
      }
    }
  }

  private waitForDrain(stream: Stream): void {
    this.waitingDrain = true;
    stream.onDrain().then(
      () => {
        this.waitingDrain = false;
        this.flush();
      },
      () => {
        this.waitingDrain = false;
        if (this.stream === stream) this.stream = null;
        this.flush();
      },
    );
  }

  private open(): void {
    if (this.opening || this.closed) return;
    this.opening = true;
    this.modules.openStream().then(
      (stream) => {
        this.opening = false;
        if (this.closed) {
          stream.abort(new Error("outbound queue closed"));
          return;
        }
        this.stream = stream;
        stream.addEventListener("close", () => {
          if (this.stream === stream) this.stream = null;
        });
        this.flush();
      },
      (err: Error) => {
        this.opening = false;
        this.modules.logger.debug("open stream failed", {error: err.message});
        const count = this.clear();
        if (count > 0) this.modules.onDropped("stream_failed", count);
      },
    );
  }
}

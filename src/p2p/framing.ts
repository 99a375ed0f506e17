/**
 * Length-prefixed framing: every frame is a 4-byte big-endian body length followed by the body.
 * The decoder refuses a length above the maximum before buffering the body, so a peer cannot make
 * it hold more than one maximum-size frame (plus one read chunk) in memory.
 */

export const FRAME_HEADER_BYTES = 4;

export function encodeFrame(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  new DataView(frame.buffer).setUint32(0, body.length, false);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

export type FrameDecodeResult =
  | {frames: Uint8Array[]; oversized: false}
  | {frames: Uint8Array[]; oversized: true; length: number};

/**
 * Incremental decoder for one stream. Chunks are kept in a list and joined once per frame, so a
 * large frame arriving in many small chunks costs linear time. After an oversized length prefix the
 * stream cannot be resynchronised: the decoder stays failed and the caller must reset the stream.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes currently held (always ≤ maxFrameBytes + header + one chunk). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  get isFailed(): boolean {
    return this.failed;
  }

  push(chunk: Uint8Array): FrameDecodeResult {
    const frames: Uint8Array[] = [];
    if (this.failed || chunk.length === 0) return {frames, oversized: false};
    // Copy: the transport may reuse the chunk's memory after this call.
    this.chunks.push(Uint8Array.from(chunk));
    this.buffered += chunk.length;
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const header = this.peek(FRAME_HEADER_BYTES);
      const length = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(0, false);
      if (length > this.maxFrameBytes) {
        this.failed = true;
        this.chunks = [];
        this.buffered = 0;
        return {frames, oversized: true, length};
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      this.take(FRAME_HEADER_BYTES);
      frames.push(this.take(length));
    }
    return {frames, oversized: false};
  }

  /** The first n buffered bytes, without consuming them (n ≤ buffered). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length >= n) return first.subarray(0, n);
    this.chunks = [joinChunks(this.chunks, this.buffered)];
    return this.chunks[0].subarray(0, n);
  }

  /** Removes and returns the first n buffered bytes (n ≤ buffered), as a fresh array. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      const part = Math.min(head.length, n - filled);
      out.set(head.subarray(0, part), filled);
      filled += part;
      if (part === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(part);
    }
    this.buffered -= n;
    return out;
  }
}

function joinChunks(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

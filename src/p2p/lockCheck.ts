import type {Stream} from "@libp2p/interface";
import {CLUSTER_ID_BYTES} from "./envelope.js";

/**
 * `/cohort/lock/1`: on every new connection each side asks the other for its lock hash. The answer
 * is the responder's 32-byte lock hash, then it closes the stream. The connection is already
 * authenticated (noise, peer id of a lock member), so the answer is the peer's own. Without this a
 * peer on another lock is only noticed as a stream of bad_signature drops (the hash is bound into
 * every message signature).
 */
export const LOCK_PROTOCOL = "/cohort/lock/1";

/**
 * Responder side: our lock hash, then wait for the initiator to close its side (it does once it has
 * read the hash), then close. Resolves only when the peer has our hash, so hanging up after it loses
 * nothing.
 */
export async function answerLockHash(stream: Stream, lockHash: Uint8Array, signal: AbortSignal): Promise<void> {
  const onAbort = () => stream.abort(new Error("lock hash exchange timed out"));
  signal.addEventListener("abort", onAbort, {once: true});
  try {
    stream.send(lockHash);
    for await (const _ of stream) {
      // The initiator sends nothing; anything it does send is ignored.
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  await stream.close();
}

/** Initiator side: the peer's lock hash (its first 32 bytes; the stream is closed after them). */
export async function readLockHash(stream: Stream, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const onAbort = () => stream.abort(new Error("lock hash exchange timed out"));
  signal.addEventListener("abort", onAbort, {once: true});
  try {
    for await (const chunk of stream) {
      const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
      length += bytes.length;
      if (length > CLUSTER_ID_BYTES) throw new Error(`lock hash answer longer than ${CLUSTER_ID_BYTES} bytes`);
      chunks.push(bytes);
      if (length === CLUSTER_ID_BYTES) break;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  // The answer is complete; closing need not wait for the peer.
  stream.close().catch(() => stream.abort(new Error("lock hash stream close failed")));
  if (length !== CLUSTER_ID_BYTES) throw new Error(`lock hash answer of ${length} bytes, not ${CLUSTER_ID_BYTES}`);
  return Buffer.concat(chunks);
}

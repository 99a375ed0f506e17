import type {Topic} from "../duties/interfaces.js";

/**
 * The signed envelope around every co-validator message, in a fixed binary layout (big-endian):
 *
 *   offset size field
 *   0      1    version (1)
 *   1      1    kind (0 message, 1 shares catch-up request)
 *   2      1    topic (0 consensus, 1 shares)
 *   3      2    sender operator index (0-based)
 *   5      8    sender timestamp, unix ms
 *   13     8    nonce (sender's message counter)
 *   21     4    payload length n
 *   25     n    payload
 *   25+n   64   signature: secp256k1 r||s by the sender's identity key
 *
 * The signature covers SIGNING_DOMAIN || clusterId (32 bytes) || bytes [0, 25+n): a message of one
 * cluster or one protocol version cannot be replayed into another. The encoding has exactly one form
 * per value, so verifying the bytes as received equals verifying a re-encoding.
 */

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 25;
export const SIGNATURE_BYTES = 64;
export const ENVELOPE_OVERHEAD_BYTES = ENVELOPE_HEADER_BYTES + SIGNATURE_BYTES;
export const CLUSTER_ID_BYTES = 32;
const SIGNING_DOMAIN = new TextEncoder().encode("cohort/p2p/envelope/v1");

export type EnvelopeKind = "message" | "catchUpRequest";

export interface UnsignedEnvelope {
  kind: EnvelopeKind;
  topic: Topic;
  sender: number;
  timestampMs: number;
  nonce: bigint;
  payload: Uint8Array;
}

export interface Envelope extends UnsignedEnvelope {
  signature: Uint8Array;
}

const TOPIC_CODES: Record<Topic, number> = {consensus: 0, shares: 1};
const TOPICS: readonly Topic[] = ["consensus", "shares"];
const KIND_CODES: Record<EnvelopeKind, number> = {message: 0, catchUpRequest: 1};
const KINDS: readonly EnvelopeKind[] = ["message", "catchUpRequest"];

/** Encodes and signs; `sign` is the sender's IdentityKey.sign. Returns the envelope bytes (a frame body). */
export function encodeEnvelope(
  env: UnsignedEnvelope,
  clusterId: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
): Uint8Array {
  const out = new Uint8Array(ENVELOPE_OVERHEAD_BYTES + env.payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, ENVELOPE_VERSION);
  view.setUint8(1, KIND_CODES[env.kind]);
  view.setUint8(2, TOPIC_CODES[env.topic]);
  view.setUint16(3, env.sender, false);
  view.setBigUint64(5, BigInt(env.timestampMs), false);
  view.setBigUint64(13, env.nonce, false);
  view.setUint32(21, env.payload.length, false);
  out.set(env.payload, ENVELOPE_HEADER_BYTES);
  const unsignedLength = ENVELOPE_HEADER_BYTES + env.payload.length;
  out.set(sign(signingMessage(clusterId, out.subarray(0, unsignedLength))), unsignedLength);
  return out;
}

export type DecodeEnvelopeResult = {ok: true; envelope: Envelope} | {ok: false; why: string};

/** Parses without trusting anything: every field is range-checked, lengths must match exactly. Never throws. */
export function decodeEnvelope(bytes: Uint8Array): DecodeEnvelopeResult {
  if (bytes.length < ENVELOPE_OVERHEAD_BYTES) return {ok: false, why: "too short"};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== ENVELOPE_VERSION) return {ok: false, why: "unknown version"};
  const kind = KINDS[view.getUint8(1)];
  if (kind === undefined) return {ok: false, why: "unknown kind"};
  const topic = TOPICS[view.getUint8(2)];
  if (topic === undefined) return {ok: false, why: "unknown topic"};
  const sender = view.getUint16(3, false);
  const timestamp = view.getBigUint64(5, false);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) return {ok: false, why: "timestamp out of range"};
  const nonce = view.getBigUint64(13, false);
  const payloadLength = view.getUint32(21, false);
  if (bytes.length !== ENVELOPE_OVERHEAD_BYTES + payloadLength) return {ok: false, why: "length mismatch"};
  if (kind === "catchUpRequest" && (topic !== "shares" || payloadLength !== 0)) {
    return {ok: false, why: "catch-up request must be an empty shares envelope"};
  }
  const payloadEnd = ENVELOPE_HEADER_BYTES + payloadLength;
  return {
    ok: true,
    envelope: {
      kind,
      topic,
      sender,
      timestampMs: Number(timestamp),
      nonce,
      payload: bytes.subarray(ENVELOPE_HEADER_BYTES, payloadEnd),
      signature: bytes.subarray(payloadEnd),
    },
  };
}

/** The bytes the sender signed, for an envelope as received (decodeEnvelope must have accepted it). */
export function envelopeSigningMessage(bytes: Uint8Array, clusterId: Uint8Array): Uint8Array {
  return signingMessage(clusterId, bytes.subarray(0, bytes.length - SIGNATURE_BYTES));
}

function signingMessage(clusterId: Uint8Array, unsigned: Uint8Array): Uint8Array {
  const out = new Uint8Array(SIGNING_DOMAIN.length + clusterId.length + unsigned.length);
  out.set(SIGNING_DOMAIN, 0);
  out.set(clusterId, SIGNING_DOMAIN.length);
  out.set(unsigned, SIGNING_DOMAIN.length + clusterId.length);
  return out;
}

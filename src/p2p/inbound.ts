import type {Topic} from "../duties/interfaces.js";
import {decodeEnvelope, type Envelope, envelopeSigningMessage} from "./envelope.js";
import {verifyIdentitySignature} from "./identity.js";
import {ReplayCache} from "./replayCache.js";

/** Why an incoming frame was dropped (a metrics label: keep the set small and stable). */
export type DropReason =
  | "malformed"
  | "oversized"
  | "wrong_topic"
  | "wrong_sender"
  | "bad_signature"
  | "stale"
  | "replayed";

export const DROP_REASONS: readonly DropReason[] = [
  "malformed",
  "oversized",
  "wrong_topic",
  "wrong_sender",
  "bad_signature",
  "stale",
  "replayed",
];

export type InboundResult = {ok: true; envelope: Envelope} | {ok: false; reason: DropReason};

export interface InboundValidatorOpts {
  clusterId: Uint8Array;
  /** Identity public key of every operator, by 0-based index. */
  memberPublicKeys: readonly Uint8Array[];
  /** Accepted distance between the sender's timestamp and the local clock (also the replay memory). */
  replayWindowMs: number;
  maxReplayEntriesPerSender: number;
}

/**
 * Decides whether one frame received from an authenticated connection may be handed on. Cheap checks
 * first, the signature next, and only an authenticated envelope touches the replay cache (so a
 * forger cannot fill it). Never throws: every failure is a DropReason.
 */
export class InboundValidator {
  private readonly replay: ReplayCache;

  constructor(
    private readonly opts: InboundValidatorOpts,
    private readonly modules: {now: () => number},
  ) {
    this.replay = new ReplayCache({windowMs: opts.replayWindowMs, maxEntriesPerSender: opts.maxReplayEntriesPerSender});
  }

  /** `connectionPeer` is the operator the connection is authenticated as; `protocolTopic` the stream's protocol. */
  validate(connectionPeer: number, protocolTopic: Topic, frame: Uint8Array): InboundResult {
    const decoded = decodeEnvelope(frame);
    if (!decoded.ok) return {ok: false, reason: "malformed"};
    const env = decoded.envelope;
    if (env.topic !== protocolTopic) return {ok: false, reason: "wrong_topic"};
    if (env.sender !== connectionPeer) return {ok: false, reason: "wrong_sender"};
    const publicKey = this.opts.memberPublicKeys[env.sender];
    if (publicKey === undefined) return {ok: false, reason: "wrong_sender"};
    if (!verifyIdentitySignature(publicKey, envelopeSigningMessage(frame, this.opts.clusterId), env.signature)) {
      return {ok: false, reason: "bad_signature"};
    }
    const freshness = this.replay.check(env.sender, env.timestampMs, env.nonce, this.modules.now());
    if (freshness !== "fresh") return {ok: false, reason: freshness};
    return {ok: true, envelope: env};
  }
}

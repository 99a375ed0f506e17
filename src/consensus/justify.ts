import {bytesEqual} from "../util/hex.js";
import {hashValue} from "./codec.js";
import {type ConsensusMessage, type MsgData, MsgType, type SignedMsg, ZERO_HASH} from "./types.js";

/**
 * The justification rules of Moniz 2020 (JustifyPrePrepare, JustifyRoundChange) plus the decision
 * proof, as pure checks over messages whose signatures were already verified. Each returns null when
 * the message is justified, else the reason it is not.
 */

export type JustificationFailure =
  | "value_hash_mismatch"
  | "unexpected_value"
  | "unexpected_justification"
  | "bad_prepared_fields"
  | "no_round_change_quorum"
  | "no_prepare_quorum"
  | "no_commit_quorum"
  | "not_highest_prepared"
  | "conflicting_highest_prepared";

export interface InstanceRef {
  slot: number;
  dutyType: number;
  n: number;
  quorum: number;
}

/** True when `msgs` hold `quorum` messages from distinct members, all of `type`, this instance, `round`, `valueHash`. */
export function isQuorumOf(
  ref: InstanceRef,
  msgs: SignedMsg[],
  type: MsgType,
  round: number,
  valueHash: Uint8Array,
): boolean {
  const sources = new Set<number>();
  for (const m of msgs) {
    const d = m.data;
    if (!sameInstance(ref, d) || d.type !== type || d.round !== round || !bytesEqual(d.valueHash, valueHash)) continue;
    sources.add(d.source);
  }
  return sources.size >= ref.quorum;
}

/** PREPARE and COMMIT carry neither value nor justification. */
export function checkVote(msg: ConsensusMessage): JustificationFailure | null {
  if (msg.value.length > 0) return "unexpected_value";
  if (msg.justification.length > 0) return "unexpected_justification";
  return null;
}

/**
 * JustifyRoundChange: an unprepared ROUND-CHANGE carries nothing; a prepared one (pr, pv) carries the
 * value pv, has pr < round, and a quorum of PREPAREs for (pr, pv).
 */
export function checkRoundChange(ref: InstanceRef, msg: ConsensusMessage): JustificationFailure | null {
  const d = msg.signed.data;
  if (!bytesEqual(d.valueHash, ZERO_HASH)) return "bad_prepared_fields";
  if (d.preparedRound === 0) {
    if (!bytesEqual(d.preparedValueHash, ZERO_HASH)) return "bad_prepared_fields";
    if (msg.value.length > 0) return "unexpected_value";
    if (msg.justification.length > 0) return "unexpected_justification";
    return null;
  }
  if (d.preparedRound >= d.round) return "bad_prepared_fields";
  if (!bytesEqual(hashValue(msg.value), d.preparedValueHash)) return "value_hash_mismatch";
  if (!isQuorumOf(ref, msg.justification, MsgType.prepare, d.preparedRound, d.preparedValueHash)) {
    return "no_prepare_quorum";
  }
  return null;
}

/**
 * JustifyPrePrepare: round 1 needs nothing. A later round needs a quorum of ROUND-CHANGEs for that
 * round; if none of them prepared, any value may be proposed; otherwise the value must be the one of
 * the highest prepared round among them, proven by a quorum of PREPAREs for it.
 */
export function checkPrePrepare(ref: InstanceRef, msg: ConsensusMessage): JustificationFailure | null {
  const d = msg.signed.data;
  if (d.preparedRound !== 0 || !bytesEqual(d.preparedValueHash, ZERO_HASH)) return "bad_prepared_fields";
  if (!bytesEqual(hashValue(msg.value), d.valueHash)) return "value_hash_mismatch";
  if (d.round === 1) return msg.justification.length > 0 ? "unexpected_justification" : null;

  const roundChanges = new Map<number, MsgData>();
  for (const m of msg.justification) {
    const j = m.data;
    if (j.type === MsgType.roundChange && sameInstance(ref, j) && j.round === d.round && !roundChanges.has(j.source)) {
      roundChanges.set(j.source, j);
    }
  }
  if (roundChanges.size < ref.quorum) return "no_round_change_quorum";

  let highest = 0;
  for (const rc of roundChanges.values()) {
    if (rc.preparedRound >= d.round) return "bad_prepared_fields";
    highest = Math.max(highest, rc.preparedRound);
  }
  if (highest === 0) return null;
  let proposesHighest = false;
  let conflicting = false;
  for (const rc of roundChanges.values()) {
    if (rc.preparedRound !== highest) continue;
    if (bytesEqual(rc.preparedValueHash, d.valueHash)) proposesHighest = true;
    else conflicting = true;
  }
  // Two values at the highest prepared round cannot both be justified; a value other than the highest
  // prepared one breaks the lock that keeps a possibly decided value.
  if (!proposesHighest) return "not_highest_prepared";
  if (conflicting) return "conflicting_highest_prepared";
  if (!isQuorumOf(ref, msg.justification, MsgType.prepare, highest, d.valueHash)) return "no_prepare_quorum";
  return null;
}

/** A decision proof: the value, and a quorum of COMMITs for (round, hash(value)). */
export function checkDecided(ref: InstanceRef, msg: ConsensusMessage): JustificationFailure | null {
  const d = msg.signed.data;
  if (d.preparedRound !== 0 || !bytesEqual(d.preparedValueHash, ZERO_HASH)) return "bad_prepared_fields";
  if (!bytesEqual(hashValue(msg.value), d.valueHash)) return "value_hash_mismatch";
  if (!isQuorumOf(ref, msg.justification, MsgType.commit, d.round, d.valueHash)) return "no_commit_quorum";
  return null;
}

function sameInstance(ref: InstanceRef, d: MsgData): boolean {
  return d.slot === ref.slot && d.dutyType === ref.dutyType && d.source < ref.n;
}

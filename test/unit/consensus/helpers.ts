import {hashValue} from "../../../src/consensus/codec.js";
import type {InstanceRef} from "../../../src/consensus/justify.js";
import {type ConsensusMessage, MsgType, type SignedMsg, ZERO_HASH} from "../../../src/consensus/types.js";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export const REF: InstanceRef = {slot: 10, dutyType: 1, n: 4, quorum: 3};

export interface MsgOpts {
  value?: Uint8Array;
  valueHash?: Uint8Array;
  preparedRound?: number;
  preparedValueHash?: Uint8Array;
  justification?: SignedMsg[];
  slot?: number;
  dutyType?: number;
}

/** A message with a placeholder signature: the justification rules run after signature checks. */
export function msg(type: MsgType, round: number, source: number, o: MsgOpts = {}): ConsensusMessage {
  const value = o.value ?? new Uint8Array(0);
  const valueHash =
    o.valueHash ?? (type === MsgType.roundChange ? ZERO_HASH : o.value !== undefined ? hashValue(value) : ZERO_HASH);
  return {
    signed: {
      data: {
        type,
        slot: o.slot ?? REF.slot,
        dutyType: o.dutyType ?? REF.dutyType,
        round,
        source,
        valueHash,
        preparedRound: o.preparedRound ?? 0,
        preparedValueHash: o.preparedValueHash ?? ZERO_HASH,
      },
      signature: new Uint8Array(64).fill(source + 1),
    },
    value,
    justification: o.justification ?? [],
  };
}

export function prepares(round: number, value: Uint8Array, sources: number[]): SignedMsg[] {
  return sources.map((s) => msg(MsgType.prepare, round, s, {valueHash: hashValue(value)}).signed);
}

export function commits(round: number, value: Uint8Array, sources: number[]): SignedMsg[] {
  return sources.map((s) => msg(MsgType.commit, round, s, {valueHash: hashValue(value)}).signed);
}

/** A ROUND-CHANGE for `round`, unprepared or prepared (pr, value) with its PREPARE quorum. */
export function roundChange(
  round: number,
  source: number,
  prepared?: {round: number; value: Uint8Array},
): ConsensusMessage {
  if (prepared === undefined) return msg(MsgType.roundChange, round, source);
  return msg(MsgType.roundChange, round, source, {
    value: prepared.value,
    valueHash: ZERO_HASH,
    preparedRound: prepared.round,
    preparedValueHash: hashValue(prepared.value),
    justification: prepares(prepared.round, prepared.value, [0, 1, 2]),
  });
}

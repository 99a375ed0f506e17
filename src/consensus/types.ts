/**
 * QBFT message model (Moniz 2020, "The Istanbul BFT Consensus Algorithm"). Values are opaque bytes
 * (the duty pipeline SSZ-encodes its data) and are referred to by their SHA-256 hash inside signed
 * messages; the bytes travel next to the message that introduces them (PRE-PREPARE, a prepared
 * ROUND-CHANGE, DECIDED).
 */

/**
 * Duty types, part of an instance's id (slot, dutyType) and of the leader rotation
 * leader(r) = (slot + dutyType + r) mod n. The numbers are wire constants: never renumber.
 */
export enum DutyType {
  proposer = 0,
  attester = 1,
  aggregator = 2,
  syncMessage = 3,
  syncContribution = 4,
  randao = 5,
  prepareAggregator = 6,
  prepareSyncContribution = 7,
  builderRegistration = 8,
  voluntaryExit = 9,
}

export const MAX_DUTY_TYPE = 255;

/** Message types; wire constants. */
export enum MsgType {
  prePrepare = 1,
  prepare = 2,
  commit = 3,
  roundChange = 4,
  /** A decision proof: a quorum of COMMITs for one (round, value), sent to a lagging peer. */
  decided = 5,
}

/** The signed part of every message. */
export interface MsgData {
  type: MsgType;
  slot: number;
  dutyType: number;
  /** 1-based round. */
  round: number;
  /** 0-based operator index of the author (the signer). */
  source: number;
  /** SHA-256 of the value; zero for a ROUND-CHANGE. */
  valueHash: Uint8Array;
  /** ROUND-CHANGE only: the author's prepared round, 0 when it has prepared nothing. */
  preparedRound: number;
  /** ROUND-CHANGE only: the author's prepared value hash, zero when it has prepared nothing. */
  preparedValueHash: Uint8Array;
}

export interface SignedMsg {
  data: MsgData;
  /** 64-byte secp256k1 signature by operator `data.source` over the signing bytes (see codec.ts). */
  signature: Uint8Array;
}

/** A message as sent on the wire: the signed part, the value it introduces, and what justifies it. */
export interface ConsensusMessage {
  signed: SignedMsg;
  /** The value whose hash the message names (PRE-PREPARE, DECIDED) or its prepared value (ROUND-CHANGE); else empty. */
  value: Uint8Array;
  /** PRE-PREPARE round > 1: the ROUND-CHANGE quorum and, if any, the PREPARE quorum of the highest prepared value.
   *  ROUND-CHANGE with a prepared value: the PREPARE quorum. DECIDED: the COMMIT quorum. Else empty. */
  justification: SignedMsg[];
}

export const ZERO_HASH = new Uint8Array(32);

/** Byzantine faults tolerated by n nodes. */
export function faultTolerance(n: number): number {
  return Math.floor((n - 1) / 3);
}

/** The paper's quorum ⌈(n + f + 1) / 2⌉. */
export function quorumSize(n: number): number {
  return Math.ceil((n + faultTolerance(n) + 1) / 2);
}

/** 0-based operator index leading `round` of instance (slot, dutyType). */
export function leaderOf(slot: number, dutyType: number, round: number, n: number): number {
  return (slot + dutyType + round) % n;
}

/** The identity of an instance as a map key. */
export function instanceKey(slot: number, dutyType: number): string {
  return `${slot}/${dutyType}`;
}

import {interopSecretKey} from "./beacon/validators.js";

/** An inclusive range of validator indexes, from `--interop-indexes A..B`. */
export interface IndexRange {
  from: number;
  to: number;
}

/** The largest range we split at once (each index is a validator of the cluster). */
export const MAX_INTEROP_RANGE = 10_000;

/** Parses "A..B" (inclusive, A <= B) or a single "A"; null when malformed or too large. */
export function parseIndexRange(text: string): IndexRange | null {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to || to > 0xffffffff) return null;
  if (to - from + 1 > MAX_INTEROP_RANGE) return null;
  return {from, to};
}

/**
 * The deterministic interop secret keys (`interop_secret_key(index)` of the consensus specs, as every
 * client's dev mode derives its genesis validators) of the indexes in `range`, as 32-byte secrets.
 */
export function interopSecretKeys(range: IndexRange): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = range.from; i <= range.to; i++) keys.push(interopSecretKey(i).toBytes());
  return keys;
}

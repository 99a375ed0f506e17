export interface BackoffOpts {
  baseMs: number;
  maxMs: number;
}

/**
 * Capped exponential backoff with "equal jitter": half the capped delay plus a random half, so peers
 * that lost each other at the same moment do not redial in lockstep, yet never wait near zero.
 * `random` returns a number in [0, 1) (injected for deterministic tests).
 */
export function backoffDelayMs(attempt: number, opts: BackoffOpts, random: () => number): number {
  const exp = opts.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  const capped = Math.min(opts.maxMs, exp);
  return Math.round(capped / 2 + (capped / 2) * random());
}

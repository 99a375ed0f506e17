import {CombineError} from "./errors.js";

/** The default threshold for n operators: ceil(2n/3), the same quorum as QBFT. */
export function defaultThreshold(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new CombineError({code: "COMBINE_INVALID_THRESHOLD", threshold: 0, n});
  return Math.ceil((2 * n) / 3);
}

/** Returns `threshold` if given and 1 ≤ t ≤ n, else the default; throws for out-of-range values. */
export function resolveThreshold(n: number, threshold?: number): number {
  if (threshold === undefined) return defaultThreshold(n);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(threshold) || threshold < 1 || threshold > n) {
    throw new CombineError(
      {code: "COMBINE_INVALID_THRESHOLD", threshold, n},
      `threshold must be an integer with 1 ≤ t ≤ n (n=${n}), got ${threshold}`,
    );
  }
  return threshold;
}

/** What a threshold below ceil(2n/3) gives up, in one sentence (create-cluster refuses it; run and combine warn). */
export function unsafeThresholdWarning(t: number, n: number): string {
  const safe = defaultThreshold(n);
  return (
    `threshold ${t} of ${n} is below ceil(2n/3) = ${safe}: any ${t} colluding or compromised operators can sign ` +
    `anything with the validator keys (a slashable double vote included) or recombine the keys, where ${safe} ` +
    `are needed at the safe threshold, and it buys no liveness, since consensus still needs ${safe} of ${n} online`
  );
}

import type {Signature} from "@chainsafe/blst";
import {toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {ValidatorKeys} from "./combine.js";
import {CombineError} from "./errors.js";
import {integerLagrangeCoefficients} from "./lagrange.js";
import type {CombineMetrics} from "./metrics.js";
import {recoverSignaturePoint} from "./recover.js";
import {parseShareSignature, type ShareCheck, verifyShareBatch, verifyShareBatchAsync} from "./verify.js";
import type {VerifyPool} from "./verifyPool.js";

/** A signature share received for one validator in one duty. */
export interface ShareSubmission {
  /** Names the duty (e.g. "attester/123"); shares of different duties never mix. */
  duty: string;
  /** The validator's public key, 0x-prefixed lowercase hex as in the cluster lock. */
  validator: string;
  signingRoot: Uint8Array;
  /** 1-based share index of the sender (operator i sends share i + 1), from the authenticated connection. */
  shareIndex: number;
  signature: Uint8Array;
}

export type SubmitResult =
  /** Verified and held; `have` valid shares of the threshold for this signing root. */
  | {status: "pending"; have: number}
  /** This share completed the threshold: the verified validator signature, returned exactly once. */
  | {status: "combined"; signature: Uint8Array}
  /** A valid share of this index is already held: ignored. */
  | {status: "duplicate"}
  /** The validator signature of this duty was already combined: ignored. */
  | {status: "already_combined"}
  | {status: "invalid"; error: CombineError};

export interface CombinerOpts {
  threshold: number;
  /**
   * When true, a share is held unverified (only parsed) until `threshold` shares of one signing root
   * are in; then those shares and the signature recovered from them are verified together in one
   * batch (one pairing check instead of t + 1). A bad share makes the batch fail and is found by
   * bisection, dropped and reported then (as "invalid" when it came in this call; in the log and
   * metrics in any case); the good ones are kept as verified and combining resumes once t are held
   * again. Nothing is ever returned before every share used and the result have verified. Default
   * false: every share is verified when it arrives and reported at once.
   */
  verifyAtThreshold?: boolean;
}

export interface CombinerModules {
  /** The cluster's validators by public key (see cluster/validatorKeysFromLock). */
  validators: ReadonlyMap<string, ValidatorKeys>;
  metrics?: CombineMetrics;
  logger?: Logger;
  /**
   * With `verifyAtThreshold`, `submitManyAsync` verifies on these worker threads (the main thread
   * stays free for the rest of the duty). `submitMany` never uses it.
   */
  verifyPool?: VerifyPool;
  /** Milliseconds clock for the latency metric; injectable for tests. */
  now?: () => number;
}

/** A held share: parsed; verified against its public key share unless `verifyAtThreshold` defers it. */
interface HeldShare {
  signature: Signature;
  bytes: Uint8Array;
  verified: boolean;
  /** The call it came in and its position there, while that call runs. */
  origin: {call: number; position: number} | null;
}

interface Collection {
  firstSeenMs: number;
  combined: boolean;
  /** Shares by signing root (hex), then by share index. */
  byRoot: Map<string, Map<number, HeldShare>>;
  /** Share indices holding a share (for any root): one share per operator, so memory stays ≤ n shares. */
  indices: Set<number>;
  /** An asynchronous verification of its shares is running: new shares wait for its outcome. */
  verifying: boolean;
  /** Its outcome (the signature, or that it cannot be combined) was returned: never again. */
  done: boolean;
}

/** A recovered signature: a point (recovered here) or compressed bytes (from a pool worker). */
type Recovered = Signature | Uint8Array;

interface Planned {
  attempt: Attempt;
  /** The picked shares not verified yet, checked at `firstCheck`... in the round's batch. */
  unverified: [number, HeldShare][];
  firstCheck: number;
  /** Where the recovered signature's check is, or null when it did not even parse. */
  resultCheck: number | null;
  bytes: Uint8Array;
}

interface Candidate {
  position: number;
  submission: ShareSubmission;
  keys: ValidatorKeys;
  signature: Signature;
}

/** A collection that holds t shares of one root in this call: to recover and verify. */
interface Attempt {
  collection: Collection;
  held: Map<number, HeldShare>;
  /** The submission that completed it (names duty, validator and signing root). */
  submission: ShareSubmission;
  keys: ValidatorKeys;
  /** The call that made the attempt, and the position for "combined": its last share added to it. */
  call: number;
  position: number;
}

/**
 * Collects signature shares per (duty, validator) as they arrive from any operator, verifies each
 * against its sender's public key share, and once `threshold` valid shares for one signing root are
 * held, recovers the validator signature, verifies it against the validator public key and returns it
 * exactly once. Bad shares are rejected naming their sender and never block the good ones; duplicates
 * are ignored. Shares submitted together are batch-verified, and so are the signatures they complete
 * (with `verifyAtThreshold`, shares and results are verified in the same batch).
 */
export class Combiner {
  private readonly threshold: number;
  private readonly verifyAtThreshold: boolean;
  private readonly validators: ReadonlyMap<string, ValidatorKeys>;
  private readonly metrics?: CombineMetrics;
  private readonly verifyPool?: VerifyPool;
  private readonly logger: Logger;
  private calls = 0;
  private readonly now: () => number;
  private readonly duties = new Map<string, Map<string, Collection>>();

  constructor(opts: CombinerOpts, modules: CombinerModules) {
    this.threshold = opts.threshold;
    this.verifyAtThreshold = opts.verifyAtThreshold ?? false;
    this.validators = modules.validators;
    this.metrics = modules.metrics;
    this.verifyPool = modules.verifyPool;
    this.logger = modules.logger ?? nullLogger();
    this.now = modules.now ?? (() => Date.now());
    for (const [validator, keys] of this.validators) {
      if (this.threshold < 1 || this.threshold > keys.publicKeyShares.length) {
        throw new CombineError(
          {code: "COMBINE_INVALID_THRESHOLD", threshold: this.threshold, n: keys.publicKeyShares.length},
          `threshold ${this.threshold} out of range for validator ${validator}`,
        );
      }
    }
  }

  submit(submission: ShareSubmission): SubmitResult {
    return this.submitMany([submission])[0];
  }

  /** Submits shares that arrived together (e.g. one operator's shares for every validator of a slot). */
  submitMany(submissions: ShareSubmission[]): SubmitResult[] {
    const call = ++this.calls;
    const {results, attempts, touched} = this.intake(submissions, call);
    this.finish(attempts, results, call);
    for (const share of touched) share.origin = null;
    return results;
  }

  /**
   * As `submitMany`, but with `verifyAtThreshold` and a ready `verifyPool` the batch verification runs
   * on the pool's worker threads. Concurrent calls are safe: while one verifies a (duty, validator), the
   * shares other calls bring for it are held and join its next round if this one fails.
   */
  async submitManyAsync(submissions: ShareSubmission[]): Promise<SubmitResult[]> {
    const pool = this.verifyPool;
    // Until its workers are up (a moment after start) the pool is not waited for.
    if (!this.verifyAtThreshold || pool === undefined || !pool.isReady) return this.submitMany(submissions);
    const call = ++this.calls;
    const {results, attempts, touched} = this.intake(submissions, call);
    for (const a of attempts) a.collection.verifying = true;
    try {
      let round = attempts;
      while (round.length > 0) {
        const t0 = performance.now();
        const picks = round.map((a) => this.pick(a.held));
        const {planned, checks} = this.plan(round, picks, await this.recoverOnPool(picks, pool));
        const ok = await verifyShareBatchAsync(checks, pool);
        round = this.apply(planned, ok, results, call, (performance.now() - t0) / 1000 / round.length);
      }
    } finally {
      for (const a of attempts) a.collection.verifying = false;
      for (const share of touched) share.origin = null;
    }
    return results;
  }

  private intake(
    submissions: ShareSubmission[],
    call: number,
  ): {results: SubmitResult[]; attempts: Attempt[]; touched: HeldShare[]} {
    const results: SubmitResult[] = new Array(submissions.length);
    const candidates: Candidate[] = [];
    const inBatch = new Set<string>();

    submissions.forEach((original, position) => {
      // Public keys are lowercase hex in the lock; accept any case from callers.
      const lower = original.validator.toLowerCase();
      const submission = lower === original.validator ? original : {...original, validator: lower};
      const keys = this.validators.get(submission.validator);
      if (keys === undefined) {
        results[position] = this.reject(
          new CombineError({code: "COMBINE_UNKNOWN_VALIDATOR", validator: submission.validator}),
        );
        return;
      }
      const n = keys.publicKeyShares.length;
      const index = submission.shareIndex;
      if (!Number.isInteger(index) || index < 1 || index > n) {
        results[position] = this.reject(new CombineError({code: "COMBINE_UNKNOWN_SHARE_INDEX", shareIndex: index, n}));
        return;
      }
      const collection = this.duties.get(submission.duty)?.get(submission.validator);
      if (collection?.combined) {
        results[position] = {status: "already_combined"};
        return;
      }
      // An honest operator signs one root per duty and validator: a second share of the same index,
      // for any root, is ignored, so a faulty operator cannot make this state grow.
      const batchKey = `${submission.duty}|${submission.validator}|${index}`;
      if (collection?.indices.has(index) || inBatch.has(batchKey)) {
        this.metrics?.duplicateShares.inc();
        results[position] = {status: "duplicate"};
        return;
      }
      let signature: Signature;
      try {
        signature = parseShareSignature(index, submission.signature);
      } catch (e) {
        if (!(e instanceof CombineError)) throw e;
        results[position] = this.reject(e);
        return;
      }
      inBatch.add(batchKey);
      candidates.push({position, submission, keys, signature});
    });

    const valid = this.verifyAtThreshold
      ? candidates.map(() => true)
      : verifyShareBatch(
          candidates.map((c) => ({
            index: c.submission.shareIndex,
            bytes: c.submission.signature,
            signature: c.signature,
            publicKey: c.keys.publicKeyShares[c.submission.shareIndex - 1],
            signingRoot: c.submission.signingRoot,
          })),
        );

    const attempts = new Map<Map<number, HeldShare>, Attempt>();
    const touched: HeldShare[] = [];
    candidates.forEach((c, i) => {
      if (!valid[i]) {
        results[c.position] = this.reject(
          new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: c.submission.shareIndex}),
        );
        return;
      }
      // State is created only for verified shares (or, deferring verification, well-formed shares of
      // a known validator and index: still at most one per operator).
      const collection = this.collection(c.submission);
      if (collection.combined) {
        // An earlier share of this same batch already completed it.
        results[c.position] = {status: "already_combined"};
        return;
      }
      const rootHex = toHex(c.submission.signingRoot);
      let held = collection.byRoot.get(rootHex);
      if (held === undefined) {
        held = new Map();
        collection.byRoot.set(rootHex, held);
      }
      const share: HeldShare = {
        signature: c.signature,
        bytes: c.submission.signature,
        verified: !this.verifyAtThreshold,
        origin: {call, position: c.position},
      };
      held.set(c.submission.shareIndex, share);
      touched.push(share);
      collection.indices.add(c.submission.shareIndex);
      results[c.position] = {status: "pending", have: held.size};
      // A running verification of this collection decides for it (and takes these shares next round).
      if (held.size >= this.threshold && !collection.verifying) {
        // Verifying shares as they come, t valid ones complete it now; else the attempt decides.
        if (!this.verifyAtThreshold) collection.combined = true;
        attempts.set(held, {collection, held, submission: c.submission, keys: c.keys, call, position: c.position});
      }
    });
    return {results, attempts: [...attempts.values()], touched};
  }

  /** Drops the state of a duty once it has expired (after which its late shares would start afresh). */
  forgetDuty(duty: string): void {
    this.duties.delete(duty);
  }

  /** Number of duties with state held. */
  get dutyCount(): number {
    return this.duties.size;
  }

  /**
   * Recovers the signature of every attempt and verifies the results, with the shares not yet
   * verified, in one batch. Attempts that failed on a bad share go round again without it while they
   * still hold t shares.
   */
  private finish(attempts: Attempt[], results: SubmitResult[], call: number): void {
    let round = attempts;
    while (round.length > 0) {
      const t0 = performance.now();
      const picks = round.map((a) => this.pick(a.held));
      const recovered = picks.map((used) => recoverSignaturePoint(parsed(used), this.threshold));
      const {planned, checks} = this.plan(round, picks, recovered);
      const ok = verifyShareBatch(checks);
      round = this.apply(planned, ok, results, call, (performance.now() - t0) / 1000 / round.length);
    }
  }

  /**
   * Recoveries by point additions here (cheap); those needing herumi's scalar multiplications (index
   * sets with fractional Lagrange coefficients, e.g. 1, 2, 4 of 4) on the pool, in one request.
   */
  private async recoverOnPool(picks: [number, HeldShare][][], pool: VerifyPool): Promise<Recovered[]> {
    const out: (Recovered | null)[] = picks.map((used) =>
      integerLagrangeCoefficients(used.map(([index]) => index)) === null
        ? null
        : recoverSignaturePoint(parsed(used), this.threshold),
    );
    const fractional = picks.flatMap((_, k) => (out[k] === null ? [k] : []));
    if (fractional.length > 0) {
      const sets = fractional.map((k) =>
        picks[k].map(([index, s]) => ({index, uncompressed: s.signature.toBytes(false)})),
      );
      const recovered = await pool.recover(sets, this.threshold);
      fractional.forEach((k, j) => {
        out[k] = recovered[j];
      });
    }
    return out as Recovered[];
  }

  /** For each attempt: its picked t shares, the recovered signature, and the checks still needed. */
  private plan(
    round: Attempt[],
    picks: [number, HeldShare][][],
    recovered: Recovered[],
  ): {planned: Planned[]; checks: ShareCheck[]} {
    const checks: ShareCheck[] = [];
    const planned = round.map((attempt, k) => {
      const used = picks[k];
      const unverified = used.filter(([, s]) => !s.verified);
      const firstCheck = checks.length;
      for (const [index, s] of unverified) {
        checks.push({
          index,
          bytes: s.bytes,
          signature: s.signature,
          publicKey: attempt.keys.publicKeyShares[index - 1],
          signingRoot: attempt.submission.signingRoot,
        });
      }
      const result = recovered[k];
      // A point recovered here is compressed once (for the caller) and checked as it is.
      const bytes = result instanceof Uint8Array ? result : result.toBytes();
      let resultCheck: number | null = null;
      try {
        const signature = result instanceof Uint8Array ? parseShareSignature(0, bytes) : result;
        resultCheck = checks.length;
        checks.push({
          index: 0,
          bytes,
          signature,
          publicKey: attempt.keys.publicKey,
          signingRoot: attempt.submission.signingRoot,
        });
      } catch (e) {
        // Bad shares can sum to a point that is no signature at all (e.g. infinity).
        if (!(e instanceof CombineError)) throw e;
      }
      return {attempt, unverified, firstCheck, resultCheck, bytes};
    });
    return {planned, checks};
  }

  /** Applies a round's verification outcome; returns the attempts to try again without their bad shares. */
  private apply(
    planned: Planned[],
    ok: boolean[],
    results: SubmitResult[],
    call: number,
    perSignatureSeconds: number,
  ): Attempt[] {
    const next: Attempt[] = [];
    for (const {attempt, unverified, firstCheck, resultCheck, bytes} of planned) {
      const {collection, held, submission} = attempt;
      if (collection.done) continue;
      const badShares = unverified.filter((_, k) => !ok[firstCheck + k]);
      for (const [, s] of unverified) s.verified = true;
      for (const [index, s] of badShares) {
        held.delete(index);
        collection.indices.delete(index);
        const result = this.reject(new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: index}));
        if (s.origin?.call === call) results[s.origin.position] = result;
      }
      if (badShares.length === 0 && resultCheck !== null && ok[resultCheck]) {
        collection.combined = true;
        collection.done = true;
        // The shares are no longer needed once the signature is combined.
        collection.byRoot.clear();
        this.metrics?.recoveries.inc();
        this.metrics?.recoverySeconds.observe(perSignatureSeconds);
        this.metrics?.latencySeconds.observe(Math.max(0, this.now() - collection.firstSeenMs) / 1000);
        results[this.resultPosition(attempt, held)] = {status: "combined", signature: bytes};
        continue;
      }
      if (badShares.length === 0) {
        // Cannot happen with a validated lock (its shares interpolate to the validator key): a bug or a bad lock.
        collection.combined = true;
        collection.done = true;
        this.logger.error("Recovered signature does not verify", {
          duty: submission.duty,
          validator: submission.validator,
        });
        results[this.resultPosition(attempt, held)] = {
          status: "invalid",
          error: new CombineError({code: "COMBINE_RECOVERED_INVALID", validator: submission.validator}),
        };
        continue;
      }
      if (held.size === 0) collection.byRoot.delete(toHex(submission.signingRoot));
      if (held.size >= this.threshold) next.push(attempt);
      else {
        // Waiting for more shares: this call's good shares report what is held now.
        for (const s of held.values()) {
          if (s.origin?.call === call) results[s.origin.position] = {status: "pending", have: held.size};
        }
      }
    }
    return next;
  }

  /** The t shares to recover from: verified ones first, then in arrival order. */
  private pick(held: Map<number, HeldShare>): [number, HeldShare][] {
    const all = [...held];
    return [...all.filter(([, s]) => s.verified), ...all.filter(([, s]) => !s.verified)].slice(0, this.threshold);
  }

  /** "combined" goes to the completing share, or to the last good share of this call when that one was bad. */
  private resultPosition(attempt: Attempt, held: Map<number, HeldShare>): number {
    const mine = [...held.values()].flatMap((s) => (s.origin?.call === attempt.call ? [s.origin.position] : []));
    if (mine.length === 0 || mine.includes(attempt.position)) return attempt.position;
    return Math.max(...mine);
  }

  private collection(s: ShareSubmission): Collection {
    let byValidator = this.duties.get(s.duty);
    if (byValidator === undefined) {
      byValidator = new Map();
      this.duties.set(s.duty, byValidator);
    }
    let c = byValidator.get(s.validator);
    if (c === undefined) {
      c = {
        firstSeenMs: this.now(),
        combined: false,
        byRoot: new Map(),
        indices: new Set(),
        verifying: false,
        done: false,
      };
      byValidator.set(s.validator, c);
    }
    return c;
  }

  private reject(error: CombineError): SubmitResult {
    const shareIndex = "shareIndex" in error.type ? String(error.type.shareIndex) : "none";
    this.metrics?.invalidShares.inc({share_index: shareIndex, reason: error.code});
    this.logger.warn("Signature share rejected", error.getMetadata());
    return {status: "invalid", error};
  }
}

function parsed(used: [number, HeldShare][]): {index: number; signature: Signature}[] {
  return used.map(([index, s]) => ({index, signature: s.signature}));
}

import type {Signature} from "@chainsafe/blst";
import {toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import type {ValidatorKeys} from "./combine.js";
import {CombineError} from "./errors.js";
import type {CombineMetrics} from "./metrics.js";
import {type ParsedShare, recoverSignature} from "./recover.js";
import {parseShareSignature, verifyShareBatch} from "./verify.js";

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
}

export interface CombinerModules {
  /** The cluster's validators by public key (see cluster/validatorKeysFromLock). */
  validators: ReadonlyMap<string, ValidatorKeys>;
  metrics?: CombineMetrics;
  logger?: Logger;
  /** Milliseconds clock for the latency metric; injectable for tests. */
  now?: () => number;
}

interface Collection {
  firstSeenMs: number;
  combined: boolean;
  /** Valid shares by signing root (hex), then by share index. */
  byRoot: Map<string, Map<number, Signature>>;
  /** Share indices holding a valid share (for any root): one share per operator, so memory stays ≤ n shares. */
  indices: Set<number>;
}

interface Candidate {
  position: number;
  submission: ShareSubmission;
  keys: ValidatorKeys;
  signature: Signature;
}

/**
 * Collects signature shares per (duty, validator) as they arrive from any operator, verifies each
 * against its sender's public key share, and once `threshold` valid shares for one signing root are
 * held, recovers the validator signature, verifies it against the validator public key and returns it
 * exactly once. Bad shares are rejected naming their sender and never block the good ones; duplicates
 * are ignored. Shares submitted together are batch-verified, and so are the signatures they complete.
 */
export class Combiner {
  private readonly threshold: number;
  private readonly validators: ReadonlyMap<string, ValidatorKeys>;
  private readonly metrics?: CombineMetrics;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly duties = new Map<string, Map<string, Collection>>();

  constructor(opts: CombinerOpts, modules: CombinerModules) {
    this.threshold = opts.threshold;
    this.validators = modules.validators;
    this.metrics = modules.metrics;
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

    const valid = verifyShareBatch(
      candidates.map((c) => ({
        index: c.submission.shareIndex,
        bytes: c.submission.signature,
        signature: c.signature,
        publicKey: c.keys.publicKeyShares[c.submission.shareIndex - 1],
        signingRoot: c.submission.signingRoot,
      })),
    );

    const completed: {candidate: Candidate; collection: Collection; shares: ParsedShare[]}[] = [];
    candidates.forEach((c, i) => {
      if (!valid[i]) {
        results[c.position] = this.reject(
          new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: c.submission.shareIndex}),
        );
        return;
      }
      // State is created only for verified shares.
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
      held.set(c.submission.shareIndex, c.signature);
      collection.indices.add(c.submission.shareIndex);
      if (held.size >= this.threshold) {
        collection.combined = true;
        // The shares are no longer needed once the signature is combined.
        collection.byRoot.clear();
        completed.push({candidate: c, collection, shares: [...held].map(([index, signature]) => ({index, signature}))});
      } else {
        results[c.position] = {status: "pending", have: held.size};
      }
    });

    this.finish(completed, results);
    return results;
  }

  /** Drops the state of a duty once it has expired (after which its late shares would start afresh). */
  forgetDuty(duty: string): void {
    this.duties.delete(duty);
  }

  /** Number of duties with state held. */
  get dutyCount(): number {
    return this.duties.size;
  }

  private finish(
    completed: {candidate: Candidate; collection: Collection; shares: ParsedShare[]}[],
    results: SubmitResult[],
  ): void {
    if (completed.length === 0) return;
    const t0 = performance.now();
    const recovered = completed.map(({candidate, collection, shares}) => {
      const bytes = recoverSignature(shares, this.threshold);
      return {candidate, collection, bytes};
    });
    // The recovered signatures are verified together (grouped by signing root), like the shares.
    const ok = verifyShareBatch(
      recovered.map(({candidate, bytes}) => ({
        index: 0,
        bytes,
        signature: parseShareSignature(0, bytes),
        publicKey: candidate.keys.publicKey,
        signingRoot: candidate.submission.signingRoot,
      })),
    );
    const perSignatureSeconds = (performance.now() - t0) / 1000 / recovered.length;
    recovered.forEach(({candidate: c, collection, bytes}, i) => {
      if (!ok[i]) {
        // Cannot happen with a validated lock (its shares interpolate to the validator key): a bug or a bad lock.
        this.logger.error("Recovered signature does not verify", {
          duty: c.submission.duty,
          validator: c.submission.validator,
        });
        results[c.position] = {
          status: "invalid",
          error: new CombineError({code: "COMBINE_RECOVERED_INVALID", validator: c.submission.validator}),
        };
        return;
      }
      this.metrics?.recoveries.inc();
      this.metrics?.recoverySeconds.observe(perSignatureSeconds);
      this.metrics?.latencySeconds.observe(Math.max(0, this.now() - collection.firstSeenMs) / 1000);
      results[c.position] = {status: "combined", signature: bytes};
    });
  }

  private collection(s: ShareSubmission): Collection {
    let byValidator = this.duties.get(s.duty);
    if (byValidator === undefined) {
      byValidator = new Map();
      this.duties.set(s.duty, byValidator);
    }
    let c = byValidator.get(s.validator);
    if (c === undefined) {
      c = {firstSeenMs: this.now(), combined: false, byRoot: new Map(), indices: new Set()};
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

/**
 * The check of a signer's answers, in batches: every share signature a signer returns is verified
 * against the key share it was asked for before the signer hands it back (so an invalid own share is
 * never broadcast nor combined), but the answers that come back together are verified together, with
 * the combiner's batch check (`verifyShareBatch`: one random linear combination and one pairing check
 * per signing root, a failed batch bisected so every bad answer is named). Checked alone, each answer
 * costs a full pairing check (~2 ms here); in a batch of a duty's validators, about 0.2 ms.
 *
 * When a batch is checked: once no request of the signer is in flight any more (a duty's answers all
 * in: nothing waits for nothing), when `maxBatch` answers are held, or `maxWaitMs` after the first
 * held answer (a slow request does not hold up the answers already in). A lone answer (one validator)
 * is checked at once.
 */
import {PublicKey} from "@chainsafe/blst";
import {parseShareSignature, type ShareCheck, verifyShareBatch, verifyShareBatchAsync} from "../combine/verify.js";
import type {VerifyPool} from "../combine/verifyPool.js";
import {toHex} from "../util/hex.js";

export interface SignatureBatchCheckerOpts {
  /** Check the held answers once this many are held. */
  maxBatch?: number;
  /** Check the held answers at the latest this long after the first of them came in. */
  maxWaitMs?: number;
}

export interface SignatureBatchCheckerModules {
  /** Worker threads for the checks; the main thread checks while the pool is starting (or without one). */
  verifyPool?: VerifyPool;
}

const DEFAULT_MAX_BATCH = 1024;
const DEFAULT_MAX_WAIT_MS = 20;

interface Held {
  check: ShareCheck;
  resolve(valid: boolean): void;
}

export class SignatureBatchChecker {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly verifyPool: VerifyPool | undefined;
  /** Share public keys are few (one per validator of the cluster) and asked for every duty: parsed once. */
  private readonly publicKeys = new Map<string, PublicKey | null>();
  private held: Held[] = [];
  private inFlight = 0;
  private flushScheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Batches checked so far and the answers in them (for the bench and tests). */
  readonly stats = {batches: 0, answers: 0};

  constructor(opts: SignatureBatchCheckerOpts = {}, modules: SignatureBatchCheckerModules = {}) {
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.verifyPool = modules.verifyPool;
  }

  /**
   * Marks a request to the signer as in flight; the returned function marks it answered (call it once,
   * whatever the outcome, before `check`ing its answer). While requests are in flight, held answers
   * wait for theirs (up to `maxWaitMs`).
   */
  requestStarted(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0 && this.held.length > 0) this.scheduleFlush();
    };
  }

  /**
   * Whether `signature` (96 bytes, compressed) is a valid BLS signature of `signingRoot` under
   * `publicKey` (48 bytes, compressed): false for malformed bytes, a point off the curve or outside the
   * subgroup, an invalid public key, another key or another root. Never throws.
   */
  check(publicKey: Uint8Array, signingRoot: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const pk = this.parsePublicKey(publicKey);
    if (pk === null || signingRoot.length !== 32) return Promise.resolve(false);
    let parsed: ShareCheck["signature"];
    try {
      parsed = parseShareSignature(0, signature);
    } catch {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      this.held.push({check: {index: 0, bytes: signature, signature: parsed, publicKey: pk, signingRoot}, resolve});
      if (this.held.length >= this.maxBatch || this.inFlight === 0) this.scheduleFlush();
      else this.timer ??= setTimeout(() => this.scheduleFlush(), this.maxWaitMs);
    });
  }

  private parsePublicKey(bytes: Uint8Array): PublicKey | null {
    const key = toHex(bytes);
    let pk = this.publicKeys.get(key);
    if (pk === undefined) {
      try {
        // Validated: on the curve, in the subgroup, not the identity (the batch check then skips it).
        pk = PublicKey.fromBytes(bytes, true);
      } catch {
        pk = null;
      }
      this.publicKeys.set(key, pk);
    }
    return pk;
  }

  /** On the next turn of the event loop: the answers that come in meanwhile join the batch. */
  private scheduleFlush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.held;
    this.held = [];
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (batch.length === 0) return;
    this.stats.batches++;
    this.stats.answers += batch.length;
    const checks = batch.map((h) => h.check);
    let valid: boolean[];
    try {
      valid =
        this.verifyPool?.isReady === true
          ? await verifyShareBatchAsync(checks, this.verifyPool)
          : verifyShareBatch(checks);
    } catch {
      // The pool failed (closed, a worker died): check here rather than fail good answers; should that
      // throw too, every answer of the batch is refused (never accepted unchecked).
      try {
        valid = verifyShareBatch(checks);
      } catch {
        valid = [];
      }
    }
    for (const [k, h] of batch.entries()) h.resolve(valid[k] === true);
  }
}

import path from "node:path";
import {fileURLToPath} from "node:url";
import {Worker} from "node:worker_threads";
import {CombineError} from "./errors.js";
import {
  PACKED_POINT_BYTES,
  READY_ID,
  VERIFY_WORKER_MARK,
  type VerifyRequest,
  type VerifyResponse,
} from "./verifyWorker.js";

export interface VerifyPoolOpts {
  /** Worker threads (each loads blst once, ~1 MB); 1 moves the pairings off the main thread. */
  size: number;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  ready: Promise<void>;
  isReady: boolean;
  markReady(): void;
}

interface Pending {
  slot: Slot;
  resolve(response: VerifyResponse): void;
  reject(e: Error): void;
}

/**
 * Worker threads that check batches of signatures (see `isPackedBatchValid`), so the pairings and
 * subgroup checks of share verification run beside the main thread instead of on it. Workers are
 * unref'd while idle (an idle pool never keeps the process alive) and ref'd while a check is in
 * flight (an awaited check is never abandoned); one that fails is replaced. `close()` terminates them.
 */
export class VerifyPool {
  readonly size: number;
  private readonly slots: Slot[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(opts: VerifyPoolOpts) {
    if (!Number.isInteger(opts.size) || opts.size < 1) {
      throw new CombineError({code: "COMBINE_INVALID_POOL_SIZE", size: opts.size});
    }
    this.size = opts.size;
    this.slots = Array.from({length: opts.size}, () => this.spawn());
  }

  /** Resolves once every worker has loaded blst (~0.1-0.5 s after construction, more on a busy machine). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Whether every worker is up (until then callers verify on the main thread rather than wait). */
  get isReady(): boolean {
    return this.slots.every((s) => s.isReady);
  }

  private spawn(): Slot {
    // The worker module next to this one, .ts when run from source, .js when compiled.
    const ext = path.extname(fileURLToPath(import.meta.url));
    const worker = new Worker(new URL(`./verifyWorker${ext}`, import.meta.url), {
      workerData: {mark: VERIFY_WORKER_MARK},
    });
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const slot: Slot = {
      worker,
      inFlight: 0,
      ready,
      isReady: false,
      markReady: () => {
        slot.isReady = true;
        markReady();
      },
    };
    worker.unref();
    worker.on("message", (m: VerifyResponse) => (m.id === READY_ID ? slot.markReady() : this.settle(m)));
    worker.on("error", (e) => this.replace(slot, e));
    worker.on("exit", (code) => this.replace(slot, new Error(`verify worker exited with code ${code}`)));
    return slot;
  }

  /** Whether every packed check (`PACKED_CHECK_BYTES` each) verifies; on the least busy worker. */
  async isBatchValid(checks: Uint8Array): Promise<boolean> {
    const response = await this.request({id: 0, kind: "verify", checks}, checks.buffer as ArrayBuffer);
    return response.ok;
  }

  /**
   * Herumi Lagrange recoveries (see `interpolateSignatures`) of `threshold` points each; returns the
   * compressed results in order. The points must be blst-parsed (on the curve, in the subgroup).
   */
  async recover(sets: {index: number; uncompressed: Uint8Array}[][], threshold: number): Promise<Uint8Array[]> {
    const points = new Uint8Array(sets.length * threshold * PACKED_POINT_BYTES);
    const view = new DataView(points.buffer);
    sets.forEach((set, k) => {
      if (set.length !== threshold)
        throw new CombineError({code: "COMBINE_NOT_ENOUGH_SHARES", have: set.length, threshold});
      set.forEach((p, j) => {
        const at = (k * threshold + j) * PACKED_POINT_BYTES;
        view.setUint32(at, p.index);
        points.set(p.uncompressed, at + 4);
      });
    });
    const response = await this.request({id: 0, kind: "recover", points, threshold}, points.buffer);
    if (!response.ok || response.signatures === undefined) throw new Error("verify worker: recovery failed");
    const out = response.signatures;
    return sets.map((_, k) => out.slice(k * 96, (k + 1) * 96));
  }

  private request(request: VerifyRequest, transfer: ArrayBuffer): Promise<VerifyResponse> {
    if (this.closed) return Promise.reject(new Error("verify pool is closed"));
    const slot = this.slots.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {slot, resolve, reject});
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.worker.postMessage({...request, id}, [transfer]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error("verify pool closed"));
    }
  }

  private settle(response: VerifyResponse): void {
    const p = this.pending.get(response.id);
    if (p === undefined) return;
    this.pending.delete(response.id);
    if (--p.slot.inFlight === 0) p.slot.worker.unref();
    p.resolve(response);
  }

  /** A worker that failed: its checks are rejected (their shares come again) and a new one takes its place. */
  private replace(slot: Slot, e: Error): void {
    const at = this.slots.indexOf(slot);
    if (at === -1) return;
    slot.markReady(); // nobody waits for a worker that is gone
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(e);
    }
    if (this.closed) return;
    void slot.worker.terminate();
    this.slots[at] = this.spawn();
  }
}

import path from "node:path";
import {fileURLToPath} from "node:url";
import {Worker} from "node:worker_threads";
import {CombineError} from "./errors.js";
import {VERIFY_WORKER_MARK, type VerifyRequest, type VerifyResponse} from "./verifyWorker.js";

export interface VerifyPoolOpts {
  /** Worker threads (each loads blst once, ~1 MB); 1 moves the pairings off the main thread. */
  size: number;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  alive: boolean;
}

interface Pending {
  slot: Slot;
  resolve(ok: boolean): void;
  reject(e: Error): void;
}

/**
 * Worker threads that check batches of signatures (see `isPackedBatchValid`), so the pairings and
 * subgroup checks of share verification run beside the main thread instead of on it. Workers are
 * unref'd while idle (an idle pool never keeps the process alive) and ref'd while a check is in
 * flight (an awaited check is never abandoned). `close()` terminates them.
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
    // The worker module next to this one, .ts when run from source, .js when compiled.
    const ext = path.extname(fileURLToPath(import.meta.url));
    const url = new URL(`./verifyWorker${ext}`, import.meta.url);
    this.slots = Array.from({length: opts.size}, () => {
      const worker = new Worker(url, {workerData: {mark: VERIFY_WORKER_MARK}});
      const slot: Slot = {worker, inFlight: 0, alive: true};
      worker.unref();
      worker.on("message", (m: VerifyResponse) => this.settle(m.id, m.ok));
      worker.on("error", (e) => this.fail(slot, e));
      worker.on("exit", (code) => this.fail(slot, new Error(`verify worker exited with code ${code}`)));
      return slot;
    });
  }

  /** Whether every packed check (`PACKED_CHECK_BYTES` each) verifies; on the least busy worker. */
  isBatchValid(checks: Uint8Array): Promise<boolean> {
    const alive = this.slots.filter((s) => s.alive);
    if (this.closed || alive.length === 0) return Promise.reject(new Error("verify pool is closed"));
    const slot = alive.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {slot, resolve, reject});
      if (slot.inFlight++ === 0) slot.worker.ref();
      const request: VerifyRequest = {id, checks};
      slot.worker.postMessage(request, [checks.buffer as ArrayBuffer]);
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

  private settle(id: number, ok: boolean): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (--p.slot.inFlight === 0) p.slot.worker.unref();
    p.resolve(ok);
  }

  private fail(slot: Slot, e: Error): void {
    // A worker that failed is not used again (its answers could never come).
    slot.alive = false;
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(e);
    }
    slot.inFlight = 0;
  }
}

import {Worker} from "node:worker_threads";
import {SIGN_ITEM_BYTES, type SignerWorkerData, type SignResponse} from "./signerWorker.js";

/**
 * One node's remote signer on a worker thread (a Web3Signer is its own process: its signing does not
 * run on the node's event loop). Requests made in the same tick go to the worker as one message.
 */
export class ThreadSigner {
  private readonly worker: Worker;
  private readonly pending = new Map<number, {resolve(sigs: Uint8Array): void; reject(e: Error): void}>();
  private queue: {keyIndex: number; root: Uint8Array; resolve(sig: Uint8Array): void; reject(e: Error): void}[] = [];
  private nextId = 1;

  constructor(secretKeys: Uint8Array[]) {
    const data: SignerWorkerData = {secretKeys};
    this.worker = new Worker(new URL("./signerWorker.ts", import.meta.url), {workerData: data});
    this.worker.on("message", ({id, signatures}: SignResponse) => {
      this.pending.get(id)?.resolve(signatures);
      this.pending.delete(id);
    });
    this.worker.on("error", (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  /** Signs `root` with key share `keyIndex` (its position in the constructor's list). */
  sign(keyIndex: number, root: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) queueMicrotask(() => this.flush());
      this.queue.push({keyIndex, root, resolve, reject});
    });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const items = new Uint8Array(batch.length * SIGN_ITEM_BYTES);
    const view = new DataView(items.buffer);
    batch.forEach((b, k) => {
      view.setUint32(k * SIGN_ITEM_BYTES, b.keyIndex);
      items.set(b.root, k * SIGN_ITEM_BYTES + 4);
    });
    const id = this.nextId++;
    this.pending.set(id, {
      resolve: (sigs) => {
        for (const [k, b] of batch.entries()) b.resolve(sigs.subarray(k * 96, (k + 1) * 96));
      },
      reject: (e) => {
        for (const b of batch) b.reject(e);
      },
    });
    this.worker.postMessage({id, items}, [items.buffer]);
  }
}

import {parentPort, workerData} from "node:worker_threads";
import {SecretKey} from "@chainsafe/blst";

// The body of a bench remote signer on its own thread (as a Web3Signer is its own process): it holds one
// node's key shares and signs batches of (key index, signing root). It imports only packages, so Node
// loads it with its built-in type stripping.

/** One request item: key index (4 bytes, big-endian) ‖ signing root (32). */
export const SIGN_ITEM_BYTES = 36;

export interface SignRequest {
  id: number;
  items: Uint8Array;
}

export interface SignResponse {
  id: number;
  /** 96-byte compressed signatures, one per item, in order. */
  signatures: Uint8Array;
}

export interface SignerWorkerData {
  secretKeys: Uint8Array[];
}

const port = parentPort;
if (port !== null) {
  const keys = (workerData as SignerWorkerData).secretKeys.map((s) => SecretKey.fromBytes(s));
  port.on("message", ({id, items}: SignRequest) => {
    const count = items.length / SIGN_ITEM_BYTES;
    const view = new DataView(items.buffer, items.byteOffset, items.byteLength);
    const signatures = new Uint8Array(count * 96);
    for (let k = 0; k < count; k++) {
      const at = k * SIGN_ITEM_BYTES;
      const key = keys[view.getUint32(at)];
      signatures.set(key.sign(items.subarray(at + 4, at + SIGN_ITEM_BYTES)).toBytes(), k * 96);
    }
    const response: SignResponse = {id, signatures};
    port.postMessage(response, [signatures.buffer]);
  });
}

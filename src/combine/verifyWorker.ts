import {parentPort, workerData} from "node:worker_threads";
import {
  aggregateWithRandomness,
  PublicKey,
  Signature,
  type SignatureSet,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";

// The body of a VerifyPool worker thread: batch signature checks off the main thread. It imports only
// blst, so Node loads it as is (type stripping) whether or not a TypeScript loader is registered.

/** One packed check: compressed signature (96) ‖ uncompressed public key (96) ‖ signing root (32). */
export const PACKED_CHECK_BYTES = 224;

/** Marks a worker started by VerifyPool (so importing this module anywhere else does nothing). */
export const VERIFY_WORKER_MARK = "cohort-verify-worker";

export interface VerifyRequest {
  id: number;
  /** `count` packed checks. */
  checks: Uint8Array;
}

export interface VerifyResponse {
  id: number;
  ok: boolean;
}

/** Sent once when the worker has loaded blst and listens (id 0 is never a request's). */
export const READY_ID = 0;

/**
 * Whether every packed check verifies: signatures over the same root are folded with random 64-bit
 * scalars (`aggregateWithRandomness`, which deserialises and subgroup-checks each signature), then all
 * roots are checked in one multi-pairing. Same method as `verifyShareBatch`'s batches.
 */
export function isPackedBatchValid(checks: Uint8Array): boolean {
  try {
    return checkPacked(checks);
  } catch {
    // A signature or key that is malformed or fails its subgroup check.
    return false;
  }
}

function checkPacked(checks: Uint8Array): boolean {
  const count = checks.length / PACKED_CHECK_BYTES;
  if (!Number.isInteger(count) || count === 0) return false;
  const groups = new Map<string, {root: Uint8Array; members: {sig: Uint8Array; pk: PublicKey}[]}>();
  for (let i = 0; i < count; i++) {
    const at = i * PACKED_CHECK_BYTES;
    const sig = checks.subarray(at, at + 96);
    const pk = PublicKey.fromBytes(checks.subarray(at + 96, at + 192));
    const root = checks.subarray(at + 192, at + 224);
    const key = Buffer.from(root).toString("hex");
    const group = groups.get(key);
    if (group === undefined) groups.set(key, {root, members: [{sig, pk}]});
    else group.members.push({sig, pk});
  }
  const sets: SignatureSet[] = [...groups.values()].map(({root, members}) => {
    if (members.length === 1) return {msg: root, pk: members[0].pk, sig: Signature.fromBytes(members[0].sig)};
    const folded = aggregateWithRandomness(members);
    return {msg: root, pk: folded.pk, sig: folded.sig};
  });
  return sets.length === 1
    ? verify(sets[0].msg, sets[0].pk, sets[0].sig, false, true)
    : verifyMultipleAggregateSignatures(sets, false, true);
}

const port = parentPort;
if (port !== null && (workerData as {mark?: string} | null)?.mark === VERIFY_WORKER_MARK) {
  port.on("message", (request: VerifyRequest) => {
    const response: VerifyResponse = {id: request.id, ok: isPackedBatchValid(request.checks)};
    port.postMessage(response);
  });
  const ready: VerifyResponse = {id: READY_ID, ok: true};
  port.postMessage(ready);
}

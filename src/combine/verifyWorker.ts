import {parentPort, workerData} from "node:worker_threads";
import {
  aggregateWithRandomness,
  PublicKey,
  Signature,
  type SignatureSet,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";
import bls from "bls-eth-wasm";

// The body of a VerifyPool worker thread: batch signature checks and herumi Lagrange recoveries off the
// main thread. It imports only packages (no relative modules), so Node loads it as is (type stripping)
// whether or not a TypeScript loader is registered; hence the few herumi lines repeated from herumi.ts.

/**
 * One packed check: uncompressed signature (192) ‖ uncompressed public key (96) ‖ signing root (32).
 * Uncompressed, because the main thread has parsed the signature already: decompressing it again
 * (a square root in Fp2) would cost half as much as its subgroup check.
 */
export const PACKED_CHECK_BYTES = 320;
const SIG_END = 192;
const PK_END = 288;

/** Marks a worker started by VerifyPool (so importing this module anywhere else does nothing). */
export const VERIFY_WORKER_MARK = "cohort-verify-worker";

/** One packed recovery point: 1-based share index (4 bytes, big-endian) ‖ uncompressed G2 point (192). */
export const PACKED_POINT_BYTES = 196;

export type VerifyRequest =
  /** `checks.length / PACKED_CHECK_BYTES` packed checks. */
  | {id: number; kind: "verify"; checks: Uint8Array}
  /** Recoveries of `threshold` packed points each, one after the other. */
  | {id: number; kind: "recover"; points: Uint8Array; threshold: number};

export interface VerifyResponse {
  id: number;
  ok: boolean;
  /** For "recover": the compressed (96-byte) results, one after the other. */
  signatures?: Uint8Array;
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
    const sig = checks.subarray(at, at + SIG_END);
    const pk = PublicKey.fromBytes(checks.subarray(at + SIG_END, at + PK_END));
    const root = checks.subarray(at + PK_END, at + PACKED_CHECK_BYTES);
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

// bls-eth-wasm's typings omit the `Id` class it exports (as in herumi.ts).
type HerumiId = Parameters<InstanceType<typeof bls.Signature>["recover"]>[1][number];
const herumi = bls as typeof bls & {Id: new () => HerumiId};

/**
 * Lagrange interpolation at 0 with herumi, for index sets whose coefficients are not small integers.
 * The points were deserialised and subgroup-checked by blst on the main thread, so herumi's order
 * checks are off (as in herumi.ts).
 */
export function recoverPacked(points: Uint8Array, threshold: number): Uint8Array {
  const count = points.length / (PACKED_POINT_BYTES * threshold);
  const out = new Uint8Array(count * 96);
  const view = new DataView(points.buffer, points.byteOffset, points.byteLength);
  for (let k = 0; k < count; k++) {
    const sigs = [];
    const ids = [];
    for (let j = 0; j < threshold; j++) {
      const at = (k * threshold + j) * PACKED_POINT_BYTES;
      const id = new herumi.Id();
      id.setInt(view.getUint32(at));
      ids.push(id);
      const sig = new herumi.Signature();
      sig.deserializeUncompressed(points.subarray(at + 4, at + PACKED_POINT_BYTES));
      sigs.push(sig);
    }
    const result = new herumi.Signature();
    result.recover(sigs, ids);
    out.set(result.serialize(), k * 96);
  }
  return out;
}

let herumiReady: Promise<void> | null = null;

/** herumi's WebAssembly is compiled on the first recovery only (most index sets never need it). */
function initHerumi(): Promise<void> {
  herumiReady ??= herumi.init(herumi.BLS12_381).then(() => {
    herumi.verifySignatureOrder(false);
    herumi.verifyPublicKeyOrder(false);
  });
  return herumiReady;
}

async function answer(request: VerifyRequest): Promise<VerifyResponse> {
  if (request.kind === "verify") return {id: request.id, ok: isPackedBatchValid(request.checks)};
  try {
    await initHerumi();
    return {id: request.id, ok: true, signatures: recoverPacked(request.points, request.threshold)};
  } catch {
    return {id: request.id, ok: false};
  }
}

const port = parentPort;
if (port !== null && (workerData as {mark?: string} | null)?.mark === VERIFY_WORKER_MARK) {
  port.on("message", (request: VerifyRequest) => {
    void answer(request).then((response) =>
      port.postMessage(response, response.signatures ? [response.signatures.buffer as ArrayBuffer] : []),
    );
  });
  const ready: VerifyResponse = {id: READY_ID, ok: true};
  port.postMessage(ready);
}

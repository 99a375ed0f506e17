import {
  aggregateWithRandomness,
  type PublicKey,
  Signature,
  type SignatureSet,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";
import {toHex} from "../util/hex.js";
import {CombineError} from "./errors.js";
import type {VerifyPool} from "./verifyPool.js";
import {PACKED_CHECK_BYTES} from "./verifyWorker.js";

/** A signature share as sent by an operator: its 1-based share index and the 96-byte compressed signature. */
export interface SignatureShare {
  index: number;
  signature: Uint8Array;
}

/** What checking one signature needs: its bytes (parsed once), the signing root and the public key it must verify under. */
export interface ShareCheck {
  index: number;
  /** The 96-byte compressed signature. */
  bytes: Uint8Array;
  /**
   * The same, deserialised by `parseShareSignature` (on the curve; the subgroup check is done when
   * verifying). This point is what is verified.
   */
  signature: Signature;
  publicKey: PublicKey;
  signingRoot: Uint8Array;
}

/**
 * Deserialises a share with blst: 96 bytes encoding a point on the curve, else COMBINE_MALFORMED_SHARE
 * naming the index. The subgroup check is left to the verification, which does it once.
 */
export function parseShareSignature(index: number, bytes: Uint8Array): Signature {
  if (bytes.length !== 96) throw new CombineError({code: "COMBINE_MALFORMED_SHARE", shareIndex: index});
  try {
    return Signature.fromBytes(bytes);
  } catch {
    throw new CombineError({code: "COMBINE_MALFORMED_SHARE", shareIndex: index});
  }
}

/**
 * Checks one signature (share or recovered) with blst: subgroup-checked, verified under its public key
 * (from a validated lock, so the key checks are skipped).
 */
export function isValidShare(check: ShareCheck): boolean {
  try {
    return verify(check.signingRoot, check.publicKey, check.signature, false, true);
  } catch {
    return false;
  }
}

/** Throws COMBINE_MALFORMED_SHARE or COMBINE_INVALID_SHARE (naming the index) unless the share verifies. */
export function verifyShare(share: SignatureShare, publicKeyShare: PublicKey, signingRoot: Uint8Array): Signature {
  const signature = parseShareSignature(share.index, share.signature);
  if (!isValidShare({index: share.index, bytes: share.signature, signature, publicKey: publicKeyShare, signingRoot})) {
    throw new CombineError({code: "COMBINE_INVALID_SHARE", shareIndex: share.index});
  }
  return signature;
}

/**
 * Verifies many signatures at once and returns one boolean per check, in order.
 *
 * Signatures over the same signing root (the t shares of one validator, and the attestations of every
 * validator in one slot) are folded by blst's `aggregateWithRandomness` into Σ rᵢ·pkᵢ and Σ rᵢ·σᵢ with
 * random 64-bit rᵢ, so a whole group costs one pairing check (as Lodestar verifies same-message gossip
 * attestations); the groups of different roots are then checked together with
 * `verifyMultipleAggregateSignatures`. A bad signature makes its batch fail except with probability
 * 2⁻⁶⁴; a failed batch is split in halves and each half checked again, down to single signatures, so
 * the result names every bad one at a cost of O(bad × log n) checks rather than n.
 */
export function verifyShareBatch(checks: ShareCheck[]): boolean[] {
  const result = new Array<boolean>(checks.length).fill(false);
  const positions = checks.map((_, i) => i);
  bisect(checks, positions, result);
  return result;
}

/** Below this size a failed batch is checked one by one rather than split again. */
const BISECT_MIN = 4;

function bisect(checks: ShareCheck[], positions: number[], result: boolean[]): void {
  if (positions.length === 0) return;
  if (positions.length === 1) {
    result[positions[0]] = isValidShare(checks[positions[0]]);
    return;
  }
  if (batchIsValid(positions.map((p) => checks[p]))) {
    for (const p of positions) result[p] = true;
    return;
  }
  if (positions.length <= BISECT_MIN) {
    for (const p of positions) result[p] = isValidShare(checks[p]);
    return;
  }
  const half = positions.length >> 1;
  bisect(checks, positions.slice(0, half), result);
  bisect(checks, positions.slice(half), result);
}

function batchIsValid(checks: ShareCheck[]): boolean {
  const groups = new Map<string, ShareCheck[]>();
  for (const c of checks) {
    const key = toHex(c.signingRoot);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [c]);
    else group.push(c);
  }
  try {
    const sets: SignatureSet[] = [...groups.values()].map((group) => {
      if (group.length === 1) return {msg: group[0].signingRoot, pk: group[0].publicKey, sig: group[0].signature};
      // Deserialises and subgroup-checks each signature (throws for a bad one). Uncompressed bytes of
      // the parsed point: deserialising the compressed ones again would take a square root each.
      const folded = aggregateWithRandomness(group.map((c) => ({pk: c.publicKey, sig: c.signature.toBytes(false)})));
      return {msg: group[0].signingRoot, pk: folded.pk, sig: folded.sig};
    });
    return sets.length === 1
      ? verify(sets[0].msg, sets[0].pk, sets[0].sig, false, true)
      : verifyMultipleAggregateSignatures(sets, false, true);
  } catch {
    // A signature failed its subgroup check.
    return false;
  }
}

/** Batches larger than this are split across a pool's workers. */
const SPLIT_MIN = 128;

/**
 * `verifyShareBatch` on a VerifyPool's worker threads: the same batches (random linear combination
 * per signing root) and the same bisection of failed batches, with halves checked in parallel and
 * large batches split across the workers. The main thread only packs bytes.
 */
export async function verifyShareBatchAsync(checks: ShareCheck[], pool: VerifyPool): Promise<boolean[]> {
  const result = new Array<boolean>(checks.length).fill(false);
  const packed = checks.map(packCheck);
  // Anything but a 96-byte signature over a 32-byte root cannot be packed, and is invalid anyway.
  const positions = checks.flatMap((c, i) => (c.bytes.length === 96 && c.signingRoot.length === 32 ? [i] : []));
  const parts = positions.length >= SPLIT_MIN * 2 ? Math.min(pool.size, Math.floor(positions.length / SPLIT_MIN)) : 1;
  const size = Math.ceil(positions.length / parts);
  const chunks = Array.from({length: parts}, (_, k) => positions.slice(k * size, (k + 1) * size));
  await Promise.all(chunks.map((chunk) => bisectAsync(packed, chunk, result, pool)));
  return result;
}

async function bisectAsync(
  packed: Uint8Array[],
  positions: number[],
  result: boolean[],
  pool: VerifyPool,
): Promise<void> {
  if (positions.length === 0) return;
  const buffer = new Uint8Array(positions.length * PACKED_CHECK_BYTES);
  positions.forEach((p, k) => {
    buffer.set(packed[p], k * PACKED_CHECK_BYTES);
  });
  if (await pool.isBatchValid(buffer)) {
    for (const p of positions) result[p] = true;
    return;
  }
  if (positions.length === 1) return;
  if (positions.length <= BISECT_MIN) {
    await Promise.all(positions.map((p) => bisectAsync(packed, [p], result, pool)));
    return;
  }
  const half = positions.length >> 1;
  await Promise.all([
    bisectAsync(packed, positions.slice(0, half), result, pool),
    bisectAsync(packed, positions.slice(half), result, pool),
  ]);
}

/** Public keys come from the lock and are reused for every duty: serialise each once. */
const uncompressedKeys = new WeakMap<PublicKey, Uint8Array>();

function packCheck(c: ShareCheck): Uint8Array {
  let pk = uncompressedKeys.get(c.publicKey);
  if (pk === undefined) {
    pk = c.publicKey.toBytes(false);
    uncompressedKeys.set(c.publicKey, pk);
  }
  const out = new Uint8Array(PACKED_CHECK_BYTES);
  if (c.bytes.length !== 96 || c.signingRoot.length !== 32) return out;
  out.set(c.signature.toBytes(false), 0);
  out.set(pk, 192);
  out.set(c.signingRoot, 288);
  return out;
}

import {createHash} from "node:crypto";
import {DasContextJs} from "@crate-crypto/node-eth-kzg";
import {BYTES_PER_FIELD_ELEMENT, CELLS_PER_EXT_BLOB, FIELD_ELEMENTS_PER_BLOB} from "@lodestar/params";
import {bytesEqual, toHex} from "../../util/hex.js";
import {SimChainError} from "./errors.js";

/** Distinct blobs the chain puts into blocks (a block takes up to 2 of them, in turn). */
export const BLOB_POOL_SIZE = 3;

/** One blob with everything a block and its publication carry for it, made by the KZG library. */
export interface SimBlob {
  blob: Uint8Array;
  commitment: Uint8Array;
  /** Deneb/Electra: the blob's KZG proof (one per blob). */
  blobProof: Uint8Array;
  /** Fulu (EIP-7594): the KZG proofs of the blob's CELLS_PER_EXT_BLOB cells. */
  cellProofs: Uint8Array[];
}

/** What a block's publication must carry besides the signed block: blobs and their proofs, in order. */
export interface BlobsAndProofs {
  blobs: Uint8Array[];
  kzgProofs: Uint8Array[];
}

/** Blobs, commitments and proofs from the maintained KZG library (its embedded Ethereum trusted setup). */
export class SimBlobs {
  private readonly byCommitment: Map<string, SimBlob>;

  constructor(readonly pool: SimBlob[]) {
    this.byCommitment = new Map(pool.map((b) => [toHex(b.commitment), b]));
  }

  /**
   * The process's blob pool, made once: the KZG context takes about 2 s to set up and each blob's cell
   * proofs about 0.3 s, run on libuv's thread pool (async calls) so the event loop keeps serving.
   */
  static load(): Promise<SimBlobs> {
    loading ??= makePool().catch((e) => {
      loading = null;
      throw e;
    });
    return loading;
  }

  /** Blobs of the block at `slot`: 0, 1 or 2 in turn (slots 3k+1 take one, 3k+2 two), capped by the fork's limit. */
  forSlot(slot: number, maxBlobs: number): SimBlob[] {
    const count = Math.min(slot % 3, maxBlobs);
    return Array.from({length: count}, (_, i) => this.pool[(slot + i) % this.pool.length]);
  }

  /** What a publication carries for these blobs: one proof per blob before Fulu, CELLS_PER_EXT_BLOB per blob from Fulu. */
  static contents(blobs: SimBlob[], postFulu: boolean): BlobsAndProofs {
    return {
      blobs: blobs.map((b) => b.blob),
      kzgProofs: blobs.flatMap((b) => (postFulu ? b.cellProofs : [b.blobProof])),
    };
  }

  /**
   * The check of a publication: the blobs and proofs must be exactly those produced for the block's
   * commitments, in order, byte for byte (a DVC must neither alter nor drop them). Throws SimChainError.
   */
  checkPublished(slot: number, commitments: Uint8Array[], published: BlobsAndProofs, postFulu: boolean): void {
    const fail = (reason: string): never => {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_BLOBS", slot, reason},
        `invalid blobs published with the block of slot ${slot}: ${reason}`,
      );
    };
    const proofsPerBlob = postFulu ? CELLS_PER_EXT_BLOB : 1;
    if (published.blobs.length !== commitments.length) {
      fail(`${published.blobs.length} blobs for ${commitments.length} KZG commitments in the block`);
    }
    if (published.kzgProofs.length !== commitments.length * proofsPerBlob) {
      fail(
        `${published.kzgProofs.length} KZG proofs for ${commitments.length} blobs ` +
          `(${postFulu ? `Fulu: ${CELLS_PER_EXT_BLOB} cell proofs per blob` : "one proof per blob"})`,
      );
    }
    commitments.forEach((commitment, i) => {
      const produced = this.byCommitment.get(toHex(commitment));
      if (produced === undefined) fail(`commitment ${i} ${toHex(commitment)} is not one this chain produced`);
      if (!bytesEqual(published.blobs[i], produced!.blob)) fail(`blob ${i} differs from the produced blob`);
      const expected = postFulu ? produced!.cellProofs : [produced!.blobProof];
      for (let j = 0; j < proofsPerBlob; j++) {
        if (!bytesEqual(published.kzgProofs[i * proofsPerBlob + j], expected[j])) {
          fail(`KZG proof ${j} of blob ${i} differs from the produced proof`);
        }
      }
    });
  }
}

let loading: Promise<SimBlobs> | null = null;

async function makePool(): Promise<SimBlobs> {
  // Without precomputed tables: 1 s faster to set up and 100 MB smaller, 0.1 s slower per blob (made once).
  const ctx = DasContextJs.create({usePrecomp: false});
  // The blobs in parallel on the thread pool.
  const pool = await Promise.all(Array.from({length: BLOB_POOL_SIZE}, (_, i) => makeBlob(ctx, i)));
  return new SimBlobs(pool);
}

async function makeBlob(ctx: DasContextJs, i: number): Promise<SimBlob> {
  const blob = deterministicBlob(i);
  const commitment = await ctx.asyncBlobToKzgCommitment(blob);
  const [blobProof, cells] = await Promise.all([
    ctx.asyncComputeBlobKzgProof(blob, commitment),
    ctx.asyncComputeCellsAndKzgProofs(blob),
  ]);
  const cellIndices = cells.proofs.map((_, j) => j);
  // The library checks its own output once, as a BN would check a sidecar: the pool is known good.
  const valid =
    (await ctx.asyncVerifyBlobKzgProof(blob, commitment, blobProof)) &&
    (await ctx.asyncVerifyCellKzgProofBatch(
      cellIndices.map(() => commitment),
      cellIndices,
      cells.cells,
      cells.proofs,
    ));
  if (!valid || cells.proofs.length !== CELLS_PER_EXT_BLOB) {
    throw new SimChainError({code: "SIMCHAIN_INVALID_OPTIONS", field: "kzg"}, "the KZG library's proofs do not verify");
  }
  return {blob, commitment, blobProof, cellProofs: cells.proofs};
}

/** A blob of FIELD_ELEMENTS_PER_BLOB canonical field elements (top byte zero: below the BLS modulus). */
function deterministicBlob(index: number): Uint8Array {
  const blob = new Uint8Array(FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT);
  for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB; fe++) {
    const h = createHash("sha256").update(`cohort-sim-blob:${index}:${fe}`).digest();
    blob.set(h.subarray(1), fe * BYTES_PER_FIELD_ELEMENT + 1);
  }
  return blob;
}

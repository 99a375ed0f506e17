import {aggregateSignatures, Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {MAX_ATTESTATIONS_ELECTRA, MAX_COMMITTEES_PER_SLOT, SLOTS_PER_EPOCH} from "@lodestar/params";
import type {electra, phase0} from "@lodestar/types";

interface PoolEntry {
  data: phase0.AttestationData;
  committeeIndex: number;
  committeeLength: number;
  /** committee position → signature */
  signatures: Map<number, Uint8Array>;
  /** committee positions already in a canonical block */
  included: Set<number>;
}

/**
 * Accepted single attestations waiting for inclusion, aggregated per (data, committee) when a block is
 * built, like a BN's op pool. Entries leave once their inclusion window (the next epoch, from Deneb) ends.
 */
export class AttestationPool {
  private readonly entries = new Map<string, PoolEntry>();

  add(
    dataRootHex: string,
    data: phase0.AttestationData,
    committeeIndex: number,
    committeeLength: number,
    position: number,
    signature: Uint8Array,
  ): void {
    const k = `${dataRootHex}:${committeeIndex}`;
    let e = this.entries.get(k);
    if (e === undefined) {
      e = {data, committeeIndex, committeeLength, signatures: new Map(), included: new Set()};
      this.entries.set(k, e);
    }
    e.signatures.set(position, signature);
  }

  /** The aggregate of everything pooled for (data root, committee), or undefined when nothing is. */
  aggregate(dataRootHex: string, committeeIndex: number): electra.Attestation | undefined {
    const e = this.entries.get(`${dataRootHex}:${committeeIndex}`);
    return e === undefined ? undefined : toAttestation(e);
  }

  /** Aggregates for a block at `slot`: attestations at least one slot old, inside the window, not yet all included. */
  pack(slot: number): electra.Attestation[] {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const out: electra.Attestation[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= MAX_ATTESTATIONS_ELECTRA) break;
      const attEpoch = Math.floor(e.data.slot / SLOTS_PER_EPOCH);
      if (e.data.slot >= slot || attEpoch + 1 < epoch) continue;
      if ([...e.signatures.keys()].every((p) => e.included.has(p))) continue;
      out.push(toAttestation(e));
    }
    return out;
  }

  markIncluded(dataRootHex: string, committeeIndex: number, position: number): void {
    this.entries.get(`${dataRootHex}:${committeeIndex}`)?.included.add(position);
  }

  /** Drops entries whose inclusion window has closed by `slot`. */
  prune(slot: number): void {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    for (const [k, e] of this.entries) {
      if (Math.floor(e.data.slot / SLOTS_PER_EPOCH) + 1 < epoch) this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function toAttestation(e: PoolEntry): electra.Attestation {
  const aggregationBits = BitArray.fromBitLen(e.committeeLength);
  const sigs: Signature[] = [];
  for (const [position, sig] of e.signatures) {
    aggregationBits.set(position, true);
    sigs.push(Signature.fromBytes(sig));
  }
  const committeeBits = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
  committeeBits.set(e.committeeIndex, true);
  return {aggregationBits, data: e.data, signature: aggregateSignatures(sigs).toBytes(), committeeBits};
}

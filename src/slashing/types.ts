/** A block signing: the slot and the signing root (32 bytes; all zeros is a real root). */
export interface SignedBlockRecord {
  slot: number;
  signingRoot: Uint8Array;
}

/** An attestation signing: source and target epochs and the signing root. */
export interface SignedAttestationRecord {
  sourceEpoch: number;
  targetEpoch: number;
  signingRoot: Uint8Array;
}

/** A record as stored: imported records may lack a signing root (`null`), which is never "the same". */
export interface StoredBlock {
  slot: number;
  signingRoot: Uint8Array | null;
}

export interface StoredAttestation {
  sourceEpoch: number;
  targetEpoch: number;
  signingRoot: Uint8Array | null;
}

/** The outcome of an accepted check: a new record, or an identical re-sign of one already recorded. */
export type SafeStatus = "new" | "same";

export interface AttestationBatchItem {
  pubkey: Uint8Array;
  attestation: SignedAttestationRecord;
}

export interface BlockBatchItem {
  pubkey: Uint8Array;
  block: SignedBlockRecord;
}

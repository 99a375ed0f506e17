import {toHex} from "../util/hex.js";
import {SlashingProtectionError} from "./errors.js";
import type {SafeStatus, SignedAttestationRecord, SignedBlockRecord, StoredAttestation, StoredBlock} from "./types.js";

/**
 * The slashing rules, pure: they read a validator's history through these lookups and decide. The SQLite
 * store implements the lookups with indexed queries inside the same transaction as the insert.
 *
 * Low watermarks come from the history itself (the complete strategy of EIP-3076): nothing is signed at
 * or below the lowest recorded block slot, nor with a source below the lowest recorded source or a target
 * at or below the lowest recorded target, except an identical re-sign. An import therefore sets the
 * watermarks of the validators it carries, and since behaviour depends only on the records, an exported
 * and re-imported DB refuses and allows exactly the same messages.
 */
export interface BlockHistory {
  blocksAtSlot(slot: number): StoredBlock[];
  minSlot(): number | null;
}

export interface AttestationHistory {
  attestationsAtTarget(targetEpoch: number): StoredAttestation[];
  minEpochs(): {minSource: number; minTarget: number} | null;
  /** A recorded attestation with source < s and target > t (it surrounds the candidate), if any. */
  findSurrounding(sourceEpoch: number, targetEpoch: number): StoredAttestation | null;
  /** A recorded attestation with source > s and target < t (the candidate surrounds it), if any. */
  findSurrounded(sourceEpoch: number, targetEpoch: number): StoredAttestation | null;
}

export function checkBlock(pubkey: Uint8Array, block: SignedBlockRecord, history: BlockHistory): SafeStatus {
  const atSlot = history.blocksAtSlot(block.slot);
  if (atSlot.length > 0) {
    if (atSlot.every((b) => sameRoot(b.signingRoot, block.signingRoot))) return "same";
    const differing = atSlot.find((b) => !sameRoot(b.signingRoot, block.signingRoot)) as StoredBlock;
    throw new SlashingProtectionError(
      {
        code: "SLASHING_DOUBLE_PROPOSAL",
        pubkey: toHex(pubkey),
        slot: block.slot,
        existingSigningRoot: differing.signingRoot ? toHex(differing.signingRoot) : null,
      },
      `refused: a different block was already signed at slot ${block.slot}`,
    );
  }
  const minSlot = history.minSlot();
  if (minSlot !== null && block.slot <= minSlot) {
    throw new SlashingProtectionError(
      {code: "SLASHING_BLOCK_BELOW_LOW_WATERMARK", pubkey: toHex(pubkey), slot: block.slot, minSlot},
      `refused: block slot ${block.slot} is at or below the lowest recorded slot ${minSlot}`,
    );
  }
  return "new";
}

export function checkAttestation(
  pubkey: Uint8Array,
  att: SignedAttestationRecord,
  history: AttestationHistory,
): SafeStatus {
  const {sourceEpoch, targetEpoch} = att;
  const key = toHex(pubkey);
  if (sourceEpoch > targetEpoch) {
    throw new SlashingProtectionError(
      {code: "SLASHING_SOURCE_EXCEEDS_TARGET", pubkey: key, sourceEpoch, targetEpoch},
      `refused: source epoch ${sourceEpoch} is after target epoch ${targetEpoch}`,
    );
  }
  const atTarget = history.attestationsAtTarget(targetEpoch);
  if (atTarget.length > 0) {
    if (atTarget.every((a) => sameRoot(a.signingRoot, att.signingRoot))) return "same";
    const differing = atTarget.find((a) => !sameRoot(a.signingRoot, att.signingRoot)) as StoredAttestation;
    throw new SlashingProtectionError(
      {
        code: "SLASHING_DOUBLE_VOTE",
        pubkey: key,
        targetEpoch,
        existingSigningRoot: differing.signingRoot ? toHex(differing.signingRoot) : null,
      },
      `refused: a different attestation was already signed for target epoch ${targetEpoch}`,
    );
  }
  const mins = history.minEpochs();
  if (mins !== null && (sourceEpoch < mins.minSource || targetEpoch <= mins.minTarget)) {
    throw new SlashingProtectionError(
      {
        code: "SLASHING_ATTESTATION_BELOW_LOW_WATERMARK",
        pubkey: key,
        sourceEpoch,
        targetEpoch,
        minSourceEpoch: mins.minSource,
        minTargetEpoch: mins.minTarget,
      },
      `refused: attestation (${sourceEpoch}, ${targetEpoch}) is below the low watermark (${mins.minSource}, ${mins.minTarget})`,
    );
  }
  const surrounding = history.findSurrounding(sourceEpoch, targetEpoch);
  if (surrounding) {
    throw surroundError("SLASHING_SURROUNDED_VOTE", key, att, surrounding);
  }
  const surrounded = history.findSurrounded(sourceEpoch, targetEpoch);
  if (surrounded) {
    throw surroundError("SLASHING_SURROUNDING_VOTE", key, att, surrounded);
  }
  return "new";
}

/** Two roots are "the same" only when both are known: a record without a root matches nothing. */
function sameRoot(stored: Uint8Array | null, candidate: Uint8Array): boolean {
  return stored !== null && Buffer.compare(stored, candidate) === 0;
}

function surroundError(
  code: "SLASHING_SURROUNDED_VOTE" | "SLASHING_SURROUNDING_VOTE",
  pubkey: string,
  att: SignedAttestationRecord,
  existing: StoredAttestation,
): SlashingProtectionError {
  const relation = code === "SLASHING_SURROUNDED_VOTE" ? "is surrounded by" : "surrounds";
  return new SlashingProtectionError(
    {
      code,
      pubkey,
      sourceEpoch: att.sourceEpoch,
      targetEpoch: att.targetEpoch,
      existingSourceEpoch: existing.sourceEpoch,
      existingTargetEpoch: existing.targetEpoch,
    },
    `refused: attestation (${att.sourceEpoch}, ${att.targetEpoch}) ${relation} the recorded (${existing.sourceEpoch}, ${existing.targetEpoch})`,
  );
}

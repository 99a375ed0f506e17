import {ContainerType, ListCompositeType, UintNumberType} from "@chainsafe/ssz";
import {MAX_COMMITTEES_PER_SLOT} from "@lodestar/params";
import {type phase0, ssz} from "@lodestar/types";

/**
 * The value the cluster agrees on for an attester duty: the attestation data of every committee in which
 * a cluster validator attests in the slot. From Electra one `AttestationData` (index 0) serves every
 * committee, so the list has one entry with committee index 0; before Electra there is one entry per
 * committee index. SSZ-encoded for consensus.
 */
export const AttesterValue = new ListCompositeType(
  new ContainerType({committeeIndex: new UintNumberType(8), data: ssz.phase0.AttestationData}),
  MAX_COMMITTEES_PER_SLOT,
);

export type AttesterValueEntry = {committeeIndex: number; data: phase0.AttestationData};

export function encodeAttesterValue(entries: AttesterValueEntry[]): Uint8Array {
  return AttesterValue.serialize(entries);
}

export function decodeAttesterValue(bytes: Uint8Array): AttesterValueEntry[] | null {
  try {
    return AttesterValue.deserialize(bytes);
  } catch {
    return null;
  }
}

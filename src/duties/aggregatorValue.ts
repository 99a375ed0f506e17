import {ContainerType, ListCompositeType, UintNumberType} from "@chainsafe/ssz";
import {MAX_COMMITTEES_PER_SLOT} from "@lodestar/params";
import {type Attestation, ssz} from "@lodestar/types";

/**
 * The value the cluster agrees on for an aggregator duty: the aggregate attestation of every committee in
 * which a cluster validator aggregates in the slot, in committee order. The aggregate's SSZ layout is the
 * fork's: Electra's (with committee bits) from Electra on, phase0's before. SSZ-encoded for consensus.
 */
const committeeIndex = new UintNumberType(8);
const AggregatorValueElectra = new ListCompositeType(
  new ContainerType({committeeIndex, aggregate: ssz.electra.Attestation}),
  MAX_COMMITTEES_PER_SLOT,
);
const AggregatorValuePhase0 = new ListCompositeType(
  new ContainerType({committeeIndex, aggregate: ssz.phase0.Attestation}),
  MAX_COMMITTEES_PER_SLOT,
);

export type AggregatorValueEntry = {committeeIndex: number; aggregate: Attestation};

export function encodeAggregatorValue(entries: AggregatorValueEntry[], postElectra: boolean): Uint8Array {
  return postElectra ? AggregatorValueElectra.serialize(entries as never) : AggregatorValuePhase0.serialize(entries);
}

export function decodeAggregatorValue(bytes: Uint8Array, postElectra: boolean): AggregatorValueEntry[] | null {
  try {
    return postElectra ? AggregatorValueElectra.deserialize(bytes) : AggregatorValuePhase0.deserialize(bytes);
  } catch {
    return null;
  }
}

import {BooleanType, ByteListType, ContainerType, UintNumberType} from "@chainsafe/ssz";
import type {ChainForkConfig} from "@lodestar/config";
import {ForkSeq} from "@lodestar/params";
import type {BeaconBlock, BlindedBeaconBlock, BlockContents} from "@lodestar/types";

/** Blocks with blobs stay well below this. */
const MAX_BLOCK_BYTES = 32 * 1024 * 1024;

/**
 * The value the cluster agrees on for a proposer duty: the block the leader's BN produced, as SSZ of the
 * fork at the slot — `BlockContents` (block, blobs, KZG proofs) from Deneb on, the block before, or the
 * blinded block when the BN returned one from a builder.
 */
const ProposerValue = new ContainerType({
  slot: new UintNumberType(8),
  blinded: new BooleanType(),
  ssz: new ByteListType(MAX_BLOCK_BYTES),
});

export type ProposedBlock =
  | {blinded: false; block: BeaconBlock; contents: BlockContents | null}
  | {blinded: true; block: BlindedBeaconBlock};

export function encodeProposerValue(config: ChainForkConfig, slot: number, proposed: ProposedBlock): Uint8Array {
  let bytes: Uint8Array;
  if (proposed.blinded) {
    bytes = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.serialize(proposed.block as never);
  } else if (config.getForkSeq(slot) >= ForkSeq.deneb) {
    bytes = config.getPostDenebForkTypes(slot).BlockContents.serialize(proposed.contents as never);
  } else {
    bytes = config.getForkTypes(slot).BeaconBlock.serialize(proposed.block as never);
  }
  return ProposerValue.serialize({slot, blinded: proposed.blinded, ssz: bytes});
}

/** Decodes a proposal for `slot`; null when it is malformed or for another slot's fork. */
export function decodeProposerValue(config: ChainForkConfig, slot: number, value: Uint8Array): ProposedBlock | null {
  try {
    const v = ProposerValue.deserialize(value);
    if (v.slot !== slot) return null;
    if (v.blinded) {
      return {blinded: true, block: config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.deserialize(v.ssz)};
    }
    if (config.getForkSeq(slot) >= ForkSeq.deneb) {
      const contents = config.getPostDenebForkTypes(slot).BlockContents.deserialize(v.ssz) as BlockContents;
      return {blinded: false, block: contents.block, contents};
    }
    return {blinded: false, block: config.getForkTypes(slot).BeaconBlock.deserialize(v.ssz), contents: null};
  } catch {
    return null;
  }
}

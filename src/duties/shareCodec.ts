import {ByteVectorType, ContainerType, ListCompositeType, UintNumberType} from "@chainsafe/ssz";

/** Most shares in one message; a duty with more validators is sent in several messages. */
export const MAX_SHARES_PER_MESSAGE = 512;

const ShareEntry = new ContainerType({
  validator: new ByteVectorType(48),
  signingRoot: new ByteVectorType(32),
  signature: new ByteVectorType(96),
});

/**
 * The "shares" topic payload: one operator's signature shares for one duty (slot, duty type). SSZ, so
 * the encoding is canonical and decoding is bounded; the sender is the authenticated p2p peer, whose
 * operator index gives the share index (operator i sends share i + 1).
 */
export const SharesMessage = new ContainerType({
  slot: new UintNumberType(8),
  dutyType: new UintNumberType(1),
  shares: new ListCompositeType(ShareEntry, MAX_SHARES_PER_MESSAGE),
});

export interface SharesMessageValue {
  slot: number;
  dutyType: number;
  shares: {validator: Uint8Array; signingRoot: Uint8Array; signature: Uint8Array}[];
}

export function encodeSharesMessage(msg: SharesMessageValue): Uint8Array {
  return SharesMessage.serialize(msg);
}

/** Decodes a peer's payload; null when it is malformed (never throws). */
export function decodeSharesMessage(bytes: Uint8Array): SharesMessageValue | null {
  try {
    return SharesMessage.deserialize(bytes);
  } catch {
    return null;
  }
}

import {createHash} from "node:crypto";
import {ByteListType, ByteVectorType, ContainerType, ListCompositeType, UintNumberType} from "@chainsafe/ssz";
import {type ConsensusMessage, type MsgData, MsgType, type SignedMsg} from "./types.js";

/**
 * Canonical SSZ encoding of consensus messages (documented in docs/wire.md, "Consensus messages").
 * Decoding is defensive: every length is bounded by the types below and every field is range checked,
 * so a malformed payload raises a CodecError and nothing else.
 */

/** Largest value a message may carry (a full block with its blobs stays well under this). */
export const MAX_VALUE_BYTES = 10 * 1024 * 1024;
/** Largest cluster the wire format supports. */
export const MAX_OPERATORS = 64;
/** A PRE-PREPARE carries at most n ROUND-CHANGEs and n PREPAREs. */
export const MAX_JUSTIFICATION = 2 * MAX_OPERATORS;

const Bytes32 = new ByteVectorType(32);
const Uint8 = new UintNumberType(1);
const Uint32 = new UintNumberType(4);
const Uint64 = new UintNumberType(8);

export const MsgDataType = new ContainerType(
  {
    type: Uint8,
    slot: Uint64,
    dutyType: Uint8,
    round: Uint32,
    source: Uint32,
    valueHash: Bytes32,
    preparedRound: Uint32,
    preparedValueHash: Bytes32,
  },
  {typeName: "QbftMsgData"},
);

export const SignedMsgType = new ContainerType(
  {data: MsgDataType, signature: new ByteVectorType(64)},
  {typeName: "QbftSignedMsg"},
);

export const ConsensusMessageType = new ContainerType(
  {
    signed: SignedMsgType,
    value: new ByteListType(MAX_VALUE_BYTES),
    justification: new ListCompositeType(SignedMsgType, MAX_JUSTIFICATION),
  },
  {typeName: "QbftMessage"},
);

/** What an operator signs: the message data under a domain bound to the protocol and the cluster. */
export const SigningDataType = new ContainerType({domain: Bytes32, data: MsgDataType}, {typeName: "QbftSigningData"});

const DOMAIN_TAG = new TextEncoder().encode("cohort/qbft/v1");

/** The signing domain: SHA-256("cohort/qbft/v1" || clusterId), so a signature never replays across clusters. */
export function signingDomain(clusterId: Uint8Array): Uint8Array {
  return createHash("sha256").update(DOMAIN_TAG).update(clusterId).digest();
}

/** The exact bytes an operator signs for `data`. */
export function signingBytes(domain: Uint8Array, data: MsgData): Uint8Array {
  return SigningDataType.serialize({domain, data});
}

export function hashValue(value: Uint8Array): Uint8Array {
  return createHash("sha256").update(value).digest();
}

export function encodeMessage(msg: ConsensusMessage): Uint8Array {
  return ConsensusMessageType.serialize(msg);
}

export class CodecError extends Error {}

export function decodeMessage(bytes: Uint8Array): ConsensusMessage {
  let decoded: ConsensusMessage;
  try {
    decoded = ConsensusMessageType.deserialize(bytes);
  } catch (e) {
    throw new CodecError(`malformed consensus message: ${(e as Error).message}`);
  }
  checkData(decoded.signed.data);
  for (const j of decoded.justification) checkData(j.data);
  return decoded;
}

function checkData(data: MsgData): void {
  if (!(data.type in MsgType)) throw new CodecError(`unknown message type ${data.type}`);
  if (!Number.isSafeInteger(data.slot)) throw new CodecError("slot out of range");
  if (data.round < 1) throw new CodecError("round must be >= 1");
  if (data.source >= MAX_OPERATORS) throw new CodecError("source out of range");
}

/** Cheap structural copy for tests and Byzantine simulations. */
export function cloneSigned(m: SignedMsg): SignedMsg {
  return {
    data: {
      ...m.data,
      valueHash: Uint8Array.from(m.data.valueHash),
      preparedValueHash: Uint8Array.from(m.data.preparedValueHash),
    },
    signature: Uint8Array.from(m.signature),
  };
}

import {createHash} from "node:crypto";
import {BitArray} from "@chainsafe/ssz";
import {SYNC_COMMITTEE_SIZE} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import {toHex} from "../../util/hex.js";

/** The BLS G2 point at infinity: the only valid signature over an empty participation set. */
export const G2_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);
const ZERO_ROOT = new Uint8Array(32);
const GAS_LIMIT = 30_000_000;
/** EIP-4844: blob gas per blob. */
const GAS_PER_BLOB = 2 ** 17;

/** A block of the simulated chain, with the bits of post-state the next block needs. */
export interface ChainBlock {
  root: Uint8Array;
  rootHex: string;
  message: electra.BeaconBlock;
  signature: Uint8Array;
  /** Made by the simulator for a slot whose proposer published nothing in time (unsigned). */
  filler: boolean;
  /** RANDAO mix after this block. */
  randaoMix: Uint8Array;
}

export interface BlockInputs {
  slot: number;
  proposerIndex: number;
  parent: ChainBlock;
  randaoReveal: Uint8Array;
  graffiti: Uint8Array;
  feeRecipient: Uint8Array;
  attestations: electra.Attestation[];
  /** KZG commitments of the block's blobs (none by default). */
  blobKzgCommitments?: Uint8Array[];
  /** The sync committee's aggregate of the previous slot (none: no participation). */
  syncAggregate?: electra.BeaconBlockBody["syncAggregate"];
  genesisTime: number;
  secondsPerSlot: number;
}

/**
 * Builds an SSZ-valid Electra block (Fulu keeps the container) on `parent`. There is no real state transition: the state root is a
 * hash committing to the parent state, slot, proposer and body, and the execution payload is a stub chain
 * (block hash = hash of its fields) with the right parent hash, number, timestamp and prev_randao.
 */
export function buildBlock(inp: BlockInputs): electra.BeaconBlock {
  const parentPayload = inp.parent.message.body.executionPayload;
  const blockNumber = parentPayload.blockNumber + 1;
  const timestamp = inp.genesisTime + inp.slot * inp.secondsPerSlot;
  const payload = ssz.electra.ExecutionPayload.defaultValue();
  payload.parentHash = parentPayload.blockHash;
  payload.feeRecipient = inp.feeRecipient;
  payload.stateRoot = sha256("el-state", u64(blockNumber));
  payload.receiptsRoot = sha256("el-receipts", u64(blockNumber));
  payload.prevRandao = inp.parent.randaoMix;
  payload.blockNumber = blockNumber;
  payload.gasLimit = GAS_LIMIT;
  payload.timestamp = timestamp;
  payload.baseFeePerGas = 7n;
  const blobKzgCommitments = inp.blobKzgCommitments ?? [];
  payload.blobGasUsed = BigInt(blobKzgCommitments.length * GAS_PER_BLOB);
  payload.blockHash = sha256(
    "el-block",
    payload.parentHash,
    u64(blockNumber),
    u64(timestamp),
    payload.prevRandao,
    payload.feeRecipient,
  );

  const body = ssz.electra.BeaconBlockBody.defaultValue();
  body.randaoReveal = inp.randaoReveal;
  body.graffiti = inp.graffiti;
  body.eth1Data = {depositRoot: ZERO_ROOT, depositCount: 0n, blockHash: ZERO_ROOT};
  body.attestations = inp.attestations;
  body.syncAggregate = inp.syncAggregate ?? {
    syncCommitteeBits: BitArray.fromBitLen(SYNC_COMMITTEE_SIZE),
    syncCommitteeSignature: G2_INFINITY,
  };
  body.executionPayload = payload;
  body.blobKzgCommitments = blobKzgCommitments;

  const block: electra.BeaconBlock = {
    slot: inp.slot,
    proposerIndex: inp.proposerIndex,
    parentRoot: inp.parent.root,
    stateRoot: ZERO_ROOT,
    body,
  };
  block.stateRoot = expectedStateRoot(inp.parent, block);
  return block;
}

/** The simulator's stand-in for the post-state root: commits to the parent state and the whole block. */
export function expectedStateRoot(parent: ChainBlock, block: electra.BeaconBlock): Uint8Array {
  return sha256(
    "cohort-sim-state",
    parent.message.stateRoot,
    u64(block.slot),
    u64(block.proposerIndex),
    block.parentRoot,
    ssz.electra.BeaconBlockBody.hashTreeRoot(block.body),
  );
}

/** mix' = mix xor sha256(reveal), as process_randao does. */
export function nextRandaoMix(mix: Uint8Array, reveal: Uint8Array): Uint8Array {
  const h = sha256("", reveal);
  return mix.map((b, i) => b ^ h[i]);
}

export function genesisBlock(genesisValidatorsRoot: Uint8Array, genesisTime: number): ChainBlock {
  const message = ssz.electra.BeaconBlock.defaultValue();
  message.stateRoot = sha256("cohort-sim-genesis-state", genesisValidatorsRoot, u64(genesisTime));
  message.body.executionPayload.blockHash = sha256("el-genesis", genesisValidatorsRoot);
  message.body.executionPayload.timestamp = genesisTime;
  message.body.syncAggregate.syncCommitteeSignature = G2_INFINITY;
  return sealBlock(message, G2_INFINITY, false, sha256("cohort-sim-genesis-mix", genesisValidatorsRoot));
}

export function sealBlock(
  message: electra.BeaconBlock,
  signature: Uint8Array,
  filler: boolean,
  randaoMix: Uint8Array,
): ChainBlock {
  const root = ssz.electra.BeaconBlock.hashTreeRoot(message);
  return {root, rootHex: toHex(root), message, signature, filler, randaoMix};
}

/** UTF-8 graffiti, truncated or zero-padded to 32 bytes. */
export function graffitiBytes(graffiti: string | undefined): Uint8Array {
  const out = new Uint8Array(32);
  if (graffiti !== undefined) out.set(Buffer.from(graffiti, "utf8").subarray(0, 32));
  return out;
}

function u64(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function sha256(tag: string, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256").update(tag);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

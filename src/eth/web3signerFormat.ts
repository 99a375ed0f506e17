/**
 * The Web3Signer eth2 signing request body (`POST /api/v1/eth2/sign/{pubkey}`): serialising a
 * `SignableMessage` with its `fork_info` and `signingRoot`, and parsing one back with every field
 * checked. Field names follow the Web3Signer OpenAPI spec: `signingRoot` camelCase, the rest
 * snake_case, numbers as decimal strings, fork versions in BLOCK_V2 / AGGREGATE_AND_PROOF_V2 upper case.
 */
import {ContainerType} from "@chainsafe/ssz";
import {ForkName} from "@lodestar/params";
import {ssz, sszTypesFor} from "@lodestar/types";
import {fromHex, isHex, toHex} from "../util/hex.js";
import {SigningError} from "./errors.js";
import {
  type BlockSignable,
  SIGNABLE_MESSAGE_TYPES,
  type SignableMessage,
  type SignableMessageType,
  type SigningForkInfo,
} from "./signing.js";

const RandaoRevealJson = new ContainerType({epoch: ssz.Epoch}, {jsonCase: "eth2"});
const AggregationSlotJson = new ContainerType({slot: ssz.Slot}, {jsonCase: "eth2"});
const SyncCommitteeMessageJson = new ContainerType({beaconBlockRoot: ssz.Root, slot: ssz.Slot}, {jsonCase: "eth2"});

export interface ForkInfoJson {
  fork: {previous_version: string; current_version: string; epoch: string};
  genesis_validators_root: string;
}

export interface SignRequestBody {
  type: SignableMessageType;
  signingRoot: string;
  fork_info?: ForkInfoJson;
  [payload: string]: unknown;
}

/** A parsed, well-formed sign request (the signing root is not yet checked against the payload). */
export interface ParsedSignRequest {
  message: SignableMessage;
  forkInfo: SigningForkInfo | null;
  signingRoot: Uint8Array | null;
}

export function forkInfoToJson(forkInfo: SigningForkInfo): ForkInfoJson {
  return {
    fork: {
      previous_version: toHex(forkInfo.previousVersion),
      current_version: toHex(forkInfo.currentVersion),
      epoch: String(forkInfo.epoch),
    },
    genesis_validators_root: toHex(forkInfo.genesisValidatorsRoot),
  };
}

/** The JSON body Web3Signer expects for this message. */
export function toSignRequestBody(
  msg: SignableMessage,
  forkInfo: SigningForkInfo | null,
  signingRoot: Uint8Array,
): SignRequestBody {
  const body: SignRequestBody = {type: msg.type, signingRoot: toHex(signingRoot), ...payloadToJson(msg)};
  if (forkInfo !== null) body.fork_info = forkInfoToJson(forkInfo);
  return body;
}

function payloadToJson(msg: SignableMessage): Record<string, unknown> {
  switch (msg.type) {
    case "ATTESTATION":
      return {attestation: ssz.phase0.AttestationData.toJson(msg.data)};
    case "BLOCK_V2":
      return {beacon_block: blockToJson(msg.data)};
    case "RANDAO_REVEAL":
      return {randao_reveal: RandaoRevealJson.toJson(msg.data)};
    case "AGGREGATION_SLOT":
      return {aggregation_slot: AggregationSlotJson.toJson(msg.data)};
    case "AGGREGATE_AND_PROOF":
      return {aggregate_and_proof: ssz.phase0.AggregateAndProof.toJson(msg.data)};
    case "AGGREGATE_AND_PROOF_V2":
      return {
        aggregate_and_proof: {
          version: msg.data.version.toUpperCase(),
          data: sszTypesFor(msg.data.version).AggregateAndProof.toJson(msg.data.aggregateAndProof as never),
        },
      };
    case "SYNC_COMMITTEE_MESSAGE":
      return {sync_committee_message: SyncCommitteeMessageJson.toJson(msg.data)};
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return {sync_aggregator_selection_data: ssz.altair.SyncAggregatorSelectionData.toJson(msg.data)};
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return {contribution_and_proof: ssz.altair.ContributionAndProof.toJson(msg.data)};
    case "VOLUNTARY_EXIT":
      return {voluntary_exit: ssz.phase0.VoluntaryExit.toJson(msg.data)};
    case "VALIDATOR_REGISTRATION":
      return {validator_registration: ssz.bellatrix.ValidatorRegistrationV1.toJson(msg.data)};
  }
}

function blockToJson(block: BlockSignable): Record<string, unknown> {
  const version = block.version.toUpperCase();
  if ("block" in block) return {version, block: sszTypesFor(block.version).BeaconBlock.toJson(block.block)};
  return {version, block_header: ssz.phase0.BeaconBlockHeader.toJson(block.blockHeader)};
}

/** Parses and checks a sign request body; throws `SigningError` (SIGNING_INVALID_MESSAGE) on any defect. */
export function parseSignRequestBody(body: unknown): ParsedSignRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("unknown", "the body must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== "string" || !(SIGNABLE_MESSAGE_TYPES as readonly string[]).includes(type)) {
    throw invalid(String(type), `unsupported type; one of ${SIGNABLE_MESSAGE_TYPES.join(", ")}`);
  }
  const messageType = type as SignableMessageType;
  let signingRoot: Uint8Array | null = null;
  if (record.signingRoot !== undefined) {
    if (!isHex(record.signingRoot, 32)) throw invalid(messageType, "signingRoot must be 32 bytes of 0x-hex");
    signingRoot = fromHex(record.signingRoot, 32);
  }
  const forkInfo = record.fork_info === undefined ? null : parseForkInfo(messageType, record.fork_info);
  const message = guard(messageType, () => parsePayload(messageType, record));
  return {message, forkInfo, signingRoot};
}

function parsePayload(type: SignableMessageType, record: Record<string, unknown>): SignableMessage {
  const field = (name: string): unknown => {
    const value = record[name];
    if (value === undefined || value === null) throw invalid(type, `missing field ${name}`);
    return value;
  };
  switch (type) {
    case "ATTESTATION":
      return {type, data: ssz.phase0.AttestationData.fromJson(field("attestation"))};
    case "BLOCK_V2":
      return {type, data: parseBlock(field("beacon_block"))};
    case "RANDAO_REVEAL":
      return {type, data: RandaoRevealJson.fromJson(field("randao_reveal"))};
    case "AGGREGATION_SLOT":
      return {type, data: AggregationSlotJson.fromJson(field("aggregation_slot"))};
    case "AGGREGATE_AND_PROOF":
      return {type, data: ssz.phase0.AggregateAndProof.fromJson(field("aggregate_and_proof"))};
    case "AGGREGATE_AND_PROOF_V2": {
      const wrapped = asObject(type, field("aggregate_and_proof"), "aggregate_and_proof");
      const version = parseVersion(type, wrapped.version);
      const aggregateAndProof = sszTypesFor(version).AggregateAndProof.fromJson(wrapped.data);
      return {type, data: {version, aggregateAndProof}};
    }
    case "SYNC_COMMITTEE_MESSAGE":
      return {type, data: SyncCommitteeMessageJson.fromJson(field("sync_committee_message"))};
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return {type, data: ssz.altair.SyncAggregatorSelectionData.fromJson(field("sync_aggregator_selection_data"))};
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return {type, data: ssz.altair.ContributionAndProof.fromJson(field("contribution_and_proof"))};
    case "VOLUNTARY_EXIT":
      return {type, data: ssz.phase0.VoluntaryExit.fromJson(field("voluntary_exit"))};
    case "VALIDATOR_REGISTRATION":
      return {type, data: ssz.bellatrix.ValidatorRegistrationV1.fromJson(field("validator_registration"))};
  }
}

function parseBlock(value: unknown): BlockSignable {
  const block = asObject("BLOCK_V2", value, "beacon_block");
  const version = parseVersion("BLOCK_V2", block.version);
  if (block.block_header !== undefined) {
    return {version, blockHeader: ssz.phase0.BeaconBlockHeader.fromJson(block.block_header)};
  }
  if (block.block === undefined) throw invalid("BLOCK_V2", "beacon_block needs block (phase0/altair) or block_header");
  if (version !== ForkName.phase0 && version !== ForkName.altair) {
    throw invalid("BLOCK_V2", `a full block is accepted only before Bellatrix, got ${version}; send block_header`);
  }
  return {version, block: sszTypesFor(version).BeaconBlock.fromJson(block.block)};
}

function parseVersion(type: SignableMessageType, value: unknown): ForkName {
  const name = typeof value === "string" ? value.toLowerCase() : "";
  if (!(Object.values(ForkName) as string[]).includes(name)) throw invalid(type, `unknown version ${String(value)}`);
  return name as ForkName;
}

function parseForkInfo(type: SignableMessageType, value: unknown): SigningForkInfo {
  const info = asObject(type, value, "fork_info");
  const fork = asObject(type, info.fork, "fork_info.fork");
  const version = (v: unknown, name: string): Uint8Array => {
    if (!isHex(v, 4)) throw invalid(type, `fork_info.fork.${name} must be 4 bytes of 0x-hex`);
    return fromHex(v, 4);
  };
  if (typeof fork.epoch !== "string" || !/^\d{1,20}$/.test(fork.epoch) || !Number.isSafeInteger(Number(fork.epoch))) {
    throw invalid(type, "fork_info.fork.epoch must be a decimal string");
  }
  if (!isHex(info.genesis_validators_root, 32)) {
    throw invalid(type, "fork_info.genesis_validators_root must be 32 bytes of 0x-hex");
  }
  return {
    previousVersion: version(fork.previous_version, "previous_version"),
    currentVersion: version(fork.current_version, "current_version"),
    epoch: Number(fork.epoch),
    genesisValidatorsRoot: fromHex(info.genesis_validators_root, 32),
  };
}

function asObject(type: string, value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid(type, `${name} must be an object`);
  return value as Record<string, unknown>;
}

function guard<T>(type: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SigningError) throw e;
    throw invalid(type, `malformed payload: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function invalid(messageType: string, reason: string): SigningError {
  return new SigningError({code: "SIGNING_INVALID_MESSAGE", messageType, reason});
}

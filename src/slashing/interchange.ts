import {isHex, toHex} from "../util/hex.js";
import {InterchangeError} from "./errors.js";
import type {StoredAttestation, StoredBlock} from "./types.js";

/** EIP-3076 interchange, format version 5 (the JSON as written to and read from files). */
export interface InterchangeV5 {
  metadata: {interchange_format_version: "5"; genesis_validators_root: string};
  data: InterchangeEntry[];
}

export interface InterchangeEntry {
  pubkey: string;
  signed_blocks: {slot: string; signing_root?: string}[];
  signed_attestations: {source_epoch: string; target_epoch: string; signing_root?: string}[];
}

/** A validated interchange, with numbers and bytes decoded; entries keep the file's order. */
export interface ParsedInterchange {
  genesisValidatorsRoot: Uint8Array;
  entries: {pubkey: Uint8Array; blocks: StoredBlock[]; attestations: StoredAttestation[]}[];
}

/**
 * Validates a whole interchange document before anything is imported: version 5, or version 4 in the
 * "complete" format (same data layout); hex lengths; numbers as decimal strings within JavaScript's safe
 * integer range (far beyond any real slot or epoch). The error's `path` names the offending entry.
 */
export function parseInterchange(doc: unknown): ParsedInterchange {
  const root = expectObject(doc, "$");
  const metadata = expectObject(root.metadata, "metadata");
  const version = metadata.interchange_format_version;
  if (typeof version !== "string") {
    throw invalid("metadata.interchange_format_version", "must be a string");
  }
  if (version === "4") {
    if (metadata.interchange_format !== "complete") {
      throw new InterchangeError(
        {code: "INTERCHANGE_UNSUPPORTED_VERSION", version: `4/${String(metadata.interchange_format)}`},
        'interchange format version 4 is supported only as "complete"',
      );
    }
  } else if (version !== "5") {
    throw new InterchangeError(
      {code: "INTERCHANGE_UNSUPPORTED_VERSION", version},
      `unsupported interchange_format_version "${version}" (supported: 5, and 4 complete)`,
    );
  }
  const genesisValidatorsRoot = expectHex(metadata.genesis_validators_root, 32, "metadata.genesis_validators_root");
  if (!Array.isArray(root.data)) throw invalid("data", "must be an array");

  const entries = root.data.map((item: unknown, i: number) => {
    const path = `data[${i}]`;
    const entry = expectObject(item, path);
    const pubkey = expectHex(entry.pubkey, 48, `${path}.pubkey`);
    const signedBlocks = entry.signed_blocks ?? [];
    const signedAttestations = entry.signed_attestations ?? [];
    if (!Array.isArray(signedBlocks)) throw invalid(`${path}.signed_blocks`, "must be an array");
    if (!Array.isArray(signedAttestations)) throw invalid(`${path}.signed_attestations`, "must be an array");
    const blocks = signedBlocks.map((b: unknown, j: number): StoredBlock => {
      const p = `${path}.signed_blocks[${j}]`;
      const block = expectObject(b, p);
      return {
        slot: expectUint(block.slot, `${p}.slot`),
        signingRoot: optionalRoot(block.signing_root, `${p}.signing_root`),
      };
    });
    const attestations = signedAttestations.map((a: unknown, j: number): StoredAttestation => {
      const p = `${path}.signed_attestations[${j}]`;
      const att = expectObject(a, p);
      return {
        sourceEpoch: expectUint(att.source_epoch, `${p}.source_epoch`),
        targetEpoch: expectUint(att.target_epoch, `${p}.target_epoch`),
        signingRoot: optionalRoot(att.signing_root, `${p}.signing_root`),
      };
    });
    return {pubkey, blocks, attestations};
  });
  return {genesisValidatorsRoot, entries};
}

/** Builds a version 5 interchange document; records without a signing root omit the field. */
export function buildInterchange(
  genesisValidatorsRoot: Uint8Array,
  validators: {pubkey: Uint8Array; blocks: StoredBlock[]; attestations: StoredAttestation[]}[],
): InterchangeV5 {
  return {
    metadata: {interchange_format_version: "5", genesis_validators_root: toHex(genesisValidatorsRoot)},
    data: validators.map((v) => ({
      pubkey: toHex(v.pubkey),
      signed_blocks: v.blocks.map((b) => ({
        slot: String(b.slot),
        ...(b.signingRoot ? {signing_root: toHex(b.signingRoot)} : {}),
      })),
      signed_attestations: v.attestations.map((a) => ({
        source_epoch: String(a.sourceEpoch),
        target_epoch: String(a.targetEpoch),
        ...(a.signingRoot ? {signing_root: toHex(a.signingRoot)} : {}),
      })),
    })),
  };
}

function invalid(path: string, reason: string): InterchangeError {
  return new InterchangeError(
    {code: "INTERCHANGE_INVALID_FIELD", path, reason},
    `invalid interchange: ${path} ${reason}`,
  );
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(path, "must be an object");
  return value as Record<string, unknown>;
}

function expectHex(value: unknown, byteLength: number, path: string): Uint8Array {
  if (!isHex(value, byteLength)) throw invalid(path, `must be 0x-prefixed hex of ${byteLength} bytes`);
  return new Uint8Array(Buffer.from(value.slice(2), "hex"));
}

function optionalRoot(value: unknown, path: string): Uint8Array | null {
  return value === undefined ? null : expectHex(value, 32, path);
}

function expectUint(value: unknown, path: string): number {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]*)$/.test(value)) {
    throw invalid(path, "must be an unsigned integer as a decimal string");
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invalid(path, `is out of range (max ${Number.MAX_SAFE_INTEGER})`);
  return n;
}

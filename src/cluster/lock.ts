import {createHash} from "node:crypto";
import {readFile} from "node:fs/promises";
import {PublicKey} from "@chainsafe/blst";
import type {ValidatorKeys} from "../combine/combine.js";
import {isNetworkName} from "../eth/network.js";
import {type IdentityKey, isValidIdentityPublicKey} from "../p2p/identity.js";
import {fromHex, isHex, toHex} from "../util/hex.js";
import {firstInconsistentWindow} from "./consistency.js";
import {MAX_COMPOUNDING_DEPOSIT_GWEI, MAX_DEPOSIT_GWEI, MIN_DEPOSIT_GWEI} from "./deposit.js";
import {ClusterError} from "./errors.js";
import {
  computeLockHash,
  MAX_LOCK_OPERATORS,
  MAX_LOCK_STRING_BYTES,
  MAX_LOCK_VALIDATORS,
  MAX_OPERATOR_MULTIADDRS,
} from "./lockHash.js";
import {type ClusterNetwork, knownNetwork} from "./networks.js";
import {signLockHash, verifyLockHashSignature} from "./operatorSignature.js";
import {peerIdOfIdentityKey} from "./peerId.js";
import {type ClusterBuilderRegistration, verifyBuilderRegistration} from "./registration.js";

export {computeLockHash} from "./lockHash.js";
export type {ClusterBuilderRegistration} from "./registration.js";

export const CLUSTER_LOCK_VERSION = "cohort/lock/v2";
/** The version before fee recipients, withdrawal credentials, registrations and operator signatures. */
export const CLUSTER_LOCK_VERSION_V1 = "cohort/lock/v1";
export const CLUSTER_LOCK_FILE = "cluster-lock.json";

export interface ClusterOperator {
  /** 0x-prefixed 33-byte compressed secp256k1 public key: authenticates the operator's messages. */
  identityPublicKey: string;
  /** libp2p peer id derived from the identity public key. */
  peerId: string;
  /** Where its libp2p node listens, e.g. /ip4/127.0.0.1/tcp/9000. */
  multiaddrs: string[];
}

export interface ClusterValidator {
  /** 0x-prefixed 48-byte compressed BLS public key of the (undivided) validator key. */
  publicKey: string;
  /** n public key shares: share i (1-based, held by operator i − 1) at position i − 1. */
  publicKeyShares: string[];
  /** 0x + 20 bytes: the execution address its proposals pay. */
  feeRecipient: string;
  /** 0x + 32 bytes: 0x01 ‖ 11 zero bytes ‖ address (execution) or 0x02 ‖ … (compounding). */
  withdrawalCredentials: string;
  /** Gwei of its deposit, e.g. 32000000000. */
  depositAmountGwei: number;
  /** Signed by the validator key at creation; message.feeRecipient === feeRecipient, message.pubkey === publicKey. */
  builderRegistration: ClusterBuilderRegistration;
}

/** The public description of a cluster that every node loads (docs/cluster-lock.md). */
export interface ClusterLock {
  version: string;
  network: ClusterNetwork;
  threshold: number;
  operators: ClusterOperator[];
  validators: ClusterValidator[];
  /** 0x-prefixed SSZ hash_tree_root of every other field but the operator signatures (lockHash.ts). */
  lockHash: string;
  /** One per operator, in order: its identity key's signature of the lock hash (operatorSignature.ts). */
  operatorSignatures: string[];
}

export type ClusterLockBody = Omit<ClusterLock, "lockHash" | "operatorSignatures">;

/** The lock as written to JSON (snake_case, fixed field order; uint64 as decimal strings). */
interface ClusterLockJson {
  version: string;
  network: {name: string; genesis_fork_version: string; genesis_validators_root: string};
  threshold: number;
  operators: {identity_public_key: string; peer_id: string; multiaddrs: string[]}[];
  validators: {
    public_key: string;
    public_key_shares: string[];
    fee_recipient: string;
    withdrawal_credentials: string;
    deposit_amount_gwei: string;
    builder_registration: {
      message: {fee_recipient: string; gas_limit: string; timestamp: string; pubkey: string};
      signature: string;
    };
  }[];
  lock_hash: string;
  operator_signatures: string[];
}

function lockToJson(lock: ClusterLock): ClusterLockJson {
  return {
    version: lock.version,
    network: {
      name: lock.network.name,
      genesis_fork_version: lock.network.genesisForkVersion,
      genesis_validators_root: lock.network.genesisValidatorsRoot,
    },
    threshold: lock.threshold,
    operators: lock.operators.map((o) => ({
      identity_public_key: o.identityPublicKey,
      peer_id: o.peerId,
      multiaddrs: [...o.multiaddrs],
    })),
    validators: lock.validators.map((v) => ({
      public_key: v.publicKey,
      public_key_shares: [...v.publicKeyShares],
      fee_recipient: v.feeRecipient,
      withdrawal_credentials: v.withdrawalCredentials,
      deposit_amount_gwei: String(v.depositAmountGwei),
      builder_registration: {
        message: {
          fee_recipient: v.builderRegistration.message.feeRecipient,
          gas_limit: String(v.builderRegistration.message.gasLimit),
          timestamp: String(v.builderRegistration.message.timestamp),
          pubkey: v.builderRegistration.message.pubkey,
        },
        signature: v.builderRegistration.signature,
      },
    })),
    lock_hash: lock.lockHash,
    operator_signatures: [...lock.operatorSignatures],
  };
}

/**
 * Seals a lock body: its hash, and every operator's signature of it. `identities[i]` must be operator
 * i's identity key (a trusted dealer holds them all).
 */
export function sealClusterLock(body: ClusterLockBody, identities: IdentityKey[]): ClusterLock {
  if (identities.length !== body.operators.length) {
    throw new RangeError(
      `${identities.length} identity keys given to sign a lock of ${body.operators.length} operators`,
    );
  }
  identities.forEach((id, i) => {
    if (toHex(id.publicKey) !== body.operators[i].identityPublicKey)
      throw new RangeError(`identity key ${i} is not operator ${i}'s`);
  });
  const {version, network, threshold, operators, validators} = body;
  const lockHash = computeLockHash(body);
  const operatorSignatures = identities.map((id) => signLockHash(id, lockHash));
  return {version, network, threshold, operators, validators, lockHash, operatorSignatures};
}

export function serializeClusterLock(lock: ClusterLock): string {
  return `${JSON.stringify(lockToJson(lock), null, 2)}\n`;
}

/** Reads, parses and fully validates a cluster lock file (see `parseClusterLock`); errors name the file. */
export async function loadClusterLock(path: string): Promise<ClusterLock> {
  return parseClusterLock(await readClusterLockJson(path), path);
}

/** A lock file's JSON, of any version, unchecked; CLUSTER_FILE_UNREADABLE naming the file otherwise. */
export async function readClusterLockJson(path: string): Promise<unknown> {
  const unreadable = (reason: string) =>
    new ClusterError(
      {code: "CLUSTER_FILE_UNREADABLE", path, reason},
      `cannot read the cluster lock ${path}: ${reason}`,
    );
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw unreadable((e as Error).message);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw unreadable(`not JSON: ${(e as Error).message}`);
  }
}

/** A field-level problem found while parsing; parseClusterLock turns it into a ClusterError naming the file. */
class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

function invalid(field: string, reason: string): FieldError {
  return new FieldError(field, reason);
}

function record(value: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be an object");
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!keys.includes(k)) throw invalid(`${field === "" ? "" : `${field}.`}${k}`, "is not a known field");
  for (const k of keys) if (!(k in obj)) throw invalid(`${field === "" ? "" : `${field}.`}${k}`, "is missing");
  return obj;
}

function array(value: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(field, "must be an array");
  if (value.length > max) throw invalid(field, `must hold at most ${max} entries`);
  return value;
}

function hex(value: unknown, field: string, bytes: number): string {
  if (!isHex(value, bytes) || value !== value.toLowerCase())
    throw invalid(field, `must be 0x-prefixed lowercase hex of ${bytes} bytes`);
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw invalid(field, "must be a non-empty string");
  if (Buffer.byteLength(value, "utf8") > MAX_LOCK_STRING_BYTES)
    throw invalid(field, `must be at most ${MAX_LOCK_STRING_BYTES} bytes`);
  return value;
}

/** A uint64 as the Beacon API writes it: a decimal string (here also within JS's safe integers). */
function uint64(value: unknown, field: string): number {
  if (typeof value !== "string" || !/^(0|[1-9]\d*)$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw invalid(field, "must be a decimal string of an unsigned integer (at most 2^53 − 1)");
  return Number(value);
}

const MULTIADDR = /^\/(ip4\/\d{1,3}(\.\d{1,3}){3}|ip6\/[0-9a-fA-F:.]+|dns[46]?\/[A-Za-z0-9.-]+)\/tcp\/\d{1,5}$/;

function blsPublicKey(value: unknown, field: string): {hex: string; key: PublicKey} {
  const h = hex(value, field, 48);
  try {
    return {hex: h, key: PublicKey.fromBytes(fromHex(h), true)};
  } catch {
    throw invalid(field, "is not a valid BLS12-381 G1 public key (compressed, in the subgroup, not infinity)");
  }
}

/** 0x01 or 0x02, then 11 zero bytes, then the 20-byte execution address. */
function withdrawalCredentials(value: unknown, field: string): string {
  const h = hex(value, field, 32);
  const prefix = h.slice(2, 4);
  if ((prefix !== "01" && prefix !== "02") || h.slice(4, 26) !== "00".repeat(11))
    throw invalid(field, "must be 0x01 or 0x02, 11 zero bytes, then a 20-byte execution address");
  return h;
}

/**
 * Validates a parsed JSON cluster lock: every field present and well-formed (unknown fields refused),
 * the hash, the operator signatures, 1 ≤ threshold ≤ n, known networks' genesis values, identity keys
 * valid and their peer ids derived from them, no duplicate operators or validators, n public key shares
 * per validator each a valid G1 point, all n shares lying on one polynomial of degree t − 1 whose value
 * at 0 is the validator public key, withdrawal credentials and deposit amounts sane, and each builder
 * registration signed by its validator for its fee recipient. Errors name `file` and the field (JSON path).
 */
export async function parseClusterLock(json: unknown, file = "cluster lock"): Promise<ClusterLock> {
  try {
    return parseLock(json, file);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    throw new ClusterError(
      {code: "CLUSTER_LOCK_INVALID_FIELD", file, field: e.field, reason: e.reason},
      `${file}: ${e.field} ${e.reason}`,
    );
  }
}

function parseLock(json: unknown, file: string): ClusterLock {
  const version = (json as {version?: unknown} | null)?.version;
  if (version === CLUSTER_LOCK_VERSION_V1) {
    throw new ClusterError(
      {code: "CLUSTER_LOCK_VERSION", file, version},
      `${file}: is a ${CLUSTER_LOCK_VERSION_V1} lock, which has no fee recipients, withdrawal credentials, builder registrations or operator signatures; upgrade it with \`cohort upgrade-lock --cluster DIR --withdrawal-address 0x…\` on the dealer's cluster directory (docs/cluster-lock.md)`,
    );
  }
  const root = record(json, "", [
    "version",
    "network",
    "threshold",
    "operators",
    "validators",
    "lock_hash",
    "operator_signatures",
  ]);
  if (root.version !== CLUSTER_LOCK_VERSION) throw invalid("version", `must be "${CLUSTER_LOCK_VERSION}"`);
  const {network, threshold, operators} = parseHeader(root);
  const seenValidators = new Set<string>();
  const validatorsJson = array(root.validators, "validators", MAX_LOCK_VALIDATORS);
  if (validatorsJson.length === 0) throw invalid("validators", "must not be empty");
  const validators: ClusterValidator[] = validatorsJson.map((value, v) => {
    const f = `validators[${v}]`;
    const o = record(value, f, [
      "public_key",
      "public_key_shares",
      "fee_recipient",
      "withdrawal_credentials",
      "deposit_amount_gwei",
      "builder_registration",
    ]);
    const {publicKey, shares} = parseValidatorKeys(o, f, operators.length, threshold, seenValidators);

    const feeRecipient = hex(o.fee_recipient, `${f}.fee_recipient`, 20);
    const credentials = withdrawalCredentials(o.withdrawal_credentials, `${f}.withdrawal_credentials`);
    const depositAmountGwei = uint64(o.deposit_amount_gwei, `${f}.deposit_amount_gwei`);
    const compounding = credentials.startsWith("0x02");
    const max = compounding ? MAX_COMPOUNDING_DEPOSIT_GWEI : MAX_DEPOSIT_GWEI;
    if (depositAmountGwei < MIN_DEPOSIT_GWEI || depositAmountGwei > max) {
      throw invalid(
        `${f}.deposit_amount_gwei`,
        `must be between ${MIN_DEPOSIT_GWEI} and ${max} gwei for ${compounding ? "0x02 (compounding)" : "0x01"} withdrawal credentials`,
      );
    }
    const builderRegistration = registration(o.builder_registration, `${f}.builder_registration`);
    const m = builderRegistration.message;
    if (m.feeRecipient !== feeRecipient)
      throw invalid(
        `${f}.builder_registration.message.fee_recipient`,
        `is not the validator's fee_recipient ${feeRecipient}`,
      );
    if (m.pubkey !== publicKey.hex)
      throw invalid(`${f}.builder_registration.message.pubkey`, "is not the validator's public_key");
    if (!verifyBuilderRegistration(builderRegistration, publicKey.key, network.genesisForkVersion)) {
      throw invalid(
        `${f}.builder_registration.signature`,
        `is not the validator key's signature of the registration (DOMAIN_APPLICATION_BUILDER, genesis fork version ${network.genesisForkVersion})`,
      );
    }
    return {
      publicKey: publicKey.hex,
      publicKeyShares: shares.map((s) => s.hex),
      feeRecipient,
      withdrawalCredentials: credentials,
      depositAmountGwei,
      builderRegistration,
    };
  });

  const lockHash = hex(root.lock_hash, "lock_hash", 32);
  const body: ClusterLockBody = {version: CLUSTER_LOCK_VERSION, network, threshold, operators, validators};
  const actual = computeLockHash(body);
  if (actual !== lockHash) {
    throw new ClusterError(
      {code: "CLUSTER_LOCK_HASH_MISMATCH", file, expected: lockHash, actual},
      `${file}: lock_hash ${lockHash} does not match the content (${actual}): the file was altered`,
    );
  }
  const signaturesJson = array(root.operator_signatures, "operator_signatures", MAX_LOCK_OPERATORS);
  const operatorSignatures = operators.map((o, i) => {
    const signature = signaturesJson[i];
    const fail = (reason: string): ClusterError =>
      new ClusterError(
        {code: "CLUSTER_LOCK_OPERATOR_SIGNATURE", file, operatorIndex: i, reason},
        `${file}: operator_signatures[${i}] of operator ${i} (${o.peerId}) ${reason}`,
      );
    if (signature === undefined) throw fail("is missing: every operator must sign the lock hash");
    if (!isHex(signature, 64) || signature !== signature.toLowerCase())
      throw fail("must be 0x-prefixed lowercase hex of 64 bytes");
    if (!verifyLockHashSignature(o.identityPublicKey, lockHash, signature))
      throw fail(`does not verify: not operator ${i}'s identity key's signature of lock_hash ${lockHash}`);
    return signature;
  });
  if (signaturesJson.length > operators.length)
    throw invalid("operator_signatures", `holds ${signaturesJson.length} signatures for ${operators.length} operators`);
  return {...body, lockHash, operatorSignatures};
}

/** network, threshold and operators: the same in v1 and v2. */
function parseHeader(root: Record<string, unknown>): {
  network: ClusterNetwork;
  threshold: number;
  operators: ClusterOperator[];
} {
  const net = record(root.network, "network", ["name", "genesis_fork_version", "genesis_validators_root"]);
  const network: ClusterNetwork = {
    name: string(net.name, "network.name"),
    genesisForkVersion: hex(net.genesis_fork_version, "network.genesis_fork_version", 4),
    genesisValidatorsRoot: hex(net.genesis_validators_root, "network.genesis_validators_root", 32),
  };
  if (isNetworkName(network.name)) {
    const known = knownNetwork(network.name);
    if (network.genesisForkVersion !== known.genesisForkVersion)
      throw invalid("network.genesis_fork_version", `is not ${network.name}'s (${known.genesisForkVersion})`);
    if (network.genesisValidatorsRoot !== known.genesisValidatorsRoot)
      throw invalid("network.genesis_validators_root", `is not ${network.name}'s (${known.genesisValidatorsRoot})`);
  }

  const operatorsJson = array(root.operators, "operators", MAX_LOCK_OPERATORS);
  if (operatorsJson.length === 0) throw invalid("operators", "must not be empty");
  const n = operatorsJson.length;
  const threshold = root.threshold;
  if (typeof threshold !== "number" || !Number.isInteger(threshold) || threshold < 1 || threshold > n) {
    throw invalid("threshold", `must be an integer with 1 ≤ threshold ≤ ${n} (the number of operators)`);
  }

  const seenIdentities = new Set<string>();
  const operators: ClusterOperator[] = operatorsJson.map((value, i) => {
    const f = `operators[${i}]`;
    const o = record(value, f, ["identity_public_key", "peer_id", "multiaddrs"]);
    const identityPublicKey = hex(o.identity_public_key, `${f}.identity_public_key`, 33);
    const raw = fromHex(identityPublicKey);
    if (!isValidIdentityPublicKey(raw))
      throw invalid(`${f}.identity_public_key`, "is not a valid compressed secp256k1 public key");
    if (seenIdentities.has(identityPublicKey))
      throw invalid(`${f}.identity_public_key`, "duplicates another operator's");
    seenIdentities.add(identityPublicKey);
    const peerId = string(o.peer_id, `${f}.peer_id`);
    if (peerId !== peerIdOfIdentityKey(raw)) throw invalid(`${f}.peer_id`, "is not the peer id of identity_public_key");
    const multiaddrs = array(o.multiaddrs, `${f}.multiaddrs`, MAX_OPERATOR_MULTIADDRS).map((m, k) => {
      if (typeof m !== "string" || !MULTIADDR.test(m) || Number(m.slice(m.lastIndexOf("/") + 1)) > 65535)
        throw invalid(`${f}.multiaddrs[${k}]`, "must be a TCP multiaddr like /ip4/127.0.0.1/tcp/9000");
      return string(m, `${f}.multiaddrs[${k}]`);
    });
    return {identityPublicKey, peerId, multiaddrs};
  });
  return {network, threshold, operators};
}

/** A validator's key and its n shares, which must interpolate to it (v1 and v2). */
function parseValidatorKeys(
  o: Record<string, unknown>,
  f: string,
  n: number,
  threshold: number,
  seen: Set<string>,
): {publicKey: {hex: string; key: PublicKey}; shares: {hex: string; key: PublicKey}[]} {
  const publicKey = blsPublicKey(o.public_key, `${f}.public_key`);
  if (seen.has(publicKey.hex)) throw invalid(`${f}.public_key`, "duplicates another validator's");
  seen.add(publicKey.hex);
  const sharesJson = array(o.public_key_shares, `${f}.public_key_shares`, MAX_LOCK_OPERATORS);
  if (sharesJson.length !== n)
    throw invalid(`${f}.public_key_shares`, `must hold ${n} shares (one per operator), has ${sharesJson.length}`);
  const shares = sharesJson.map((s, k) => blsPublicKey(s, `${f}.public_key_shares[${k}]`));
  checkInterpolation(publicKey, shares, threshold, f);
  return {publicKey, shares};
}

/** A version 1 lock (`cohort/lock/v1`): what `cohort upgrade-lock` reads. */
export interface ClusterLockV1 {
  version: typeof CLUSTER_LOCK_VERSION_V1;
  network: ClusterNetwork;
  threshold: number;
  operators: ClusterOperator[];
  validators: {publicKey: string; publicKeyShares: string[]}[];
  /** SHA-256 of the canonical JSON (v1's rule). */
  lockHash: string;
}

/**
 * Validates a v1 lock as v1 did (every field, interpolation, and its hash: SHA-256 of JSON.stringify of
 * the lock without lock_hash, fields in the documented order, no whitespace). Errors name the file and field.
 */
export async function parseClusterLockV1(json: unknown, file = "cluster lock"): Promise<ClusterLockV1> {
  try {
    const root = record(json, "", ["version", "network", "threshold", "operators", "validators", "lock_hash"]);
    if (root.version !== CLUSTER_LOCK_VERSION_V1) throw invalid("version", `must be "${CLUSTER_LOCK_VERSION_V1}"`);
    const {network, threshold, operators} = parseHeader(root);
    const seen = new Set<string>();
    const validatorsJson = array(root.validators, "validators", MAX_LOCK_VALIDATORS);
    if (validatorsJson.length === 0) throw invalid("validators", "must not be empty");
    const validators = validatorsJson.map((value, v) => {
      const f = `validators[${v}]`;
      const {publicKey, shares} = parseValidatorKeys(
        record(value, f, ["public_key", "public_key_shares"]),
        f,
        operators.length,
        threshold,
        seen,
      );
      return {publicKey: publicKey.hex, publicKeyShares: shares.map((s) => s.hex)};
    });
    const lockHash = hex(root.lock_hash, "lock_hash", 32);
    const canonical = JSON.stringify({
      version: CLUSTER_LOCK_VERSION_V1,
      network: {
        name: network.name,
        genesis_fork_version: network.genesisForkVersion,
        genesis_validators_root: network.genesisValidatorsRoot,
      },
      threshold,
      operators: operators.map((o) => ({
        identity_public_key: o.identityPublicKey,
        peer_id: o.peerId,
        multiaddrs: o.multiaddrs,
      })),
      validators: validators.map((v) => ({public_key: v.publicKey, public_key_shares: v.publicKeyShares})),
    });
    const actual = `0x${createHash("sha256").update(canonical).digest("hex")}`;
    if (actual !== lockHash) {
      throw new ClusterError(
        {code: "CLUSTER_LOCK_HASH_MISMATCH", file, expected: lockHash, actual},
        `${file}: lock_hash ${lockHash} does not match the content (${actual}): the file was altered`,
      );
    }
    return {version: CLUSTER_LOCK_VERSION_V1, network, threshold, operators, validators, lockHash};
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    throw new ClusterError(
      {code: "CLUSTER_LOCK_INVALID_FIELD", file, field: e.field, reason: e.reason},
      `${file}: ${e.field} ${e.reason}`,
    );
  }
}

function registration(value: unknown, field: string): ClusterBuilderRegistration {
  const r = record(value, field, ["message", "signature"]);
  const m = record(r.message, `${field}.message`, ["fee_recipient", "gas_limit", "timestamp", "pubkey"]);
  return {
    message: {
      feeRecipient: hex(m.fee_recipient, `${field}.message.fee_recipient`, 20),
      gasLimit: uint64(m.gas_limit, `${field}.message.gas_limit`),
      timestamp: uint64(m.timestamp, `${field}.message.timestamp`),
      pubkey: hex(m.pubkey, `${field}.message.pubkey`, 48),
    },
    signature: hex(r.signature, `${field}.signature`, 96),
  };
}

/** All n shares and the validator key lie on one polynomial of degree t − 1 (see consistency.ts). */
function checkInterpolation(
  publicKey: {key: PublicKey},
  shares: {key: PublicKey}[],
  threshold: number,
  field: string,
): void {
  const window = firstInconsistentWindow(
    publicKey.key,
    shares.map((s) => s.key),
    threshold,
  );
  if (window !== null) {
    throw invalid(
      `${field}.public_key_shares`,
      `do not interpolate to public_key: ${window === 0 ? "public_key and shares 1" : `shares ${window}`}..${
        window + threshold
      } are not on one polynomial of degree ${threshold - 1}`,
    );
  }
}

/** The cluster's validators keyed by public key, parsed once for the combine step. */
export function validatorKeysFromLock(lock: {
  validators: {publicKey: string; publicKeyShares: string[]}[];
}): Map<string, ValidatorKeys> {
  return new Map(
    lock.validators.map((v) => [
      v.publicKey,
      {
        publicKey: PublicKey.fromBytes(fromHex(v.publicKey)),
        publicKeyShares: v.publicKeyShares.map((s) => PublicKey.fromBytes(fromHex(s))),
      },
    ]),
  );
}

/** The public key shares an operator (0-based index) holds: share index operatorIndex + 1 of every validator. */
export function publicKeySharesOf(
  lock: ClusterLock,
  operatorIndex: number,
): {validator: string; shareIndex: number; publicKeyShare: string}[] {
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= lock.operators.length) {
    throw new RangeError(`operator index ${operatorIndex} out of range 0..${lock.operators.length - 1}`);
  }
  return lock.validators.map((v) => ({
    validator: v.publicKey,
    shareIndex: operatorIndex + 1,
    publicKeyShare: v.publicKeyShares[operatorIndex],
  }));
}

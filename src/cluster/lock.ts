import {createHash} from "node:crypto";
import {readFile} from "node:fs/promises";
import {PublicKey} from "@chainsafe/blst";
import type {ValidatorKeys} from "../combine/combine.js";
import {isNetworkName} from "../eth/network.js";
import {isValidIdentityPublicKey} from "../p2p/identity.js";
import {fromHex, isHex} from "../util/hex.js";
import {firstInconsistentWindow} from "./consistency.js";
import {ClusterError} from "./errors.js";
import {type ClusterNetwork, knownNetwork} from "./networks.js";
import {peerIdOfIdentityKey} from "./peerId.js";

export const CLUSTER_LOCK_VERSION = "cohort/lock/v1";
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
}

/** The public description of a cluster that every node loads (docs/cluster-lock.md). */
export interface ClusterLock {
  version: string;
  network: ClusterNetwork;
  threshold: number;
  operators: ClusterOperator[];
  validators: ClusterValidator[];
  /** 0x-prefixed SHA-256 of the canonical JSON of every other field. */
  lockHash: string;
}

export type ClusterLockBody = Omit<ClusterLock, "lockHash">;

/** The lock as written to JSON (snake_case, fixed field order). */
interface ClusterLockJson {
  version: string;
  network: {name: string; genesis_fork_version: string; genesis_validators_root: string};
  threshold: number;
  operators: {identity_public_key: string; peer_id: string; multiaddrs: string[]}[];
  validators: {public_key: string; public_key_shares: string[]}[];
  lock_hash?: string;
}

function bodyToJson(body: ClusterLockBody): ClusterLockJson {
  return {
    version: body.version,
    network: {
      name: body.network.name,
      genesis_fork_version: body.network.genesisForkVersion,
      genesis_validators_root: body.network.genesisValidatorsRoot,
    },
    threshold: body.threshold,
    operators: body.operators.map((o) => ({
      identity_public_key: o.identityPublicKey,
      peer_id: o.peerId,
      multiaddrs: [...o.multiaddrs],
    })),
    validators: body.validators.map((v) => ({public_key: v.publicKey, public_key_shares: [...v.publicKeyShares]})),
  };
}

/** SHA-256 over the canonical JSON (fixed field order, no whitespace) of everything but the hash. */
export function computeLockHash(body: ClusterLockBody): string {
  const canonical = JSON.stringify(bodyToJson(body));
  return `0x${createHash("sha256").update(canonical).digest("hex")}`;
}

/** Seals a lock body with its hash. */
export function sealClusterLock(body: ClusterLockBody): ClusterLock {
  const {version, network, threshold, operators, validators} = body;
  return {version, network, threshold, operators, validators, lockHash: computeLockHash(body)};
}

export function serializeClusterLock(lock: ClusterLock): string {
  return `${JSON.stringify({...bodyToJson(lock), lock_hash: lock.lockHash}, null, 2)}\n`;
}

/** Reads, parses and fully validates a cluster lock file (see `parseClusterLock`). */
export async function loadClusterLock(path: string): Promise<ClusterLock> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const reason = (e as Error).message;
    throw new ClusterError(
      {code: "CLUSTER_FILE_UNREADABLE", path, reason},
      `cannot read the cluster lock ${path}: ${reason}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const reason = `not JSON: ${(e as Error).message}`;
    throw new ClusterError(
      {code: "CLUSTER_FILE_UNREADABLE", path, reason},
      `cannot read the cluster lock ${path}: ${reason}`,
    );
  }
  return parseClusterLock(json);
}

function invalid(field: string, reason: string): ClusterError {
  return new ClusterError({code: "CLUSTER_LOCK_INVALID_FIELD", field, reason}, `cluster lock: ${field} ${reason}`);
}

function record(value: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field, "must be an object");
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!keys.includes(k)) throw invalid(`${field === "" ? "" : `${field}.`}${k}`, "is not a known field");
  for (const k of keys) if (!(k in obj)) throw invalid(`${field === "" ? "" : `${field}.`}${k}`, "is missing");
  return obj;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(field, "must be an array");
  return value;
}

function hex(value: unknown, field: string, bytes: number): string {
  if (!isHex(value, bytes) || value !== value.toLowerCase())
    throw invalid(field, `must be 0x-prefixed lowercase hex of ${bytes} bytes`);
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw invalid(field, "must be a non-empty string");
  return value;
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

/**
 * Validates a parsed JSON cluster lock: every field present and well-formed (unknown fields refused),
 * the hash, 1 ≤ threshold ≤ n, known networks' genesis values, identity keys valid and their peer ids
 * derived from them, no duplicate operators or validators, n public key shares per validator each a
 * valid G1 point, and all n shares lying on one polynomial of degree t − 1 whose value at 0 is the
 * validator public key. Errors name the field (JSON path).
 */
export async function parseClusterLock(json: unknown): Promise<ClusterLock> {
  const root = record(json, "", ["version", "network", "threshold", "operators", "validators", "lock_hash"]);
  if (root.version !== CLUSTER_LOCK_VERSION) throw invalid("version", `must be "${CLUSTER_LOCK_VERSION}"`);

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

  const operatorsJson = array(root.operators, "operators");
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
    const multiaddrs = array(o.multiaddrs, `${f}.multiaddrs`).map((m, k) => {
      if (typeof m !== "string" || !MULTIADDR.test(m) || Number(m.slice(m.lastIndexOf("/") + 1)) > 65535)
        throw invalid(`${f}.multiaddrs[${k}]`, "must be a TCP multiaddr like /ip4/127.0.0.1/tcp/9000");
      return m;
    });
    return {identityPublicKey, peerId, multiaddrs};
  });

  const seenValidators = new Set<string>();
  const validatorsJson = array(root.validators, "validators");
  if (validatorsJson.length === 0) throw invalid("validators", "must not be empty");
  const validators: ClusterValidator[] = validatorsJson.map((value, v) => {
    const f = `validators[${v}]`;
    const o = record(value, f, ["public_key", "public_key_shares"]);
    const publicKey = blsPublicKey(o.public_key, `${f}.public_key`);
    if (seenValidators.has(publicKey.hex)) throw invalid(`${f}.public_key`, "duplicates another validator's");
    seenValidators.add(publicKey.hex);
    const sharesJson = array(o.public_key_shares, `${f}.public_key_shares`);
    if (sharesJson.length !== n)
      throw invalid(`${f}.public_key_shares`, `must hold ${n} shares (one per operator), has ${sharesJson.length}`);
    const shares = sharesJson.map((s, k) => blsPublicKey(s, `${f}.public_key_shares[${k}]`));
    checkInterpolation(publicKey, shares, threshold, f);
    return {publicKey: publicKey.hex, publicKeyShares: shares.map((s) => s.hex)};
  });

  const lockHash = hex(root.lock_hash, "lock_hash", 32);
  const lock = sealClusterLock({version: CLUSTER_LOCK_VERSION, network, threshold, operators, validators});
  if (lock.lockHash !== lockHash) {
    throw new ClusterError(
      {code: "CLUSTER_LOCK_HASH_MISMATCH", expected: lockHash, actual: lock.lockHash},
      `cluster lock: lock_hash ${lockHash} does not match the content (${lock.lockHash}): the file was altered`,
    );
  }
  return lock;
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
export function validatorKeysFromLock(lock: ClusterLock): Map<string, ValidatorKeys> {
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

/**
 * `cohort upgrade-lock`: turns the dealer's v1 cluster directory into a v2 one. The builder
 * registrations are threshold-signed with t nodes' key shares and combined (the validator key is never
 * reconstructed); every operator's identity key signs the new lock hash. All lock files (the
 * directory's and each node's copy) are replaced together, each v1 lock kept as cluster-lock.v1.json.
 */
import {access, copyFile, readFile, rename, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {combineShares} from "../combine/combine.js";
import {initHerumi} from "../combine/herumi.js";
import type {IdentityKey} from "../p2p/identity.js";
import {isHex, toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {DEFAULT_DEPOSIT_GWEI} from "./create.js";
import {executionWithdrawalCredentials} from "./deposit.js";
import {ClusterError} from "./errors.js";
import {
  CLUSTER_LOCK_FILE,
  CLUSTER_LOCK_VERSION,
  type ClusterLock,
  type ClusterLockV1,
  type ClusterValidator,
  parseClusterLock,
  parseClusterLockV1,
  sealClusterLock,
  serializeClusterLock,
  validatorKeysFromLock,
} from "./lock.js";
import {loadNodeIdentity, loadNodeKeyShares, type NodeKeyShare, nodeDirName} from "./node.js";
import {DEFAULT_GAS_LIMIT, registrationSigningRoot, verifyBuilderRegistration} from "./registration.js";

/** Where each v1 lock is kept after an upgrade. */
export const CLUSTER_LOCK_V1_BACKUP = "cluster-lock.v1.json";
/** The v1-era settings file create-cluster wrote beside the lock (read by the upgrade when no flag is given). */
export const V1_VALIDATORS_FILE = "validators.json";

export interface UpgradeLockOpts {
  /** The dealer's cluster directory: cluster-lock.json (v1) and node0 … node<n−1>. */
  clusterDir: string;
  /** One per validator; default: validators.json's. */
  withdrawalAddresses?: string[];
  /** One per validator; default: validators.json's, else the withdrawal address. */
  feeRecipients?: string[];
  amountGwei?: number;
  compounding?: boolean;
  gasLimit?: number;
}

export interface UpgradeLockModules {
  /** Clock (ms) of the registrations' timestamp. */
  now?: () => number;
  logger?: Logger;
}

interface ValidatorSettings {
  feeRecipient: string;
  withdrawalCredentials: string;
  depositAmountGwei: number;
}

function fail(file: string, reason: string): ClusterError {
  return new ClusterError({code: "CLUSTER_NODE_FILE_INVALID", path: file, reason}, `${file}: ${reason}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Per-validator settings from the flags, or from the v1 validators.json (checked against the lock). */
async function settingsOf(opts: UpgradeLockOpts, v1: ClusterLockV1): Promise<ValidatorSettings[]> {
  const count = v1.validators.length;
  if (opts.withdrawalAddresses !== undefined) {
    const compounding = opts.compounding ?? false;
    return v1.validators.map((_, v) => {
      const address = opts.withdrawalAddresses?.[v];
      if (address === undefined)
        throw new RangeError(`${opts.withdrawalAddresses?.length} withdrawal addresses for ${count} validators`);
      return {
        feeRecipient: opts.feeRecipients?.[v] ?? address,
        withdrawalCredentials: toHex(executionWithdrawalCredentials(address, compounding)),
        depositAmountGwei: opts.amountGwei ?? DEFAULT_DEPOSIT_GWEI,
      };
    });
  }
  const file = path.join(opts.clusterDir, V1_VALIDATORS_FILE);
  if (!(await exists(file))) {
    throw new ClusterError(
      {code: "CLUSTER_NODE_FILE_INVALID", path: file, reason: "missing"},
      `${opts.clusterDir} has no ${V1_VALIDATORS_FILE}: give --withdrawal-address (and --fee-recipient if it differs)`,
    );
  }
  let json: {lock_hash?: unknown; validators?: unknown};
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw fail(file, `not JSON: ${(e as Error).message}`);
  }
  if (json.lock_hash !== v1.lockHash) throw fail(file, `lock_hash is not the v1 lock's ${v1.lockHash}`);
  if (!Array.isArray(json.validators) || json.validators.length !== count)
    throw fail(file, `validators must hold the lock's ${count} validators`);
  return v1.validators.map((validator, v) => {
    const entry = (json.validators as Record<string, unknown>[])[v] ?? {};
    const at = `validators[${v}]`;
    if (entry.public_key !== validator.publicKey) throw fail(file, `${at}.public_key is not the lock's validator ${v}`);
    const credentials = entry.withdrawal_credentials;
    if (!isHex(credentials, 32)) throw fail(file, `${at}.withdrawal_credentials is not set: give --withdrawal-address`);
    const fee = opts.feeRecipients?.[v] ?? entry.fee_recipient;
    if (!isHex(fee, 20)) throw fail(file, `${at}.fee_recipient must be 0x + 20 bytes`);
    const amount = opts.amountGwei ?? entry.deposit_amount_gwei ?? DEFAULT_DEPOSIT_GWEI;
    if (typeof amount !== "number") throw fail(file, `${at}.deposit_amount_gwei must be a number`);
    return {
      feeRecipient: fee.toLowerCase(),
      withdrawalCredentials: credentials.toLowerCase(),
      depositAmountGwei: amount,
    };
  });
}

/**
 * Upgrades the v1 lock of `clusterDir` (see the module comment). Needs every node directory (each
 * operator's identity key signs) and reads the key shares of the first t. Nothing is written unless
 * the new lock loads back with every check; returns it.
 */
export async function upgradeClusterLock(
  opts: UpgradeLockOpts,
  modules: UpgradeLockModules = {},
): Promise<ClusterLock> {
  const logger = modules.logger ?? nullLogger();
  const lockFile = path.join(opts.clusterDir, CLUSTER_LOCK_FILE);
  let text: string;
  try {
    text = await readFile(lockFile, "utf8");
  } catch (e) {
    const reason = (e as Error).message;
    throw new ClusterError(
      {code: "CLUSTER_FILE_UNREADABLE", path: lockFile, reason},
      `cannot read ${lockFile}: ${reason}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const reason = `not JSON: ${(e as Error).message}`;
    throw new ClusterError(
      {code: "CLUSTER_FILE_UNREADABLE", path: lockFile, reason},
      `cannot read ${lockFile}: ${reason}`,
    );
  }
  if ((json as {version?: unknown} | null)?.version === CLUSTER_LOCK_VERSION) {
    throw new ClusterError(
      {code: "CLUSTER_LOCK_VERSION", file: lockFile, version: CLUSTER_LOCK_VERSION},
      `${lockFile}: is already a ${CLUSTER_LOCK_VERSION} lock`,
    );
  }
  const v1 = await parseClusterLockV1(json, lockFile);
  const settings = await settingsOf(opts, v1);
  const n = v1.operators.length;
  const t = v1.threshold;

  // Every operator signs the new lock: all n identity keys, and each node's lock copy must be this lock.
  const identities: IdentityKey[] = [];
  for (let i = 0; i < n; i++) {
    const nodeDir = path.join(opts.clusterDir, nodeDirName(i));
    const copy = path.join(nodeDir, CLUSTER_LOCK_FILE);
    let copyText: string;
    try {
      copyText = await readFile(copy, "utf8");
    } catch {
      throw fail(
        copy,
        `missing: upgrade-lock needs every node directory (node0 … node${n - 1}), as create-cluster wrote them`,
      );
    }
    if (copyText !== text) throw fail(copy, `is not the same lock as ${lockFile}`);
    const identity = await loadNodeIdentity(nodeDir);
    if (toHex(identity.publicKey) !== v1.operators[i].identityPublicKey)
      throw fail(path.join(nodeDir, "identity-key"), `is not operator ${i}'s identity key`);
    identities.push(identity);
  }

  // Registrations: t share signatures per validator, combined and verified (the key stays split).
  await initHerumi();
  const timestamp = Math.floor((modules.now ?? Date.now)() / 1000);
  const gasLimit = opts.gasLimit ?? DEFAULT_GAS_LIMIT;
  const sharesByNode: NodeKeyShare[][] = [];
  for (let i = 0; i < t; i++)
    sharesByNode.push(await loadNodeKeyShares(path.join(opts.clusterDir, nodeDirName(i)), v1, i));
  const keys = validatorKeysFromLock(v1);
  const validators: ClusterValidator[] = v1.validators.map((validator, v) => {
    const message = {feeRecipient: settings[v].feeRecipient, gasLimit, timestamp, pubkey: validator.publicKey};
    const root = registrationSigningRoot(message, v1.network.genesisForkVersion);
    const shares = sharesByNode.map((node) => ({
      index: node[v].shareIndex,
      signature: SecretKey.fromBytes(node[v].secret).sign(root).toBytes(),
    }));
    const validatorKeys = keys.get(validator.publicKey);
    if (validatorKeys === undefined) throw new Error(`no keys for ${validator.publicKey}`);
    const combined = combineShares(validatorKeys, t, root, shares, validator.publicKey);
    const builderRegistration = {message, signature: toHex(combined.signature)};
    if (!verifyBuilderRegistration(builderRegistration, validatorKeys.publicKey, v1.network.genesisForkVersion))
      throw new Error(`combined registration of ${validator.publicKey} does not verify`);
    return {...validator, ...settings[v], builderRegistration};
  });
  const lock = sealClusterLock(
    {version: CLUSTER_LOCK_VERSION, network: v1.network, threshold: t, operators: v1.operators, validators},
    identities,
  );
  const newText = serializeClusterLock(lock);
  // Every load check (amounts, credentials, registrations, signatures) before anything is written.
  await parseClusterLock(JSON.parse(newText), lockFile);
  await replaceAll([opts.clusterDir, ...identities.map((_, i) => path.join(opts.clusterDir, nodeDirName(i)))], newText);
  logger.info("Cluster lock upgraded", {dir: opts.clusterDir, from: v1.lockHash, lockHash: lock.lockHash});
  return lock;
}

/**
 * Replaces DIR/cluster-lock.json in every dir with `text`, keeping each old one as cluster-lock.v1.json:
 * the new files and the backups are all written first, then renamed into place; a failing rename puts
 * back the ones already replaced.
 */
async function replaceAll(dirs: string[], text: string): Promise<void> {
  const tmpName = `.${CLUSTER_LOCK_FILE}.upgrade-${process.pid}`;
  for (const dir of dirs) {
    const backup = path.join(dir, CLUSTER_LOCK_V1_BACKUP);
    if (await exists(backup)) throw fail(backup, "exists already: move it away first (an earlier upgrade's backup?)");
  }
  const replaced: string[] = [];
  try {
    for (const dir of dirs) {
      await copyFile(path.join(dir, CLUSTER_LOCK_FILE), path.join(dir, CLUSTER_LOCK_V1_BACKUP));
      await writeFile(path.join(dir, tmpName), text, {mode: 0o644});
    }
    for (const dir of dirs) {
      await rename(path.join(dir, tmpName), path.join(dir, CLUSTER_LOCK_FILE));
      replaced.push(dir);
    }
  } catch (e) {
    for (const dir of replaced)
      await copyFile(path.join(dir, CLUSTER_LOCK_V1_BACKUP), path.join(dir, CLUSTER_LOCK_FILE));
    for (const dir of dirs) {
      await rm(path.join(dir, tmpName), {force: true});
      await rm(path.join(dir, CLUSTER_LOCK_V1_BACKUP), {force: true});
    }
    throw e;
  }
}

import {readFile, stat} from "node:fs/promises";
import path from "node:path";
import {IdentityKey} from "../p2p/identity.js";
import {fromHex, isHex, toHex} from "../util/hex.js";
import {ClusterError} from "./errors.js";
import {decryptKeystoreFile, readPasswordFile} from "./keystores.js";
import {CLUSTER_LOCK_FILE, type ClusterLock, loadClusterLock} from "./lock.js";

/** File layout of a node directory (DIR/node<i>/), written by create-cluster. */
export const IDENTITY_KEY_FILE = "identity-key";
export const VALIDATOR_KEYS_DIR = "validator_keys";
export const PASSWORD_FILE = "password.txt";

export const nodeDirName = (operatorIndex: number): string => `node${operatorIndex}`;
/** The keystore of the share of validator `validatorIndex` (its position in the lock). */
export const keystoreFileName = (validatorIndex: number): string => `keystore-${validatorIndex}.json`;

/**
 * Loads a node's secp256k1 identity key (`identity-key`: 0x + 32-byte hex). Refuses a file that group
 * or others may read, like ssh does: it is the key that authenticates the operator to its peers.
 */
export async function loadNodeIdentity(nodeDir: string): Promise<IdentityKey> {
  return loadIdentityKeyFile(path.join(nodeDir, IDENTITY_KEY_FILE));
}

/** Loads an identity key file (0x + 32-byte hex, mode 0600) wherever it is (`cohort run --identity-key`). */
export async function loadIdentityKeyFile(file: string): Promise<IdentityKey> {
  const fail = (reason: string) =>
    new ClusterError({code: "CLUSTER_NODE_FILE_INVALID", path: file, reason}, `${file}: ${reason}`);
  let text: string;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0)
      throw fail(`is readable by group or others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600`);
    text = (await readFile(file, "utf8")).trim();
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    throw fail(`unreadable (${(e as Error).message})`);
  }
  if (!isHex(text, 32)) throw fail("must hold 0x + 32-byte hex");
  try {
    return IdentityKey.fromSecret(fromHex(text, 32));
  } catch {
    throw fail("is not a valid secp256k1 secret");
  }
}

/** A node as it starts: its lock copy, identity key and operator index in the lock. */
export interface LoadedNode {
  lock: ClusterLock;
  identity: IdentityKey;
  /** 0-based operator index; the node holds share index operatorIndex + 1 of every validator. */
  operatorIndex: number;
}

/** Loads `nodeDir/cluster-lock.json` (fully validated) and the identity key, and finds the node's operator index. */
export async function loadNode(nodeDir: string): Promise<LoadedNode> {
  const lock = await loadClusterLock(path.join(nodeDir, CLUSTER_LOCK_FILE));
  const identity = await loadNodeIdentity(nodeDir);
  const pk = toHex(identity.publicKey);
  const operatorIndex = lock.operators.findIndex((o) => o.identityPublicKey === pk);
  if (operatorIndex < 0) {
    throw new ClusterError(
      {
        code: "CLUSTER_NODE_FILE_INVALID",
        path: path.join(nodeDir, IDENTITY_KEY_FILE),
        reason: "not an operator of the cluster lock",
      },
      `${nodeDir}: its identity key is not one of the cluster lock's operators`,
    );
  }
  return {lock, identity, operatorIndex};
}

/** A key share a node holds (secret: handle with care, never log). */
export interface NodeKeyShare {
  /** The validator's public key (lock). */
  validator: string;
  validatorIndex: number;
  /** 1-based share index (operator index + 1). */
  shareIndex: number;
  publicKeyShare: string;
  secret: Uint8Array;
}

/**
 * Decrypts a node's key shares (validator_keys/keystore-<v>.json with validator_keys/password.txt) and
 * checks each against the lock's public key share for that operator.
 */
export async function loadNodeKeyShares(
  nodeDir: string,
  lock: Pick<ClusterLock, "validators"> | {validators: {publicKey: string; publicKeyShares: string[]}[]},
  operatorIndex: number,
): Promise<NodeKeyShare[]> {
  const keysDir = path.join(nodeDir, VALIDATOR_KEYS_DIR);
  const password = await readPasswordFile(path.join(keysDir, PASSWORD_FILE));
  const shares: NodeKeyShare[] = [];
  for (const [validatorIndex, v] of lock.validators.entries()) {
    const file = path.join(keysDir, keystoreFileName(validatorIndex));
    const key = await decryptKeystoreFile(file, password);
    if (key.publicKey !== v.publicKeyShares[operatorIndex]) {
      throw new ClusterError(
        {code: "CLUSTER_NODE_FILE_INVALID", path: file, reason: "not this operator's share of the validator"},
        `${file}: holds ${key.publicKey}, but the lock's share ${operatorIndex + 1} of validator ${v.publicKey} is ${v.publicKeyShares[operatorIndex]}`,
      );
    }
    shares.push({
      validator: v.publicKey,
      validatorIndex,
      shareIndex: operatorIndex + 1,
      publicKeyShare: key.publicKey,
      secret: key.secret,
    });
  }
  return shares;
}

import {access, mkdir, rename, rm} from "node:fs/promises";
import path from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {assertEmptyOrAbsent, writeSecretFile} from "./create.js";
import {ClusterError} from "./errors.js";
import {encryptKeystore, type KdfOption, validateKdf} from "./keystores.js";
import {CLUSTER_LOCK_FILE, type ClusterLock, loadClusterLock} from "./lock.js";
import {keystoreFileName, loadNodeKeyShares, type NodeKeyShare, nodeDirName, PASSWORD_FILE} from "./node.js";
import type {RandomBytes} from "./random.js";
import {recoverSecretKey} from "./shamir.js";

export interface CombineKeysOpts {
  /** A cluster directory as create-cluster wrote it (cluster-lock.json and node<i>/ for at least t nodes). */
  clusterDir: string;
  /** Directory to write the recovered validator keystores to; must not exist or be empty. */
  outDir: string;
  kdf: KdfOption;
  /** Password of the output keystores; a random one is generated (and written to password.txt) if absent. */
  password?: string;
}

export interface CombineKeysModules {
  random: RandomBytes;
  logger?: Logger;
  onProgress?: (p: {stage: "decrypt" | "keystores"; done: number; total: number}) => void;
}

/**
 * Dissolves a cluster: decrypts the key shares of the node directories present, recovers every
 * validator secret key from t of them (Lagrange at 0), checks it against the lock's validator public
 * key, and writes the full validator keystores (keystore-<v>.json, mode 0600) and password.txt.
 */
export async function combineClusterKeys(
  opts: CombineKeysOpts,
  modules: CombineKeysModules,
): Promise<{lock: ClusterLock; nodesUsed: number[]}> {
  const logger = modules.logger ?? nullLogger();
  const kdf = validateKdf(opts.kdf);
  const lock = await loadClusterLock(path.join(opts.clusterDir, CLUSTER_LOCK_FILE));
  const t = lock.threshold;

  const sharesByNode: {operatorIndex: number; shares: NodeKeyShare[]}[] = [];
  for (let i = 0; i < lock.operators.length && sharesByNode.length < t; i++) {
    const nodeDir = path.join(opts.clusterDir, nodeDirName(i));
    try {
      await access(nodeDir);
    } catch {
      continue;
    }
    sharesByNode.push({operatorIndex: i, shares: await loadNodeKeyShares(nodeDir, lock, i)});
    modules.onProgress?.({stage: "decrypt", done: sharesByNode.length, total: t});
  }
  if (sharesByNode.length < t) {
    throw new ClusterError(
      {code: "CLUSTER_NOT_ENOUGH_SHARES", have: sharesByNode.length, threshold: t},
      `found ${sharesByNode.length} node directories in ${opts.clusterDir}; ${t} are needed`,
    );
  }

  const secrets = lock.validators.map((v, vi) => {
    const secret = recoverSecretKey(
      sharesByNode.map((n) => ({index: n.operatorIndex + 1, secret: n.shares[vi].secret})),
      t,
    );
    if (toHex(SecretKey.fromBytes(secret).toPublicKey().toBytes()) !== v.publicKey) {
      throw new ClusterError(
        {code: "CLUSTER_INVALID_SECRET_KEY"},
        `the shares of validator ${v.publicKey} do not recover its key`,
      );
    }
    return secret;
  });

  const password = opts.password ?? Buffer.from(modules.random(16)).toString("hex");
  const outDir = path.resolve(opts.outDir);
  const staging = `${outDir}.partial-${process.pid}-${Date.now()}`;
  try {
    await mkdir(staging, {recursive: true, mode: 0o700});
    await writeSecretFile(path.join(staging, PASSWORD_FILE), `${password}\n`);
    for (const [v, secret] of secrets.entries()) {
      const keystore = await encryptKeystore(
        secret,
        password,
        kdf,
        modules.random,
        `cohort recovered validator ${lock.validators[v].publicKey}`,
      );
      await writeSecretFile(path.join(staging, keystoreFileName(v)), keystore);
      modules.onProgress?.({stage: "keystores", done: v + 1, total: secrets.length});
    }
    await assertEmptyOrAbsent(outDir);
    await rm(outDir, {recursive: true, force: true});
    await rename(staging, outDir);
  } catch (e) {
    await rm(staging, {recursive: true, force: true});
    throw e;
  }
  const nodesUsed = sharesByNode.map((n) => n.operatorIndex);
  logger.info("Validator keys recovered", {dir: outDir, validators: secrets.length, nodesUsed});
  return {lock, nodesUsed};
}

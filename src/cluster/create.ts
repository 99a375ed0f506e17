import {createHash} from "node:crypto";
import {mkdir, readdir, rename, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {defaultThreshold, resolveThreshold, unsafeThresholdWarning} from "../combine/threshold.js";
import {IdentityKey} from "../p2p/identity.js";
import {fromHex, toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {
  buildDepositData,
  type DepositDataJson,
  depositDataFileName,
  executionWithdrawalCredentials,
} from "./deposit.js";
import {ClusterError, DepositError} from "./errors.js";
import {encryptKeystore, type KdfOption, validateKdf} from "./keystores.js";
import {
  CLUSTER_LOCK_FILE,
  CLUSTER_LOCK_VERSION,
  type ClusterLock,
  sealClusterLock,
  serializeClusterLock,
} from "./lock.js";
import type {ClusterNetwork} from "./networks.js";
import {IDENTITY_KEY_FILE, keystoreFileName, nodeDirName, PASSWORD_FILE, VALIDATOR_KEYS_DIR} from "./node.js";
import {peerIdOfIdentityKey} from "./peerId.js";
import type {RandomBytes} from "./random.js";
import {DEFAULT_GAS_LIMIT, signBuilderRegistration} from "./registration.js";
import {randomScalar, scalarToBytes, splitSecretKey} from "./shamir.js";

export const DEFAULT_BASE_PORT = 9000;

export interface CreateClusterOpts {
  nodes: number;
  /** Default ceil(2n/3). */
  threshold?: number;
  network: ClusterNetwork;
  /** Generate this many new validator keys... */
  validators?: number;
  /** ...or split these existing validator secret keys (32 bytes each). */
  existingSecrets?: Uint8Array[];
  /** Directory to create; must not exist or be empty. */
  outDir: string;
  /** Operator i listens on /ip4/127.0.0.1/tcp/<basePort + i> unless `multiaddrs` is given. */
  basePort?: number;
  /** One list of multiaddrs per operator. */
  multiaddrs?: string[][];
  kdf: KdfOption;
  /** Allow t < ceil(2n/3), which lets fewer operators than a consensus quorum sign alone. */
  unsafeThreshold?: boolean;
  /** Withdrawal, deposit, fee-recipient and registration settings (defaults: see ClusterDepositOpts). */
  deposit?: ClusterDepositOpts;
}

export interface ClusterDepositOpts {
  /**
   * One execution address per validator (lowercase 0x + 40 hex): its 0x01/0x02 withdrawal credentials,
   * and deposit data is written. Without it every validator gets `devnetAddress(pubkey)` and no
   * deposit data: for devnets and tests only (the CLI requires the flag on a real network).
   */
  withdrawalAddresses?: string[];
  /** One fee recipient per validator; defaults to the withdrawal address. */
  feeRecipients?: string[];
  /** Gwei per deposit (default 32 ETH). */
  amountGwei?: number;
  /** 0x02 (compounding) credentials instead of 0x01. */
  compounding?: boolean;
  /** Gas limit of the builder registrations (default DEFAULT_GAS_LIMIT, 60M). */
  gasLimit?: number;
}

export const DEFAULT_DEPOSIT_GWEI = 32_000_000_000;

/**
 * The deterministic address a validator gets when no withdrawal address or fee recipient is given
 * (devnets, tests): the first 20 bytes of SHA-256("cohort/devnet/address" ‖ validator pubkey). Not
 * zero and different per validator, so a test can tell whose fee recipient a block pays; nobody holds
 * its key.
 */
export function devnetAddress(publicKey: string): string {
  const digest = createHash("sha256").update("cohort/devnet/address").update(fromHex(publicKey, 48)).digest();
  return toHex(digest.subarray(0, 20));
}

export interface Progress {
  stage: "split" | "keystores";
  done: number;
  total: number;
}

export interface CreateClusterModules {
  /** Key material comes from here: the OS CSPRNG for real clusters, a seeded stream for fixtures. */
  random: RandomBytes;
  logger?: Logger;
  onProgress?: (p: Progress) => void;
  /** Clock (ms) of the builder registrations' timestamp and the deposit data file name; Date.now by default. */
  now?: () => number;
}

/**
 * Trusted-dealer cluster creation: makes (or takes) validator keys, splits each t-of-n, makes one
 * identity key per operator, and writes DIR/cluster-lock.json plus DIR/node<i>/ with the identity key,
 * the node's key shares as EIP-2335 keystores with their password, and a copy of the lock. Everything
 * is written into a temporary sibling directory first and renamed into place, so a failure leaves
 * nothing behind. Secret files are mode 0600.
 */
/** Everything a cluster is made of, before it is written: the lock and each operator's secrets. */
export interface ClusterPlan {
  lock: ClusterLock;
  identities: IdentityKey[];
  /** Keystore password of each operator. */
  passwords: string[];
  /** shares[v][i]: operator i's 32-byte key share of validator v. */
  shares: Uint8Array[][];
  /** Deposit data of every validator, when withdrawal addresses were given. */
  deposits?: DepositDataJson[];
}

/**
 * Makes (or takes) the validator keys, splits each t-of-n, makes one identity key per operator and
 * seals the lock. Pure apart from `random`: no file is touched.
 */
export function planCluster(
  opts: Omit<CreateClusterOpts, "outDir" | "kdf">,
  modules: Pick<CreateClusterModules, "random" | "onProgress" | "now">,
): ClusterPlan {
  const {random} = modules;
  const n = opts.nodes;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`nodes must be an integer in 1..64, got ${n}`);
  let threshold: number;
  try {
    threshold = resolveThreshold(n, opts.threshold);
  } catch {
    throw new ClusterError(
      {code: "CLUSTER_INVALID_THRESHOLD", threshold: opts.threshold ?? 0, n},
      `threshold must be in 1..${n}, got ${opts.threshold}`,
    );
  }
  if (threshold < defaultThreshold(n) && !opts.unsafeThreshold) {
    throw new ClusterError(
      {code: "CLUSTER_UNSAFE_THRESHOLD", threshold, n, safe: defaultThreshold(n)},
      `${unsafeThresholdWarning(threshold, n)}; pass --unsafe-threshold to create it anyway`,
    );
  }
  const basePort = opts.basePort ?? DEFAULT_BASE_PORT;
  if (opts.multiaddrs !== undefined && opts.multiaddrs.length !== n) {
    throw new RangeError(`${opts.multiaddrs.length} operator addresses given for ${n} nodes`);
  }
  if (opts.multiaddrs === undefined && (!Number.isInteger(basePort) || basePort < 1 || basePort + n - 1 > 65535)) {
    throw new RangeError(`base port ${basePort} out of range`);
  }
  const secrets =
    opts.existingSecrets ?? Array.from({length: opts.validators ?? 0}, () => scalarToBytes(randomScalar(random)));
  if (secrets.length === 0) throw new RangeError("no validators: give a positive validator count or keys to split");

  const dep = opts.deposit;
  for (const [field, list] of [
    ["--withdrawal-address", dep?.withdrawalAddresses],
    ["--fee-recipient", dep?.feeRecipients],
  ] as const) {
    if (list !== undefined && list.length !== secrets.length) {
      throw new DepositError(
        {code: "DEPOSIT_COUNT_MISMATCH", field, given: list.length, expected: secrets.length},
        `${field}: ${list.length} addresses for ${secrets.length} validators`,
      );
    }
  }
  const identities = Array.from({length: n}, () => IdentityKey.generate(random));
  const passwords = identities.map(() => Buffer.from(random(16)).toString("hex"));
  const shares = secrets.map((secret, v) => {
    const split = splitSecretKey(secret, threshold, n, random);
    modules.onProgress?.({stage: "split", done: v + 1, total: secrets.length});
    return split;
  });
  const publicKeys = secrets.map((secret) => toHex(SecretKey.fromBytes(secret).toPublicKey().toBytes()));
  const withdrawal = dep?.withdrawalAddresses ?? publicKeys.map(devnetAddress);
  const fee = dep?.feeRecipients ?? withdrawal;
  const amountGwei = dep?.amountGwei ?? DEFAULT_DEPOSIT_GWEI;
  const gasLimit = dep?.gasLimit ?? DEFAULT_GAS_LIMIT;
  if (!Number.isSafeInteger(gasLimit) || gasLimit < 1)
    throw new RangeError(`gas limit must be a positive integer, got ${gasLimit}`);
  const compounding = dep?.compounding ?? false;
  const credentials = withdrawal.map((address) => executionWithdrawalCredentials(address, compounding));
  const timestamp = Math.floor((modules.now ?? Date.now)() / 1000);
  const lock = sealClusterLock(
    {
      version: CLUSTER_LOCK_VERSION,
      network: opts.network,
      threshold,
      operators: identities.map((id, i) => ({
        identityPublicKey: toHex(id.publicKey),
        peerId: peerIdOfIdentityKey(id.publicKey),
        multiaddrs: opts.multiaddrs?.[i] ?? [`/ip4/127.0.0.1/tcp/${basePort + i}`],
      })),
      validators: secrets.map((secret, v) => ({
        publicKey: publicKeys[v],
        publicKeyShares: shares[v].map((share) => toHex(SecretKey.fromBytes(share).toPublicKey().toBytes())),
        feeRecipient: fee[v],
        withdrawalCredentials: toHex(credentials[v]),
        depositAmountGwei: amountGwei,
        builderRegistration: signBuilderRegistration(
          secret,
          {feeRecipient: fee[v], gasLimit, timestamp},
          opts.network.genesisForkVersion,
        ),
      })),
    },
    identities,
  );
  const plan: ClusterPlan = {lock, identities, passwords, shares};
  if (dep?.withdrawalAddresses !== undefined) {
    const network = {name: opts.network.name, genesisForkVersion: fromHex(opts.network.genesisForkVersion, 4)};
    plan.deposits = secrets.map((secret, v) => buildDepositData(secret, credentials[v], amountGwei, network));
  }
  return plan;
}

/**
 * Trusted-dealer cluster creation: `planCluster`, then writes DIR/cluster-lock.json plus DIR/node<i>/
 * with the identity key, the node's key shares as EIP-2335 keystores with their password, and a copy
 * of the lock. Everything is written into a temporary sibling directory first and renamed into place,
 * so a failure leaves nothing behind. Secret files are mode 0600.
 */
export async function createCluster(opts: CreateClusterOpts, modules: CreateClusterModules): Promise<ClusterLock> {
  const logger = modules.logger ?? nullLogger();
  const kdf = validateKdf(opts.kdf);
  const outDir = path.resolve(opts.outDir);
  await assertEmptyOrAbsent(outDir);
  const {lock, identities, passwords, shares, deposits} = planCluster(opts, modules);
  const n = lock.operators.length;
  const lockText = serializeClusterLock(lock);
  const staging = `${outDir}.partial-${process.pid}-${Date.now()}`;
  try {
    await mkdir(staging, {recursive: true, mode: 0o700});
    await writeFile(path.join(staging, CLUSTER_LOCK_FILE), lockText, {mode: 0o644});
    if (deposits !== undefined) {
      const name = depositDataFileName((modules.now ?? Date.now)());
      await writeFile(path.join(staging, name), `${JSON.stringify(deposits, null, 2)}\n`, {mode: 0o644});
    }
    const total = n * shares.length;
    let done = 0;
    for (let i = 0; i < n; i++) {
      const nodeDir = path.join(staging, nodeDirName(i));
      const keysDir = path.join(nodeDir, VALIDATOR_KEYS_DIR);
      await mkdir(keysDir, {recursive: true, mode: 0o700});
      await writeSecretFile(path.join(nodeDir, IDENTITY_KEY_FILE), `${toHex(identities[i].exportSecret())}\n`);
      await writeFile(path.join(nodeDir, CLUSTER_LOCK_FILE), lockText, {mode: 0o644});
      await writeSecretFile(path.join(keysDir, PASSWORD_FILE), `${passwords[i]}\n`);
      for (const [v, validatorShares] of shares.entries()) {
        const description = `cohort key share ${i + 1} of ${n} (threshold ${lock.threshold}) of validator ${lock.validators[v].publicKey}`;
        const keystore = await encryptKeystore(validatorShares[i], passwords[i], kdf, modules.random, description);
        await writeSecretFile(path.join(keysDir, keystoreFileName(v)), keystore);
        modules.onProgress?.({stage: "keystores", done: ++done, total});
      }
    }
    await rm(outDir, {recursive: true, force: true});
    await rename(staging, outDir);
  } catch (e) {
    await rm(staging, {recursive: true, force: true});
    throw e;
  }
  logger.info("Cluster created", {
    dir: outDir,
    nodes: n,
    threshold: lock.threshold,
    validators: shares.length,
    lockHash: lock.lockHash,
  });
  return lock;
}

/** Writes a new file readable by its owner only (mode 0600, whatever the umask). */
export async function writeSecretFile(file: string, content: string): Promise<void> {
  await writeFile(file, content, {mode: 0o600, flag: "wx"});
}

/** Throws CLUSTER_OUTPUT_EXISTS unless `dir` is absent or an empty directory. */
export async function assertEmptyOrAbsent(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0)
      throw new ClusterError(
        {code: "CLUSTER_OUTPUT_EXISTS", path: dir},
        `${dir} exists and is not empty; choose a new directory`,
      );
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new ClusterError({code: "CLUSTER_OUTPUT_EXISTS", path: dir}, `${dir}: ${(e as Error).message}`);
  }
}

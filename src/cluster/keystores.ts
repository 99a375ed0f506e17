import {readdir, readFile} from "node:fs/promises";
import path from "node:path";
import {create, decrypt, type IKdfModule, Keystore} from "@chainsafe/bls-keystore";
import {SecretKey} from "@chainsafe/blst";
import {toHex} from "../util/hex.js";
import {ClusterError} from "./errors.js";
import type {RandomBytes} from "./random.js";

/**
 * The EIP-2335 key derivation and its cost: PBKDF2-HMAC-SHA256 iterations, or scrypt's N (a power
 * of two; r = 8, p = 1). The default, pbkdf2 with 2^18 iterations, is EIP-2335's own choice and takes
 * ~70 ms a keystore here (native); scrypt at N = 2^18 takes ~1.4 s. Low costs are for tests and
 * devnets only.
 */
export interface KdfOption {
  function: "pbkdf2" | "scrypt";
  cost: number;
}

export const DEFAULT_KDF: KdfOption = {function: "pbkdf2", cost: 262144};

export function validateKdf(kdf: KdfOption): KdfOption {
  const ok =
    kdf.function === "pbkdf2"
      ? Number.isInteger(kdf.cost) && kdf.cost >= 1
      : kdf.function === "scrypt" && Number.isInteger(kdf.cost) && kdf.cost >= 2 && (kdf.cost & (kdf.cost - 1)) === 0;
  if (!ok)
    throw new RangeError(
      `invalid KDF ${kdf.function} cost ${kdf.cost}: pbkdf2 needs ≥ 1 iterations, scrypt a power of two ≥ 2`,
    );
  return kdf;
}

function kdfModule(kdf: KdfOption, random: RandomBytes): Pick<IKdfModule, "function" | "params"> {
  const salt = Buffer.from(random(32)).toString("hex");
  return kdf.function === "pbkdf2"
    ? {function: "pbkdf2", params: {dklen: 32, c: kdf.cost, prf: "hmac-sha256", salt}}
    : {function: "scrypt", params: {dklen: 32, n: kdf.cost, r: 8, p: 1, salt}};
}

/** Encrypts a BLS secret key (share) as an EIP-2335 keystore; returns its JSON text. */
export async function encryptKeystore(
  secret: Uint8Array,
  password: string,
  kdf: KdfOption,
  random: RandomBytes,
  description: string,
): Promise<string> {
  const publicKey = SecretKey.fromBytes(secret).toPublicKey().toBytes();
  const iv = Buffer.from(random(16)).toString("hex");
  const keystore = await create(
    password,
    secret,
    publicKey,
    "",
    description,
    kdfModule(kdf, random),
    {function: "sha256"},
    {
      function: "aes-128-ctr",
      params: {iv},
    },
  );
  return `${JSON.stringify(keystore, null, 2)}\n`;
}

/** A decrypted keystore: the secret and its public key (checked to match the keystore's `pubkey`). */
export interface DecryptedKey {
  path: string;
  secret: Uint8Array;
  /** 0x-prefixed compressed BLS public key. */
  publicKey: string;
}

/** Decrypts one EIP-2335 keystore file; errors name the file. */
export async function decryptKeystoreFile(file: string, password: string): Promise<DecryptedKey> {
  const fail = (reason: string) =>
    new ClusterError({code: "CLUSTER_NODE_FILE_INVALID", path: file, reason}, `${file}: ${reason}`);
  let keystore: Keystore;
  try {
    keystore = Keystore.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw fail(`not an EIP-2335 keystore (${(e as Error).message.split("\n")[0]})`);
  }
  let secret: Uint8Array;
  try {
    secret = await decrypt(keystore, password);
  } catch {
    throw fail("wrong password or corrupted keystore");
  }
  let publicKey: string;
  try {
    publicKey = toHex(SecretKey.fromBytes(secret).toPublicKey().toBytes());
  } catch {
    throw fail("holds an invalid BLS secret key");
  }
  if (keystore.pubkey !== "" && `0x${keystore.pubkey.replace(/^0x/, "").toLowerCase()}` !== publicKey) {
    throw fail("its pubkey field does not match the decrypted key");
  }
  return {path: file, secret, publicKey};
}

/** Reads a password file: its content with the trailing newline removed. */
export async function readPasswordFile(file: string): Promise<string> {
  try {
    const password = (await readFile(file, "utf8")).replace(/\r?\n$/, "");
    if (password.length === 0) throw new Error("empty");
    return password;
  } catch (e) {
    throw new ClusterError({
      code: "CLUSTER_NODE_FILE_INVALID",
      path: file,
      reason: `unreadable or empty password file (${(e as Error).message})`,
    });
  }
}

/**
 * Decrypts every `keystore*.json` of a directory (in natural name order) with one password; other
 * files, such as staking-deposit-cli's deposit_data-*.json, are left alone.
 */
export async function decryptKeystoreDir(
  dir: string,
  password: string,
  onProgress?: (done: number, total: number) => void,
): Promise<DecryptedKey[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.startsWith("keystore") && f.endsWith(".json")).sort(byNumberThenName);
  } catch (e) {
    throw new ClusterError({code: "CLUSTER_FILE_UNREADABLE", path: dir, reason: (e as Error).message});
  }
  if (names.length === 0)
    throw new ClusterError({code: "CLUSTER_FILE_UNREADABLE", path: dir, reason: "no keystore*.json files"});
  const keys: DecryptedKey[] = [];
  for (const name of names) {
    keys.push(await decryptKeystoreFile(path.join(dir, name), password));
    onProgress?.(keys.length, names.length);
  }
  return keys;
}

/** Orders keystore-2.json before keystore-10.json. */
function byNumberThenName(a: string, b: string): number {
  return a.localeCompare(b, "en", {numeric: true});
}

import {readdir, readFile} from "node:fs/promises";
import path from "node:path";
import {create, type IKdfModule, Keystore} from "@chainsafe/bls-keystore";
import {SecretKey} from "@chainsafe/blst";
import {CohortError} from "../util/errors.js";
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

export type KeystoreErrorType =
  | {code: "KEYSTORE_DIR_UNREADABLE"; dir: string; reason: string}
  | {code: "KEYSTORE_NONE_FOUND"; dir: string}
  | {code: "KEYSTORE_INVALID"; file: string; reason: string}
  | {code: "KEYSTORE_WRONG_PASSWORD"; file: string}
  | {code: "KEYSTORE_PUBKEY_MISMATCH"; file: string}
  | {code: "KEYSTORE_DUPLICATE_KEY"; file: string; pubkey: string};

export class KeystoreError extends CohortError<KeystoreErrorType> {}

/** A decrypted keystore: the secret and its public key (checked to match the keystore's `pubkey`). */
export interface DecryptedKey {
  path: string;
  secret: Uint8Array;
  /** 0x-prefixed compressed BLS public key. */
  publicKey: string;
}

/** Decrypts one EIP-2335 keystore file; errors name the file. */
export async function decryptKeystoreFile(file: string, password: string): Promise<DecryptedKey> {
  const invalid = (reason: string) => new KeystoreError({code: "KEYSTORE_INVALID", file, reason}, `${file}: ${reason}`);
  let keystore: Keystore;
  try {
    keystore = Keystore.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw invalid(`not an EIP-2335 keystore (${(e as Error).message.split("\n")[0]})`);
  }
  // decrypt checks the password (checksum) itself; one KDF run per keystore, not two.
  let secret: Uint8Array;
  try {
    secret = await keystore.decrypt(password);
  } catch (e) {
    if (e instanceof Error && /password/i.test(e.message)) {
      throw new KeystoreError({code: "KEYSTORE_WRONG_PASSWORD", file}, `wrong password for keystore ${file}`);
    }
    throw invalid(`cannot decrypt: ${(e as Error).message}`);
  }
  let publicKey: string;
  try {
    publicKey = toHex(SecretKey.fromBytes(secret).toPublicKey().toBytes());
  } catch {
    throw invalid("holds an invalid BLS secret key");
  }
  if (keystore.pubkey !== "" && `0x${keystore.pubkey.replace(/^0x/, "").toLowerCase()}` !== publicKey) {
    throw new KeystoreError(
      {code: "KEYSTORE_PUBKEY_MISMATCH", file},
      `${file}: its pubkey field does not match the decrypted key`,
    );
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
 * The one EIP-2335 directory loader (create-cluster --split-keystores, cohort signer): decrypts every
 * `keystore*.json` of a directory (in natural name order) with one password; other files, such as
 * staking-deposit-cli's deposit_data-*.json, are left alone. All or nothing: any bad file, or the same
 * key twice, fails the load. `onProgress(done, total)` follows each decryption.
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
    const reason = (e as Error).message;
    throw new KeystoreError(
      {code: "KEYSTORE_DIR_UNREADABLE", dir, reason},
      `cannot read keystore directory ${dir}: ${reason}`,
    );
  }
  if (names.length === 0) {
    throw new KeystoreError({code: "KEYSTORE_NONE_FOUND", dir}, `no keystore*.json keystore in ${dir}`);
  }
  const keys: DecryptedKey[] = [];
  for (const name of names) {
    const key = await decryptKeystoreFile(path.join(dir, name), password);
    if (keys.some((k) => k.publicKey === key.publicKey)) {
      throw new KeystoreError(
        {code: "KEYSTORE_DUPLICATE_KEY", file: key.path, pubkey: key.publicKey},
        `keystore ${key.path}: key ${key.publicKey} loaded twice`,
      );
    }
    keys.push(key);
    onProgress?.(keys.length, names.length);
  }
  return keys;
}

/** Orders keystore-2.json before keystore-10.json. */
function byNumberThenName(a: string, b: string): number {
  return a.localeCompare(b, "en", {numeric: true});
}

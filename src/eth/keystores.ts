/** Loads the EIP-2335 keystores of a directory (each `*.json`) into BLS secret keys, with progress. */
import {readdir, readFile} from "node:fs/promises";
import {join} from "node:path";
import {Keystore} from "@chainsafe/bls-keystore";
import {SecretKey} from "@chainsafe/blst";
import {CohortError} from "../util/errors.js";
import {bytesEqual, toHex} from "../util/hex.js";

export type KeystoreErrorType =
  | {code: "KEYSTORE_DIR_UNREADABLE"; dir: string; reason: string}
  | {code: "KEYSTORE_NONE_FOUND"; dir: string}
  | {code: "KEYSTORE_INVALID"; file: string; reason: string}
  | {code: "KEYSTORE_WRONG_PASSWORD"; file: string}
  | {code: "KEYSTORE_PUBKEY_MISMATCH"; file: string}
  | {code: "KEYSTORE_DUPLICATE_KEY"; file: string; pubkey: string};

export class KeystoreError extends CohortError<KeystoreErrorType> {}

export interface LoadedKey {
  pubkey: Uint8Array;
  secretKey: SecretKey;
  file: string;
}

/**
 * Decrypts every keystore in `dir` with one password. All or nothing: any bad file fails the load.
 * `onProgress(done, total)` is called after each decryption (scrypt keystores take ~1 s each).
 */
export async function loadKeystoresFromDir(
  dir: string,
  password: string,
  onProgress?: (done: number, total: number) => void,
): Promise<LoadedKey[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new KeystoreError(
      {code: "KEYSTORE_DIR_UNREADABLE", dir, reason},
      `cannot read keystore directory ${dir}: ${reason}`,
    );
  }
  if (files.length === 0) {
    throw new KeystoreError({code: "KEYSTORE_NONE_FOUND", dir}, `no *.json keystore in ${dir}`);
  }
  const keys: LoadedKey[] = [];
  for (const name of files) {
    const file = join(dir, name);
    let keystore: Keystore;
    try {
      keystore = Keystore.parse(await readFile(file, "utf8"));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new KeystoreError(
        {code: "KEYSTORE_INVALID", file, reason},
        `${file} is not an EIP-2335 keystore: ${reason}`,
      );
    }
    // decrypt checks the password (checksum) itself; one KDF run per keystore, not two.
    let secretKey: SecretKey;
    try {
      secretKey = SecretKey.fromBytes(await keystore.decrypt(password));
    } catch (e) {
      if (e instanceof Error && /password/i.test(e.message)) {
        throw new KeystoreError({code: "KEYSTORE_WRONG_PASSWORD", file}, `wrong password for keystore ${file}`);
      }
      const reason = e instanceof Error ? e.message : String(e);
      throw new KeystoreError({code: "KEYSTORE_INVALID", file, reason}, `${file}: cannot decrypt: ${reason}`);
    }
    const pubkey = secretKey.toPublicKey().toBytes();
    if (keystore.pubkey !== "" && !bytesEqual(pubkey, Buffer.from(keystore.pubkey.replace(/^0x/, ""), "hex"))) {
      throw new KeystoreError(
        {code: "KEYSTORE_PUBKEY_MISMATCH", file},
        `keystore ${file}: pubkey does not match its secret`,
      );
    }
    if (keys.some((k) => bytesEqual(k.pubkey, pubkey))) {
      const hex = toHex(pubkey);
      throw new KeystoreError(
        {code: "KEYSTORE_DUPLICATE_KEY", file, pubkey: hex},
        `keystore ${file}: key ${hex} loaded twice`,
      );
    }
    keys.push({pubkey, secretKey, file});
    onProgress?.(keys.length, files.length);
  }
  return keys;
}

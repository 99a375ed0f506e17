import {PublicKey, SecretKey} from "@chainsafe/blst";
import {seededRandom} from "../../../src/cluster/random.js";
import {randomScalar, scalarToBytes, splitSecretKey} from "../../../src/cluster/shamir.js";
import type {ValidatorKeys} from "../../../src/combine/index.js";

/** A validator key split t-of-n for tests, from a seed. */
export interface SplitKey {
  secretKey: SecretKey;
  shares: SecretKey[];
  keys: ValidatorKeys;
  validator: string;
}

export function makeSplitKey(seed: string, threshold: number, n: number): SplitKey {
  const random = seededRandom(seed);
  const secret = scalarToBytes(randomScalar(random));
  const secretKey = SecretKey.fromBytes(secret);
  const shares = splitSecretKey(secret, threshold, n, random).map((s) => SecretKey.fromBytes(s));
  const publicKey = secretKey.toPublicKey();
  return {
    secretKey,
    shares,
    keys: {
      publicKey: PublicKey.fromBytes(publicKey.toBytes(), true),
      publicKeyShares: shares.map((s) => s.toPublicKey()),
    },
    validator: publicKey.toHex(),
  };
}

export const root = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

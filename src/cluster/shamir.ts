import {ClusterError} from "./errors.js";
import type {RandomBytes} from "./random.js";

/** r, the order of the BLS12-381 groups: secret keys and their shares are scalars mod r. */
export const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

export function bytesToScalar(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
}

/** 32-byte big-endian, the serialisation of BLS secret keys (EIP-2335, blst, herumi in ETH mode). */
export function scalarToBytes(x: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(x.toString(16).padStart(64, "0"), "hex"));
}

/** A uniform non-zero scalar: 48 random bytes reduced mod r (bias below 2^-128, as in EIP-2333). */
export function randomScalar(random: RandomBytes): bigint {
  for (;;) {
    const x = bytesToScalar(random(48)) % BLS_CURVE_ORDER;
    if (x !== 0n) return x;
  }
}

function mod(x: bigint): bigint {
  const m = x % BLS_CURVE_ORDER;
  return m < 0n ? m + BLS_CURVE_ORDER : m;
}

function modInverse(x: bigint): bigint {
  // Fermat: x^(r-2) mod r, r prime.
  let result = 1n;
  let base = mod(x);
  let e = BLS_CURVE_ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % BLS_CURVE_ORDER;
    base = (base * base) % BLS_CURVE_ORDER;
    e >>= 1n;
  }
  return result;
}

function checkSecret(secret: Uint8Array): bigint {
  const s = bytesToScalar(secret);
  if (secret.length !== 32 || s === 0n || s >= BLS_CURVE_ORDER) {
    throw new ClusterError({code: "CLUSTER_INVALID_SECRET_KEY"}, "a BLS secret key is 32 bytes, non-zero and below r");
  }
  return s;
}

/**
 * Shamir-splits a BLS secret key t-of-n: a random polynomial f of degree t−1 with f(0) = secret;
 * share i (1-based) is f(i). Returns the n shares, share i at position i − 1.
 */
export function splitSecretKey(secret: Uint8Array, threshold: number, n: number, random: RandomBytes): Uint8Array[] {
  const s = checkSecret(secret);
  if (!Number.isInteger(n) || !Number.isInteger(threshold) || threshold < 1 || threshold > n) {
    throw new ClusterError({code: "CLUSTER_INVALID_THRESHOLD", threshold, n});
  }
  const coefficients = [s];
  for (let k = 1; k < threshold; k++) coefficients.push(randomScalar(random));
  const shares: Uint8Array[] = [];
  for (let i = 1; i <= n; i++) {
    const x = BigInt(i);
    let y = 0n;
    for (let k = coefficients.length - 1; k >= 0; k--) y = (y * x + coefficients[k]) % BLS_CURVE_ORDER;
    // f(i) = 0 has probability ~2^-255; a zero secret key cannot be used.
    if (y === 0n) throw new ClusterError({code: "CLUSTER_INVALID_SECRET_KEY"}, "degenerate share; split again");
    shares.push(scalarToBytes(y));
  }
  return shares;
}

/** Lagrange coefficients at 0 for distinct 1-based indices: λ_i = Π_{j≠i} j / (j − i) mod r. */
export function lagrangeAtZero(indices: number[]): bigint[] {
  return indices.map((i) => {
    let num = 1n;
    let den = 1n;
    for (const j of indices) {
      if (j === i) continue;
      num = mod(num * BigInt(j));
      den = mod(den * BigInt(j - i));
    }
    return mod(num * modInverse(den));
  });
}

/** Recovers the secret key from `threshold` shares with distinct 1-based indices (f(0) by Lagrange). */
export function recoverSecretKey(shares: {index: number; secret: Uint8Array}[], threshold: number): Uint8Array {
  const distinct = new Map<number, Uint8Array>();
  for (const s of shares) {
    if (!distinct.has(s.index)) distinct.set(s.index, s.secret);
    if (distinct.size === threshold) break;
  }
  if (distinct.size < threshold) {
    throw new ClusterError({code: "CLUSTER_NOT_ENOUGH_SHARES", have: distinct.size, threshold});
  }
  const indices = [...distinct.keys()];
  const lambdas = lagrangeAtZero(indices);
  let secret = 0n;
  indices.forEach((index, k) => {
    secret = mod(secret + lambdas[k] * bytesToScalar(distinct.get(index)!));
  });
  return scalarToBytes(secret);
}

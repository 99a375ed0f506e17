import {createHash, randomBytes} from "node:crypto";

/** A source of random bytes; injected everywhere key material is made so fixtures are reproducible. */
export type RandomBytes = (length: number) => Uint8Array;

/** The operating system's CSPRNG: the only source for real clusters. */
export const secureRandom: RandomBytes = (length) => new Uint8Array(randomBytes(length));

/**
 * A deterministic byte stream from a seed (SHA-256 in counter mode), for test fixtures and devnets
 * only: anyone who knows the seed knows every key made from it.
 */
export function seededRandom(seed: string): RandomBytes {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length) => {
    while (pool.length < length) {
      const block = createHash("sha256").update(`${seed}/${counter++}`).digest();
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

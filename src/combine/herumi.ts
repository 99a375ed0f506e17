import bls from "bls-eth-wasm";

// bls-eth-wasm's typings omit the `Id` class it exports; recover() takes arrays of it.
type HerumiId = Parameters<InstanceType<typeof bls.Signature>["recover"]>[1][number];
const herumi = bls as typeof bls & {Id: new () => HerumiId};

let ready: Promise<void> | null = null;
let initialised = false;

/**
 * Initialises herumi's bls-eth-wasm once (one global WebAssembly instance). Only Lagrange recovery on
 * G1/G2 uses it: every point it receives was already deserialised and subgroup-checked by blst and is
 * handed over uncompressed, so herumi's own order checks are switched off (they cost ~0.4 ms a point).
 */
export function initHerumi(): Promise<void> {
  ready ??= herumi.init(herumi.BLS12_381).then(() => {
    herumi.verifySignatureOrder(false);
    herumi.verifyPublicKeyOrder(false);
    initialised = true;
  });
  return ready;
}

/** True once `initHerumi()` has resolved; recovery needs it. */
export function isHerumiReady(): boolean {
  return initialised;
}

function assertReady(): void {
  if (!initialised) throw new Error("bls-eth-wasm is not initialised: await initHerumi() first");
}

function ids(indices: number[]): HerumiId[] {
  return indices.map((index) => {
    const id = new herumi.Id();
    id.setInt(index);
    return id;
  });
}

/**
 * Lagrange interpolation at 0 of G2 points given uncompressed (192 bytes) with their 1-based
 * indices; returns the compressed (96-byte) result. Indices must be distinct (callers ensure it).
 */
export function interpolateSignatures(points: {index: number; uncompressed: Uint8Array}[]): Uint8Array {
  assertReady();
  const sigs = points.map((p) => {
    const s = new herumi.Signature();
    s.deserializeUncompressed(p.uncompressed);
    return s;
  });
  const out = new herumi.Signature();
  out.recover(sigs, ids(points.map((p) => p.index)));
  return out.serialize();
}

/** Lagrange interpolation at 0 of G1 points (uncompressed, 96 bytes); returns the compressed 48 bytes. */
export function interpolatePublicKeys(points: {index: number; uncompressed: Uint8Array}[]): Uint8Array {
  assertReady();
  const pks = points.map((p) => {
    const k = new herumi.PublicKey();
    k.deserializeUncompressed(p.uncompressed);
    return k;
  });
  const out = new herumi.PublicKey();
  out.recover(pks, ids(points.map((p) => p.index)));
  return out.serialize();
}

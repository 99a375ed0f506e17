/** Hex helpers for 0x-prefixed strings as used by the Beacon API, EIP-3076 and Web3Signer. */

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/** Parses 0x-prefixed hex; when `byteLength` is given the value must have exactly that many bytes. */
export function fromHex(hex: string, byteLength?: number): Uint8Array {
  if (!isHex(hex, byteLength)) {
    throw new Error(
      `invalid hex${byteLength !== undefined ? ` of ${byteLength} bytes` : ""}: ${String(hex).slice(0, 20)}`,
    );
  }
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}

export function isHex(value: unknown, byteLength?: number): value is string {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) return false;
  return byteLength === undefined || value.length === 2 + 2 * byteLength;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

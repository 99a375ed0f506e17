import {expect} from "chai";
import {IdentityKey, isValidIdentityPublicKey, verifyIdentitySignature} from "../../../src/p2p/identity.js";

describe("p2p/identity", () => {
  const seeded = (seed: number) => () => new Uint8Array(32).fill(seed);

  it("signs and verifies; any change to message, key or signature fails", () => {
    const key = IdentityKey.generate(seeded(7));
    const other = IdentityKey.generate(seeded(8));
    const msg = new TextEncoder().encode("prepare");
    const sig = key.sign(msg);
    expect(sig.length).to.equal(64);
    expect(verifyIdentitySignature(key.publicKey, msg, sig)).to.equal(true);
    expect(verifyIdentitySignature(other.publicKey, msg, sig)).to.equal(false);
    expect(verifyIdentitySignature(key.publicKey, new TextEncoder().encode("commit"), sig)).to.equal(false);
    const flipped = Uint8Array.from(sig);
    flipped[10] ^= 1;
    expect(verifyIdentitySignature(key.publicKey, msg, flipped)).to.equal(false);
    expect(verifyIdentitySignature(new Uint8Array(33), msg, sig)).to.equal(false);
    expect(verifyIdentitySignature(key.publicKey, msg, sig.subarray(1))).to.equal(false);
  });

  it("is deterministic from the secret and never serialises it", () => {
    const a = IdentityKey.generate(seeded(9));
    const b = IdentityKey.fromSecret(a.exportSecret());
    expect(Buffer.from(b.publicKey).equals(Buffer.from(a.publicKey))).to.equal(true);
    expect(JSON.stringify(a)).to.not.include(Buffer.from(a.exportSecret()).toString("hex"));
    expect(isValidIdentityPublicKey(a.publicKey)).to.equal(true);
    expect(isValidIdentityPublicKey(new Uint8Array(33).fill(5))).to.equal(false);
    expect(() => IdentityKey.fromSecret(new Uint8Array(32))).to.throw(/valid 32-byte/);
  });
});

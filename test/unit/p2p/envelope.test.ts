import {expect} from "chai";
import {
  decodeEnvelope,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_OVERHEAD_BYTES,
  encodeEnvelope,
  envelopeSigningMessage,
  type UnsignedEnvelope,
} from "../../../src/p2p/envelope.js";
import {IdentityKey, verifyIdentitySignature} from "../../../src/p2p/identity.js";

const key = IdentityKey.generate(() => new Uint8Array(32).fill(3));
const clusterId = new Uint8Array(32).fill(9);
const base: UnsignedEnvelope = {
  kind: "message",
  topic: "consensus",
  sender: 2,
  timestampMs: 1_700_000_000_123,
  nonce: 5n,
  payload: new Uint8Array([10, 20, 30]),
};

describe("p2p/envelope", () => {
  it("round-trips every field and the signature verifies over domain, cluster and body", () => {
    const bytes = encodeEnvelope(base, clusterId, (m) => key.sign(m));
    expect(bytes.length).to.equal(ENVELOPE_OVERHEAD_BYTES + 3);
    const decoded = decodeEnvelope(bytes);
    if (!decoded.ok) throw new Error(decoded.why);
    const {signature, ...fields} = decoded.envelope;
    expect({...fields, payload: [...fields.payload]}).to.deep.equal({...base, payload: [10, 20, 30]});
    expect(verifyIdentitySignature(key.publicKey, envelopeSigningMessage(bytes, clusterId), signature)).to.equal(true);
    // Another cluster's id gives another message: a signature cannot be replayed across clusters.
    expect(
      verifyIdentitySignature(key.publicKey, envelopeSigningMessage(bytes, new Uint8Array(32)), signature),
    ).to.equal(false);
  });

  it("is deterministic: the same envelope encodes to the same bytes", () => {
    const a = encodeEnvelope(base, clusterId, (m) => key.sign(m));
    const b = encodeEnvelope({...base, payload: Uint8Array.from(base.payload)}, clusterId, (m) => key.sign(m));
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
  });

  it("pins the layout (a change here is a wire-protocol change: bump the version)", () => {
    const bytes = encodeEnvelope(base, clusterId, () => new Uint8Array(64));
    expect(Buffer.from(bytes.subarray(0, ENVELOPE_HEADER_BYTES)).toString("hex")).to.equal(
      "01" + "00" + "00" + "0002" + "0000018bcfe5687b" + "0000000000000005" + "00000003",
    );
  });

  it("rejects each malformed form without throwing", () => {
    const good = encodeEnvelope(base, clusterId, (m) => key.sign(m));
    const mutate = (offset: number, value: number): Uint8Array => {
      const copy = Uint8Array.from(good);
      copy[offset] = value;
      return copy;
    };
    const request = encodeEnvelope(
      {...base, kind: "catchUpRequest", topic: "shares", payload: new Uint8Array(0)},
      clusterId,
      (m) => key.sign(m),
    );
    expect(decodeEnvelope(request).ok).to.equal(true);
    const cases: [string, Uint8Array][] = [
      ["empty", new Uint8Array(0)],
      ["too short", good.subarray(0, ENVELOPE_OVERHEAD_BYTES - 1)],
      ["unknown version", mutate(0, 2)],
      ["unknown kind", mutate(1, 7)],
      ["unknown topic", mutate(2, 2)],
      ["timestamp out of range", mutate(5, 0xff)],
      ["length mismatch (declared longer)", mutate(24, 4)],
      ["length mismatch (trailing bytes)", Uint8Array.from([...good, 0])],
      ["catch-up request on consensus", mutate(1, 1)],
      [
        "catch-up request with a payload",
        encodeEnvelope({...base, kind: "catchUpRequest", topic: "shares"}, clusterId, (m) => key.sign(m)),
      ],
    ];
    for (const [name, bytes] of cases) expect(decodeEnvelope(bytes).ok, name).to.equal(false);
  });
});

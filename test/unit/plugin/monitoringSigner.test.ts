import {expect} from "chai";
import {type ReadinessSigner, SignerReadinessCheck} from "../../../src/plugin/monitoringSigner.js";
import {toHex} from "../../../src/util/hex.js";

describe("plugin/SignerReadinessCheck (/readyz's remote-signer check)", () => {
  const keyA = new Uint8Array(48).fill(0xa1);
  const keyB = new Uint8Array(48).fill(0xb2);
  const other = new Uint8Array(48).fill(0xc3);

  /** A signer whose answers the test changes, counting its requests. */
  function fakeSigner(): ReadinessSigner & {keys: Uint8Array[]; up: boolean | Error; calls: number} {
    const s = {
      keys: [keyA, keyB],
      up: true as boolean | Error,
      calls: 0,
      async upcheck() {
        s.calls++;
        if (s.up instanceof Error) throw s.up;
        return s.up;
      },
      async publicKeys() {
        s.calls++;
        return s.keys;
      },
    };
    return s;
  }

  function setup(ttlMs = 1000) {
    const signer = fakeSigner();
    let nowMs = 0;
    const check = new SignerReadinessCheck({shareKeys: [toHex(keyA), toHex(keyB)], ttlMs}, {signer, now: () => nowMs});
    return {signer, check, advance: (ms: number) => (nowMs += ms)};
  }

  it("is ready only while the signer answers its upcheck and serves every key share of this node", async () => {
    const {signer, check, advance} = setup(0);
    expect(await check.check()).to.equal(true);
    signer.keys = [keyA, other];
    advance(1);
    expect(await check.check()).to.equal(
      `remote signer does not serve 1 of this node's 2 key shares (first: ${toHex(keyB)})`,
    );
    signer.keys = [keyA, keyB];
    signer.up = false;
    advance(1);
    expect(await check.check()).to.equal("remote signer does not answer its upcheck");
    signer.up = new Error("connect ECONNREFUSED 127.0.0.1:9000");
    advance(1);
    expect(await check.check()).to.equal("remote signer unreachable: connect ECONNREFUSED 127.0.0.1:9000");
  });

  it("reuses a result for its TTL, then asks the signer again", async () => {
    const {signer, check, advance} = setup(1000);
    expect(await check.check()).to.equal(true);
    expect(signer.calls).to.equal(2);
    signer.keys = [];
    advance(999);
    expect(await check.check()).to.equal(true);
    expect(signer.calls).to.equal(2);
    advance(1);
    expect(await check.check()).to.match(/does not serve 2 of this node's 2 key shares/);
    expect(signer.calls).to.equal(4);
  });
});

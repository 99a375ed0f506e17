import {SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import {interopSecretKeys, MAX_INTEROP_RANGE, parseIndexRange} from "../../../src/devnet/interop.js";
import {toHex} from "../../../src/util/hex.js";

/** The consensus specs' interop public keys of validator indexes 0 and 1 (as every client's dev mode has them). */
const INTEROP_PUBKEYS = [
  "0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
  "0xb89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b",
];

describe("devnet/interop keys", () => {
  it("derives the consensus specs' interop keys of indexes 0 and 1", () => {
    const keys = interopSecretKeys({from: 0, to: 1});
    expect(keys.map((k) => toHex(SecretKey.fromBytes(k).toPublicKey().toBytes()))).to.deep.equal(INTEROP_PUBKEYS);
  });

  it("derives index i at position i - from of its range", () => {
    const [one] = interopSecretKeys({from: 1, to: 1});
    expect(toHex(SecretKey.fromBytes(one).toPublicKey().toBytes())).to.equal(INTEROP_PUBKEYS[1]);
    expect(interopSecretKeys({from: 5, to: 9})).to.have.length(5);
  });

  it("parses A..B and A; refuses reversed, malformed and too large ranges", () => {
    expect(parseIndexRange("0..3")).to.deep.equal({from: 0, to: 3});
    expect(parseIndexRange("7")).to.deep.equal({from: 7, to: 7});
    for (const bad of ["3..1", "a..b", "1..", "..2", "-1..2", "1.5..2", "", `0..${MAX_INTEROP_RANGE}`]) {
      expect(parseIndexRange(bad), bad).to.equal(null);
    }
    expect(parseIndexRange(`0..${MAX_INTEROP_RANGE - 1}`)).to.deep.equal({from: 0, to: MAX_INTEROP_RANGE - 1});
  });
});

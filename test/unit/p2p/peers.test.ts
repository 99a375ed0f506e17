import {privateKeyFromRaw} from "@libp2p/crypto/keys";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {expect} from "chai";
import {P2pError} from "../../../src/p2p/errors.js";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {type ClusterPeer, PeerTable, peerIdFromIdentityPublicKey} from "../../../src/p2p/peers.js";

const keys = [31, 32, 33].map((s) => IdentityKey.generate(() => new Uint8Array(32).fill(s)));
const peers = (): ClusterPeer[] =>
  keys.map((k, i) => ({index: i, publicKey: k.publicKey, multiaddrs: [`/ip4/127.0.0.1/tcp/${4000 + i}`]}));

function expectP2pError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(P2pError);
    expect((err as P2pError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("p2p/peers", () => {
  it("derives the same peer id from the identity public key as libp2p does from the secret", () => {
    for (const k of keys) {
      const fromSecret = peerIdFromPrivateKey(privateKeyFromRaw(k.exportSecret()));
      expect(peerIdFromIdentityPublicKey(k.publicKey).toString()).to.equal(fromSecret.toString());
      expect(fromSecret.toString()).to.match(/^16Uiu2/); // secp256k1 identity multihash
    }
  });

  it("builds the member table: self found by key, lookups by peer id and index", () => {
    const table = new PeerTable([...peers()].reverse(), keys[1]);
    expect(table.selfIndex).to.equal(1);
    expect(table.others().map((m) => m.index)).to.deep.equal([0, 2]);
    const id2 = peerIdFromIdentityPublicKey(keys[2].publicKey);
    expect(table.byPeer(id2)?.index).to.equal(2);
    expect(table.byPeer(id2.toString())?.multiaddrs[0].toString()).to.equal("/ip4/127.0.0.1/tcp/4002");
    expect(table.get(5)).to.equal(undefined);
  });

  it("refuses bad peer lists with a typed error", () => {
    const outsider = IdentityKey.generate(() => new Uint8Array(32).fill(99));
    expectP2pError(() => new PeerTable(peers(), outsider), "P2P_SELF_NOT_MEMBER");
    expectP2pError(
      () =>
        new PeerTable(
          peers().map((p, i) => ({...p, index: i + 1})),
          keys[0],
        ),
      "P2P_INVALID_PEER",
    );
    expectP2pError(() => new PeerTable([...peers(), {...peers()[0], index: 3}], keys[0]), "P2P_INVALID_PEER");
    const badKey = peers();
    badKey[2] = {...badKey[2], publicKey: new Uint8Array(33).fill(7)};
    expectP2pError(() => new PeerTable(badKey, keys[0]), "P2P_INVALID_PEER");
    const badAddr = peers();
    badAddr[2] = {...badAddr[2], multiaddrs: ["not a multiaddr"]};
    expectP2pError(() => new PeerTable(badAddr, keys[0]), "P2P_INVALID_PEER");
  });
});

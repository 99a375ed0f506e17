import {expect} from "chai";
import {Registry} from "prom-client";
import {P2pError} from "../../../src/p2p/errors.js";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {createP2pMetrics} from "../../../src/p2p/metrics.js";
import {Libp2pNetwork, type Libp2pNetworkOpts} from "../../../src/p2p/network.js";
import {nullLogger} from "../../../src/util/logger.js";

const keys = [51, 52, 53].map((s) => IdentityKey.generate(() => new Uint8Array(32).fill(s)));

function build(extra: Partial<Libp2pNetworkOpts> = {}): Libp2pNetwork {
  return new Libp2pNetwork(
    {
      peers: keys.map((k, i) => ({index: i, publicKey: k.publicKey, multiaddrs: []})),
      clusterId: new Uint8Array(32),
      listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
      ...extra,
    },
    {identity: keys[0], metrics: createP2pMetrics(new Registry()), logger: nullLogger()},
  );
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof P2pError ? err.code : `not a P2pError: ${String(err)}`;
  }
  return undefined;
}

describe("p2p/Libp2pNetwork (no sockets)", () => {
  it("refuses bad options with typed errors", () => {
    expect(codeOf(() => build({clusterId: new Uint8Array(31)}))).to.equal("P2P_INVALID_OPTION");
    expect(codeOf(() => build({maxMessageBytes: 10}))).to.equal("P2P_INVALID_OPTION");
    expect(codeOf(() => build({peers: []}))).to.equal("P2P_SELF_NOT_MEMBER");
  });

  it("finds its own index, lists the others as disconnected before start, and refuses to send unstarted", () => {
    const net = build();
    expect(net.selfIndex).to.equal(0);
    expect(net.multiaddrs()).to.deep.equal([]);
    expect(net.peers().map((p) => [p.index, p.connected, p.rttMs])).to.deep.equal([
      [1, false, null],
      [2, false, null],
    ]);
    expect(codeOf(() => net.broadcast("consensus", new Uint8Array(1)))).to.equal("P2P_NOT_STARTED");
    expect(codeOf(() => net.send(7, "consensus", new Uint8Array(1)))).to.equal("P2P_UNKNOWN_PEER");
    // Sending to oneself is a no-op, not an error.
    expect(codeOf(() => net.send(0, "consensus", new Uint8Array(1)))).to.equal(undefined);
  });
});

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

describe("p2p/Libp2pNetwork limits (started)", () => {
  it("refuses a payload over the maximum (after start) without sending anything", async () => {
    const net = build({maxMessageBytes: 1000});
    await net.start();
    try {
      expect(codeOf(() => net.broadcast("consensus", new Uint8Array(1000)))).to.equal("P2P_MESSAGE_TOO_LARGE");
      expect(codeOf(() => net.broadcast("consensus", new Uint8Array(1000 - 89)))).to.equal(undefined);
    } finally {
      await net.stop();
    }
  });
});

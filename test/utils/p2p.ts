import {Registry} from "prom-client";
import {P2pError} from "../../src/p2p/errors.js";
import {IdentityKey} from "../../src/p2p/identity.js";
import {createP2pMetrics} from "../../src/p2p/metrics.js";
import {Libp2pNetwork, type Libp2pNetworkOpts} from "../../src/p2p/network.js";
import {nullLogger} from "../../src/util/logger.js";

/** Three fixed member keys; `buildNetwork` makes member 0's network (unstarted) with any option changed. */
export const testKeys = [51, 52, 53].map((s) => IdentityKey.generate(() => new Uint8Array(32).fill(s)));

export function buildNetwork(extra: Partial<Libp2pNetworkOpts> = {}): Libp2pNetwork {
  return new Libp2pNetwork(
    {
      peers: testKeys.map((k, i) => ({index: i, publicKey: k.publicKey, multiaddrs: []})),
      clusterId: new Uint8Array(32),
      listenAddrs: ["/ip4/127.0.0.1/tcp/0"],
      ...extra,
    },
    {identity: testKeys[0], metrics: createP2pMetrics(new Registry()), logger: nullLogger()},
  );
}

/** The P2pError code `fn` throws, or undefined. */
export function p2pErrorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof P2pError ? err.code : `not a P2pError: ${String(err)}`;
  }
  return undefined;
}

import {expect} from "chai";
import {Registry} from "prom-client";
import {fetchNodeHealth} from "../../../src/devnet/nodeHealth.js";
import {createP2pMetrics} from "../../../src/p2p/metrics.js";
import {MonitoringServer, type Readiness} from "../../../src/plugin/monitoring.js";
import {nullLogger} from "../../../src/util/logger.js";

describe("devnet/nodeHealth (a node's real monitoring server)", () => {
  it("reads readiness with its failing checks and per-peer connectivity and RTT; an absent node is 'no answer'", async () => {
    const register = new Registry();
    const p2p = createP2pMetrics(register);
    p2p.peerConnected.set({peer: "1"}, 1);
    p2p.peerConnected.set({peer: "2"}, 0);
    p2p.peerRttSeconds.set({peer: "1"}, 0.0021);
    const readiness: Readiness = {ready: false, checks: {beacon_node: true, peers: "1 peers connected, 2 needed"}};
    const server = new MonitoringServer(
      {address: "127.0.0.1", port: 0},
      {register, logger: nullLogger(), readiness: async () => readiness},
    );
    const url = await server.start();
    try {
      expect(await fetchNodeHealth(url)).to.deep.equal({
        ready: false,
        notReady: ["peers: 1 peers connected, 2 needed"],
        peers: [
          {index: 1, connected: true, rttMs: 2.1},
          {index: 2, connected: false, rttMs: null},
        ],
      });
    } finally {
      await server.stop();
    }
    expect(await fetchNodeHealth(url)).to.deep.equal({ready: null, notReady: [], peers: []});
  });
});

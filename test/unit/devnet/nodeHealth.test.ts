import {expect} from "chai";
import {formatPeers, formatReadiness, parsePeerMetrics} from "../../../src/devnet/nodeHealth.js";

const METRICS = `# HELP cohort_p2p_peer_connected 1 while the peer is connected
# TYPE cohort_p2p_peer_connected gauge
cohort_p2p_peer_connected{peer="2"} 1
cohort_p2p_peer_connected{peer="1"} 1
cohort_p2p_peer_connected{peer="3"} 0
# TYPE cohort_p2p_peer_rtt_seconds gauge
cohort_p2p_peer_rtt_seconds{peer="1"} 0.00123
cohort_p2p_peer_rtt_seconds{peer="2"} 0.0008
cohort_p2p_peers_other{peer="1"} 7
cohort_p2p_peer_connected{peer="x"} 1
`;

describe("devnet/nodeHealth", () => {
  it("reads each peer's connectivity and last RTT from a node's Prometheus text, by operator index", () => {
    expect(parsePeerMetrics(METRICS)).to.deep.equal([
      {index: 1, connected: true, rttMs: 1.2},
      {index: 2, connected: true, rttMs: 0.8},
      {index: 3, connected: false, rttMs: null},
    ]);
    expect(parsePeerMetrics("")).to.deep.equal([]);
  });

  it("formats the live view's health and peer cells", () => {
    const peers = parsePeerMetrics(METRICS);
    expect(formatPeers({ready: true, notReady: [], peers})).to.equal("2/3 (rtt 1.2/0.8 ms)");
    expect(formatReadiness({ready: true, notReady: [], peers})).to.equal("ready");
    expect(formatReadiness({ready: false, notReady: ["peers: 0 peers connected, 2 needed"], peers: []})).to.equal(
      "not ready (peers: 0 peers connected, 2 needed)",
    );
    expect(formatReadiness({ready: null, notReady: [], peers: []})).to.equal("no answer");
    expect(formatPeers(undefined)).to.equal("-");
  });
});

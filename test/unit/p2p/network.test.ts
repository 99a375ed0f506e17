import {expect} from "chai";
import {buildNetwork, p2pErrorCode} from "../../utils/p2p.js";

const build = buildNetwork;
const codeOf = p2pErrorCode;

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

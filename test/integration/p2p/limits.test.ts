import {expect} from "chai";
import {buildNetwork, p2pErrorCode} from "../../utils/p2p.js";

const build = buildNetwork;
const codeOf = p2pErrorCode;

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

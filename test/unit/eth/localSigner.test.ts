import {SecretKey} from "@chainsafe/blst";
import {ForkName} from "@lodestar/params";
import {expect} from "chai";
import {SignerError} from "../../../src/eth/errors.js";
import {LocalShareSigner} from "../../../src/eth/localSigner.js";
import {signingRootOnNetwork} from "../../../src/eth/signing.js";
import {verifies} from "../../../src/eth/web3signer.js";
import {sampleMessages, testConfig} from "./sampleMessages.js";

describe("eth/LocalShareSigner (in-process share signer)", () => {
  const config = testConfig();
  const secrets = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)).toBytes());
  const pubkeys = secrets.map((s) => SecretKey.fromBytes(s).toPublicKey().toBytes());
  const signer = new LocalShareSigner({secretKeys: secrets}, {config});

  it("holds exactly its keys", async () => {
    expect(await signer.publicKeys()).to.deep.equal(pubkeys);
    expect(await signer.upcheck()).to.equal(true);
  });

  for (const fork of [ForkName.phase0, ForkName.deneb, ForkName.electra]) {
    it(`signs every message type at ${fork} over its signing root on the network, with the right key`, async () => {
      for (const msg of sampleMessages(config, fork)) {
        const root = signingRootOnNetwork(config, msg);
        const sig = await signer.sign(pubkeys[1], msg);
        expect(verifies(pubkeys[1], root, sig), msg.type).to.equal(true);
        expect(verifies(pubkeys[0], root, sig), msg.type).to.equal(false);
        expect(sig).to.deep.equal(SecretKey.fromBytes(secrets[1]).sign(root).toBytes());
      }
    });
  }

  it("refuses a key it does not hold with a typed error", async () => {
    const other = SecretKey.fromKeygen(new Uint8Array(32).fill(9)).toPublicKey().toBytes();
    const [msg] = sampleMessages(config, ForkName.electra);
    try {
      await signer.sign(other, msg);
      expect.fail("signed with an unknown key");
    } catch (e) {
      expect(e).to.be.instanceOf(SignerError);
      expect((e as SignerError).code).to.equal("SIGNER_UNKNOWN_KEY");
    }
  });
});

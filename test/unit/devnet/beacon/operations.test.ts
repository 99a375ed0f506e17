import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {expect} from "chai";
import {createSimChainConfig, ValidatorSet} from "../../../../src/devnet/beacon/index.js";
import {SimOperations} from "../../../../src/devnet/beacon/operations.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../../src/eth/signing.js";

describe("devnet/beacon: SimOperations (builder registrations, voluntary exits)", () => {
  const secrets = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)));
  const validators = new ValidatorSet(secrets.map((s) => s.toPublicKey().toBytes()));
  const config = createBeaconConfig(createSimChainConfig(), validators.genesisValidatorsRoot);
  const sign = (i: number, msg: SignableMessage) => secrets[i].sign(signingRootOnNetwork(config, msg)).toBytes();

  it("keeps a registration signed by the validator (DOMAIN_APPLICATION_BUILDER); refuses another key's or an unknown validator's", () => {
    const ops = new SimOperations(config, validators);
    const message = {
      feeRecipient: new Uint8Array(20).fill(1),
      gasLimit: 30_000_000,
      timestamp: 5,
      pubkey: validators.pubkeys[1],
    };
    const msg: SignableMessage = {type: "VALIDATOR_REGISTRATION", data: message};
    expect(() => ops.registerValidator({message, signature: sign(0, msg)})).to.throw(/invalid signature/);
    const unknown = {...message, pubkey: SecretKey.fromKeygen(new Uint8Array(32).fill(9)).toPublicKey().toBytes()};
    expect(() => ops.registerValidator({message: unknown, signature: sign(1, msg)})).to.throw();
    expect(ops.acceptedRegistrations().size).to.equal(0);
    ops.registerValidator({message, signature: sign(1, msg)});
    expect([...ops.acceptedRegistrations().keys()]).to.deep.equal([1]);
  });

  it("keeps a voluntary exit signed by the validator; refuses a bad signature", () => {
    const ops = new SimOperations(config, validators);
    const message = {epoch: 0, validatorIndex: 0};
    const msg: SignableMessage = {type: "VOLUNTARY_EXIT", data: message};
    expect(() => ops.submitVoluntaryExit({message, signature: sign(1, msg)})).to.throw(/invalid signature/);
    expect(ops.acceptedExits().size).to.equal(0);
    ops.submitVoluntaryExit({message, signature: sign(0, msg)});
    expect([...ops.acceptedExits().keys()]).to.deep.equal([0]);
  });
});

import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig, createChainForkConfig} from "@lodestar/config";
import {DOMAIN_VOLUNTARY_EXIT, ForkName, SLOTS_PER_EPOCH} from "@lodestar/params";
import {computeSigningRoot} from "@lodestar/state-transition";
import {ssz} from "@lodestar/types";
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
    expect(() => ops.submitVoluntaryExit({message, signature: sign(1, msg)}, 0)).to.throw(/invalid signature/);
    expect(ops.acceptedExits().size).to.equal(0);
    ops.submitVoluntaryExit({message, signature: sign(0, msg)}, 0);
    expect([...ops.acceptedExits().keys()]).to.deep.equal([0]);
  });

  it("checks an exit with the domain of the chain's state (EIP-7044): one dated before Deneb, on a chain past it, signs with Capella's version", () => {
    // Capella at epoch 1, Deneb at 2: an exit dated epoch 0 is a Bellatrix-era exit (the simulated chain
    // itself starts at Electra; its domain rule must not depend on that).
    const chain = createChainForkConfig({
      ...createSimChainConfig(),
      CAPELLA_FORK_EPOCH: 1,
      DENEB_FORK_EPOCH: 2,
      ELECTRA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
    });
    const cfg = createBeaconConfig(chain, validators.genesisValidatorsRoot);
    const ops = new SimOperations(cfg, validators);
    const message = {epoch: 0, validatorIndex: 0};
    const rootAt = (fork: ForkName) =>
      computeSigningRoot(ssz.phase0.VoluntaryExit, message, cfg.getDomainAtFork(fork, DOMAIN_VOLUNTARY_EXIT));
    const past = 3 * SLOTS_PER_EPOCH;
    expect(cfg.getForkName(0)).to.equal(ForkName.bellatrix);
    // Signed over its own epoch's fork (what the exit's epoch alone would give): refused past Deneb.
    const ownFork = secrets[0].sign(rootAt(ForkName.bellatrix)).toBytes();
    expect(() => ops.submitVoluntaryExit({message, signature: ownFork}, past)).to.throw(/invalid signature/);
    ops.submitVoluntaryExit({message, signature: secrets[0].sign(rootAt(ForkName.capella)).toBytes()}, past);
    expect([...ops.acceptedExits().keys()]).to.deep.equal([0]);
  });
});

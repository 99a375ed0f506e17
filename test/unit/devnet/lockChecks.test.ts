import {SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {toSignedValidatorRegistration} from "../../../src/cluster/registration.js";
import {createSimChainConfig, SimulatedBeaconNode, ValidatorSet} from "../../../src/devnet/beacon/index.js";
import {checkLockSettings, type LockCheckInput, lockSettingsOnChain} from "../../../src/devnet/lockChecks.js";
import {summarize} from "../../../src/devnet/summary.js";
import {signingRootOnNetwork} from "../../../src/eth/signing.js";
import {fromHex, toHex} from "../../../src/util/hex.js";

const FEE = [`0x${"11".repeat(20)}`, `0x${"22".repeat(20)}`];
const reg = (i: number) => ({
  feeRecipient: FEE[i],
  gasLimit: 60_000_000,
  timestamp: 1_700_000_000,
  pubkey: `0x${String(i + 1).repeat(96)}`,
  signature: `0x${String(i + 5).repeat(192)}`,
});
const validators: LockCheckInput["validators"] = [0, 1].map((i) => ({
  index: i + 4,
  publicKey: `0x${String(i + 1).repeat(96)}`,
  feeRecipient: FEE[i],
  registration: reg(i),
}));

describe("devnet/lockChecks: the lock's fee recipients and registrations, from the chain", () => {
  it("passes when every cluster block pays its proposer's lock fee recipient and every registration is the lock's", () => {
    const check = checkLockSettings({
      validators,
      blocks: [
        {slot: 1, proposerIndex: 4, feeRecipient: FEE[0].toUpperCase().replace("0X", "0x")},
        {slot: 2, proposerIndex: 5, feeRecipient: FEE[1]},
        // Not the cluster's: not counted.
        {slot: 3, proposerIndex: 0, feeRecipient: `0x${"00".repeat(20)}`},
      ],
      registrations: new Map([
        [4, reg(0)],
        [5, reg(1)],
      ]),
    });
    expect(check.feeRecipients).to.deep.equal({proposals: 2, payingLock: 2, wrong: []});
    expect(check.registrations).to.deep.equal({validators: 2, fromLock: 2, missing: []});
    expect(check.pass).to.equal(true);
  });

  it("fails on a cluster block paying anyone else, and on a registration missing or not the lock's (the verdict too)", () => {
    const wrongFee = checkLockSettings({
      validators,
      blocks: [{slot: 7, proposerIndex: 5, feeRecipient: FEE[0]}],
      registrations: new Map([
        [4, reg(0)],
        [5, reg(1)],
      ]),
    });
    expect(wrongFee.pass).to.equal(false);
    expect(wrongFee.feeRecipients.wrong).to.have.length(1);
    expect(wrongFee.feeRecipients.wrong[0]).to.match(/slot 7: v5 paid 0x1111/);
    const missing = checkLockSettings({validators, blocks: [], registrations: new Map([[4, reg(0)]])});
    expect(missing.pass).to.equal(false);
    expect(missing.registrations.missing).to.deep.equal(["0x22222222…: none"]);
    // A registration the validator signed, but not the one in the lock (another timestamp: a VC's own).
    const other = checkLockSettings({
      validators,
      blocks: [],
      registrations: new Map([
        [4, reg(0)],
        [5, {...reg(1), timestamp: 1_700_000_099}],
      ]),
    });
    expect(other.registrations.missing).to.deep.equal(["0x22222222…: not the lock's"]);
    const records = [{slot: 1, type: "proposer", status: "included"}];
    expect(summarize({from: 0, to: 1}, records, [], 0, null, null).verdict).to.equal("pass");
    expect(summarize({from: 0, to: 1}, records, [], 0, null, other).verdict).to.equal("fail");
    expect(summarize({from: 0, to: 1}, records, [], 0, null, wrongFee).verdict).to.equal("fail");
  });

  it("reads the simulated chain: registrations it verified and kept, against a lock v2's", () => {
    const secrets = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 40)));
    const keys = secrets.map((s) => s.toPublicKey().toBytes());
    const gvr = new ValidatorSet(keys).genesisValidatorsRoot;
    const chainConfig = createSimChainConfig({secondsPerSlot: 2});
    const {lock} = planCluster(
      {
        nodes: 4,
        existingSecrets: secrets.map((s) => s.toBytes()),
        network: {
          name: "devnet",
          genesisForkVersion: toHex(chainConfig.GENESIS_FORK_VERSION),
          genesisValidatorsRoot: toHex(gvr),
        },
      },
      {random: seededRandom("lock-checks")},
    );
    const beacon = new SimulatedBeaconNode({port: 0, validators: keys, secondsPerSlot: 2, genesisTime: 1_000});
    const {chain} = beacon;
    chain.operations.registerValidator(toSignedValidatorRegistration(lock.validators[0].builderRegistration));
    // Validator 1 registers itself with its VC's own message (valid signature, another fee recipient).
    const own = {...toSignedValidatorRegistration(lock.validators[1].builderRegistration).message};
    own.feeRecipient = new Uint8Array(20).fill(0xee);
    const root = signingRootOnNetwork(chain.config, {type: "VALIDATOR_REGISTRATION", data: own});
    chain.operations.registerValidator({message: own, signature: secrets[1].sign(root).toBytes()});
    const before = lockSettingsOnChain(chain, lock, {from: 0, to: 0});
    expect(before.registrations).to.include({validators: 2, fromLock: 1});
    expect(before.pass).to.equal(false);
    chain.operations.registerValidator(toSignedValidatorRegistration(lock.validators[1].builderRegistration));
    const after = lockSettingsOnChain(chain, lock, {from: 0, to: 0});
    expect(after.registrations).to.deep.equal({validators: 2, fromLock: 2, missing: []});
    expect(after.pass).to.equal(true);
    expect(fromHex(lock.validators[1].feeRecipient, 20)).to.not.deep.equal(own.feeRecipient);
  });
});

import {createBeaconConfig} from "@lodestar/config";
import {type BeaconBlock, ssz} from "@lodestar/types";
import {expect} from "chai";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {ATTESTER_DUTY_TYPE} from "../../../src/duties/attester.js";
import {ManualClock} from "../../../src/duties/clock.js";
import {PROPOSER_DUTY_TYPE} from "../../../src/duties/proposer.js";
import {encodeProposerValue} from "../../../src/duties/proposerValue.js";
import {SYNC_MESSAGE_DUTY_TYPE} from "../../../src/duties/syncCommitteeMessage.js";
import {toHex} from "../../../src/util/hex.js";
import {DecidedBlocks} from "../../../src/vapi/decidedBlocks.js";
import {DecidedSyncRoots} from "../../../src/vapi/decidedSyncRoots.js";
import {ShareKeyMap} from "../../../src/vapi/keyMap.js";

const config = createBeaconConfig(createSimChainConfig({secondsPerSlot: 12}), new Uint8Array(32).fill(3));

describe("vapi: ShareKeyMap", () => {
  const {lock} = planCluster(
    {
      nodes: 4,
      validators: 3,
      network: {name: "devnet", genesisForkVersion: "0x00000000", genesisValidatorsRoot: toHex(new Uint8Array(32))},
    },
    {random: seededRandom("key-map")},
  );

  it("maps an operator's key shares to the validators and back, case-insensitively", () => {
    const keys = new ShareKeyMap(lock, 2);
    for (const v of lock.validators) {
      expect(keys.shareOf(v.publicKey)).to.equal(v.publicKeyShares[2]);
      expect(keys.validatorOf(v.publicKeyShares[2].toUpperCase().replace("0X", "0x"))).to.equal(v.publicKey);
      // Another operator's share is not this node's.
      expect(keys.validatorOf(v.publicKeyShares[1])).to.equal(undefined);
    }
    expect([...keys.shareKeysByValidator()].map(([v, s]) => [v, toHex(s)])).to.deep.equal(
      lock.validators.map((v) => [v.publicKey, v.publicKeyShares[2]]),
    );
  });

  it("substitutes share keys for cluster validators only; other validators keep their keys", () => {
    const keys = new ShareKeyMap(lock, 0);
    expect(toHex(keys.toShareKey(lock.validators[1].publicKey))).to.equal(lock.validators[1].publicKeyShares[0]);
    const stranger = new Uint8Array(48).fill(0xaa);
    expect(keys.toShareKey(stranger)).to.deep.equal(stranger);
  });
});

describe("vapi: DecidedBlocks", () => {
  const blockAt = (slot: number) =>
    ({...ssz.electra.BeaconBlock.defaultValue(), slot, proposerIndex: 1}) as BeaconBlock;
  const decider = (value: (slot: number) => Uint8Array) => ({
    decide: async (slot: number) => ({value: value(slot), round: 1}),
  });
  const opts = {propose: async () => new Uint8Array(), isValid: () => true, deadlineMs: 0};

  it("keeps the decided block of each proposer instance, and nothing of other duty types", async () => {
    const blocks = new DecidedBlocks(config, new ManualClock(), 4);
    const block = blockAt(10);
    const observed = blocks.observe(
      decider((slot) =>
        encodeProposerValue(config, slot, {
          blinded: false,
          block: blockAt(slot),
          contents: {block: blockAt(slot), kzgProofs: [], blobs: []},
        }),
      ),
    );
    const decided = await observed.decide(10, PROPOSER_DUTY_TYPE, opts);
    expect(decided.round).to.equal(1);
    const kept = blocks.get(10);
    expect(kept?.blinded).to.equal(false);
    expect(ssz.electra.BeaconBlock.equals(kept?.block as never, block as never)).to.equal(true);
    await observed.decide(11, ATTESTER_DUTY_TYPE, opts);
    expect(blocks.get(11)).to.equal(undefined);
    // Old slots are forgotten.
    await observed.decide(20, PROPOSER_DUTY_TYPE, opts);
    expect(blocks.get(10)).to.equal(undefined);
    expect(blocks.get(20)?.block.slot).to.equal(20);
  });

  it("keeps nothing for a value that does not decode as the slot's block", async () => {
    const blocks = new DecidedBlocks(config, new ManualClock());
    await blocks.observe(decider(() => new Uint8Array([1, 2, 3]))).decide(5, PROPOSER_DUTY_TYPE, opts);
    expect(blocks.get(5)).to.equal(undefined);
  });
});

describe("vapi: DecidedSyncRoots", () => {
  const decideOpts = {propose: async () => new Uint8Array(), isValid: () => true, deadlineMs: 0};

  it("hands out the root the sync message consensus decided, to waiters before and after the decision", async () => {
    const roots = new DecidedSyncRoots(new ManualClock());
    const root = new Uint8Array(32).fill(7);
    const decider = roots.observe({decide: async () => ({value: root, round: 1})});
    const early = roots.wait(5, 1000);
    await decider.decide(5, SYNC_MESSAGE_DUTY_TYPE, decideOpts);
    expect(await early).to.deep.equal(root);
    expect(await roots.wait(5, 1000)).to.deep.equal(root);
  });

  it("ignores other duty types' decisions; a waiter gets null at its deadline or on stop", async () => {
    const clock = new ManualClock();
    const roots = new DecidedSyncRoots(clock);
    const decider = roots.observe({decide: async () => ({value: new Uint8Array(32).fill(1), round: 1})});
    await decider.decide(6, ATTESTER_DUTY_TYPE, decideOpts);
    expect(roots.get(6)).to.equal(undefined);
    const timedOut = roots.wait(6, 100);
    clock.advance(100);
    expect(await timedOut).to.equal(null);
    const stopped = roots.wait(7, 1000);
    roots.stop();
    expect(await stopped).to.equal(null);
  });
});

import {createBeaconConfig} from "@lodestar/config";
import {type BeaconBlock, ssz} from "@lodestar/types";
import {expect} from "chai";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {ATTESTER_DUTY_TYPE} from "../../../src/duties/attester.js";
import {ManualClock} from "../../../src/duties/clock.js";
import {PROPOSER_DUTY_TYPE} from "../../../src/duties/proposer.js";
import {encodeProposerValue} from "../../../src/duties/proposerValue.js";
import {toHex} from "../../../src/util/hex.js";
import {DecidedBlocks} from "../../../src/vapi/decidedBlocks.js";
import {ShareKeyMap} from "../../../src/vapi/keyMap.js";
import {VcSyncMessageStore} from "../../../src/vapi/syncMessages.js";

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

describe("vapi: VcSyncMessageStore (the VC's partial sync committee messages, until the message duty takes them)", () => {
  const share = new Uint8Array(48).fill(3);
  const message = {beaconBlockRoot: new Uint8Array(32).fill(7), signature: new Uint8Array(96).fill(9)};

  it("hands a partial to the duty that waits for it, before or after it came; the first of a slot and share wins", async () => {
    const store = new VcSyncMessageStore(new ManualClock());
    const early = store.awaitPartial(share, 5, 1000);
    expect(store.offer(toHex(share), 5, message)).to.equal(true);
    expect(await early).to.deep.equal(message);
    const other = {...message, beaconBlockRoot: new Uint8Array(32).fill(8)};
    expect(store.offer(toHex(share), 5, other)).to.equal(false);
    expect(await store.awaitPartial(share, 5, 1000)).to.deep.equal(message);
  });

  it("a waiter fails with VAPI_TIMEOUT at its deadline and VAPI_STOPPED on stop; old slots are forgotten", async () => {
    const clock = new ManualClock();
    const store = new VcSyncMessageStore(clock, 2);
    const timedOut = store.awaitPartial(share, 6, 100);
    clock.advance(100);
    await expectCode(timedOut, "VAPI_TIMEOUT");
    store.offer(toHex(share), 1, message);
    store.offer(toHex(share), 4, message);
    const forgotten = store.awaitPartial(share, 1, 2000);
    const stopped = store.awaitPartial(share, 7, 1000);
    store.stop();
    await expectCode(forgotten, "VAPI_STOPPED");
    await expectCode(stopped, "VAPI_STOPPED");
  });
});

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as {code?: string}).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

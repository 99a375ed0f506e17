import {expect} from "chai";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import {SimulatedBeaconNode} from "../../../../src/devnet/beacon/server.js";
import {interopPublicKeys, interopSecretKey} from "../../../../src/devnet/beacon/validators.js";
import {isSyncCommitteeAggregator, SYNC_SUBCOMMITTEE_SIZE} from "../../../../src/duties/syncCommitteeSelection.js";
import {BeaconNodeClient} from "../../../../src/eth/beaconNode.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../../src/eth/signing.js";
import {toHex} from "../../../../src/util/hex.js";
import {nullLogger} from "../../../../src/util/logger.js";

const GENESIS = 1_700_000_000;
const pubkeys = interopPublicKeys(4);

describe("devnet/beacon: sync committee endpoints over HTTP with cohort's BN client", function () {
  this.timeout(20_000);
  let clock: ManualClock;
  let node: SimulatedBeaconNode;
  let bn: BeaconNodeClient;

  beforeEach(async () => {
    clock = new ManualClock(GENESIS * 1000);
    node = new SimulatedBeaconNode({port: 0, validators: pubkeys, genesisTime: GENESIS, seed: "it-sync"}, {clock});
    const url = await node.start();
    bn = new BeaconNodeClient({urls: [url]}, {config: node.chain.config, logger: nullLogger()});
  });
  afterEach(async () => {
    await node.stop();
  });

  const toSlot = (slot: number, fraction = 0.4) =>
    clock.advance(node.chain.slotStartMs(slot) + Math.floor(fraction * node.chain.slotMs) - clock.now());
  const sign = (v: number, msg: SignableMessage) =>
    interopSecretKey(v).sign(signingRootOnNetwork(node.chain.config, msg)).toBytes();

  it("serves sync duties and the head root, takes subscriptions, checks messages and builds contributions", async () => {
    const duties = await bn.getSyncCommitteeDuties(0, [0, 1, 2, 3]);
    expect(duties.map((d) => d.validatorIndex)).to.deep.equal([0, 1, 2, 3]);
    expect(toHex(duties[2].pubkey)).to.equal(toHex(pubkeys[2]));
    const committee = node.chain.sync.committee(0);
    for (const d of duties) {
      for (const seat of d.validatorSyncCommitteeIndices) expect(committee[seat]).to.equal(d.validatorIndex);
    }
    await bn.prepareSyncCommitteeSubnets(
      duties.map((d) => ({
        validatorIndex: d.validatorIndex,
        syncCommitteeIndices: d.validatorSyncCommitteeIndices,
        untilEpoch: 8,
      })),
    );

    toSlot(2);
    const root = await bn.getHeadBlockRoot();
    expect(toHex(root)).to.equal(node.chain.head().rootHex);
    const signature = sign(1, {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: root, slot: 2}});
    await bn.submitSyncCommitteeMessages([{slot: 2, beaconBlockRoot: root, validatorIndex: 1, signature}]);
    const wrong = sign(2, {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: root, slot: 2}});
    let refused: Error | null = null;
    await bn
      .submitSyncCommitteeMessages([{slot: 2, beaconBlockRoot: root, validatorIndex: 3, signature: wrong}])
      .catch((e: Error) => {
        refused = e;
      });
    expect(String(refused)).to.match(/400[\s\S]*invalid sync committee message signature of validator 3/);

    const sub = Math.floor(duties[1].validatorSyncCommitteeIndices[0] / SYNC_SUBCOMMITTEE_SIZE);
    const c = await bn.produceSyncCommitteeContribution(2, sub, root);
    expect(c.aggregationBits.getTrueBitIndexes().length).to.equal(duties[1].validatorSyncCommitteeIndices.length);
    let missing: Error | null = null;
    await bn.produceSyncCommitteeContribution(2, (sub + 1) % 4, root).catch((e: Error) => {
      missing = e;
    });
    expect(String(missing)).to.match(/404/);
  });

  it("takes a valid signed contribution from an aggregator and refuses a bad outer signature", async () => {
    const duties = await bn.getSyncCommitteeDuties(0, [0]);
    const sub = Math.floor(duties[0].validatorSyncCommitteeIndices[0] / SYNC_SUBCOMMITTEE_SIZE);
    const proofAt = (slot: number) =>
      sign(0, {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: {slot, subcommitteeIndex: sub}});
    let slot = 1;
    while (!isSyncCommitteeAggregator(proofAt(slot), node.chain.sync.aggregatorModulo)) slot++;
    toSlot(slot);
    const root = await bn.getHeadBlockRoot();
    await bn.submitSyncCommitteeMessages([
      {
        slot,
        beaconBlockRoot: root,
        validatorIndex: 0,
        signature: sign(0, {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: root, slot}}),
      },
    ]);
    const contribution = await bn.produceSyncCommitteeContribution(slot, sub, root);
    const message = {aggregatorIndex: 0, contribution, selectionProof: proofAt(slot)};
    const outer = sign(0, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: message});
    let refused: Error | null = null;
    await bn
      .publishContributionAndProofs([
        {message, signature: sign(1, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: message})},
      ])
      .catch((e: Error) => {
        refused = e;
      });
    expect(String(refused)).to.match(/400[\s\S]*invalid contribution_and_proof/);
    await bn.publishContributionAndProofs([{message, signature: outer}]);
    expect(node.chain.book.find("syncContribution", slot, 0, sub)?.acceptedAtMs).to.not.equal(null);
  });
});

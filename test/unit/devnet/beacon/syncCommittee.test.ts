import {fastAggregateVerify, Signature} from "@chainsafe/blst";
import {DOMAIN_BEACON_ATTESTER, EPOCHS_PER_SYNC_COMMITTEE_PERIOD, SYNC_COMMITTEE_SIZE} from "@lodestar/params";
import {type altair, type electra, ssz} from "@lodestar/types";
import {expect} from "chai";
import {expectedStateRoot} from "../../../../src/devnet/beacon/blocks.js";
import {SimulatedChain} from "../../../../src/devnet/beacon/chain.js";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import {SimChainError} from "../../../../src/devnet/beacon/errors.js";
import {interopPublicKeys, interopSecretKey} from "../../../../src/devnet/beacon/validators.js";
import {isSyncCommitteeAggregator, SYNC_SUBCOMMITTEE_SIZE} from "../../../../src/duties/syncCommitteeSelection.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../../src/eth/signing.js";
import {InteropSigner} from "./interopSigner.js";

/** A block without blobs is published with none (this chain has no blob pool enabled). */
const NO_BLOBS = {blobs: [], kzgProofs: []};

const GENESIS = 1_700_000_000;
const pubkeys = interopPublicKeys(4);

function expectCode(fn: () => unknown, code: string, reason?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SimChainError);
    expect((e as SimChainError).code, (e as Error).message).to.equal(code);
    if (reason) expect((e as Error).message).to.match(reason);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("devnet/beacon: sync committee", () => {
  let clock: ManualClock;
  let chain: SimulatedChain;

  beforeEach(() => {
    clock = new ManualClock(GENESIS * 1000);
    chain = new SimulatedChain({genesisTime: GENESIS, validators: pubkeys, seed: "sync"}, {clock});
  });

  function toSlot(slot: number, fraction = 0.4): void {
    clock.advance(chain.slotStartMs(slot) + Math.floor(fraction * chain.slotMs) - clock.now());
    chain.update();
  }
  const sign = (v: number, msg: SignableMessage) =>
    interopSecretKey(v).sign(signingRootOnNetwork(chain.config, msg)).toBytes();
  function message(v: number, slot: number, root = chain.head().root): altair.SyncCommitteeMessage {
    const signature = sign(v, {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: root, slot}});
    return {slot, beaconBlockRoot: root, validatorIndex: v, signature};
  }
  const subOf = (v: number, period = 0) => Math.floor(chain.sync.committee(period).indexOf(v) / SYNC_SUBCOMMITTEE_SIZE);

  it("seats every validator equally in consecutive seats, deterministically per seed and period, and serves them as duties", () => {
    const committee = chain.sync.committee(0);
    expect(committee).to.have.length(SYNC_COMMITTEE_SIZE);
    for (let v = 0; v < 4; v++) {
      const seats = committee.flatMap((x, i) => (x === v ? [i] : []));
      expect(seats).to.have.length(SYNC_COMMITTEE_SIZE / 4);
      expect(seats[seats.length - 1] - seats[0]).to.equal(seats.length - 1);
    }
    const again = new SimulatedChain({genesisTime: GENESIS, validators: pubkeys, seed: "sync"}, {clock});
    expect(again.sync.committee(0)).to.deep.equal(committee);
    const duties = chain.syncDuties(0, [0, 1, 2, 3]);
    expect(duties.map((d) => d.validatorIndex)).to.deep.equal([0, 1, 2, 3]);
    for (const d of duties)
      expect(d.validatorSyncCommitteeIndices.map((i) => committee[i])).to.satisfy((xs: number[]) =>
        xs.every((x) => x === d.validatorIndex),
      );
    // The next period is known, the one after is not.
    expect(chain.syncDuties(EPOCHS_PER_SYNC_COMMITTEE_PERIOD, [0])).to.have.length(1);
    expectCode(() => chain.syncDuties(2 * EPOCHS_PER_SYNC_COMMITTEE_PERIOD, [0]), "SIMCHAIN_EPOCH_OUT_OF_RANGE");
  });

  it("accepts a member's message for the current slot on a known root; an identical resubmission is fine", () => {
    toSlot(3);
    const m = message(2, 3);
    chain.submitSyncCommitteeMessage(m);
    chain.submitSyncCommitteeMessage(m);
    const r = chain.book.find("syncMessage", 3, 2);
    expect(r?.expected).to.equal(true);
    expect(r?.acceptedAtMs).to.equal(clock.now());
    expect(r?.submissions).to.equal(2);
  });

  it("refuses a wrong signature, an unknown root, another slot, a second different message, an unknown validator", () => {
    toSlot(3);
    // The right key over the right root, but with the attester domain instead of the sync committee one.
    const wrongDomain = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: ssz.Root.hashTreeRoot(chain.head().root),
      domain: chain.config.getDomain(3, DOMAIN_BEACON_ATTESTER, 3),
    });
    expectCode(
      () =>
        chain.submitSyncCommitteeMessage({
          ...message(1, 3),
          signature: interopSecretKey(1).sign(wrongDomain).toBytes(),
        }),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    expectCode(
      () =>
        chain.submitSyncCommitteeMessage({
          ...message(1, 3),
          signature: message(1, 3, chain.tree.genesis.root).signature,
        }),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    expectCode(
      () => chain.submitSyncCommitteeMessage({...message(1, 3), signature: message(0, 3).signature}),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    expectCode(
      () => chain.submitSyncCommitteeMessage(message(1, 3, new Uint8Array(32).fill(5))),
      "SIMCHAIN_INVALID_SYNC_MESSAGE",
      /unknown beacon_block_root/,
    );
    expectCode(() => chain.submitSyncCommitteeMessage(message(1, 1)), "SIMCHAIN_INVALID_SYNC_MESSAGE", /current slot/);
    expectCode(() => chain.submitSyncCommitteeMessage(message(1, 5)), "SIMCHAIN_INVALID_SYNC_MESSAGE", /current slot/);
    chain.submitSyncCommitteeMessage(message(1, 3));
    expectCode(
      () => chain.submitSyncCommitteeMessage(message(1, 3, chain.tree.genesis.root)),
      "SIMCHAIN_INVALID_SYNC_MESSAGE",
      /already known/,
    );
    expectCode(
      () => chain.submitSyncCommitteeMessage({...message(1, 3), validatorIndex: 9}),
      "SIMCHAIN_UNKNOWN_VALIDATOR",
    );
    expect(chain.book.find("syncMessage", 3, 1)?.rejections.length).to.equal(5); // slots 1 and 5 are other records
  });

  it("builds a contribution from the accepted messages of the subcommittee, whose aggregate signature verifies", () => {
    toSlot(3);
    const root = chain.head().root;
    expectCode(() => chain.syncCommitteeContribution(3, subOf(0), root), "SIMCHAIN_NO_CONTRIBUTION");
    chain.submitSyncCommitteeMessage(message(0, 3));
    const c = chain.syncCommitteeContribution(3, subOf(0), root);
    const seats = chain.sync
      .committee(0)
      .slice(subOf(0) * SYNC_SUBCOMMITTEE_SIZE, (subOf(0) + 1) * SYNC_SUBCOMMITTEE_SIZE);
    expect(c.aggregationBits.getTrueBitIndexes().map((i) => seats[i])).to.satisfy(
      (xs: number[]) => xs.length > 0 && xs.every((x) => x === 0),
    );
    const keys = c.aggregationBits.getTrueBitIndexes().map(() => chain.validators.publicKey(0));
    const signingRoot = signingRootOnNetwork(chain.config, {
      type: "SYNC_COMMITTEE_MESSAGE",
      data: {beaconBlockRoot: root, slot: 3},
    });
    expect(fastAggregateVerify(signingRoot, keys, Signature.fromBytes(c.signature))).to.equal(true);
  });

  it("checks a signed contribution: aggregator eligibility, membership, selection proof, outer and aggregate signatures", () => {
    // Find a slot where validator 0's selection proof makes it an aggregator (mainnet preset: 1 in 8).
    const sub = subOf(0);
    let slot = 1;
    const proofAt = (s: number, subcommitteeIndex = sub) =>
      sign(0, {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: {slot: s, subcommitteeIndex}});
    while (!isSyncCommitteeAggregator(proofAt(slot), chain.sync.aggregatorModulo)) slot++;
    let notAggregatorSlot = 1;
    while (isSyncCommitteeAggregator(proofAt(notAggregatorSlot), chain.sync.aggregatorModulo)) notAggregatorSlot++;

    const signed = (_slot: number, proof: Uint8Array, contribution: altair.SyncCommitteeContribution) => {
      const message = {aggregatorIndex: 0, contribution, selectionProof: proof};
      return {message, signature: sign(0, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: message})};
    };
    toSlot(notAggregatorSlot);
    chain.submitSyncCommitteeMessage(message(0, notAggregatorSlot));
    const c0 = chain.syncCommitteeContribution(notAggregatorSlot, sub, chain.head().root);
    expectCode(
      () => chain.submitContributionAndProof(signed(notAggregatorSlot, proofAt(notAggregatorSlot), c0)),
      "SIMCHAIN_INVALID_CONTRIBUTION",
      /not make the validator an aggregator/,
    );

    toSlot(slot);
    chain.submitSyncCommitteeMessage(message(0, slot));
    const c = chain.syncCommitteeContribution(slot, sub, chain.head().root);
    const good = signed(slot, proofAt(slot), c);
    expectCode(
      () =>
        chain.submitContributionAndProof({
          ...good,
          signature: sign(1, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: good.message}),
        }),
      "SIMCHAIN_INVALID_SIGNATURE",
      /contribution_and_proof/,
    );
    const forged = {...c, signature: message(0, slot, chain.tree.genesis.root).signature};
    expectCode(
      () => chain.submitContributionAndProof(signed(slot, proofAt(slot), forged)),
      "SIMCHAIN_INVALID_SIGNATURE",
      /aggregate signature/,
    );
    const empty = {...c, aggregationBits: c.aggregationBits.clone()};
    for (const i of empty.aggregationBits.getTrueBitIndexes()) empty.aggregationBits.set(i, false);
    expectCode(
      () => chain.submitContributionAndProof(signed(slot, proofAt(slot), empty)),
      "SIMCHAIN_INVALID_CONTRIBUTION",
      /no participants/,
    );
    const otherSub = (sub + 1) % 4;
    expectCode(
      () => chain.submitContributionAndProof(signed(slot, proofAt(slot), {...c, subcommitteeIndex: otherSub})),
      "SIMCHAIN_INVALID_CONTRIBUTION",
      /./,
    );
    chain.submitContributionAndProof(good);
    chain.submitContributionAndProof(good); // identical: already known
    const r = chain.book.find("syncContribution", slot, 0, sub);
    expect(r?.acceptedAtMs).to.not.equal(null);
    expect(r?.subcommitteeIndex).to.equal(sub);
  });

  it("packs the previous slot's messages into the next block's sync aggregate, credits them, and refuses a forged one", () => {
    const signer = new InteropSigner(chain.config);
    const publish = (slot: number, tamper?: (b: electra.BeaconBlock) => void) => {
      const proposer = chain.schedule.proposer(slot) as number;
      const {block} = chain.produceBlock(slot, signer.randao(proposer, slot), "sync");
      if (tamper) {
        tamper(block);
        block.stateRoot = expectedStateRoot(chain.head(), block);
      }
      return chain.publishBlock({message: block, signature: signer.block(proposer, block)}, NO_BLOBS);
    };
    toSlot(3, 0.1);
    publish(3);
    toSlot(3, 0.4);
    const root = chain.head().root;
    chain.submitSyncCommitteeMessage(message(0, 3));
    chain.submitSyncCommitteeMessage(message(3, 3));
    toSlot(4, 0.1);
    const forged = () =>
      publish(4, (b) => {
        b.body.syncAggregate.syncCommitteeSignature = message(1, 3).signature;
      });
    expectCode(forged, "SIMCHAIN_INVALID_BLOCK", /sync aggregate/);
    const {block} = chain.produceBlock(4, signer.randao(chain.schedule.proposer(4) as number, 4), "sync");
    const {syncCommitteeBits, syncCommitteeSignature} = block.body.syncAggregate;
    const committee = chain.sync.committee(0);
    const participants = syncCommitteeBits.getTrueBitIndexes().map((i) => committee[i]);
    expect(new Set(participants)).to.deep.equal(new Set([0, 3]));
    expect(participants).to.have.length((2 * SYNC_COMMITTEE_SIZE) / 4);
    const signingRoot = signingRootOnNetwork(chain.config, {
      type: "SYNC_COMMITTEE_MESSAGE",
      data: {beaconBlockRoot: root, slot: 3},
    });
    const keys = participants.map((v) => chain.validators.publicKey(v));
    expect(fastAggregateVerify(signingRoot, keys, Signature.fromBytes(syncCommitteeSignature))).to.equal(true);
    expect(publish(4)).to.deep.equal({canonical: true});
    expect(chain.book.find("syncMessage", 3, 0)?.inclusionSlot).to.equal(4);
    expect(chain.book.find("syncMessage", 3, 3)?.inclusionSlot).to.equal(4);
    expect(chain.book.find("syncMessage", 3, 1)?.inclusionSlot).to.equal(null);
  });

  it("reports the messages nobody sent as missed once their slot is over", () => {
    toSlot(2);
    chain.submitSyncCommitteeMessage(message(1, 2));
    toSlot(3);
    const counts = chain.stats().duties.syncMessage;
    expect(counts.expected).to.equal(16); // slots 0..3, 4 members each
    expect(counts.accepted).to.equal(1);
    expect(counts.missed).to.equal(11); // slots 0..2 but the accepted one
    expect(counts.pending).to.equal(4); // slot 3 is still on
    // Mainnet preset: aggregators depend on their selection proofs, so none is expected in advance.
    expect(chain.stats().duties.syncContribution.expected).to.equal(0);
  });
});

import {
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_RANDAO,
  DOMAIN_SYNC_COMMITTEE,
  ForkName,
  SLOTS_PER_EPOCH,
} from "@lodestar/params";
import {type phase0, ssz} from "@lodestar/types";
import {expect} from "chai";
import {type HeadEvent, SimulatedChain} from "../../../../src/devnet/beacon/chain.js";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import type {AttesterAssignment} from "../../../../src/devnet/beacon/duties.js";
import {SimChainError} from "../../../../src/devnet/beacon/errors.js";
import {interopPublicKeys} from "../../../../src/devnet/beacon/validators.js";
import {toHex} from "../../../../src/util/hex.js";
import {InteropSigner} from "./interopSigner.js";

/** A block without blobs is published with none (this chain has no blob pool enabled). */
const NO_BLOBS = {blobs: [], kzgProofs: []};

const GENESIS = 1_700_000_000;
const pubkeys = interopPublicKeys(4);

function expectCode(fn: () => unknown, code: string): SimChainError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SimChainError);
    expect((e as SimChainError).code).to.equal(code);
    return e as SimChainError;
  }
  expect.fail(`expected ${code}`);
}

describe("devnet/beacon: SimulatedChain", () => {
  let clock: ManualClock;
  let chain: SimulatedChain;
  let signer: InteropSigner;
  let heads: HeadEvent[];

  beforeEach(() => {
    clock = new ManualClock(GENESIS * 1000);
    chain = new SimulatedChain({genesisTime: GENESIS, validators: pubkeys, seed: "unit"}, {clock});
    signer = new InteropSigner(chain.config);
    heads = [];
    chain.onHead((e) => heads.push(e));
  });

  /** Moves the clock to `fraction` of `slot`. */
  function toSlot(slot: number, fraction = 0.1): void {
    clock.advance(chain.slotStartMs(slot) + Math.floor(fraction * chain.slotMs) - clock.now());
    chain.update();
  }

  function firstDutyFrom(slot: number): AttesterAssignment {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const duties = [...chain.schedule.attesterDuties(epoch), ...chain.schedule.attesterDuties(epoch + 1)];
    const d = duties.filter((x) => x.slot >= slot).sort((a, b) => a.slot - b.slot)[0];
    expect(d, "a duty").to.not.equal(undefined);
    return d;
  }

  function attest(d: AttesterAssignment, data?: phase0.AttestationData) {
    const att = data ?? chain.attestationData(d.slot, d.committeeIndex);
    const signature = signer.attestation(d.validatorIndex, att);
    chain.submitAttestation({committeeIndex: d.committeeIndex, attesterIndex: d.validatorIndex, data: att, signature});
    return att;
  }

  function proposeAt(slot: number, graffiti = "") {
    const proposer = chain.schedule.proposer(slot)!;
    const {block} = chain.produceBlock(slot, signer.randao(proposer, slot), graffiti);
    return {proposer, block, signature: signer.block(proposer, block)};
  }

  it("starts from the genesis block with the genesis validators root of the registry", () => {
    expect(chain.head().message.slot).to.equal(0);
    expect(chain.schedule.proposer(0)).to.equal(null);
    expect(toHex(chain.config.genesisValidatorsRoot)).to.equal(toHex(chain.validators.genesisValidatorsRoot));
    expect(chain.config.getForkName(0)).to.equal("fulu");
  });

  it("fills every slot that ended without a block and emits one head event per slot", () => {
    toSlot(5);
    expect(heads.map((h) => h.slot)).to.deep.equal([1, 2, 3, 4]);
    expect(chain.head().message.slot).to.equal(4);
    expect(chain.stats().blocks).to.deep.equal({proposed: 0, filler: 4});
    const genesisRoot = toHex(chain.getBlock("genesis").root);
    expect(heads[3].currentDutyDependentRoot).to.equal(genesisRoot);
    expect(heads[3].previousDutyDependentRoot).to.equal(genesisRoot);
    // parent links form one chain
    for (let s = 1; s <= 4; s++) {
      expect(toHex(chain.getBlock(s).message.parentRoot)).to.equal(chain.getBlock(s - 1).rootHex);
    }
  });

  it("lets head listeners read the chain while it advances", () => {
    const seen: number[] = [];
    chain.onHead(() => seen.push(chain.head().message.slot));
    toSlot(4);
    expect(seen).to.deep.equal([1, 2, 3]);
    expect(chain.stats().duties.proposer.expected).to.equal(4);
  });

  it("moves the duty dependent roots and checkpoints at epoch boundaries", () => {
    toSlot(2 * SLOTS_PER_EPOCH + 1);
    const last = heads.at(-1)!;
    expect(last.slot).to.equal(2 * SLOTS_PER_EPOCH);
    expect(last.epochTransition).to.equal(true);
    expect(last.currentDutyDependentRoot).to.equal(chain.getBlock(2 * SLOTS_PER_EPOCH - 1).rootHex);
    expect(last.previousDutyDependentRoot).to.equal(chain.getBlock(SLOTS_PER_EPOCH - 1).rootHex);
    const data = chain.attestationData(2 * SLOTS_PER_EPOCH + 1, 0);
    expect(data.source.epoch).to.equal(1);
    expect(toHex(data.source.root)).to.equal(chain.getBlock(SLOTS_PER_EPOCH).rootHex);
    expect(data.target.epoch).to.equal(2);
    expect(chain.stats().finalizedEpoch).to.equal(0);
    toSlot(3 * SLOTS_PER_EPOCH);
    expect(chain.stats().finalizedEpoch).to.equal(1);
    expect(chain.stats().justifiedEpoch).to.equal(2);
  });

  it("accepts a correctly signed attestation and credits its inclusion in the next block", () => {
    const d = firstDutyFrom(1);
    toSlot(d.slot, 1 / 3);
    attest(d);
    toSlot(d.slot + 2);
    const r = chain.book.find("attester", d.slot, d.validatorIndex)!;
    expect(r.acceptedAtMs).to.not.equal(null);
    expect(r.inclusionSlot).to.equal(d.slot + 1);
    expect(chain.getBlock(d.slot + 1).message.body.attestations).to.have.length(1);
    expect(chain.stats().duties.attester.included).to.equal(1);
  });

  it("ignores an identical resubmission", () => {
    const d = firstDutyFrom(1);
    toSlot(d.slot, 1 / 3);
    const data = attest(d);
    attest(d, data);
    expect(chain.stats().slashable.total).to.equal(0);
    expect(chain.book.find("attester", d.slot, d.validatorIndex)!.submissions).to.equal(2);
  });

  it("rejects attestations with a wrong key, a wrong domain, a wrong committee or a future slot", () => {
    const d = firstDutyFrom(1);
    toSlot(d.slot, 1 / 3);
    const data = chain.attestationData(d.slot, d.committeeIndex);
    const other = (d.validatorIndex + 1) % 4;
    const submit = (signature: Uint8Array, attesterIndex = d.validatorIndex, slotData = data) =>
      chain.submitAttestation({committeeIndex: d.committeeIndex, attesterIndex, data: slotData, signature});
    expectCode(() => submit(signer.attestation(other, data)), "SIMCHAIN_INVALID_SIGNATURE");
    expectCode(() => submit(signer.attestationWrongDomain(d.validatorIndex, data)), "SIMCHAIN_INVALID_SIGNATURE");
    expectCode(() => submit(signer.attestation(other, data), other), "SIMCHAIN_INVALID_ATTESTATION");
    const future = ssz.phase0.AttestationData.clone(data);
    future.slot = d.slot + 2;
    expectCode(
      () => submit(signer.attestation(d.validatorIndex, future), d.validatorIndex, future),
      "SIMCHAIN_INVALID_ATTESTATION",
    );
    const badSource = ssz.phase0.AttestationData.clone(data);
    badSource.source = {epoch: 0, root: chain.getBlock("genesis").root};
    expectCode(
      () => submit(signer.attestation(d.validatorIndex, badSource), d.validatorIndex, badSource),
      "SIMCHAIN_INVALID_ATTESTATION",
    );
    const r = chain.book.find("attester", d.slot, d.validatorIndex)!;
    expect(r.acceptedAtMs).to.equal(null);
    expect(r.rejections.map((x) => x.code)).to.include("SIMCHAIN_INVALID_SIGNATURE");
    toSlot(3 * SLOTS_PER_EPOCH);
    expect(chain.records().find((x) => x.type === "attester" && x.slot === d.slot)?.status).to.equal("rejected");
  });

  it("counts a validly signed double vote as slashable and rejects it", () => {
    const d = firstDutyFrom(2);
    toSlot(d.slot, 1 / 3);
    const data = attest(d);
    // At a third of the slot the head is the previous block; vote for the one before instead.
    const other = ssz.phase0.AttestationData.clone(data);
    other.beaconBlockRoot = chain.getBlock(d.slot - 2).root;
    expect(toHex(other.beaconBlockRoot)).to.not.equal(toHex(data.beaconBlockRoot));
    expectCode(() => attest(d, other), "SIMCHAIN_SLASHABLE");
    const stats = chain.stats();
    expect(stats.slashable.total).to.equal(1);
    expect(stats.slashable.events[0].kind).to.equal("double-vote");
  });

  it("makes a published block in time the head and records the proposal", () => {
    toSlot(3);
    const {proposer, block, signature} = proposeAt(3, "cohort");
    expect(chain.publishBlock({message: block, signature}, NO_BLOBS)).to.deep.equal({canonical: true});
    expect(chain.head().rootHex).to.equal(heads.at(-1)!.block);
    expect(chain.head().filler).to.equal(false);
    const r = chain.book.find("proposer", 3, proposer)!;
    expect(r.inclusionSlot).to.equal(3);
    // identical re-publish of a block this node produced: refused as known, like Lodestar (500), nothing new
    expectCode(() => chain.publishBlock({message: block, signature}, NO_BLOBS), "SIMCHAIN_BLOCK_ALREADY_KNOWN");
    expect(chain.stats().blocks.proposed).to.equal(1);
    expect(chain.book.find("proposer", 3, proposer)!.inclusionSlot).to.equal(3);
    expect(chain.book.find("proposer", 3, proposer)!.rejections).to.deep.equal([]);
    toSlot(5);
    expect(toHex(chain.getBlock(4).message.parentRoot)).to.equal(toHex(chain.getBlock(3).root));
    expect(chain.getBlock(4).message.body.executionPayload.blockNumber).to.equal(
      block.body.executionPayload.blockNumber + 1,
    );
  });

  it("counts two different signed blocks for one slot as slashable", () => {
    toSlot(3);
    const a = proposeAt(3, "a");
    const b = proposeAt(3, "b");
    chain.publishBlock({message: a.block, signature: a.signature}, NO_BLOBS);
    expectCode(() => chain.publishBlock({message: b.block, signature: b.signature}, NO_BLOBS), "SIMCHAIN_SLASHABLE");
    expect(chain.stats().slashable.events.map((e) => e.kind)).to.deep.equal(["double-proposal"]);
  });

  it("rejects a wrong RANDAO reveal, a wrong block signature and a tampered body", () => {
    toSlot(3);
    const proposer = chain.schedule.proposer(3)!;
    const other = (proposer + 1) % 4;
    expectCode(() => chain.produceBlock(3, signer.randao(other, 3)), "SIMCHAIN_INVALID_SIGNATURE");
    const {block} = proposeAt(3);
    expectCode(
      () => chain.publishBlock({message: block, signature: signer.block(other, block)}, NO_BLOBS),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    // Clones, not spreads: Lodestar's types cache the body root on the object.
    const forged = ssz.electra.BeaconBlock.clone(block);
    forged.body.randaoReveal = signer.randao(other, 3);
    const e = expectCode(
      () => chain.publishBlock({message: forged, signature: signer.block(proposer, forged)}, NO_BLOBS),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    expect(e.message).to.match(/RANDAO/);
    const tampered = ssz.electra.BeaconBlock.clone(block);
    tampered.body.graffiti = new Uint8Array(32).fill(1);
    expectCode(
      () => chain.publishBlock({message: tampered, signature: signer.block(proposer, tampered)}, NO_BLOBS),
      "SIMCHAIN_INVALID_BLOCK",
    );
    expect(chain.stats().slashable.total).to.equal(0);
    expect(chain.book.find("proposer", 3, proposer)!.rejections).to.have.length(3);
    toSlot(4);
    expect(chain.getBlock(3).filler).to.equal(true);
    expect(chain.records().find((r) => r.type === "proposer" && r.slot === 3)?.status).to.equal("rejected");
  });

  it("keeps a block published after its slot off the chain", () => {
    toSlot(3);
    const {proposer, block, signature} = proposeAt(3);
    toSlot(4);
    expect(chain.publishBlock({message: block, signature}, NO_BLOBS)).to.deep.equal({canonical: false});
    expect(chain.getBlock(3).filler).to.equal(true);
    expect(chain.book.find("proposer", 3, proposer)!.inclusionSlot).to.equal(null);
  });

  it("reports proposals and attestations nobody sent as missed once their deadline passed", () => {
    toSlot(2 * SLOTS_PER_EPOCH + 1);
    const {duties} = chain.stats();
    // slots 1..65 had a proposer; 1..64 ended without a block, 65 is running
    expect(duties.proposer.expected).to.equal(2 * SLOTS_PER_EPOCH + 1);
    expect(duties.proposer.missed).to.equal(2 * SLOTS_PER_EPOCH);
    expect(duties.proposer.pending).to.equal(1);
    expect(duties.attester.missed).to.equal(4);
    expect(duties.attester.pending).to.be.greaterThan(0);
  });

  it("refuses duties more than one epoch ahead and attestation data for future slots", () => {
    expectCode(() => chain.attesterDuties(2, [0]), "SIMCHAIN_EPOCH_OUT_OF_RANGE");
    expectCode(() => chain.proposerDuties(2), "SIMCHAIN_EPOCH_OUT_OF_RANGE");
    expect(chain.attesterDuties(1, [0, 1, 2, 3]).duties).to.have.length(4);
    expectCode(() => chain.attestationData(3, 0), "SIMCHAIN_SLOT_OUT_OF_RANGE");
    expectCode(() => chain.attestationData(0, 5), "SIMCHAIN_INVALID_COMMITTEE");
  });
});

describe("devnet/beacon: SimulatedChain across an Electra → Fulu fork at epoch 1", () => {
  const FORK_EPOCH = 1;
  const boundary = FORK_EPOCH * SLOTS_PER_EPOCH;
  let clock: ManualClock;
  let chain: SimulatedChain;
  let signer: InteropSigner;

  beforeEach(() => {
    clock = new ManualClock(GENESIS * 1000);
    chain = new SimulatedChain(
      {genesisTime: GENESIS, validators: pubkeys, seed: "unit", fuluForkEpoch: FORK_EPOCH},
      {clock},
    );
    signer = new InteropSigner(chain.config);
  });

  function toSlot(slot: number, fraction = 0.5): void {
    clock.advance(chain.slotStartMs(slot) + Math.floor(fraction * chain.slotMs) - clock.now());
    chain.update();
  }

  /** A signature over `objectRoot` with `fork`'s version for `domainType`, whatever the message's epoch. */
  function signAtFork(index: number, objectRoot: Uint8Array, fork: ForkName, domainType: Uint8Array): Uint8Array {
    const domain = chain.config.getDomainAtFork(fork, domainType);
    return signer.key(index).sign(ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain})).toBytes();
  }

  /** An attester duty at `slot` (every slot of this schedule has one with 4 validators in 8 slots or more). */
  function dutyAt(slot: number): AttesterAssignment | undefined {
    return chain.schedule.attesterDuties(Math.floor(slot / SLOTS_PER_EPOCH)).find((d) => d.slot === slot);
  }

  it("verifies each signature with the fork version of its message's epoch: the other fork's is refused on both sides", () => {
    expect(chain.config.getForkName(boundary - 1)).to.equal(ForkName.electra);
    expect(chain.config.getForkName(boundary)).to.equal(ForkName.fulu);
    // Attestations: the version of the target epoch. The last Electra slot's and the first Fulu slot's.
    const electraDuty = [...Array(SLOTS_PER_EPOCH).keys()].map((i) => dutyAt(boundary - 1 - i)).find((d) => d);
    const fuluDuty = [...Array(SLOTS_PER_EPOCH).keys()].map((i) => dutyAt(boundary + i)).find((d) => d);
    for (const [d, right, wrong] of [
      [electraDuty, ForkName.electra, ForkName.fulu],
      [fuluDuty, ForkName.fulu, ForkName.electra],
    ] as const) {
      if (d === undefined) throw new Error("no attester duty near the boundary");
      toSlot(d.slot);
      const data = chain.attestationData(d.slot, d.committeeIndex);
      expect(data.target.epoch).to.equal(Math.floor(d.slot / SLOTS_PER_EPOCH));
      const root = ssz.phase0.AttestationData.hashTreeRoot(data);
      const single = (signature: Uint8Array) => ({
        committeeIndex: d.committeeIndex,
        attesterIndex: d.validatorIndex,
        data,
        signature,
      });
      const e = expectCode(
        () => chain.submitAttestation(single(signAtFork(d.validatorIndex, root, wrong, DOMAIN_BEACON_ATTESTER))),
        "SIMCHAIN_INVALID_SIGNATURE",
      );
      expect(e.message).to.match(/invalid attestation signature/);
      chain.submitAttestation(single(signAtFork(d.validatorIndex, root, right, DOMAIN_BEACON_ATTESTER)));
      expect(chain.book.find("attester", d.slot, d.validatorIndex)?.acceptedAtMs).to.not.equal(null);
    }
  });

  it("sync committee messages at the boundary: the version of their slot's epoch", () => {
    for (const [slot, right, wrong] of [
      [boundary - 1, ForkName.electra, ForkName.fulu],
      [boundary, ForkName.fulu, ForkName.electra],
    ] as const) {
      toSlot(slot, 0.4);
      const beaconBlockRoot = chain.head().root;
      const objectRoot = ssz.Root.hashTreeRoot(beaconBlockRoot);
      const message = (signature: Uint8Array) => ({slot, beaconBlockRoot, validatorIndex: 0, signature});
      expectCode(
        () => chain.submitSyncCommitteeMessage(message(signAtFork(0, objectRoot, wrong, DOMAIN_SYNC_COMMITTEE))),
        "SIMCHAIN_INVALID_SIGNATURE",
      );
      chain.submitSyncCommitteeMessage(message(signAtFork(0, objectRoot, right, DOMAIN_SYNC_COMMITTEE)));
      expect(chain.book.find("syncMessage", slot, 0)?.acceptedAtMs).to.not.equal(null);
    }
  });

  it("the first Fulu block: a RANDAO reveal or a block signed with Electra's version is refused, Fulu's accepted", () => {
    toSlot(boundary, 0.1);
    const proposer = chain.schedule.proposer(boundary) as number;
    const epochRoot = ssz.Epoch.hashTreeRoot(FORK_EPOCH);
    expectCode(
      () => chain.produceBlock(boundary, signAtFork(proposer, epochRoot, ForkName.electra, DOMAIN_RANDAO)),
      "SIMCHAIN_INVALID_SIGNATURE",
    );
    const {block} = chain.produceBlock(boundary, signAtFork(proposer, epochRoot, ForkName.fulu, DOMAIN_RANDAO));
    const blockRoot = ssz.electra.BeaconBlock.hashTreeRoot(block);
    const wrong = signAtFork(proposer, blockRoot, ForkName.electra, DOMAIN_BEACON_PROPOSER);
    expectCode(() => chain.publishBlock({message: block, signature: wrong}, NO_BLOBS), "SIMCHAIN_INVALID_SIGNATURE");
    const right = signAtFork(proposer, blockRoot, ForkName.fulu, DOMAIN_BEACON_PROPOSER);
    expect(chain.publishBlock({message: block, signature: right}, NO_BLOBS)).to.deep.equal({canonical: true});
  });
});

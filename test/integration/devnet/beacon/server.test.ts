import {DasContextJs} from "@crate-crypto/node-eth-kzg";
import {type ApiClient, getClient, routes} from "@lodestar/api";
import {CELLS_PER_EXT_BLOB, DOMAIN_BEACON_PROPOSER, ForkName, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import {expect} from "chai";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import {SimulatedBeaconNode} from "../../../../src/devnet/beacon/server.js";
import {interopPublicKeys, interopSecretKey} from "../../../../src/devnet/beacon/validators.js";
import {toHex} from "../../../../src/util/hex.js";
import {InteropSigner} from "../../../unit/devnet/beacon/interopSigner.js";

const GENESIS = 1_700_000_000;
const pubkeys = interopPublicKeys(4);

describe("devnet/beacon: SimulatedBeaconNode over HTTP with @lodestar/api getClient", function () {
  this.timeout(20_000);
  let clock: ManualClock;
  let node: SimulatedBeaconNode;
  let url: string;
  let api: ApiClient;
  let signer: InteropSigner;

  beforeEach(async () => {
    clock = new ManualClock(GENESIS * 1000);
    node = new SimulatedBeaconNode({port: 0, validators: pubkeys, genesisTime: GENESIS, seed: "it"}, {clock});
    url = await node.start();
    api = getClient({baseUrl: url}, {config: node.chain.config});
    signer = new InteropSigner(node.chain.config);
  });

  afterEach(async () => {
    await node.stop();
  });

  function toSlot(slot: number, fraction = 0.1): void {
    clock.advance(node.chain.slotStartMs(slot) + Math.floor(fraction * node.chain.slotMs) - clock.now());
  }

  it("serves genesis, spec, fork, fork schedule and validators", async () => {
    const genesis = (await api.beacon.getGenesis()).value();
    expect(genesis.genesisTime).to.equal(GENESIS);
    expect(toHex(genesis.genesisValidatorsRoot)).to.equal(toHex(node.chain.validators.genesisValidatorsRoot));
    const spec = (await api.config.getSpec()).value();
    expect(spec.PRESET_BASE).to.equal("mainnet");
    expect(spec.SECONDS_PER_SLOT).to.equal("2");
    const fork = (await api.beacon.getStateFork({stateId: "head"})).value();
    expect(toHex(fork.currentVersion)).to.equal(toHex(node.chain.config.FULU_FORK_VERSION));
    expect(toHex(fork.previousVersion)).to.equal(toHex(node.chain.config.ELECTRA_FORK_VERSION));
    const schedule = (await api.config.getForkSchedule()).value();
    expect(
      schedule.find((f) => toHex(f.currentVersion) === toHex(node.chain.config.FULU_FORK_VERSION))?.epoch,
    ).to.equal(0);
    const byPost = (
      await api.beacon.postStateValidators({stateId: "head", validatorIds: [toHex(pubkeys[2]), 0]})
    ).value();
    expect(byPost.map((v) => v.index).sort()).to.deep.equal([0, 2]);
    expect(byPost[0].status).to.equal("active_ongoing");
    const byGet = (
      await api.beacon.getStateValidators({stateId: "head", validatorIds: [3, toHex(pubkeys[1])]})
    ).value();
    expect(byGet.map((v) => v.index).sort()).to.deep.equal([1, 3]);
    expect(toHex(byGet.find((v) => v.index === 3)!.validator.pubkey)).to.equal(toHex(pubkeys[3]));
    const checkpoints = (await api.beacon.getStateFinalityCheckpoints({stateId: "head"})).value();
    expect(checkpoints.finalized.epoch).to.equal(0);
    const syncing = (await api.node.getSyncingStatus()).value();
    expect(syncing.isSyncing).to.equal(false);
  });

  it("serves duties with dependent roots and attestation data; accepts a signed attestation, rejects bad ones", async () => {
    const duties = await api.validator.getAttesterDuties({epoch: 0, indices: [0, 1, 2, 3]});
    expect(duties.value()).to.have.length(4);
    expect(duties.meta().dependentRoot).to.equal(node.chain.getBlock("genesis").rootHex);
    const proposers = await api.validator.getProposerDuties({epoch: 0});
    expect(proposers.value()).to.have.length(SLOTS_PER_EPOCH - 1);
    const d = duties
      .value()
      .filter((x) => x.slot > 0)
      .sort((a, b) => a.slot - b.slot)[0];
    toSlot(d.slot, 1 / 3);
    const data = (await api.validator.produceAttestationData({slot: d.slot, committeeIndex: d.committeeIndex})).value();
    expect(data.slot).to.equal(d.slot);
    const single = (signature: Uint8Array, attesterIndex = d.validatorIndex): electra.SingleAttestation => ({
      committeeIndex: d.committeeIndex,
      attesterIndex,
      data,
      signature,
    });
    const other = (d.validatorIndex + 1) % 4;
    const wrongKey = await api.beacon.submitPoolAttestationsV2({
      signedAttestations: [single(signer.attestation(other, data))],
    });
    expect(wrongKey.status).to.equal(400);
    expect(wrongKey.error()?.message).to.match(/invalid attestation signature/);
    const wrongDomain = await api.beacon.submitPoolAttestationsV2({
      signedAttestations: [single(signer.attestationWrongDomain(d.validatorIndex, data))],
    });
    expect(wrongDomain.status).to.equal(400);
    const ok = await api.beacon.submitPoolAttestationsV2({
      signedAttestations: [single(signer.attestation(d.validatorIndex, data))],
    });
    expect(ok.status, ok.ok ? "" : ok.error()?.message).to.equal(200);
    const dataRoot = ssz.phase0.AttestationData.hashTreeRoot(data);
    const aggregate = await api.validator.getAggregatedAttestationV2({
      attestationDataRoot: dataRoot,
      slot: d.slot,
      committeeIndex: d.committeeIndex,
    });
    expect(aggregate.value().aggregationBits.getTrueBitIndexes()).to.deep.equal([d.validatorCommitteeIndex]);
    const none = await api.validator.getAggregatedAttestationV2({
      attestationDataRoot: new Uint8Array(32),
      slot: d.slot,
      committeeIndex: d.committeeIndex,
    });
    expect(none.status).to.equal(404);
    const stats = (await (await fetch(`${url}/cohort/devnet/stats?records=true`)).json()) as {
      stats: {duties: {attester: {accepted: number}}; rejectionsByCode: Record<string, number>};
      records: {type: string; slot: number; validatorIndex: number; status: string}[];
    };
    expect(stats.stats.duties.attester.accepted).to.equal(1);
    expect(stats.stats.rejectionsByCode.SIMCHAIN_INVALID_SIGNATURE).to.equal(2);
    const record = stats.records.find((r) => r.type === "attester" && r.validatorIndex === d.validatorIndex);
    expect(record?.status).to.equal("accepted");
  });

  it("produces a Fulu block with the reveal (SSZ) and takes it back signed; a bad reveal is refused", async () => {
    toSlot(3);
    const proposer = node.chain.schedule.proposer(3)!;
    const badReveal = await api.validator.produceBlockV3({slot: 3, randaoReveal: signer.randao((proposer + 1) % 4, 3)});
    expect(badReveal.status).to.equal(400);
    expect(badReveal.error()?.message).to.match(/RANDAO/);
    const res = await api.validator.produceBlockV3({
      slot: 3,
      randaoReveal: signer.randao(proposer, 3),
      graffiti: "cohort",
    });
    expect(res.meta().version).to.equal("fulu");
    expect(res.meta().executionPayloadBlinded).to.equal(false);
    const {block} = res.value() as electra.BlockContents;
    expect(block.slot).to.equal(3);
    // The client asks SSZ first; the JSON answer must be the same block.
    const asJson = await api.validator.produceBlockV3(
      {slot: 3, randaoReveal: signer.randao(proposer, 3), graffiti: "cohort"},
      {responseWireFormat: "json"},
    );
    expect(ssz.electra.BeaconBlock.equals((asJson.value() as electra.BlockContents).block, block)).to.equal(true);
    expect(block.proposerIndex).to.equal(proposer);
    const tampered = ssz.electra.BeaconBlock.clone(block);
    tampered.body.randaoReveal = signer.randao((proposer + 1) % 4, 3);
    const forged = await api.beacon.publishBlockV2({
      signedBlockContents: {
        signedBlock: {message: tampered, signature: signer.block(proposer, tampered)},
        kzgProofs: [],
        blobs: [],
      },
    });
    expect(forged.status).to.equal(400);
    expect(forged.error()?.message).to.match(/RANDAO/);
    const badSig = await api.beacon.publishBlockV2({
      signedBlockContents: {
        signedBlock: {message: block, signature: signer.block((proposer + 1) % 4, block)},
        kzgProofs: [],
        blobs: [],
      },
    });
    expect(badSig.status).to.equal(400);
    const published = await api.beacon.publishBlockV2(
      {
        signedBlockContents: {
          signedBlock: {message: block, signature: signer.block(proposer, block)},
          kzgProofs: [],
          blobs: [],
        },
      },
      {requestWireFormat: "ssz"},
    );
    expect(published.status, published.ok ? "" : published.error()?.message).to.equal(200);
    // A second publish of the block it produced: what Lodestar v1.22 answers (every node of a cluster
    // sharing this BN publishes it).
    const again = await api.beacon.publishBlockV2({
      signedBlockContents: {
        signedBlock: {message: block, signature: signer.block(proposer, block)},
        kzgProofs: [],
        blobs: [],
      },
    });
    expect(again.status).to.equal(500);
    expect(again.error()?.message).to.match(/: BLOCK_ERROR_ALREADY_KNOWN$/);
    const root = (await api.beacon.getBlockRoot({blockId: "head"})).value().root;
    expect(toHex(root)).to.equal(toHex(ssz.electra.BeaconBlock.hashTreeRoot(block)));
    const header = (await api.beacon.getBlockHeader({blockId: "head"})).value();
    expect(header.header.message.slot).to.equal(3);
    expect(header.canonical).to.equal(true);
    const stored = await api.beacon.getBlockV2({blockId: 3});
    expect(stored.meta().version).to.equal("fulu");
    expect(ssz.electra.BeaconBlock.equals(stored.value().message as electra.BeaconBlock, block)).to.equal(true);
  });

  it("streams head events with duty dependent roots as the (injected) clock advances", async () => {
    const events: routes.events.EventData[routes.events.EventType.head][] = [];
    const controller = new AbortController();
    void api.events.eventstream({
      topics: [routes.events.EventType.head],
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === routes.events.EventType.head) events.push(e.message);
      },
    });
    // Advance one slot at a time until the stream is attached and delivered two events.
    for (let slot = 1; events.length < 2 && slot < 200; slot++) {
      toSlot(slot);
      await new Promise((r) => setTimeout(r, 25));
    }
    controller.abort();
    expect(events.length).to.be.at.least(2);
    const last = events.at(-1)!;
    expect(last.block).to.equal(node.chain.getBlock(last.slot).rootHex);
    expect(last.currentDutyDependentRoot).to.equal(node.chain.getBlock("genesis").rootHex);
    expect(events[1].slot).to.equal(events[0].slot + 1);
  });

  it("ends open event streams when it stops", async () => {
    let closed = false;
    const controller = new AbortController();
    void api.events.eventstream({
      topics: [routes.events.EventType.head],
      signal: controller.signal,
      onEvent: () => {},
      onError: () => {
        closed = true;
      },
    });
    // wait until the server side of the stream is attached (it subscribes to head events)
    for (let i = 0; i < 100 && node.eventStreams === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(node.eventStreams).to.equal(1);
    await node.stop();
    for (let i = 0; i < 100 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(closed).to.equal(true);
  });

  it("answers 501 with a message for what it does not implement, 404 for unknown blocks", async () => {
    const ptc = await api.validator.getPtcDuties({epoch: 0, indices: [0]});
    expect(ptc.status).to.equal(501);
    expect(ptc.error()?.message).to.match(/getPtcDuties is not implemented/);
    const debug = await fetch(`${url}/eth/v2/debug/beacon/heads`);
    expect(debug.status).to.equal(501);
    const missing = await api.beacon.getBlockRoot({blockId: toHex(new Uint8Array(32).fill(7))});
    expect(missing.status).to.equal(404);
  });

  it("produces Fulu blocks with real blobs (CELLS_PER_EXT_BLOB cell proofs each) and refuses a publication that alters or drops any", async () => {
    // Slots 3k+2 carry two blobs.
    const slot = 5;
    toSlot(slot);
    const proposer = node.chain.schedule.proposer(slot)!;
    const res = await api.validator.produceBlockV3({slot, randaoReveal: signer.randao(proposer, slot)});
    expect(res.meta().version).to.equal(ForkName.fulu);
    const contents = res.value() as electra.BlockContents;
    const {block, blobs, kzgProofs} = contents;
    const commitments = block.body.blobKzgCommitments;
    expect(blobs).to.have.length(2);
    expect(commitments).to.have.length(2);
    expect(kzgProofs).to.have.length(2 * CELLS_PER_EXT_BLOB);
    // Checked with the KZG library itself: commitments of the blobs, cell proofs of their cells.
    const kzg = DasContextJs.create({usePrecomp: false});
    blobs.forEach((blob, i) => {
      expect(toHex(kzg.blobToKzgCommitment(blob))).to.equal(toHex(commitments[i]));
      const cells = kzg.computeCells(blob);
      const indices = cells.map((_, j) => j);
      const proofs = kzgProofs.slice(i * CELLS_PER_EXT_BLOB, (i + 1) * CELLS_PER_EXT_BLOB);
      expect(
        kzg.verifyCellKzgProofBatch(
          indices.map(() => commitments[i]),
          indices,
          cells,
          proofs,
        ),
      ).to.equal(true);
    });
    const signedBlock = {message: block, signature: signer.block(proposer, block)};
    const publish = (blobsOut: Uint8Array[], proofsOut: Uint8Array[]) =>
      api.beacon.publishBlockV2({signedBlockContents: {signedBlock, blobs: blobsOut, kzgProofs: proofsOut}});
    const flipped = (b: Uint8Array) => {
      const c = Uint8Array.from(b);
      c[c.length - 1] ^= 1;
      return c;
    };
    const refused = [
      publish(blobs.slice(0, 1), kzgProofs.slice(0, CELLS_PER_EXT_BLOB)),
      publish([], []),
      publish(
        [blobs[1], blobs[0]],
        [...kzgProofs.slice(CELLS_PER_EXT_BLOB), ...kzgProofs.slice(0, CELLS_PER_EXT_BLOB)],
      ),
      publish([flipped(blobs[0]), blobs[1]], kzgProofs),
      publish(
        blobs,
        kzgProofs.map((p, i) => (i === 77 ? kzgProofs[78] : p)),
      ),
      publish(blobs, kzgProofs.slice(0, kzgProofs.length - 1)),
      // Electra's format (one proof per blob) on a Fulu block.
      publish(blobs, [kzgProofs[0], kzgProofs[CELLS_PER_EXT_BLOB]]),
    ];
    for (const r of await Promise.all(refused)) {
      expect(r.status).to.equal(400);
      expect(r.error()?.message).to.match(/invalid blobs published with the block of slot 5/);
    }
    expect(node.chain.stats().rejectionsByCode.SIMCHAIN_INVALID_BLOBS).to.equal(refused.length);
    expect(toHex(node.chain.head().root)).to.not.equal(toHex(ssz.electra.BeaconBlock.hashTreeRoot(block)));
    const ok = await api.beacon.publishBlockV2(
      {signedBlockContents: {signedBlock, blobs, kzgProofs}},
      {requestWireFormat: "ssz"},
    );
    expect(ok.status, ok.ok ? "" : ok.error()?.message).to.equal(200);
    expect(toHex(node.chain.head().root)).to.equal(toHex(ssz.electra.BeaconBlock.hashTreeRoot(block)));
    // The block is known now; a copy without its blobs is still refused.
    expect((await publish([], [])).status).to.equal(400);
  });

  describe("an Electra → Fulu transition at epoch 1", () => {
    let tnode: SimulatedBeaconNode;
    let tapi: ApiClient;
    let tsigner: InteropSigner;

    beforeEach(async () => {
      tnode = new SimulatedBeaconNode(
        {port: 0, validators: pubkeys, genesisTime: GENESIS, seed: "it", fuluForkEpoch: 1},
        {clock},
      );
      tapi = getClient({baseUrl: await tnode.start()}, {config: tnode.chain.config});
      tsigner = new InteropSigner(tnode.chain.config);
    });

    afterEach(async () => {
      await tnode.stop();
    });

    const toTSlot = (slot: number) => clock.advance(tnode.chain.slotStartMs(slot) + 100 - clock.now());

    it("serves the fork schedule and the blob schedule in config/spec", async () => {
      const spec = (await tapi.config.getSpec()).value();
      expect(spec.FULU_FORK_EPOCH).to.equal("1");
      expect(spec.BLOB_SCHEDULE).to.deep.equal([{EPOCH: "2", MAX_BLOBS_PER_BLOCK: "15"}]);
      const schedule = (await tapi.config.getForkSchedule()).value();
      expect(
        schedule.find((f) => toHex(f.currentVersion) === toHex(tnode.chain.config.FULU_FORK_VERSION))?.epoch,
      ).to.equal(1);
    });

    it("makes Electra blocks with one KZG proof per blob, then Fulu blocks with cell proofs signed with Fulu's version", async () => {
      // The last Electra slot with two blobs (3k+2) and the first Fulu slot (SLOTS_PER_EPOCH is 3k+2 on both presets).
      const electraSlot = SLOTS_PER_EPOCH - 3 + ((2 - ((SLOTS_PER_EPOCH - 3) % 3) + 3) % 3);
      toTSlot(electraSlot);
      const pe = tnode.chain.schedule.proposer(electraSlot)!;
      const electraRes = await tapi.validator.produceBlockV3({
        slot: electraSlot,
        randaoReveal: tsigner.randao(pe, electraSlot),
      });
      expect(electraRes.meta().version).to.equal(ForkName.electra);
      const e = electraRes.value() as electra.BlockContents;
      expect(e.blobs).to.have.length(2);
      expect(e.kzgProofs).to.have.length(2);
      const eOk = await tapi.beacon.publishBlockV2({
        signedBlockContents: {
          signedBlock: {message: e.block, signature: tsigner.block(pe, e.block)},
          blobs: e.blobs,
          kzgProofs: e.kzgProofs,
        },
      });
      expect(eOk.status, eOk.ok ? "" : eOk.error()?.message).to.equal(200);

      const slot = SLOTS_PER_EPOCH;
      toTSlot(slot);
      const proposer = tnode.chain.schedule.proposer(slot)!;
      const res = await tapi.validator.produceBlockV3({slot, randaoReveal: tsigner.randao(proposer, slot)});
      expect(res.meta().version).to.equal(ForkName.fulu);
      const {block, blobs, kzgProofs} = res.value() as electra.BlockContents;
      expect(blobs).to.have.length(2);
      expect(kzgProofs).to.have.length(2 * CELLS_PER_EXT_BLOB);
      // The same block signed with Electra's fork version: a wrong-fork signature.
      const electraDomain = tnode.chain.config.getDomainAtFork(ForkName.electra, DOMAIN_BEACON_PROPOSER);
      const wrongRoot = ssz.phase0.SigningData.hashTreeRoot({
        objectRoot: ssz.electra.BeaconBlock.hashTreeRoot(block),
        domain: electraDomain,
      });
      const wrongFork = await tapi.beacon.publishBlockV2({
        signedBlockContents: {
          signedBlock: {message: block, signature: interopSecretKey(proposer).sign(wrongRoot).toBytes()},
          blobs,
          kzgProofs,
        },
      });
      expect(wrongFork.status).to.equal(400);
      expect(wrongFork.error()?.message).to.match(/invalid block signature/);
      const ok = await tapi.beacon.publishBlockV2({
        signedBlockContents: {
          signedBlock: {message: block, signature: tsigner.block(proposer, block)},
          blobs,
          kzgProofs,
        },
      });
      expect(ok.status, ok.ok ? "" : ok.error()?.message).to.equal(200);
      expect((await tapi.beacon.getBlockV2({blockId: slot})).meta().version).to.equal(ForkName.fulu);
      expect((await tapi.beacon.getBlockV2({blockId: electraSlot})).meta().version).to.equal(ForkName.electra);
    });

    it("serves the next epoch's proposer duties; v2 gives the lookahead's dependent root from Fulu (EIP-7917), v1 the legacy one", async () => {
      toTSlot(SLOTS_PER_EPOCH + 2);
      const genesisRoot = tnode.chain.getBlock("genesis").rootHex;
      const lastOfEpoch0 = tnode.chain.getBlock(SLOTS_PER_EPOCH - 1).rootHex;
      // Epoch 2 (Fulu), asked during epoch 1: decided at the last slot of epoch 0 with the lookahead.
      const v2 = await tapi.validator.getProposerDutiesV2({epoch: 2});
      expect(v2.value()).to.have.length(SLOTS_PER_EPOCH);
      expect(v2.meta().dependentRoot).to.equal(lastOfEpoch0);
      const v1 = await tapi.validator.getProposerDuties({epoch: 2});
      expect(v1.value().map((d) => d.validatorIndex)).to.deep.equal(v2.value().map((d) => d.validatorIndex));
      // v1: the block root at the last slot of epoch 1, not there yet: the head's.
      expect(v1.meta().dependentRoot).to.equal(tnode.chain.head().rootHex);
      // Epoch 1, the fork epoch: its lookahead was filled by upgrade_to_fulu from the last Electra state, so
      // v2 keeps the old rule there, as v1 does.
      expect((await tapi.validator.getProposerDutiesV2({epoch: 1})).meta().dependentRoot).to.equal(lastOfEpoch0);
      expect((await tapi.validator.getProposerDuties({epoch: 1})).meta().dependentRoot).to.equal(lastOfEpoch0);
      // Before Fulu the two agree; three epochs ahead is refused.
      expect((await tapi.validator.getProposerDutiesV2({epoch: 0})).meta().dependentRoot).to.equal(genesisRoot);
      expect((await tapi.validator.getProposerDuties({epoch: 3})).status).to.equal(400);
    });
  });
});

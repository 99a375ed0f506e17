import {type ApiClient, getClient, routes} from "@lodestar/api";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import {expect} from "chai";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import {SimulatedBeaconNode} from "../../../../src/devnet/beacon/server.js";
import {interopPublicKeys} from "../../../../src/devnet/beacon/validators.js";
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
    expect(toHex(fork.currentVersion)).to.equal(toHex(node.chain.config.ELECTRA_FORK_VERSION));
    expect(toHex(fork.previousVersion)).to.equal(toHex(node.chain.config.DENEB_FORK_VERSION));
    const schedule = (await api.config.getForkSchedule()).value();
    expect(
      schedule.find((f) => toHex(f.currentVersion) === toHex(node.chain.config.ELECTRA_FORK_VERSION))?.epoch,
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

  it("produces an Electra block with the reveal (SSZ) and takes it back signed; a bad reveal is refused", async () => {
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
    expect(res.meta().version).to.equal("electra");
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
    expect(stored.meta().version).to.equal("electra");
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
});

import {SecretKey} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {type ApiClient, getClient} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type BeaconBlock, ssz} from "@lodestar/types";
import {expect} from "chai";
import {Registry} from "prom-client";
import {planCluster, seededRandom} from "../../../src/cluster/index.js";
import {DutyType} from "../../../src/consensus/types.js";
import {createSimChainConfig, SimulatedBeaconNode, ValidatorSet} from "../../../src/devnet/beacon/index.js";
import {systemClock} from "../../../src/duties/clock.js";
import type {ValidatorSettings} from "../../../src/duties/interfaces.js";
import {PROPOSER_DUTY_TYPE} from "../../../src/duties/proposer.js";
import {encodeProposerValue} from "../../../src/duties/proposerValue.js";
import type {DutyRef, OwnShare} from "../../../src/duties/shareExchange.js";
import {SYNC_SELECTION_DUTY_TYPE} from "../../../src/duties/syncCommitteeContribution.js";
import {
  SYNC_SUBCOMMITTEE_SIZE,
  subcommitteesOf,
  syncShareDutyType,
} from "../../../src/duties/syncCommitteeSelection.js";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {fromHex, toHex} from "../../../src/util/hex.js";
import {DecidedBlocks} from "../../../src/vapi/decidedBlocks.js";
import {ShareKeyMap} from "../../../src/vapi/keyMap.js";
import type {CombinedShares} from "../../../src/vapi/methods.js";
import {createVapiMetrics} from "../../../src/vapi/metrics.js";
import {ValidatorApiServer} from "../../../src/vapi/server.js";
import {VcSyncMessageStore} from "../../../src/vapi/syncMessages.js";
import {ValidatorClientSigner} from "../../../src/vapi/vcSigner.js";
import {createLegacyClient, type LegacyClient} from "../../utils/legacyClient.js";

const SECONDS_PER_SLOT = 12;
const WAIT_MS = 300;

/** A 4-operator cluster of 2 validators (keys from a seed), seen from operator 0. */
function plan() {
  const chainConfig = createSimChainConfig({secondsPerSlot: SECONDS_PER_SLOT});
  const network = (gvr: Uint8Array) => ({
    name: "devnet",
    genesisForkVersion: toHex(chainConfig.GENESIS_FORK_VERSION),
    genesisValidatorsRoot: toHex(gvr),
  });
  // Known validator secrets: the test signs the cluster's builder registrations with them.
  const validatorSecrets = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)));
  const existingSecrets = validatorSecrets.map((sk) => sk.toBytes());
  const first = planCluster(
    {nodes: 4, existingSecrets, network: network(new Uint8Array(32))},
    {random: seededRandom("vapi-int")},
  );
  const validatorKeys = first.lock.validators.map((v) => fromHex(v.publicKey, 48));
  const gvr = new ValidatorSet(validatorKeys).genesisValidatorsRoot;
  const {lock, shares} = planCluster(
    {nodes: 4, existingSecrets, network: network(gvr)},
    {random: seededRandom("vapi-int")},
  );
  return {lock, validatorKeys, validatorSecrets, shareSecrets: shares.map((s) => SecretKey.fromBytes(s[0]))};
}

/** The cluster's settings as a lock v2 states them: validator 0 pays `LOCK_FEE`, with its registration signed by its key. */
const LOCK_FEE = `0x${"1f".repeat(20)}`;
function lockSettings(
  config: BeaconConfig,
  validatorKeys: Uint8Array[],
  validatorSecrets: SecretKey[],
  genesisTime: number,
): ValidatorSettings {
  const message = {
    feeRecipient: fromHex(LOCK_FEE, 20),
    gasLimit: 36_000_000,
    timestamp: genesisTime,
    pubkey: validatorKeys[0],
  };
  const signature = validatorSecrets[0].sign(
    signingRootOnNetwork(config, {type: "VALIDATOR_REGISTRATION", data: message}),
  );
  const registration = {
    message: {
      feeRecipient: LOCK_FEE,
      gasLimit: message.gasLimit,
      timestamp: genesisTime,
      pubkey: toHex(validatorKeys[0]),
    },
    signature: toHex(signature.toBytes()),
  };
  const v0 = toHex(validatorKeys[0]);
  return {
    feeRecipientOf: (pubkey) => (pubkey === v0 ? LOCK_FEE : undefined),
    registrationOf: (pubkey) => (pubkey === v0 ? registration : undefined),
  };
}

for (const format of ["json", "ssz"] as const) {
  describe(`vapi: the validator client's Beacon API (${format.toUpperCase()}, @lodestar/api client against Lodestar's route definitions)`, function () {
    this.timeout(20_000);
    const {lock, validatorKeys, validatorSecrets, shareSecrets} = plan();
    const shareKeys = shareSecrets.map((s) => s.toPublicKey().toBytes());
    let beacon: SimulatedBeaconNode;
    let server: ValidatorApiServer;
    let signer: ValidatorClientSigner;
    let blocks: DecidedBlocks;
    let syncMessages: VcSyncMessageStore;
    let vc: ApiClient;
    let legacy: LegacyClient;
    let bn: ApiClient;
    let register: Registry;
    /** The share exchange's part: the cluster's combined signature per (duty, validator), as asked for. */
    const combinedAsked: {ref: DutyRef; validator: string}[] = [];
    const combinedProof = new Uint8Array(96).fill(0xc0);
    const published: {ref: DutyRef; shares: OwnShare[]}[] = [];
    const combined: CombinedShares = {
      publish: (ref, shares) => published.push({ref, shares}),
      awaitCombined: async (ref, validator) => {
        combinedAsked.push({ref, validator});
        return combinedProof;
      },
    };

    before(async () => {
      beacon = new SimulatedBeaconNode({
        port: 0,
        validators: validatorKeys,
        secondsPerSlot: SECONDS_PER_SLOT,
        // Two slots in: the head is a block of the chain.
        genesisTime: Math.floor(Date.now() / 1000) - 2 * SECONDS_PER_SLOT,
      });
      const beaconUrl = await beacon.start();
      const config = beacon.chain.config;
      register = new Registry();
      const metrics = createVapiMetrics(register);
      signer = new ValidatorClientSigner({requestTimeoutMs: () => 10_000}, {config, clock: systemClock, metrics});
      blocks = new DecidedBlocks(config, systemClock);
      syncMessages = new VcSyncMessageStore(systemClock);
      server = new ValidatorApiServer(
        {port: 0, beaconNodeUrls: [beaconUrl], waitMs: WAIT_MS},
        {
          config,
          signer,
          keys: new ShareKeyMap(lock, 0),
          settings: lockSettings(config, validatorKeys, validatorSecrets, beacon.chain.genesisTime),
          blocks,
          syncMessages,
          clock: systemClock,
          shares: combined,
          metrics,
        },
      );
      const url = await server.start();
      bn = getClient({baseUrl: beaconUrl}, {config});
      vc = getClient({baseUrl: url, globalInit: {requestWireFormat: format, responseWireFormat: format}}, {config});
      legacy = createLegacyClient(url, config, format);
    });
    after(async () => {
      signer.stop();
      syncMessages.stop();
      await server.stop();
      await beacon.stop();
    });

    const config = () => beacon.chain.config;
    const sign = (sk: SecretKey, msg: SignableMessage) => sk.sign(signingRootOnNetwork(config(), msg)).toBytes();

    it("state validators: asked by key share, answered with the validator's index and the key share", async () => {
      const byPost = (
        await vc.beacon.postStateValidators({stateId: "head", validatorIds: shareKeys.map(toHex)})
      ).value();
      expect(byPost.map((v) => toHex(v.validator.pubkey))).to.deep.equal(shareKeys.map(toHex));
      expect(byPost.map((v) => v.index)).to.deep.equal([0, 1]);
      const byGet = (
        await vc.beacon.getStateValidators({stateId: "head", validatorIds: [toHex(shareKeys[1])]})
      ).value();
      expect(byGet.map((v) => [v.index, toHex(v.validator.pubkey)])).to.deep.equal([[1, toHex(shareKeys[1])]]);
      const one = (await vc.beacon.getStateValidator({stateId: "head", validatorId: toHex(shareKeys[0])})).value();
      expect(one.index).to.equal(0);
      expect(toHex(one.validator.pubkey)).to.equal(toHex(shareKeys[0]));
    });

    it("duties (attester, proposer, sync) name the key shares where the BN names the cluster's validators", async () => {
      const epoch = beacon.chain.currentEpoch();
      const attester = await vc.validator.getAttesterDuties({epoch, indices: [0, 1]});
      expect(
        attester
          .value()
          .map((d) => toHex(d.pubkey))
          .sort(),
      ).to.deep.equal(shareKeys.map(toHex).sort());
      expect(attester.meta().dependentRoot).to.match(/^0x[0-9a-f]{64}$/);
      const proposer = (await vc.validator.getProposerDuties({epoch})).value();
      expect(proposer.length).to.be.greaterThan(0);
      for (const d of proposer) expect(toHex(d.pubkey)).to.equal(toHex(shareKeys[d.validatorIndex]));
      // Sync duties: mapped like the others; a BN error (the simulated chain has no sync committees yet)
      // reaches the VC with the BN's status.
      const sync = await vc.validator.getSyncCommitteeDuties({epoch, indices: [0, 1]});
      const direct = await bn.validator.getSyncCommitteeDuties({epoch, indices: [0, 1]});
      expect(sync.status).to.equal(direct.status);
      if (sync.ok) {
        for (const d of sync.value()) expect(toHex(d.pubkey)).to.equal(toHex(shareKeys[d.validatorIndex]));
      }
    });

    it("attestation data: the decided value once the pipeline asks for its signature; the partial signature goes to the pipeline", async () => {
      const slot = beacon.chain.currentSlot() + 3;
      const data = {
        ...ssz.phase0.AttestationData.defaultValue(),
        slot,
        beaconBlockRoot: new Uint8Array(32).fill(5),
        target: {epoch: Math.floor(slot / SLOTS_PER_EPOCH), root: new Uint8Array(32).fill(6)},
      };
      const msg: SignableMessage = {type: "ATTESTATION", data};
      // The VC asks first (it waits); the pipeline's request comes after the decision.
      const asked = vc.validator.produceAttestationData({slot, committeeIndex: 1});
      const signing = signer.sign(shareKeys[0], msg);
      const got = (await asked).value();
      expect(ssz.phase0.AttestationData.equals(got, data)).to.equal(true);

      const submit = (d: typeof data, signature: Uint8Array) =>
        vc.beacon.submitPoolAttestationsV2({
          signedAttestations: [{committeeIndex: 1, attesterIndex: 0, data: d, signature}],
        });
      const badSig = await submit(data, sign(shareSecrets[1], msg));
      expect(badSig.status).to.equal(400);
      const other = {...data, beaconBlockRoot: new Uint8Array(32).fill(7)};
      const otherData = await submit(other, sign(shareSecrets[0], {type: "ATTESTATION", data: other}));
      expect(otherData.status).to.equal(400);
      const good = sign(shareSecrets[0], msg);
      expect((await submit(data, good)).status).to.equal(200);
      expect(await signing).to.deep.equal(good);
      // A retry of the same submission is not an error; nothing more is taken.
      expect((await submit(data, good)).status).to.equal(200);
      const metrics = await register.getSingleMetricAsString("cohort_vapi_partial_signatures_total");
      expect(metrics).to.match(/type="ATTESTATION",result="accepted"\} [1-9]/);
    });

    it("attestation data nobody decided: 503 after the wait, nothing invented", async () => {
      const res = await vc.validator.produceAttestationData({slot: beacon.chain.currentSlot() + 20, committeeIndex: 0});
      expect(res.status).to.equal(503);
    });

    it("block v3: the RANDAO share goes to the pipeline, the decided block comes back; the signed block is a verified share", async () => {
      const slot = beacon.chain.currentSlot() + 4;
      const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
      const randaoMsg: SignableMessage = {type: "RANDAO_REVEAL", data: {epoch}};
      const block = {...ssz.electra.BeaconBlock.defaultValue(), slot, proposerIndex: 0} as BeaconBlock;
      block.body.randaoReveal = new Uint8Array(96).fill(1);
      const contents = {block, kzgProofs: [], blobs: []};
      const blockMsg: SignableMessage = {type: "BLOCK_V2", data: blockToSignable(config(), block, false)};

      // The pipeline: RANDAO share, then (after consensus) the block share.
      const pipeline = (async () => {
        const reveal = await signer.sign(shareKeys[0], randaoMsg);
        const decider = blocks.observe({
          decide: async () => ({
            value: encodeProposerValue(config(), slot, {blinded: false, block, contents}),
            round: 1,
          }),
        });
        await decider.decide(slot, PROPOSER_DUTY_TYPE, {
          propose: async () => new Uint8Array(),
          isValid: () => true,
          deadlineMs: 0,
        });
        return {reveal, blockSignature: await signer.sign(shareKeys[0], blockMsg)};
      })();

      // A RANDAO reveal that does not verify is refused.
      const badRandao = await vc.validator.produceBlockV3({slot, randaoReveal: sign(shareSecrets[1], randaoMsg)});
      expect(badRandao.status).to.equal(400);

      const reveal = sign(shareSecrets[0], randaoMsg);
      const produced = await vc.validator.produceBlockV3({slot, randaoReveal: reveal});
      expect(produced.status).to.equal(200);
      expect(produced.meta().executionPayloadBlinded).to.equal(false);
      expect(produced.meta().version).to.equal("fulu");
      const got = produced.value() as typeof contents;
      expect(ssz.electra.BeaconBlock.equals(got.block as never, block as never)).to.equal(true);

      const publish = (message: BeaconBlock, signature: Uint8Array) =>
        vc.beacon.publishBlockV2({
          signedBlockContents: {signedBlock: {message, signature}, kzgProofs: [], blobs: []} as never,
        });
      expect((await publish(block, sign(shareSecrets[1], blockMsg))).status).to.equal(400);
      const other = {...block, body: {...block.body, graffiti: new Uint8Array(32).fill(9)}} as BeaconBlock;
      const otherMsg: SignableMessage = {type: "BLOCK_V2", data: blockToSignable(config(), other, false)};
      expect((await publish(other, sign(shareSecrets[0], otherMsg))).status).to.equal(400);
      const good = sign(shareSecrets[0], blockMsg);
      expect((await publish(block, good)).status).to.equal(200);
      const done = await pipeline;
      expect(done.reveal).to.deep.equal(reveal);
      expect(done.blockSignature).to.deep.equal(good);
    });

    it("block v2 production and v1 publication (what a VC without v3, or before Electra, uses): the same decided block and share checks; blinded v1 production of a full block is refused", async () => {
      const slot = beacon.chain.currentSlot() + 7;
      const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
      const randaoMsg: SignableMessage = {type: "RANDAO_REVEAL", data: {epoch}};
      const block = {...ssz.electra.BeaconBlock.defaultValue(), slot, proposerIndex: 1} as BeaconBlock;
      block.body.randaoReveal = new Uint8Array(96).fill(2);
      const contents = {block, kzgProofs: [], blobs: []};
      const blockMsg: SignableMessage = {type: "BLOCK_V2", data: blockToSignable(config(), block, false)};
      const pipeline = (async () => {
        const reveal = await signer.sign(shareKeys[1], randaoMsg);
        await blocks
          .observe({
            decide: async () => ({
              value: encodeProposerValue(config(), slot, {blinded: false, block, contents}),
              round: 1,
            }),
          })
          .decide(slot, PROPOSER_DUTY_TYPE, {
            propose: async () => new Uint8Array(),
            isValid: () => true,
            deadlineMs: 0,
          });
        return {reveal, blockSignature: await signer.sign(shareKeys[1], blockMsg)};
      })();
      const reveal = sign(shareSecrets[1], randaoMsg);
      const produced = await legacy.produceBlockV2({slot, randaoReveal: reveal});
      expect(produced.status).to.equal(200);
      const got = produced.value() as typeof contents;
      expect(ssz.electra.BeaconBlock.equals(got.block as never, block as never)).to.equal(true);
      // The cluster decided a full block: blinded production cannot hand it out.
      expect((await legacy.produceBlindedBlock({slot, randaoReveal: reveal})).status).to.equal(400);
      const publish = (message: BeaconBlock, signature: Uint8Array) =>
        legacy.publishBlock({
          signedBlockOrContents: {signedBlock: {message, signature}, kzgProofs: [], blobs: []} as never,
        });
      expect((await publish(block, sign(shareSecrets[0], blockMsg))).status).to.equal(400);
      const good = sign(shareSecrets[1], blockMsg);
      expect((await publish(block, good)).status).to.equal(200);
      const done = await pipeline;
      expect(done.reveal).to.deep.equal(reveal);
      expect(done.blockSignature).to.deep.equal(good);
    });

    it("v1 attestations (a one-bit Attestation, before Electra): the same check against the decided data", async () => {
      const slot = beacon.chain.currentSlot() + 8;
      const data = {
        ...ssz.phase0.AttestationData.defaultValue(),
        slot,
        beaconBlockRoot: new Uint8Array(32).fill(8),
        target: {epoch: Math.floor(slot / SLOTS_PER_EPOCH), root: new Uint8Array(32).fill(6)},
      };
      const msg: SignableMessage = {type: "ATTESTATION", data};
      const signing = signer.sign(shareKeys[0], msg);
      const submit = (d: typeof data, signature: Uint8Array) =>
        legacy.submitPoolAttestations({
          signedAttestations: [{aggregationBits: BitArray.fromSingleBit(4, 0), data: d, signature}],
        });
      const other = {...data, beaconBlockRoot: new Uint8Array(32).fill(9)};
      expect((await submit(other, sign(shareSecrets[0], {type: "ATTESTATION", data: other}))).status).to.equal(400);
      expect((await submit(data, sign(shareSecrets[1], msg))).status).to.equal(400);
      const good = sign(shareSecrets[0], msg);
      expect((await submit(data, good)).status).to.equal(200);
      expect(await signing).to.deep.equal(good);
    });

    it("beacon committee selections: partial proofs go to the pipeline, the cluster's combined proofs come back", async () => {
      const slot = beacon.chain.currentSlot() + 5;
      const msg: SignableMessage = {type: "AGGREGATION_SLOT", data: {slot}};
      const signing = signer.sign(shareKeys[1], msg);
      const bad = await vc.validator.submitBeaconCommitteeSelections({
        selections: [{validatorIndex: 1, slot, selectionProof: sign(shareSecrets[0], msg)}],
      });
      expect(bad.status).to.equal(400);
      const partial = sign(shareSecrets[1], msg);
      const res = await vc.validator.submitBeaconCommitteeSelections({
        selections: [{validatorIndex: 1, slot, selectionProof: partial}],
      });
      expect(res.value()).to.deep.equal([{validatorIndex: 1, slot, selectionProof: combinedProof}]);
      expect(await signing).to.deep.equal(partial);
      expect(combinedAsked.at(-1)).to.deep.equal({
        ref: {slot, dutyType: DutyType.prepareAggregator},
        validator: lock.validators[1].publicKey,
      });
    });

    it("voluntary exits: a partial signature is verified, then exchanged for combination (400 otherwise)", async () => {
      const message = {epoch: beacon.chain.currentEpoch(), validatorIndex: 1};
      const msg: SignableMessage = {type: "VOLUNTARY_EXIT", data: message};
      const bad = await vc.beacon.submitPoolVoluntaryExit({
        signedVoluntaryExit: {message, signature: sign(shareSecrets[0], msg)},
      });
      expect(bad.status).to.equal(400);
      expect(published.filter((p) => p.ref.dutyType === DutyType.voluntaryExit)).to.deep.equal([]);
      const partial = sign(shareSecrets[1], msg);
      const res = await vc.beacon.submitPoolVoluntaryExit({signedVoluntaryExit: {message, signature: partial}});
      expect(res.status).to.equal(200);
      const exits = published.filter((p) => p.ref.dutyType === DutyType.voluntaryExit);
      expect(exits).to.have.length(1);
      expect(exits[0].ref.slot).to.equal(message.epoch * SLOTS_PER_EPOCH);
      expect(exits[0].shares.map((x) => [x.validator, toHex(x.signature)])).to.deep.equal([
        [lock.validators[1].publicKey, toHex(partial)],
      ]);
      expect(exits[0].shares[0].signingRoot).to.deep.equal(signingRootOnNetwork(config(), msg));
      published.length = 0;
    });

    it("aggregation: the decided aggregate once the pipeline asks for its AggregateAndProof signature; partials verified (400 otherwise)", async () => {
      const slot = beacon.chain.currentSlot() + 6;
      const committeeIndex = 2;
      const aggregate = ssz.electra.Attestation.defaultValue();
      aggregate.data = {...aggregate.data, slot, beaconBlockRoot: new Uint8Array(32).fill(4)};
      aggregate.aggregationBits = BitArray.fromBoolArray([true, false]);
      aggregate.committeeBits.set(committeeIndex, true);
      const message = {aggregatorIndex: 0, aggregate, selectionProof: new Uint8Array(96).fill(2)};
      const msg: SignableMessage = {
        type: "AGGREGATE_AND_PROOF_V2",
        data: {version: config().getForkName(slot), aggregateAndProof: message},
      };
      const attestationDataRoot = ssz.phase0.AttestationData.hashTreeRoot(aggregate.data);
      // The VC asks first and waits for the aggregator duty's decision.
      const asked = vc.validator.getAggregatedAttestationV2({slot, attestationDataRoot, committeeIndex});
      const signing = signer.sign(shareKeys[0], msg);
      const got = await asked;
      expect(got.status).to.equal(200);
      expect(ssz.electra.Attestation.equals(got.value() as never, aggregate)).to.equal(true);
      expect(got.meta().version).to.equal("fulu");

      const publish = (m: typeof message, signature: Uint8Array) =>
        vc.validator.publishAggregateAndProofsV2({signedAggregateAndProofs: [{message: m, signature}]});
      expect((await publish(message, sign(shareSecrets[1], msg))).status).to.equal(400);
      const other = {...message, selectionProof: new Uint8Array(96).fill(3)};
      const otherMsg: SignableMessage = {
        type: "AGGREGATE_AND_PROOF_V2",
        data: {version: config().getForkName(slot), aggregateAndProof: other},
      };
      expect((await publish(other, sign(shareSecrets[0], otherMsg))).status).to.equal(400);
      const good = sign(shareSecrets[0], msg);
      expect((await publish(message, good)).status).to.equal(200);
      expect(await signing).to.deep.equal(good);
    });

    it("sync committee: selections combined; messages are verified partials over the root the VC chose, kept for the message duty; contributions are verified partials over the decided one", async () => {
      const epoch = beacon.chain.currentEpoch();
      // The VC learns its sync duties through cohort (keys mapped), as Lodestar does.
      const duties = (await vc.validator.getSyncCommitteeDuties({epoch, indices: [0, 1]})).value();
      const duty = duties.find((d) => d.validatorIndex === 0);
      if (!duty) throw new Error("validator 0 is not in the simulated sync committee");
      expect(toHex(duty.pubkey)).to.equal(toHex(shareKeys[0]));
      const subcommitteeIndex = [...subcommitteesOf(duty.validatorSyncCommitteeIndices).keys()][0];

      // Selections: a partial that does not verify is refused; the right one gets the combined proof.
      const slot = beacon.chain.currentSlot();
      const selMsg: SignableMessage = {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: {slot, subcommitteeIndex}};
      const selSigning = signer.sign(shareKeys[0], selMsg);
      const select = (selectionProof: Uint8Array) =>
        vc.validator.submitSyncCommitteeSelections({
          selections: [{validatorIndex: 0, slot, subcommitteeIndex, selectionProof}],
        });
      expect((await select(sign(shareSecrets[1], selMsg))).status).to.equal(400);
      const partial = sign(shareSecrets[0], selMsg);
      const selected = await select(partial);
      expect(selected.value()).to.deep.equal([
        {validatorIndex: 0, slot, subcommitteeIndex, selectionProof: combinedProof},
      ]);
      expect(await selSigning).to.deep.equal(partial);
      expect(combinedAsked.at(-1)).to.deep.equal({
        ref: {slot, dutyType: syncShareDutyType(SYNC_SELECTION_DUTY_TYPE, 0)},
        validator: lock.validators[0].publicKey,
      });

      // The message: a partial over the root the VC chose (its head), verified against the key share over that
      // root and kept for the slot's message duty, whatever root it is; one that does not verify is refused.
      const decidedRoot = new Uint8Array(32).fill(0x5e);
      const msg: SignableMessage = {type: "SYNC_COMMITTEE_MESSAGE", data: {slot, beaconBlockRoot: decidedRoot}};
      const submit = (beaconBlockRoot: Uint8Array, signature: Uint8Array) =>
        vc.beacon.submitPoolSyncCommitteeSignatures({
          signatures: [{slot, beaconBlockRoot, validatorIndex: 0, signature}],
        });
      expect((await submit(decidedRoot, sign(shareSecrets[1], msg))).status).to.equal(400);
      const otherRoot = new Uint8Array(32).fill(0x0d);
      const otherMsg: SignableMessage = {type: "SYNC_COMMITTEE_MESSAGE", data: {slot, beaconBlockRoot: otherRoot}};
      // Signed over another root than msg's: refused (it does not verify over the root it names).
      expect((await submit(otherRoot, sign(shareSecrets[0], msg))).status).to.equal(400);
      const good = sign(shareSecrets[0], msg);
      const kept = syncMessages.awaitPartial(shareKeys[0], slot, Date.now() + 5_000);
      expect((await submit(decidedRoot, good)).status).to.equal(200);
      expect(await kept).to.deep.equal({beaconBlockRoot: decidedRoot, signature: good});
      // A message of a slot far from the current one is refused; the head root is the BN's (not intercepted).
      const farMsg: SignableMessage = {
        type: "SYNC_COMMITTEE_MESSAGE",
        data: {slot: slot + 8, beaconBlockRoot: otherRoot},
      };
      const far = await vc.beacon.submitPoolSyncCommitteeSignatures({
        signatures: [
          {slot: slot + 8, beaconBlockRoot: otherRoot, validatorIndex: 0, signature: sign(shareSecrets[0], farMsg)},
        ],
      });
      expect(far.status).to.equal(400);
      const headRoot = await vc.beacon.getBlockRoot({blockId: "head"});
      expect(headRoot.value().root).to.deep.equal((await bn.beacon.getBlockRoot({blockId: "head"})).value().root);
      void otherMsg;

      // The contribution: the decided one (whatever root the VC names), then a partial over it.
      const contribution = {
        ...ssz.altair.SyncCommitteeContribution.defaultValue(),
        slot,
        beaconBlockRoot: decidedRoot,
        subcommitteeIndex,
        aggregationBits: BitArray.fromBoolArray(Array.from({length: SYNC_SUBCOMMITTEE_SIZE}, (_, i) => i === 0)),
      };
      const proof = {aggregatorIndex: 0, contribution, selectionProof: combinedProof};
      const cMsg: SignableMessage = {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: proof};
      const asked = vc.validator.produceSyncCommitteeContribution({
        slot,
        subcommitteeIndex,
        beaconBlockRoot: decidedRoot,
      });
      const cSigning = signer.sign(shareKeys[0], cMsg);
      const got = (await asked).value();
      expect(ssz.altair.SyncCommitteeContribution.equals(got, contribution)).to.equal(true);
      const asOther = await vc.validator.produceSyncCommitteeContribution({
        slot,
        subcommitteeIndex,
        beaconBlockRoot: otherRoot,
      });
      expect(ssz.altair.SyncCommitteeContribution.equals(asOther.value(), contribution)).to.equal(true);
      const publish = (m: typeof proof, signature: Uint8Array) =>
        vc.validator.publishContributionAndProofs({contributionAndProofs: [{message: m, signature}]});
      expect((await publish(proof, sign(shareSecrets[1], cMsg))).status).to.equal(400);
      const otherProof = {...proof, contribution: {...contribution, signature: new Uint8Array(96).fill(1)}};
      const otherCMsg: SignableMessage = {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: otherProof};
      expect((await publish(otherProof, sign(shareSecrets[0], otherCMsg))).status).to.equal(400);
      const cGood = sign(shareSecrets[0], cMsg);
      expect((await publish(proof, cGood)).status).to.equal(200);
      expect(await cSigning).to.deep.equal(cGood);
    });

    it("builder registrations: a verified partial (naming the validator or the key share) is answered by sending the lock's registration to the BN; a bad one is refused (400); none is exchanged", async () => {
      const message = {
        feeRecipient: new Uint8Array(20).fill(0xfe),
        gasLimit: 30_000_000,
        timestamp: beacon.chain.genesisTime + 7,
        pubkey: validatorKeys[0],
      };
      const msg: SignableMessage = {type: "VALIDATOR_REGISTRATION", data: message};
      const register = (m: typeof message, signature: Uint8Array) =>
        vc.validator.registerValidator({registrations: [{message: m, signature}]});
      const accepted = () => beacon.chain.operations.acceptedRegistrations();
      published.length = 0;
      // This node's share of the other validator: refused, nothing sent.
      expect((await register(message, sign(shareSecrets[1], msg))).status).to.equal(400);
      const unknown = {...message, pubkey: new Uint8Array(48).fill(0xaa)};
      expect((await register(unknown, sign(shareSecrets[0], msg))).status).to.equal(400);
      expect(accepted().size).to.equal(0);
      // What Lodestar's --distributed VC signs: its key share's registration, with its own fee recipient.
      const ofShare = {...message, pubkey: shareKeys[0]};
      const shareSig = sign(shareSecrets[0], {type: "VALIDATOR_REGISTRATION", data: ofShare});
      expect((await register(ofShare, shareSig)).status).to.equal(200);
      const sent = accepted().get(0);
      expect(sent, "the lock's registration reached the BN (which verified the validator's signature)").to.not.equal(
        undefined,
      );
      expect(toHex(sent?.message.feeRecipient ?? new Uint8Array())).to.equal(LOCK_FEE);
      expect(sent?.message.timestamp).to.equal(beacon.chain.genesisTime);
      // One naming the validator key: the same.
      expect((await register(message, sign(shareSecrets[0], msg))).status).to.equal(200);
      expect(toHex(accepted().get(0)?.message.feeRecipient ?? new Uint8Array())).to.equal(LOCK_FEE);
      // Validator 1: the lock has no registration of it (a v1 lock): 200, nothing sent.
      const msg1: SignableMessage = {type: "VALIDATOR_REGISTRATION", data: {...message, pubkey: validatorKeys[1]}};
      const reg1 = {...message, pubkey: validatorKeys[1]};
      expect((await register(reg1, sign(shareSecrets[0], msg1))).status).to.equal(400);
      expect((await register(reg1, sign(shareSecrets[1], msg1))).status).to.equal(200);
      expect([...accepted().keys()]).to.deep.equal([0]);
      expect(published, "registrations are no longer exchanged").to.deep.equal([]);
    });

    it("prepare_beacon_proposer goes through cohort with the lock's fee recipient (other indices unchanged); liveness to the BN with the validators' indices", async () => {
      const asked = `0x${"ab".repeat(20)}`;
      const prepared = await vc.validator.prepareBeaconProposer({
        proposers: [
          {validatorIndex: 0, feeRecipient: asked},
          {validatorIndex: 1, feeRecipient: asked},
        ],
      });
      expect(prepared.status).to.equal(200);
      expect(toHex(beacon.chain.feeRecipientOf(0) ?? new Uint8Array())).to.equal(LOCK_FEE);
      expect(toHex(beacon.chain.feeRecipientOf(1) ?? new Uint8Array()), "no lock fee recipient: the VC's").to.equal(
        asked,
      );
      const epoch = beacon.chain.currentEpoch();
      const viaCohort = await vc.validator.getLiveness({epoch, indices: [0, 1]});
      const direct = await bn.validator.getLiveness({epoch, indices: [0, 1]});
      expect(viaCohort.status).to.equal(200);
      expect(viaCohort.value()).to.deep.equal(direct.value());
      expect(viaCohort.value().map((l) => l.index)).to.deep.equal([0, 1]);
    });

    it("everything else is proxied to the BN unchanged, headers included (Eth-Consensus-Version for SSZ blocks)", async () => {
      const genesis = (await vc.beacon.getGenesis()).value();
      expect(genesis.genesisTime).to.equal(beacon.chain.genesisTime);
      const head = await vc.beacon.getBlockV2({blockId: "head"});
      expect(head.status).to.equal(200);
      expect(head.meta().version).to.equal("fulu");
      const spec = (await vc.config.getSpec()).value();
      expect(spec.SECONDS_PER_SLOT).to.equal(String(SECONDS_PER_SLOT));
      const missing = await vc.beacon.getBlockV2({blockId: `0x${"ab".repeat(32)}`});
      expect(missing.status).to.equal(404);
    });
  });
}

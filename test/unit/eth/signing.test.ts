import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  ForkName,
} from "@lodestar/params";
import {
  getAttestationDataSigningRoot,
  getBlockHeaderProposerSignatureSetByHeaderSlot,
  getBlockProposerSignatureSet,
  getRandaoRevealSignatureSet,
  getValidatorVoluntaryExitSignatureSet,
  computeDomain as stComputeDomain,
  computeSigningRoot as stComputeSigningRoot,
} from "@lodestar/state-transition";
import {ssz, sszTypesFor} from "@lodestar/types";
import {expect} from "chai";
import {
  blockToSignable,
  computeMessageSigningRoot,
  computeStartSlotAtEpoch,
  forkInfoForMessage,
  SIGNABLE_MESSAGE_TYPES,
  type SignableMessage,
  signingRootOnNetwork,
} from "../../../src/eth/signing.js";
import {toHex} from "../../../src/util/hex.js";
import {FORK_EPOCHS, sampleMessages, slotInFork, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "./sampleMessages.js";

const config = testConfig();
const SIG = new Uint8Array(96);

/** The signing root as Lodestar's state transition / validator compute it, independently of src/eth. */
function expectedRoot(msg: SignableMessage, stateSlot: number): Uint8Array {
  switch (msg.type) {
    case "ATTESTATION":
      return getAttestationDataSigningRoot(config, stateSlot, msg.data);
    case "BLOCK_V2":
      if ("block" in msg.data) {
        return getBlockProposerSignatureSet(config, {message: msg.data.block, signature: SIG}).signingRoot;
      }
      return getBlockHeaderProposerSignatureSetByHeaderSlot(config, {message: msg.data.blockHeader, signature: SIG})
        .signingRoot;
    case "RANDAO_REVEAL": {
      const block = config.getForkTypes(stateSlot).BeaconBlock.defaultValue();
      block.slot = computeStartSlotAtEpoch(msg.data.epoch);
      return getRandaoRevealSignatureSet(config, block).signingRoot;
    }
    case "AGGREGATION_SLOT":
      return stComputeSigningRoot(ssz.Slot, msg.data.slot, config.getDomain(msg.data.slot, DOMAIN_SELECTION_PROOF));
    case "AGGREGATE_AND_PROOF":
      return stComputeSigningRoot(
        ssz.phase0.AggregateAndProof,
        msg.data,
        config.getDomain(msg.data.aggregate.data.slot, DOMAIN_AGGREGATE_AND_PROOF),
      );
    case "AGGREGATE_AND_PROOF_V2": {
      const slot = msg.data.aggregateAndProof.aggregate.data.slot;
      return stComputeSigningRoot(
        config.getForkTypes(slot).AggregateAndProof,
        msg.data.aggregateAndProof,
        config.getDomain(slot, DOMAIN_AGGREGATE_AND_PROOF),
      );
    }
    case "SYNC_COMMITTEE_MESSAGE":
      return stComputeSigningRoot(
        ssz.Root,
        msg.data.beaconBlockRoot,
        config.getDomain(msg.data.slot, DOMAIN_SYNC_COMMITTEE),
      );
    case "SYNC_COMMITTEE_SELECTION_PROOF":
      return stComputeSigningRoot(
        ssz.altair.SyncAggregatorSelectionData,
        msg.data,
        config.getDomain(msg.data.slot, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF),
      );
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF":
      return stComputeSigningRoot(
        ssz.altair.ContributionAndProof,
        msg.data,
        config.getDomain(msg.data.contribution.slot, DOMAIN_CONTRIBUTION_AND_PROOF),
      );
    case "VOLUNTARY_EXIT":
      return getValidatorVoluntaryExitSignatureSet(config, stateSlot, {message: msg.data, signature: SIG}).signingRoot;
    case "VALIDATOR_REGISTRATION":
      return stComputeSigningRoot(
        ssz.bellatrix.ValidatorRegistrationV1,
        msg.data,
        stComputeDomain(DOMAIN_APPLICATION_BUILDER, config.GENESIS_FORK_VERSION, new Uint8Array(32)),
      );
  }
}

describe("eth/signing", () => {
  const forks = [ForkName.phase0, ForkName.altair, ForkName.bellatrix, ForkName.capella, ForkName.deneb];
  const laterForks = [ForkName.electra, ForkName.fulu, ForkName.gloas];
  for (const fork of [...forks, ...laterForks]) {
    it(`matches @lodestar/state-transition for every message type at ${fork}`, () => {
      const msgs = sampleMessages(config, fork);
      for (const msg of msgs) {
        expect(toHex(signingRootOnNetwork(config, msg)), `${msg.type} at ${fork}`).to.equal(
          toHex(expectedRoot(msg, slotInFork(fork))),
        );
      }
    });
  }

  it("covers every message type at two forks or more", () => {
    const seen = new Map<string, number>();
    for (const fork of [ForkName.phase0, ForkName.altair, ForkName.electra, ForkName.fulu]) {
      for (const msg of sampleMessages(config, fork)) seen.set(msg.type, (seen.get(msg.type) ?? 0) + 1);
    }
    for (const type of SIGNABLE_MESSAGE_TYPES) expect(seen.get(type) ?? 0, type).to.be.gte(2);
  });

  it("signs a full block and a blinded block of the same body to the state transition's root", () => {
    for (const fork of [ForkName.bellatrix, ForkName.electra]) {
      const slot = slotInFork(fork);
      const block = config.getForkTypes(slot).BeaconBlock.defaultValue();
      block.slot = slot;
      block.proposerIndex = 3;
      block.body.graffiti = new Uint8Array(32).fill(9);
      const expected = getBlockProposerSignatureSet(config, {message: block, signature: SIG}).signingRoot;
      const full = signingRootOnNetwork(config, {type: "BLOCK_V2", data: blockToSignable(config, block, false)});
      expect(toHex(full)).to.equal(toHex(expected));

      const blinded = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.defaultValue();
      blinded.slot = slot;
      const expectedBlinded = getBlockProposerSignatureSet(config, {message: blinded, signature: SIG}).signingRoot;
      const got = signingRootOnNetwork(config, {type: "BLOCK_V2", data: blockToSignable(config, blinded, true)});
      expect(toHex(got)).to.equal(toHex(expectedBlinded));
    }
  });

  it("signs a voluntary exit from Deneb on with the Capella fork version (EIP-7044)", () => {
    const msg: SignableMessage = {type: "VOLUNTARY_EXIT", data: {epoch: FORK_EPOCHS.electra, validatorIndex: 1}};
    const forkInfo = forkInfoForMessage(config, msg);
    expect(toHex(forkInfo?.currentVersion ?? new Uint8Array())).to.equal(toHex(config.forks.capella.version));
    const capellaRoot = stComputeSigningRoot(
      ssz.phase0.VoluntaryExit,
      msg.data,
      stComputeDomain(DOMAIN_VOLUNTARY_EXIT, config.forks.capella.version, TEST_GENESIS_VALIDATORS_ROOT),
    );
    expect(toHex(signingRootOnNetwork(config, msg))).to.equal(toHex(capellaRoot));
    // Before Deneb the exit's own fork applies.
    const early: SignableMessage = {type: "VOLUNTARY_EXIT", data: {epoch: FORK_EPOCHS.altair, validatorIndex: 1}};
    expect(toHex(forkInfoForMessage(config, early)?.currentVersion ?? new Uint8Array())).to.equal(
      toHex(config.forks.altair.version),
    );
  });

  it("signs an exit dated before Deneb, on a chain past Deneb, with the Capella version (EIP-7044: the chain's fork decides)", () => {
    // Exits stay valid forever; an old-dated one is checked on today's state, where Deneb's rule applies.
    for (const exitFork of [ForkName.phase0, ForkName.altair, ForkName.bellatrix, ForkName.capella]) {
      const msg: SignableMessage = {
        type: "VOLUNTARY_EXIT",
        data: {epoch: exitFork === ForkName.phase0 ? 0 : FORK_EPOCHS[exitFork], validatorIndex: 4},
      };
      for (const chainFork of [ForkName.deneb, ForkName.electra, ForkName.fulu]) {
        const stateSlot = slotInFork(chainFork);
        const expected = getValidatorVoluntaryExitSignatureSet(config, stateSlot, {message: msg.data, signature: SIG});
        const where = `exit dated ${exitFork}, chain at ${chainFork}`;
        expect(toHex(signingRootOnNetwork(config, msg, stateSlot)), where).to.equal(toHex(expected.signingRoot));
        // The fork_info a Web3Signer gets makes get_domain pick Capella: current_version, epoch not after the exit's.
        const info = forkInfoForMessage(config, msg, stateSlot);
        expect(toHex(info?.currentVersion ?? new Uint8Array()), where).to.equal(toHex(config.forks.capella.version));
        expect(info?.epoch, where).to.be.lte(msg.data.epoch);
      }
      // Before Deneb the chain checks it with the fork of its epoch (its own fork, or the previous one).
      const before = slotInFork(ForkName.capella);
      if (msg.data.epoch >= FORK_EPOCHS.bellatrix) {
        const expected = getValidatorVoluntaryExitSignatureSet(config, before, {message: msg.data, signature: SIG});
        expect(toHex(signingRootOnNetwork(config, msg, before)), `exit dated ${exitFork}, chain at capella`).to.equal(
          toHex(expected.signingRoot),
        );
      }
    }
  });

  it("uses the previous fork version for a message dated before fork_info's epoch", () => {
    const data = ssz.phase0.AttestationData.defaultValue();
    data.target.epoch = FORK_EPOCHS.deneb - 1;
    const msg: SignableMessage = {type: "ATTESTATION", data};
    const forkInfo = {
      previousVersion: config.forks.capella.version,
      currentVersion: config.forks.deneb.version,
      epoch: FORK_EPOCHS.deneb,
      genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT,
    };
    const expected = stComputeSigningRoot(
      ssz.phase0.AttestationData,
      data,
      config.getDomain(slotInFork(ForkName.deneb), DOMAIN_BEACON_ATTESTER, computeStartSlotAtEpoch(data.target.epoch)),
    );
    expect(toHex(computeMessageSigningRoot(msg, forkInfo, null))).to.equal(toHex(expected));
  });

  it("refuses a fork-bound message without fork_info and a registration without the genesis fork version", () => {
    const [attestation] = sampleMessages(config, ForkName.altair);
    expect(() => computeMessageSigningRoot(attestation, null, null)).to.throw(/fork_info is required/);
    const registration = sampleMessages(config, ForkName.altair).find((m) => m.type === "VALIDATOR_REGISTRATION");
    expect(() => computeMessageSigningRoot(registration as SignableMessage, null, null)).to.throw(
      /genesis fork version/,
    );
  });

  it("refuses a full block after Bellatrix (only the header is signed there)", () => {
    const block = sszTypesFor(ForkName.altair).BeaconBlock.defaultValue();
    const msg = {type: "BLOCK_V2", data: {version: ForkName.deneb, block}} as unknown as SignableMessage;
    expect(() => signingRootOnNetwork(config, msg)).to.throw(/before Bellatrix/);
  });
});

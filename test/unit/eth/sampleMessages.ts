/** Test fixtures shared by the eth tests: a network with every fork scheduled, and one message of each type. */
import {type BeaconConfig, createBeaconConfig} from "@lodestar/config";
import {mainnetChainConfig} from "@lodestar/config/networks";
import {ForkName, ForkSeq} from "@lodestar/params";
import {ssz, sszTypesFor} from "@lodestar/types";
import {blockToSignable, computeStartSlotAtEpoch, type SignableMessage} from "../../../src/eth/signing.js";

export const TEST_GENESIS_VALIDATORS_ROOT = new Uint8Array(32).fill(0x5a);

/** phase0 at 0, then one fork per epoch: altair 1 … fulu 6, gloas 7. */
export const FORK_EPOCHS: Record<string, number> = {
  altair: 1,
  bellatrix: 2,
  capella: 3,
  deneb: 4,
  electra: 5,
  fulu: 6,
  gloas: 7,
};

export function testConfig(): BeaconConfig {
  return createBeaconConfig(
    {
      ...mainnetChainConfig,
      ALTAIR_FORK_EPOCH: FORK_EPOCHS.altair,
      BELLATRIX_FORK_EPOCH: FORK_EPOCHS.bellatrix,
      CAPELLA_FORK_EPOCH: FORK_EPOCHS.capella,
      DENEB_FORK_EPOCH: FORK_EPOCHS.deneb,
      ELECTRA_FORK_EPOCH: FORK_EPOCHS.electra,
      FULU_FORK_EPOCH: FORK_EPOCHS.fulu,
      GLOAS_FORK_EPOCH: FORK_EPOCHS.gloas,
      BLOB_SCHEDULE: [],
    },
    TEST_GENESIS_VALIDATORS_ROOT,
  );
}

function root(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** A slot inside the fork (3rd slot of its first epoch; phase0 uses a later one so epochs stay distinct). */
export function slotInFork(fork: ForkName): number {
  const epoch = fork === ForkName.phase0 ? 0 : FORK_EPOCHS[fork];
  return computeStartSlotAtEpoch(epoch) + 3;
}

/** One message of each type that exists at `fork`, all dated inside it. */
export function sampleMessages(config: BeaconConfig, fork: ForkName): SignableMessage[] {
  const slot = slotInFork(fork);
  const epoch = Math.floor(slot / 32);
  const seq = config.forks[fork].seq;
  const attestationData = ssz.phase0.AttestationData.defaultValue();
  attestationData.slot = slot;
  attestationData.index = seq >= ForkSeq.electra ? 0 : 2;
  attestationData.beaconBlockRoot = root(1);
  attestationData.source = {epoch: Math.max(0, epoch - 1), root: root(2)};
  attestationData.target = {epoch, root: root(3)};

  const block = config.getForkTypes(slot).BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 7;
  block.parentRoot = root(4);

  const msgs: SignableMessage[] = [
    {type: "ATTESTATION", data: attestationData},
    {type: "BLOCK_V2", data: blockToSignable(config, block, false)},
    {type: "RANDAO_REVEAL", data: {epoch}},
    {type: "AGGREGATION_SLOT", data: {slot}},
    {type: "VOLUNTARY_EXIT", data: {epoch, validatorIndex: 9}},
    {
      type: "VALIDATOR_REGISTRATION",
      data: {
        feeRecipient: new Uint8Array(20).fill(0xee),
        gasLimit: 30_000_000,
        timestamp: 1_700_000_000,
        pubkey: new Uint8Array(48).fill(0xa1),
      },
    },
  ];

  const aggregate = sszTypesFor(fork).Attestation.defaultValue();
  aggregate.data = attestationData;
  const aggregateAndProof = {aggregatorIndex: 11, aggregate, selectionProof: new Uint8Array(96).fill(0xb2)};
  if (seq < ForkSeq.electra) {
    msgs.push({type: "AGGREGATE_AND_PROOF", data: aggregateAndProof as never});
  }
  msgs.push({type: "AGGREGATE_AND_PROOF_V2", data: {version: fork, aggregateAndProof}});

  if (seq >= ForkSeq.altair) {
    msgs.push(
      {type: "SYNC_COMMITTEE_MESSAGE", data: {beaconBlockRoot: root(5), slot}},
      {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: {slot, subcommitteeIndex: 2}},
    );
    const contribution = ssz.altair.SyncCommitteeContribution.defaultValue();
    contribution.slot = slot;
    contribution.beaconBlockRoot = root(6);
    contribution.subcommitteeIndex = 1;
    msgs.push({
      type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
      data: {aggregatorIndex: 12, contribution, selectionProof: new Uint8Array(96).fill(0xc3)},
    });
  }
  if (seq >= ForkSeq.bellatrix && seq < ForkSeq.gloas) {
    const blinded = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.defaultValue();
    blinded.slot = slot;
    blinded.proposerIndex = 8;
    msgs.push({type: "BLOCK_V2", data: blockToSignable(config, blinded, true)});
  }
  return msgs;
}

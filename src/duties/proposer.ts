import type {BeaconConfig} from "@lodestar/config";
import {ForkSeq} from "@lodestar/params";
import type {SignedBeaconBlock, SignedBlindedBeaconBlock, SignedBlockContents} from "@lodestar/types";
import type {ProducedBlock} from "../eth/beaconNode.js";
import {blockToSignable, signingRootOnNetwork} from "../eth/signing.js";
import {SlashingProtectionError} from "../slashing/index.js";
import {bytesEqual, toHex} from "../util/hex.js";
import type {DutyModules} from "./attester.js";
import type {ValidatorSettings} from "./interfaces.js";
import type {DutyMetrics} from "./metrics.js";
import {type DutyOutcome, failureReason} from "./outcome.js";
import {decodeProposerValue, encodeProposerValue, type ProposedBlock} from "./proposerValue.js";
import type {ProposerDuty} from "./scheduler.js";

/** QBFT / share-exchange duty types (wire constants of src/consensus). */
export const PROPOSER_DUTY_TYPE = 0;
export const RANDAO_DUTY_TYPE = 5;

export interface ProposerBeaconNode {
  produceBlockV3(slot: number, randaoReveal: Uint8Array, opts?: {graffiti?: string}): Promise<ProducedBlock>;
  /** Resolve when the BN took the block (accepted, or it already had it: `SubmitResult`); throw on a refusal. */
  publishBlock(contents: SignedBlockContents): Promise<unknown>;
  publishBlindedBlock(block: SignedBlindedBeaconBlock): Promise<unknown>;
}

export interface ProposerDutyModules extends DutyModules {
  beaconNode: ProposerBeaconNode;
  graffiti?: string;
  /** The lock's fee recipient of each validator: a locally built block paying anyone else is not decided. */
  settings?: ValidatorSettings;
  /** Counts the proposals the predicate refused, by reason. */
  metrics?: Pick<DutyMetrics, "proposalsRefused">;
}

/**
 * One block proposal (safety rule 7): the RANDAO reveal share is signed at once and combined; only then
 * does block consensus start, on a block whose reveal must equal the combined one. The decided block is
 * recorded durably in the slashing DB before its share is signed, then shares are exchanged, combined,
 * verified and the block published (full contents with blobs, or blinded).
 */
export async function runProposerDuty(slot: number, duty: ProposerDuty, m: ProposerDutyModules): Promise<void> {
  const triggerMs = m.slotClock.clock.now();
  const validator = toHex(duty.pubkey);
  // Charon's budget: a proposal is worth nothing a third of a slot after the slot ends.
  const deadlineMs = m.slotClock.timeInSlot(slot + 1, 1 / 3);
  const fail = (reason: Extract<DutyOutcome, {status: "failed"}>["reason"], detail: string) =>
    m.onOutcome({status: "failed", type: "proposer", slot, validator, reason, detail});
  const shareKey = m.shareKeys.get(validator);
  if (!shareKey) return fail("signer_refused", "no key share of this validator in the cluster lock");
  // The timeline of a proposal at debug level: where its time goes (docs/interop.md).
  const step = (name: string) =>
    m.logger.debug("proposal step", {
      slot,
      step: name,
      msInSlot: m.slotClock.clock.now() - m.slotClock.timeInSlot(slot),
    });

  // 1. RANDAO reveal: sign the share, exchange, combine.
  const epoch = m.slotClock.epochOf(slot);
  const randaoMsg = {type: "RANDAO_REVEAL" as const, data: {epoch}};
  const randaoRef = {slot, dutyType: RANDAO_DUTY_TYPE};
  let reveal: Uint8Array;
  try {
    const share = await m.signer.sign(shareKey, randaoMsg);
    step("randao share signed");
    m.shares.publish(
      randaoRef,
      [{validator, signingRoot: signingRootOnNetwork(m.config, randaoMsg), signature: share}],
      deadlineMs,
    );
  } catch (e) {
    return fail(failureReason(e, "signer_refused"), `RANDAO: ${(e as Error).message}`);
  }
  try {
    reveal = await m.shares.awaitCombined(randaoRef, validator, deadlineMs);
  } catch (e) {
    return fail(failureReason(e, "combine_expired"), `RANDAO: ${(e as Error).message}`);
  }
  step("randao combined");

  // 2. Consensus on the block.
  let decided: {value: Uint8Array; round: number};
  try {
    decided = await m.consensus.decide(slot, PROPOSER_DUTY_TYPE, {
      startMs: triggerMs,
      deadlineMs,
      propose: async () => {
        step("asking the BN for the block");
        const produced = await m.beaconNode.produceBlockV3(slot, reveal, {graffiti: m.graffiti});
        step("the BN's block");
        const proposed: ProposedBlock = produced.blinded
          ? {blinded: true, block: produced.block}
          : {blinded: false, block: produced.contents.block ?? produced.contents, contents: produced.contents};
        return encodeProposerValue(m.config, slot, normalise(m.config, slot, proposed));
      },
      isValid: (value) => isValidBlockValue(value, slot, duty, reveal, m),
      proposeLazily: true,
    });
  } catch (e) {
    return fail(failureReason(e, "consensus_timeout"), (e as Error).message);
  }
  const decideMs = m.slotClock.clock.now() - triggerMs;
  step(`decided in round ${decided.round}`);
  const proposed = decodeProposerValue(m.config, slot, decided.value) as ProposedBlock;
  const signable = blockToSignable(m.config, proposed.block, proposed.blinded);
  const blockMsg = {type: "BLOCK_V2" as const, data: signable};
  const signingRoot = signingRootOnNetwork(m.config, blockMsg);

  // 3. Durable slashing record before signing (safety rule 3).
  try {
    m.slashing.checkAndInsertBlock(duty.pubkey, {slot, signingRoot});
  } catch (e) {
    return fail("slashing_refused", e instanceof SlashingProtectionError ? e.message : String(e));
  }

  // 4. Sign the block share, exchange, combine, publish.
  const blockRef = {slot, dutyType: PROPOSER_DUTY_TYPE};
  try {
    step("recorded in the slashing DB");
    const share = await m.signer.sign(shareKey, blockMsg);
    step("block share signed");
    m.shares.publish(blockRef, [{validator, signingRoot, signature: share}], deadlineMs);
  } catch (e) {
    return fail(failureReason(e, "signer_refused"), (e as Error).message);
  }
  let signature: Uint8Array;
  try {
    signature = await m.shares.awaitCombined(blockRef, validator, deadlineMs);
  } catch (e) {
    return fail(failureReason(e, "combine_expired"), (e as Error).message);
  }
  step("block signature combined");
  try {
    await publish(m, slot, proposed, signature);
  } catch (e) {
    return fail("bn_rejected", (e as Error).message);
  }
  m.onOutcome({
    status: "submitted",
    type: "proposer",
    slot,
    validator,
    latencyMs: m.slotClock.clock.now() - triggerMs,
    consensusRound: decided.round,
    decideMs,
  });
}

/**
 * The block validity predicate (safety rule 1). A locally built block (full execution payload) must pay
 * the lock's fee recipient of the proposer: a leader whose BN pays someone else (its default fee recipient,
 * or a tampered one) gets no vote. A blinded block's payload header names the BUILDER's fee recipient (the
 * builder pays the proposer by a transaction inside a payload the cluster never sees), so it is not
 * compared: what binds the builder to the lock's fee recipient is the lock's signed registration the
 * relay holds, and the relay's check of the payment (docs/validator-api.md, "Fee recipients").
 */
export function isValidBlockValue(
  value: Uint8Array,
  slot: number,
  duty: ProposerDuty,
  reveal: Uint8Array,
  m: Pick<ProposerDutyModules, "config" | "slashing" | "logger" | "settings" | "metrics">,
): boolean {
  const refuse = (reason: string, ctx: Record<string, unknown> = {}): false => {
    m.metrics?.proposalsRefused.inc({reason});
    m.logger.warn(`block proposal refused: ${reason.replaceAll("_", " ")}`, {slot, ...ctx});
    return false;
  };
  const proposed = decodeProposerValue(m.config, slot, value);
  if (proposed === null) return refuse("malformed");
  const {block} = proposed;
  if (block.slot !== slot || block.proposerIndex !== duty.validatorIndex) {
    return refuse("other_duty", {blockSlot: block.slot, proposerIndex: block.proposerIndex});
  }
  if (!bytesEqual(block.body.randaoReveal, reveal)) return refuse("other_randao_reveal");
  const feeRecipient = m.settings?.feeRecipientOf(toHex(duty.pubkey));
  if (feeRecipient !== undefined && !proposed.blinded && "executionPayload" in block.body) {
    const paid = toHex((block.body as {executionPayload: {feeRecipient: Uint8Array}}).executionPayload.feeRecipient);
    if (paid !== feeRecipient.toLowerCase()) {
      return refuse("wrong_fee_recipient", {feeRecipient: paid, lockFeeRecipient: feeRecipient});
    }
  }
  const signingRoot = signingRootOnNetwork(m.config, {
    type: "BLOCK_V2",
    data: blockToSignable(m.config, block, proposed.blinded),
  });
  const refusal = m.slashing.isSlashableBlock(duty.pubkey, {slot, signingRoot});
  if (refusal) return refuse("slashable", refusal.getMetadata());
  return true;
}

function normalise(config: BeaconConfig, slot: number, proposed: ProposedBlock): ProposedBlock {
  // Before Deneb the BN returns the bare block, which is its own "contents".
  if (!proposed.blinded && config.getForkSeq(slot) < ForkSeq.deneb) {
    return {blinded: false, block: proposed.block, contents: null};
  }
  return proposed;
}

async function publish(
  m: ProposerDutyModules,
  slot: number,
  proposed: ProposedBlock,
  signature: Uint8Array,
): Promise<void> {
  if (proposed.blinded) {
    await m.beaconNode.publishBlindedBlock({message: proposed.block, signature} as SignedBlindedBeaconBlock);
    return;
  }
  const signedBlock = {message: proposed.block, signature} as SignedBeaconBlock;
  if (m.config.getForkSeq(slot) >= ForkSeq.deneb && proposed.contents) {
    const {kzgProofs, blobs} = proposed.contents as {kzgProofs: Uint8Array[]; blobs: Uint8Array[]};
    await m.beaconNode.publishBlock({signedBlock, kzgProofs, blobs} as SignedBlockContents);
  } else {
    // Before Deneb the "contents" of a block are the signed block itself.
    await m.beaconNode.publishBlock(signedBlock as unknown as SignedBlockContents);
  }
}

import type {ClusterLock} from "../cluster/lock.js";
import {toHex} from "../util/hex.js";
import type {SimulatedBeaconNode} from "./beacon/index.js";

/**
 * What the chain shows of the lock's per-validator settings (issue #17): the cluster's blocks pay the
 * lock's fee recipients, and every validator's builder registration reached the BN exactly as the lock
 * signed it. Read from the chain (its blocks' execution payloads, the registrations it verified and kept),
 * never from the nodes' own counters.
 */
export interface LockSettingsCheck {
  /** The cluster's blocks on the chain in the range; those whose payload pays the lock's fee recipient. */
  feeRecipients: {proposals: number; payingLock: number; wrong: string[]};
  /** The cluster's validators; those whose registration the BN holds as the lock has it (message and signature). */
  registrations: {validators: number; fromLock: number; missing: string[]};
  pass: boolean;
}

/** A registration as the check compares it (0x-hex, lowercase). */
export interface RegistrationView {
  feeRecipient: string;
  gasLimit: number;
  timestamp: number;
  pubkey: string;
  signature: string;
}

export interface LockCheckInput {
  /** The cluster's validators: chain index (undefined: not on the chain), lock fee recipient and registration. */
  validators: {index: number | undefined; publicKey: string; feeRecipient: string; registration: RegistrationView}[];
  /** The canonical blocks of the range (fillers excluded): proposer and the payload's fee recipient. */
  blocks: {slot: number; proposerIndex: number; feeRecipient: string}[];
  /** The registration the BN keeps per validator index. */
  registrations: Map<number, RegistrationView>;
}

export function checkLockSettings(input: LockCheckInput): LockSettingsCheck {
  const byIndex = new Map(input.validators.flatMap((v) => (v.index === undefined ? [] : [[v.index, v] as const])));
  const fee = {proposals: 0, payingLock: 0, wrong: [] as string[]};
  for (const b of input.blocks) {
    const v = byIndex.get(b.proposerIndex);
    if (v === undefined) continue;
    fee.proposals++;
    if (b.feeRecipient.toLowerCase() === v.feeRecipient.toLowerCase()) fee.payingLock++;
    else fee.wrong.push(`slot ${b.slot}: v${b.proposerIndex} paid ${b.feeRecipient}, the lock says ${v.feeRecipient}`);
  }
  const reg = {validators: input.validators.length, fromLock: 0, missing: [] as string[]};
  for (const v of input.validators) {
    const held = v.index === undefined ? undefined : input.registrations.get(v.index);
    const same = held !== undefined && sameRegistration(held, v.registration);
    if (same) reg.fromLock++;
    else reg.missing.push(`${v.publicKey.slice(0, 10)}…: ${held === undefined ? "none" : "not the lock's"}`);
  }
  return {feeRecipients: fee, registrations: reg, pass: fee.wrong.length === 0 && reg.missing.length === 0};
}

function sameRegistration(a: RegistrationView, b: RegistrationView): boolean {
  return (
    a.feeRecipient.toLowerCase() === b.feeRecipient.toLowerCase() &&
    a.gasLimit === b.gasLimit &&
    a.timestamp === b.timestamp &&
    a.pubkey.toLowerCase() === b.pubkey.toLowerCase() &&
    a.signature.toLowerCase() === b.signature.toLowerCase()
  );
}

/** The check over slots `range` of the simulated chain, for the cluster of `lock`. */
export function lockSettingsOnChain(
  chain: SimulatedBeaconNode["chain"],
  lock: ClusterLock,
  range: {from: number; to: number},
): LockSettingsCheck {
  const blocks: LockCheckInput["blocks"] = [];
  for (let slot = Math.max(1, range.from); slot <= range.to; slot++) {
    const block = chain.tree.canonicalAt(slot);
    if (block === undefined || block.filler) continue;
    const feeRecipient = toHex(block.message.body.executionPayload.feeRecipient);
    blocks.push({slot, proposerIndex: block.message.proposerIndex, feeRecipient});
  }
  const registrations = new Map<number, RegistrationView>();
  for (const [index, r] of chain.operations.acceptedRegistrations()) {
    registrations.set(index, {
      feeRecipient: toHex(r.message.feeRecipient),
      gasLimit: r.message.gasLimit,
      timestamp: r.message.timestamp,
      pubkey: toHex(r.message.pubkey),
      signature: toHex(r.signature),
    });
  }
  return checkLockSettings({
    validators: lock.validators.map((v) => ({
      index: chain.validators.resolve(v.publicKey),
      publicKey: v.publicKey,
      feeRecipient: v.feeRecipient,
      registration: {...v.builderRegistration.message, signature: v.builderRegistration.signature},
    })),
    blocks,
    registrations,
  });
}

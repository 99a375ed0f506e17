import {type PublicKey, Signature, verify} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import {DOMAIN_BEACON_ATTESTER, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type DomainType, type electra, type phase0, ssz} from "@lodestar/types";

/** Signing roots exactly as the consensus specs define them, domains from the chain's fork schedule. */
export class SigningRoots {
  constructor(private readonly config: BeaconConfig) {}

  attestation(data: phase0.AttestationData): Uint8Array {
    const targetStartSlot = data.target.epoch * SLOTS_PER_EPOCH;
    return this.root(ssz.phase0.AttestationData.hashTreeRoot(data), data.slot, DOMAIN_BEACON_ATTESTER, targetStartSlot);
  }

  block(block: electra.BeaconBlock): Uint8Array {
    return this.root(ssz.electra.BeaconBlock.hashTreeRoot(block), block.slot, DOMAIN_BEACON_PROPOSER, block.slot);
  }

  /** The RANDAO reveal signs the epoch of the block's slot. */
  randao(slot: number): Uint8Array {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    return this.root(ssz.Epoch.hashTreeRoot(epoch), slot, DOMAIN_RANDAO, slot);
  }

  private root(objectRoot: Uint8Array, stateSlot: number, domainType: DomainType, messageSlot: number): Uint8Array {
    const domain = this.config.getDomain(stateSlot, domainType, messageSlot);
    return ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain});
  }
}

/** blst verification of a serialized signature; a malformed or non-subgroup point is simply invalid. */
export function verifySignature(publicKey: PublicKey, signingRoot: Uint8Array, signature: Uint8Array): boolean {
  let sig: Signature;
  try {
    sig = Signature.fromBytes(signature, true);
  } catch {
    return false;
  }
  return verify(signingRoot, publicKey, sig);
}

import type {SecretKey} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import {DOMAIN_BEACON_PROPOSER, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type electra, type phase0, ssz} from "@lodestar/types";
import {SigningRoots} from "../../../../src/devnet/beacon/signing.js";
import {interopSecretKey} from "../../../../src/devnet/beacon/validators.js";

/** Signs as the interop validators would (test helper, holds the whole keys). */
export class InteropSigner {
  private readonly roots: SigningRoots;
  private readonly keys = new Map<number, SecretKey>();

  constructor(private readonly config: BeaconConfig) {
    this.roots = new SigningRoots(config);
  }

  key(index: number): SecretKey {
    let sk = this.keys.get(index);
    if (sk === undefined) {
      sk = interopSecretKey(index);
      this.keys.set(index, sk);
    }
    return sk;
  }

  attestation(index: number, data: phase0.AttestationData): Uint8Array {
    return this.key(index).sign(this.roots.attestation(data)).toBytes();
  }

  /** A correct key over the right object, but with the proposer domain instead of the attester one. */
  attestationWrongDomain(index: number, data: phase0.AttestationData): Uint8Array {
    const domain = this.config.getDomain(data.slot, DOMAIN_BEACON_PROPOSER, data.target.epoch * SLOTS_PER_EPOCH);
    const root = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: ssz.phase0.AttestationData.hashTreeRoot(data),
      domain,
    });
    return this.key(index).sign(root).toBytes();
  }

  block(index: number, block: electra.BeaconBlock): Uint8Array {
    return this.key(index).sign(this.roots.block(block)).toBytes();
  }

  randao(index: number, slot: number): Uint8Array {
    return this.key(index).sign(this.roots.randao(slot)).toBytes();
  }
}

import type {BeaconConfig} from "@lodestar/config";
import {DOMAIN_APPLICATION_BUILDER, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type bellatrix, type phase0, ssz} from "@lodestar/types";
import {toHex} from "../../util/hex.js";
import {SimChainError} from "./errors.js";
import {verifySignature} from "./signing.js";
import type {ValidatorSet} from "./validators.js";

/**
 * Operations a validator signs outside the slot duties: builder registrations (DOMAIN_APPLICATION_BUILDER,
 * the genesis fork version and a zero genesis validators root, as the builder specs define it) and
 * voluntary exits. Each is verified against the validator's key and kept (the latest per validator).
 */
export class SimOperations {
  private readonly registrations = new Map<number, bellatrix.SignedValidatorRegistrationV1>();
  private readonly exits = new Map<number, phase0.SignedVoluntaryExit>();

  constructor(
    private readonly config: BeaconConfig,
    private readonly validators: ValidatorSet,
  ) {}

  /** `register_validator`: keeps the registration if the validator signed it; SimChainError otherwise. */
  registerValidator(signed: bellatrix.SignedValidatorRegistrationV1): void {
    const index = this.validators.resolve(toHex(signed.message.pubkey));
    if (index === undefined) {
      throw new SimChainError({code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: toHex(signed.message.pubkey)});
    }
    // compute_domain(DOMAIN_APPLICATION_BUILDER, GENESIS_FORK_VERSION, zero root) (builder specs): the
    // fork data root's first 28 bytes after the domain type, whatever fork the chain is at.
    const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
      currentVersion: this.config.GENESIS_FORK_VERSION,
      genesisValidatorsRoot: new Uint8Array(32),
    });
    const domain = Uint8Array.from([...DOMAIN_APPLICATION_BUILDER, ...forkDataRoot.subarray(0, 28)]);
    const objectRoot = ssz.bellatrix.ValidatorRegistrationV1.hashTreeRoot(signed.message);
    this.checkSignature(
      index,
      ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain}),
      signed.signature,
      "builder registration",
    );
    this.registrations.set(index, signed);
  }

  /**
   * `pool/voluntary_exits`: keeps the exit if the validator signed it; SimChainError otherwise. `stateSlot`
   * is the chain's current slot: `process_voluntary_exit` picks the domain on today's state.
   */
  submitVoluntaryExit(signed: phase0.SignedVoluntaryExit, stateSlot: number): void {
    const index = signed.message.validatorIndex;
    if (index >= this.validators.size) throw new SimChainError({code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(index)});
    // EIP-7044: on a chain past Deneb an exit is signed with Capella's fork version, whatever its epoch.
    const exitSlot = signed.message.epoch * SLOTS_PER_EPOCH;
    const domain = this.config.getDomainForVoluntaryExit(stateSlot, exitSlot);
    const objectRoot = ssz.phase0.VoluntaryExit.hashTreeRoot(signed.message);
    this.checkSignature(
      index,
      ssz.phase0.SigningData.hashTreeRoot({objectRoot, domain}),
      signed.signature,
      "voluntary exit",
    );
    this.exits.set(index, signed);
  }

  /**
   * SIMCHAIN_INVALID_SIGNATURE unless `signature` is validator `index`'s over `signingRoot` (computed here
   * from the specs and Lodestar's config, not with cohort's own signing code, which the chain checks).
   */
  private checkSignature(index: number, signingRoot: Uint8Array, signature: Uint8Array, what: string): void {
    if (!verifySignature(this.validators.publicKey(index), signingRoot, signature)) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_SIGNATURE", what: `${what} of validator ${index}`},
        `the ${what} of validator ${index} has an invalid signature`,
      );
    }
  }

  /** The latest accepted builder registration of each validator, by index. */
  acceptedRegistrations(): Map<number, bellatrix.SignedValidatorRegistrationV1> {
    return new Map(this.registrations);
  }

  /** The accepted voluntary exit of each validator, by index. */
  acceptedExits(): Map<number, phase0.SignedVoluntaryExit> {
    return new Map(this.exits);
  }
}

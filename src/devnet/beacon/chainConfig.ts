import {
  type ChainConfig,
  type ChainForkConfig,
  chainConfigToJson,
  createChainForkConfig,
  type SpecJson,
  specValuesToJson,
} from "@lodestar/config";
import {
  ACTIVE_PRESET,
  activePreset,
  BLS_WITHDRAWAL_PREFIX,
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_DEPOSIT,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  presetToJson,
} from "@lodestar/params";
import {SimChainError} from "./errors.js";

export const DEFAULT_SECONDS_PER_SLOT = 2;
/** Fulu at genesis: the fork mainnet runs since epoch 411392 (3 December 2025). */
export const DEFAULT_FULU_FORK_EPOCH = 0;
/** The blob limit of the devnet's blob-parameter-only fork one epoch after Fulu (mainnet's BPO1 raised 9 to 15). */
export const DEVNET_BPO_MAX_BLOBS_PER_BLOCK = 15;

export interface SimChainConfigOpts {
  /** Seconds per slot; 2 by default for a fast devnet. */
  secondsPerSlot?: number;
  /**
   * Epoch of the Electra → Fulu fork: 0 (the default) runs Fulu from genesis, N > 0 Electra until epoch N,
   * Infinity Electra only.
   */
  fuluForkEpoch?: number;
  /** Overrides of the chain config (fork epochs, versions, ...), applied last. */
  overrides?: Partial<ChainConfig>;
}

/**
 * The simulated chain's config: every fork up to Electra at epoch 0, Fulu at `fuluForkEpoch`, later forks
 * never, on the preset `@lodestar/params` loaded (mainnet unless the process set LODESTAR_PRESET=minimal
 * before it loaded). The blob schedule (EIP-7892) keeps Electra's limit at the Fulu fork and raises it to
 * DEVNET_BPO_MAX_BLOBS_PER_BLOCK one epoch later, as mainnet's first BPO fork did.
 */
export function createSimChainConfig(opts: SimChainConfigOpts = {}): ChainForkConfig {
  const secondsPerSlot = opts.secondsPerSlot ?? DEFAULT_SECONDS_PER_SLOT;
  if (!Number.isInteger(secondsPerSlot) || secondsPerSlot < 1 || secondsPerSlot > 60) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "secondsPerSlot"},
      `seconds per slot must be a whole number from 1 to 60, got ${secondsPerSlot}`,
    );
  }
  const fuluForkEpoch = opts.fuluForkEpoch ?? DEFAULT_FULU_FORK_EPOCH;
  if (fuluForkEpoch !== Number.POSITIVE_INFINITY && !(Number.isInteger(fuluForkEpoch) && fuluForkEpoch >= 0)) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "fuluForkEpoch"},
      `the Fulu fork epoch must be a whole number ≥ 0 (or Infinity: never), got ${fuluForkEpoch}`,
    );
  }
  const blobSchedule =
    fuluForkEpoch === Number.POSITIVE_INFINITY
      ? []
      : [{EPOCH: fuluForkEpoch + 1, MAX_BLOBS_PER_BLOCK: DEVNET_BPO_MAX_BLOBS_PER_BLOCK}];
  const config = createChainForkConfig({
    PRESET_BASE: ACTIVE_PRESET,
    CONFIG_NAME: "cohort-devnet",
    ALTAIR_FORK_EPOCH: 0,
    BELLATRIX_FORK_EPOCH: 0,
    CAPELLA_FORK_EPOCH: 0,
    DENEB_FORK_EPOCH: 0,
    ELECTRA_FORK_EPOCH: 0,
    FULU_FORK_EPOCH: fuluForkEpoch,
    BLOB_SCHEDULE: blobSchedule,
    GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
    HEZE_FORK_EPOCH: Number.POSITIVE_INFINITY,
    SECONDS_PER_SLOT: secondsPerSlot,
    SLOT_DURATION_MS: secondsPerSlot * 1000,
    MIN_GENESIS_TIME: 0,
    ...opts.overrides,
  });
  const genesisFork = config.getForkName(0);
  const preFuluAtGenesis = [
    config.ALTAIR_FORK_EPOCH,
    config.BELLATRIX_FORK_EPOCH,
    config.CAPELLA_FORK_EPOCH,
    config.DENEB_FORK_EPOCH,
    config.ELECTRA_FORK_EPOCH,
  ].every((epoch) => epoch === 0);
  if (!preFuluAtGenesis || (genesisFork !== "electra" && genesisFork !== "fulu")) {
    // Block production and attestation checks are written for Electra's containers, which Fulu keeps.
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "overrides"},
      `the simulated chain starts at Electra or Fulu; these fork epochs give ${genesisFork}`,
    );
  }
  if (Number.isFinite(config.GLOAS_FORK_EPOCH)) {
    // Gloas (ePBS) changes the block flow itself: not simulated.
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "overrides"},
      `the simulated chain stops at Fulu; GLOAS_FORK_EPOCH ${config.GLOAS_FORK_EPOCH} is not supported`,
    );
  }
  return config;
}

/** `GET /eth/v1/config/spec`: chain config, preset (with PRESET_BASE) and the domain constants, as a BN serves. */
export function getSpecJson(config: ChainForkConfig): SpecJson {
  const constants = specValuesToJson({
    BLS_WITHDRAWAL_PREFIX: Uint8Array.of(BLS_WITHDRAWAL_PREFIX),
    DOMAIN_BEACON_PROPOSER,
    DOMAIN_BEACON_ATTESTER,
    DOMAIN_RANDAO,
    DOMAIN_DEPOSIT,
    DOMAIN_VOLUNTARY_EXIT,
    DOMAIN_SELECTION_PROOF,
    DOMAIN_AGGREGATE_AND_PROOF,
    DOMAIN_SYNC_COMMITTEE,
    DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
    DOMAIN_CONTRIBUTION_AND_PROOF,
  });
  return {...chainConfigToJson(config), ...presetToJson(activePreset), ...constants};
}

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

export interface SimChainConfigOpts {
  /** Seconds per slot; 2 by default for a fast devnet. */
  secondsPerSlot?: number;
  /** Overrides of the chain config (fork epochs, versions, ...); by default Electra at genesis. */
  overrides?: Partial<ChainConfig>;
}

/**
 * The simulated chain's config: every fork up to Electra at epoch 0, later forks never, on the preset
 * `@lodestar/params` loaded (mainnet unless the process set LODESTAR_PRESET=minimal before it loaded).
 */
export function createSimChainConfig(opts: SimChainConfigOpts = {}): ChainForkConfig {
  const secondsPerSlot = opts.secondsPerSlot ?? DEFAULT_SECONDS_PER_SLOT;
  if (!Number.isInteger(secondsPerSlot) || secondsPerSlot < 1 || secondsPerSlot > 60) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "secondsPerSlot"},
      `seconds per slot must be a whole number from 1 to 60, got ${secondsPerSlot}`,
    );
  }
  const config = createChainForkConfig({
    PRESET_BASE: ACTIVE_PRESET,
    CONFIG_NAME: "cohort-devnet",
    ALTAIR_FORK_EPOCH: 0,
    BELLATRIX_FORK_EPOCH: 0,
    CAPELLA_FORK_EPOCH: 0,
    DENEB_FORK_EPOCH: 0,
    ELECTRA_FORK_EPOCH: 0,
    FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
    GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
    HEZE_FORK_EPOCH: Number.POSITIVE_INFINITY,
    SECONDS_PER_SLOT: secondsPerSlot,
    SLOT_DURATION_MS: secondsPerSlot * 1000,
    MIN_GENESIS_TIME: 0,
    ...opts.overrides,
  });
  if (config.getForkName(0) !== "electra") {
    // Block production and attestation checks are written for Electra's containers.
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "overrides"},
      `the simulated chain runs Electra from genesis; these fork epochs give ${config.getForkName(0)}`,
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

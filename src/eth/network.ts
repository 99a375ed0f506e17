/** Chain configuration of the network cohort runs on: a named network or a devnet's custom spec. */
import {
  type BeaconConfig,
  type ChainConfig,
  chainConfigFromJson,
  createBeaconConfig,
  createChainConfig,
} from "@lodestar/config";
import {genesisData, networksChainConfig} from "@lodestar/config/networks";
import {ACTIVE_PRESET} from "@lodestar/params";
import {CohortError} from "../util/errors.js";
import {fromHex} from "../util/hex.js";

export const NETWORK_NAMES = ["mainnet", "hoodi", "sepolia"] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export type NetworkErrorType =
  | {code: "NETWORK_UNKNOWN"; network: string}
  | {code: "NETWORK_INVALID_SPEC"; reason: string}
  | {code: "NETWORK_PRESET_MISMATCH"; expected: string; actual: string};

export class NetworkError extends CohortError<NetworkErrorType> {}

export function isNetworkName(name: string): name is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(name);
}

/** The chain config of a named network. */
export function namedChainConfig(name: string): ChainConfig {
  if (!isNetworkName(name)) {
    throw new NetworkError(
      {code: "NETWORK_UNKNOWN", network: name},
      `unknown network ${name}; one of ${NETWORK_NAMES.join(", ")}`,
    );
  }
  return networksChainConfig[name];
}

/** The genesis validators root of a named network (known in advance). */
export function namedGenesisValidatorsRoot(name: string): Uint8Array {
  if (!isNetworkName(name)) throw new NetworkError({code: "NETWORK_UNKNOWN", network: name}, `unknown network ${name}`);
  return fromHex(genesisData[name].genesisValidatorsRoot, 32);
}

/**
 * A devnet's chain config from its spec JSON (a BN's `GET /eth/v1/config/spec` data, or a config.yaml
 * turned into JSON). The preset must be the one this process runs (`LODESTAR_PRESET`), since
 * @lodestar/params fixes it when first loaded.
 */
export function customChainConfig(spec: Record<string, unknown>): ChainConfig {
  const preset = spec.PRESET_BASE;
  if (typeof preset === "string" && preset !== ACTIVE_PRESET) {
    throw new NetworkError(
      {code: "NETWORK_PRESET_MISMATCH", expected: ACTIVE_PRESET, actual: preset},
      `the chain uses preset ${preset} but cohort runs ${ACTIVE_PRESET}; set LODESTAR_PRESET=${preset}`,
    );
  }
  let parsed: Partial<ChainConfig>;
  try {
    parsed = chainConfigFromJson(spec);
  } catch (e) {
    throw invalidSpec(e instanceof Error ? e.message : String(e));
  }
  if (spec.GENESIS_FORK_VERSION === undefined) throw invalidSpec("GENESIS_FORK_VERSION is missing");
  // chainConfigFromJson is lenient (a bad number becomes NaN, a missing key undefined): drop the missing
  // keys so forks the BN does not know default to unscheduled, then check every fork field.
  const defined = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as Partial<ChainConfig>;
  const config = createChainConfig(defined);
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith("_FORK_VERSION") && !(value instanceof Uint8Array && value.length === 4)) {
      throw invalidSpec(`${key} must be 4 bytes`);
    }
    if (key.endsWith("_FORK_EPOCH") && (typeof value !== "number" || Number.isNaN(value) || value < 0)) {
      throw invalidSpec(`${key} must be an epoch`);
    }
  }
  return config;
}

function invalidSpec(reason: string): NetworkError {
  return new NetworkError({code: "NETWORK_INVALID_SPEC", reason}, `invalid chain spec: ${reason}`);
}

export function beaconConfig(chainConfig: ChainConfig, genesisValidatorsRoot: Uint8Array): BeaconConfig {
  return createBeaconConfig(chainConfig, genesisValidatorsRoot);
}

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
import {parse as parseYaml} from "yaml";
import {CohortError} from "../util/errors.js";
import {fromHex} from "../util/hex.js";

/**
 * Every network @lodestar/config ships with a fixed genesis (its `networksChainConfig` and `genesisData`),
 * except those in `UNNAMED_NETWORKS`. A unit test fails when Lodestar adds or drops one.
 */
export const NETWORK_NAMES = ["mainnet", "sepolia", "hoodi", "gnosis", "chiado", "plataberget"] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

/** Networks Lodestar ships that cohort cannot name, and why. */
export const UNNAMED_NETWORKS: Record<string, string> = {
  ephemery:
    "ephemery restarts from a new genesis every few weeks, so it has no fixed genesis validators root; use --network-config with the current iteration's config.yaml and --genesis-validators-root",
};

export type NetworkErrorType =
  | {code: "NETWORK_UNKNOWN"; network: string}
  | {code: "NETWORK_INVALID_SPEC"; reason: string}
  | {code: "NETWORK_PRESET_MISMATCH"; expected: string; actual: string}
  /** A config.yaml that cannot be read or parsed, or whose `field` is wrong. */
  | {code: "NETWORK_CONFIG_FILE"; file: string; field?: string; reason: string};

export class NetworkError extends CohortError<NetworkErrorType> {}

export function isNetworkName(name: string): name is NetworkName {
  return (NETWORK_NAMES as readonly string[]).includes(name);
}

/** The chain config of a named network. */
export function namedChainConfig(name: string): ChainConfig {
  if (!isNetworkName(name)) throw unknownNetwork(name);
  return networksChainConfig[name];
}

function unknownNetwork(name: string): NetworkError {
  const why = UNNAMED_NETWORKS[name];
  return new NetworkError(
    {code: "NETWORK_UNKNOWN", network: name},
    why !== undefined ? why : `unknown network ${name}; one of ${NETWORK_NAMES.join(", ")}`,
  );
}

/**
 * Refuses a chain config of another preset than the one this process runs: @lodestar/params fixes it
 * when first loaded (gnosis and chiado need LODESTAR_PRESET=gnosis, which the CLI sets from --network).
 */
export function assertPresetMatches(config: ChainConfig): void {
  if (config.PRESET_BASE !== ACTIVE_PRESET) {
    throw new NetworkError(
      {code: "NETWORK_PRESET_MISMATCH", expected: ACTIVE_PRESET, actual: config.PRESET_BASE},
      `${config.CONFIG_NAME} uses preset ${config.PRESET_BASE} but cohort runs ${ACTIVE_PRESET}; set LODESTAR_PRESET=${config.PRESET_BASE}`,
    );
  }
}

/** Whether the chain schedules Electra, the fork from which 0x02 (compounding) credentials exist. */
export function electraScheduled(config: ChainConfig): boolean {
  return Number.isFinite(config.ELECTRA_FORK_EPOCH);
}

/**
 * The text of a consensus-specs `config.yaml` (the file devnets and networks publish) as the spec
 * object `customChainConfig` takes. Every scalar is read as a string (the YAML failsafe schema), as a
 * BN's `config/spec` gives them: YAML 1.2 would read 0x10000910 as a number and lose the fork version.
 */
export function specFromConfigYaml(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, {schema: "failsafe", uniqueKeys: true});
  } catch (e) {
    const reason = (e as Error).message.split("\n")[0].replace(/:$/, "");
    throw new NetworkError({code: "NETWORK_CONFIG_FILE", file, reason}, `${file}: not valid YAML: ${reason}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new NetworkError(
      {code: "NETWORK_CONFIG_FILE", file, reason: "not a mapping"},
      `${file}: not a config.yaml (expected a mapping of NAME: value)`,
    );
  }
  return doc as Record<string, unknown>;
}

/** A custom chain's config from its config.yaml text; errors are one line naming the file and the field. */
export function chainConfigFromYaml(text: string, file: string): ChainConfig {
  const spec = specFromConfigYaml(text, file);
  try {
    return customChainConfig(spec);
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    const field = /^([A-Z][A-Z0-9_]*)/.exec(e.type.code === "NETWORK_INVALID_SPEC" ? e.type.reason : "")?.[1];
    const message = e.type.code === "NETWORK_INVALID_SPEC" ? e.type.reason : e.message;
    throw new NetworkError(
      {
        code: "NETWORK_CONFIG_FILE",
        file,
        field: field ?? (e.type.code === "NETWORK_PRESET_MISMATCH" ? "PRESET_BASE" : undefined),
        reason: message,
      },
      `${file}: ${message}`,
    );
  }
}

/** The genesis validators root of a named network (known in advance). */
export function namedGenesisValidatorsRoot(name: string): Uint8Array {
  if (!isNetworkName(name)) throw unknownNetwork(name);
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
  // Checked before chainConfigFromJson, whose own errors do not name the field.
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    if (key.endsWith("_FORK_VERSION") && !(typeof value === "string" && /^0x[0-9a-fA-F]{8}$/.test(value))) {
      throw invalidSpec(`${key} must be 4 bytes`);
    }
    if (key.endsWith("_FORK_EPOCH") && !(typeof value === "string" && /^\d+$/.test(value))) {
      throw invalidSpec(`${key} must be an epoch`);
    }
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

import {genesisData, networksChainConfig} from "@lodestar/config/networks";
import {isHex, toHex} from "../util/hex.js";
import {ClusterError} from "./errors.js";

/** The chain a cluster validates on: what signing domains are computed from. */
export interface ClusterNetwork {
  /** "mainnet", "hoodi", "sepolia", or any other name for a custom/dev chain. */
  name: string;
  /** 0x-prefixed 4-byte genesis fork version. */
  genesisForkVersion: string;
  /** 0x-prefixed 32-byte genesis validators root. */
  genesisValidatorsRoot: string;
}

/** The public networks cohort knows by name; their values come from @lodestar/config. */
export const KNOWN_NETWORKS = ["mainnet", "hoodi", "sepolia"] as const;
export type KnownNetworkName = (typeof KNOWN_NETWORKS)[number];

export function isKnownNetwork(name: string): name is KnownNetworkName {
  return (KNOWN_NETWORKS as readonly string[]).includes(name);
}

/** A known network's genesis fork version and genesis validators root, as Lodestar ships them. */
export function knownNetwork(name: KnownNetworkName): ClusterNetwork {
  return {
    name,
    genesisForkVersion: toHex(networksChainConfig[name].GENESIS_FORK_VERSION),
    genesisValidatorsRoot: genesisData[name].genesisValidatorsRoot.toLowerCase(),
  };
}

/**
 * Resolves `--network`: a known name alone, or any other name (a custom or dev chain) with its genesis
 * fork version and genesis validators root given explicitly. Known networks refuse conflicting values.
 */
export function resolveNetwork(
  name: string,
  custom: {genesisForkVersion?: string; genesisValidatorsRoot?: string} = {},
): ClusterNetwork {
  if (isKnownNetwork(name)) {
    const known = knownNetwork(name);
    if (
      (custom.genesisForkVersion !== undefined &&
        custom.genesisForkVersion.toLowerCase() !== known.genesisForkVersion) ||
      (custom.genesisValidatorsRoot !== undefined &&
        custom.genesisValidatorsRoot.toLowerCase() !== known.genesisValidatorsRoot)
    ) {
      throw new ClusterError(
        {code: "CLUSTER_UNKNOWN_NETWORK", network: name},
        `${name} has fixed genesis values; drop the custom ones or use another network name`,
      );
    }
    return known;
  }
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) {
    throw new ClusterError(
      {code: "CLUSTER_UNKNOWN_NETWORK", network: name},
      `network name must be ${KNOWN_NETWORKS.join(", ")} or a custom name of [a-z0-9_-]`,
    );
  }
  if (!isHex(custom.genesisForkVersion, 4) || !isHex(custom.genesisValidatorsRoot, 32)) {
    throw new ClusterError(
      {code: "CLUSTER_UNKNOWN_NETWORK", network: name},
      `custom network ${name} needs its genesis fork version (0x + 4 bytes) and genesis validators root (0x + 32 bytes)`,
    );
  }
  return {
    name,
    genesisForkVersion: custom.genesisForkVersion.toLowerCase(),
    genesisValidatorsRoot: custom.genesisValidatorsRoot.toLowerCase(),
  };
}

import {
  isNetworkName,
  NETWORK_NAMES,
  type NetworkName,
  namedChainConfig,
  namedGenesisValidatorsRoot,
  UNNAMED_NETWORKS,
} from "../eth/network.js";
import {isHex, toHex} from "../util/hex.js";
import {ClusterError} from "./errors.js";

/** The chain a cluster validates on: what signing domains are computed from. */
export interface ClusterNetwork {
  /** A known network name (`NETWORK_NAMES`), or any other name for a custom/dev chain. */
  name: string;
  /** 0x-prefixed 4-byte genesis fork version. */
  genesisForkVersion: string;
  /** 0x-prefixed 32-byte genesis validators root. */
  genesisValidatorsRoot: string;
}

/** A known network's genesis fork version and genesis validators root, as Lodestar ships them. */
export function knownNetwork(name: NetworkName): ClusterNetwork {
  return {
    name,
    genesisForkVersion: toHex(namedChainConfig(name).GENESIS_FORK_VERSION),
    genesisValidatorsRoot: toHex(namedGenesisValidatorsRoot(name)),
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
  if (isNetworkName(name)) {
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
      `network name must be ${NETWORK_NAMES.join(", ")} or a custom name of [a-z0-9_-]`,
    );
  }
  if (!isHex(custom.genesisForkVersion, 4) || !isHex(custom.genesisValidatorsRoot, 32)) {
    throw new ClusterError(
      {code: "CLUSTER_UNKNOWN_NETWORK", network: name},
      `${UNNAMED_NETWORKS[name] !== undefined ? `${UNNAMED_NETWORKS[name]}; ` : ""}custom network ${name} needs its genesis fork version (0x + 4 bytes) and genesis validators root (0x + 32 bytes)`,
    );
  }
  return {
    name,
    genesisForkVersion: custom.genesisForkVersion.toLowerCase(),
    genesisValidatorsRoot: custom.genesisValidatorsRoot.toLowerCase(),
  };
}

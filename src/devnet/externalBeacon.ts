import type {BeaconConfig} from "@lodestar/config";
import {chainConfig as defaultChainConfig} from "@lodestar/config/default";
import {BeaconNodeClient} from "../eth/beaconNode.js";
import {beaconConfig, customChainConfig} from "../eth/network.js";
import type {Logger} from "../util/logger.js";
import type {IndexRange} from "./interop.js";

/** `cohort devnet --beacon-node URL --interop-indexes A..B`: a dev chain's BN and the interop validators to run. */
export interface ExternalBeaconOpts {
  url: string;
  interop: IndexRange;
}

/** What the devnet needs of an external BN's chain: its config (with the genesis validators root) and clock. */
export interface ExternalChain {
  config: BeaconConfig;
  /** Unix seconds of slot 0. */
  genesisTime: number;
}

/**
 * Reads the external BN's chain: `config/spec` (its preset must be this process's, see
 * `customChainConfig`) and `beacon/genesis`. Those routes do not depend on the fork schedule, so the
 * default config serves to ask them.
 */
export async function prepareExternalBeacon(opts: ExternalBeaconOpts, logger: Logger): Promise<ExternalChain> {
  const probe = new BeaconNodeClient(
    {urls: [opts.url]},
    {config: beaconConfig(defaultChainConfig, new Uint8Array(32)), logger: logger.child({module: "external-bn"})},
  );
  const [spec, genesis] = await Promise.all([probe.getSpec(), probe.getGenesis()]);
  return {
    config: beaconConfig(customChainConfig(spec), genesis.genesisValidatorsRoot),
    genesisTime: Number(genesis.genesisTime),
  };
}

/**
 * Wiring of `cohort signer`: decrypt the keystores, open the signer's own slashing-protection DB, serve
 * the Web3Signer API. The CLI command is a thin layer over `startSignerService`.
 */
import {SecretKey} from "@chainsafe/blst";
import type {ChainConfig} from "@lodestar/config";
import {decryptKeystoreDir} from "../cluster/keystores.js";
import {SlashingProtection} from "../slashing/index.js";
import {fromHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";

import {SignerServer} from "./signerServer.js";

export interface SignerServiceOpts {
  keystoresDir: string;
  password: string;
  address: string;
  port: number;
  dataDir: string;
  chainConfig: ChainConfig;
  genesisValidatorsRoot: Uint8Array;
}

export interface SignerServiceModules {
  logger: Logger;
  /** Keystore decryption progress (done of total). */
  onProgress?: (done: number, total: number) => void;
}

export interface RunningSigner {
  url: string;
  pubkeys: Uint8Array[];
  close(): Promise<void>;
}

export async function startSignerService(
  opts: SignerServiceOpts,
  modules: SignerServiceModules,
): Promise<RunningSigner> {
  const keys = (await decryptKeystoreDir(opts.keystoresDir, opts.password, modules.onProgress)).map((k) => ({
    pubkey: fromHex(k.publicKey, 48),
    secretKey: SecretKey.fromBytes(k.secret),
  }));
  const slashingProtection = SlashingProtection.open(
    {dataDir: opts.dataDir, genesisValidatorsRoot: opts.genesisValidatorsRoot},
    {logger: modules.logger.child({module: "slashing"})},
  );
  const server = new SignerServer(
    {
      address: opts.address,
      port: opts.port,
      genesisForkVersion: opts.chainConfig.GENESIS_FORK_VERSION,
      genesisValidatorsRoot: opts.genesisValidatorsRoot,
    },
    {keys, slashingProtection, logger: modules.logger},
  );
  let url: string;
  try {
    url = await server.listen();
  } catch (e) {
    slashingProtection.close();
    throw e;
  }
  modules.logger.info("Remote signer listening", {url, keys: keys.length});
  return {
    url,
    pubkeys: keys.map((k) => k.pubkey),
    close: async () => {
      await server.close();
      slashingProtection.close();
    },
  };
}

import {chainConfigToJson} from "@lodestar/config";
import {expect} from "chai";
import {
  customChainConfig,
  NetworkError,
  namedChainConfig,
  namedGenesisValidatorsRoot,
} from "../../../src/eth/network.js";
import {toHex} from "../../../src/util/hex.js";
import {testConfig} from "./sampleMessages.js";

describe("eth/network", () => {
  it("knows mainnet, hoodi and sepolia with their genesis validators roots", () => {
    expect(namedChainConfig("mainnet").CONFIG_NAME).to.equal("mainnet");
    expect(namedChainConfig("hoodi").CONFIG_NAME).to.equal("hoodi");
    expect(namedChainConfig("sepolia").CONFIG_NAME).to.equal("sepolia");
    expect(toHex(namedGenesisValidatorsRoot("mainnet"))).to.equal(
      "0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95",
    );
    expect(() => namedChainConfig("goerli"))
      .to.throw(NetworkError)
      .with.property("code", "NETWORK_UNKNOWN");
  });

  it("reads a devnet's chain config from its spec JSON, refusing another preset or a broken spec", () => {
    const config = testConfig();
    const spec = chainConfigToJson(config);
    expect(customChainConfig(spec).ELECTRA_FORK_EPOCH).to.equal(config.ELECTRA_FORK_EPOCH);
    expect(() => customChainConfig({...spec, PRESET_BASE: "minimal"}))
      .to.throw(NetworkError)
      .with.property("code", "NETWORK_PRESET_MISMATCH");
    for (const broken of [
      {...spec, ALTAIR_FORK_EPOCH: "soon"},
      {...spec, ALTAIR_FORK_VERSION: "0x12"},
      {...spec, GENESIS_FORK_VERSION: undefined},
    ]) {
      expect(() => customChainConfig(broken))
        .to.throw(NetworkError)
        .with.property("code", "NETWORK_INVALID_SPEC");
    }
    // A BN that does not know the newest forks yet: those stay unscheduled.
    const {GLOAS_FORK_EPOCH: _e, GLOAS_FORK_VERSION: _v, ...older} = spec;
    expect(customChainConfig(older).GLOAS_FORK_EPOCH).to.equal(Infinity);
  });
});

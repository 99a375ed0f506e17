import {readFileSync} from "node:fs";
import path from "node:path";
import {chainConfigToJson} from "@lodestar/config";
import {genesisData, networksChainConfig} from "@lodestar/config/networks";
import {expect} from "chai";
import {
  assertPresetMatches,
  chainConfigFromYaml,
  customChainConfig,
  electraScheduled,
  NETWORK_NAMES,
  NetworkError,
  namedChainConfig,
  namedGenesisValidatorsRoot,
  specFromConfigYaml,
  UNNAMED_NETWORKS,
} from "../../../src/eth/network.js";
import {NETWORK_PRESETS} from "../../../src/plugin/cli/preset.js";
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

  it("names every network @lodestar/config ships with a fixed genesis (fails when Lodestar adds or drops one)", () => {
    expect([...NETWORK_NAMES, ...Object.keys(UNNAMED_NETWORKS)].sort()).to.deep.equal(
      Object.keys(networksChainConfig).sort(),
    );
    for (const name of NETWORK_NAMES) {
      const config = namedChainConfig(name);
      expect(config.CONFIG_NAME, name).to.equal(name);
      expect(toHex(namedGenesisValidatorsRoot(name)), name).to.equal(genesisData[name].genesisValidatorsRoot);
      expect(
        namedGenesisValidatorsRoot(name).some((b) => b !== 0),
        `${name} has a real root`,
      ).to.equal(true);
      // The CLI sets LODESTAR_PRESET from --network before @lodestar/params loads: its map must be right.
      expect(NETWORK_PRESETS[name] ?? "mainnet", name).to.equal(config.PRESET_BASE);
    }
    expect(toHex(namedGenesisValidatorsRoot("gnosis"))).to.equal(
      "0xf5dcb5564e829aab27264b9becd5dfaa017085611224cb3036f573368dbb9d47",
    );
    expect(() => namedChainConfig("ephemery")).to.throw(/no fixed genesis validators root/);
    expect(() => assertPresetMatches(namedChainConfig("gnosis")))
      .to.throw(NetworkError)
      .with.property("code", "NETWORK_PRESET_MISMATCH");
    assertPresetMatches(namedChainConfig("hoodi"));
    expect(electraScheduled(namedChainConfig("hoodi"))).to.equal(true);
    expect(electraScheduled({...namedChainConfig("hoodi"), ELECTRA_FORK_EPOCH: Infinity})).to.equal(false);
  });

  it("reads a published config.yaml (hoodi's) into the fork schedule Lodestar ships for it", () => {
    const file = path.join(import.meta.dirname, "../../../fixtures/network-config/hoodi-config.yaml");
    const config = chainConfigFromYaml(readFileSync(file, "utf8"), file);
    const hoodi = namedChainConfig("hoodi");
    // Every fork version the file has (this 2025 copy predates Gloas) is the one Lodestar ships for hoodi.
    const versions = Object.keys(specFromConfigYaml(readFileSync(file, "utf8"), file)).filter((k) =>
      k.endsWith("_FORK_VERSION"),
    ) as (keyof typeof hoodi)[];
    expect(versions).to.have.length(7);
    for (const key of versions) expect(toHex(config[key] as Uint8Array), key).to.equal(toHex(hoodi[key] as Uint8Array));
    expect(config.CONFIG_NAME).to.equal("hoodi");
    expect(config.SECONDS_PER_SLOT).to.equal(12);
    expect(config.FULU_FORK_EPOCH).to.equal(Infinity);
    expect(config.DEPOSIT_CHAIN_ID).to.equal(560048);
    for (const [text, message] of [
      ["GENESIS_FORK_VERSION: [1\n", /^f\.yaml: not valid YAML/],
      ["ALTAIR_FORK_EPOCH: 0\n", /^f\.yaml: GENESIS_FORK_VERSION is missing$/],
      [
        "GENESIS_FORK_VERSION: 0x10000910\nBELLATRIX_FORK_VERSION: 0x1\n",
        /^f\.yaml: BELLATRIX_FORK_VERSION must be 4 bytes$/,
      ],
      ["just text\n", /^f\.yaml: not a config.yaml/],
    ] as const) {
      try {
        chainConfigFromYaml(text, "f.yaml");
        expect.fail(`accepted ${text}`);
      } catch (e) {
        expect(e).to.be.instanceOf(NetworkError);
        expect((e as Error).message).to.match(message);
        expect((e as Error).message).to.not.include("\n");
      }
    }
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

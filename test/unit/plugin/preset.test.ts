import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {expect} from "chai";
import {presetOfNetworkArgs} from "../../../src/plugin/cli/preset.js";

describe("plugin/cli/preset: the preset a command's network implies", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cohort-preset-"));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it("from --network (gnosis and chiado: gnosis; others: none) and from a config.yaml's PRESET_BASE", () => {
    expect(presetOfNetworkArgs(["signer", "--network", "chiado"])).to.equal("gnosis");
    expect(presetOfNetworkArgs(["create-cluster", "--network=gnosis"])).to.equal("gnosis");
    expect(presetOfNetworkArgs(["signer", "--network", "hoodi"])).to.equal(undefined);
    const file = path.join(dir, "config.yaml");
    writeFileSync(file, "PRESET_BASE: 'minimal'\nGENESIS_FORK_VERSION: 0x00000001\n");
    expect(presetOfNetworkArgs(["create-cluster", "--network-config", file, "--network", "gnosis"])).to.equal(
      "minimal",
    );
    // A missing or malformed file implies nothing: the command reports it with the file and field.
    expect(presetOfNetworkArgs(["signer", "--network-config", path.join(dir, "absent.yaml")])).to.equal(undefined);
    writeFileSync(file, "PRESET_BASE: [\n");
    expect(presetOfNetworkArgs(["signer", "--network-config", file])).to.equal(undefined);
  });
});

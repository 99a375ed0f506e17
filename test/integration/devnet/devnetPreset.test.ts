import {createServer, type Server} from "node:http";
import type {AddressInfo} from "node:net";
import {expect} from "chai";
import {flagValue, selectPresetFromBeaconNode} from "../../../src/plugin/cli/preset.js";

/** `cohort devnet --beacon-node URL`: the process preset is the external BN's PRESET_BASE, read before params loads. */
describe("cli preset: cohort devnet --beacon-node", () => {
  const saved = process.env.LODESTAR_PRESET;
  let server: Server | null = null;
  afterEach(async () => {
    if (saved === undefined) delete process.env.LODESTAR_PRESET;
    else process.env.LODESTAR_PRESET = saved;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  /** A BN that only answers its spec, with this PRESET_BASE. */
  async function specServer(preset: string): Promise<string> {
    server = createServer((req, res) => {
      if (req.url === "/eth/v1/config/spec") {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({data: {PRESET_BASE: preset, SECONDS_PER_SLOT: "6"}}));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("takes the BN's PRESET_BASE (both flag forms); without --beacon-node the devnet's own chain is minimal", async () => {
    const url = await specServer("mainnet");
    delete process.env.LODESTAR_PRESET;
    await selectPresetFromBeaconNode(["devnet", "--beacon-node", url, "--interop-indexes", "4..7"]);
    expect(process.env.LODESTAR_PRESET).to.equal("mainnet");
    delete process.env.LODESTAR_PRESET;
    await selectPresetFromBeaconNode(["devnet", `--beacon-node=${url}`, "--interop-indexes", "4..7"]);
    expect(process.env.LODESTAR_PRESET).to.equal("mainnet");
    delete process.env.LODESTAR_PRESET;
    await selectPresetFromBeaconNode(["devnet", "--epochs", "1"]);
    expect(process.env.LODESTAR_PRESET).to.equal("minimal");
  });

  it("an unreachable BN leaves the preset unset (the command then reports the BN)", async () => {
    delete process.env.LODESTAR_PRESET;
    await selectPresetFromBeaconNode(["devnet", "--beacon-node", "http://127.0.0.1:1", "--interop-indexes", "0..3"]);
    expect(process.env.LODESTAR_PRESET).to.equal(undefined);
  });

  it("flagValue reads `--flag value` and `--flag=value`", () => {
    expect(flagValue(["devnet", "--beacon-node", "http://a"], "--beacon-node")).to.equal("http://a");
    expect(flagValue(["devnet", "--beacon-node=http://b"], "--beacon-node")).to.equal("http://b");
    expect(flagValue(["devnet", "--beacon-nodes", "http://c"], "--beacon-node")).to.equal(undefined);
    expect(flagValue(["devnet", "--beacon-node"], "--beacon-node")).to.equal(undefined);
  });
});

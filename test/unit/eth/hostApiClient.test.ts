import type {ApiClient} from "@lodestar/api";
import {expect} from "chai";
import {BeaconNodeClient} from "../../../src/eth/beaconNode.js";
import {nullLogger} from "../../../src/util/logger.js";
import {testConfig} from "./sampleMessages.js";

const GENESIS = {
  genesisTime: 1_700_000_000,
  genesisValidatorsRoot: new Uint8Array(32).fill(7),
  genesisForkVersion: new Uint8Array(4),
};

/** The part of an ApiClient these tests call, answering like @lodestar/api's responses do. */
function hostClient(calls: string[], status = 200): ApiClient {
  const fake = {
    beacon: {
      getGenesis: async () => {
        calls.push("getGenesis");
        return {
          ok: status < 300,
          status,
          error: () => (status < 300 ? null : new Error(`status ${status}`)),
          value: () => GENESIS,
        };
      },
    },
  };
  return fake as unknown as ApiClient;
}

describe("eth/BeaconNodeClient with a host's @lodestar/api client", () => {
  const config = testConfig();

  it("calls the host's client when given no URL", async () => {
    const calls: string[] = [];
    const bn = new BeaconNodeClient(
      {urls: []},
      {config, logger: nullLogger(), apiClients: [{endpoint: "host", api: hostClient(calls)}]},
    );
    expect(await bn.getGenesis()).to.deep.equal(GENESIS);
    expect(calls).to.deep.equal(["getGenesis"]);
    expect(bn.endpoints).to.deep.equal(["host"]);
  });

  it("falls over from a failing host client to the next one, as between URLs", async () => {
    const failing: string[] = [];
    const good: string[] = [];
    const bn = new BeaconNodeClient(
      {urls: []},
      {
        config,
        logger: nullLogger(),
        apiClients: [
          {endpoint: "down", api: hostClient(failing, 503)},
          {endpoint: "up", api: hostClient(good)},
        ],
      },
    );
    expect(await bn.getGenesis()).to.deep.equal(GENESIS);
    expect([failing, good]).to.deep.equal([["getGenesis"], ["getGenesis"]]);
  });

  it("refuses to be built with neither a URL nor a client", () => {
    expect(() => new BeaconNodeClient({urls: []}, {config, logger: nullLogger(), apiClients: []})).to.throw(
      /URL or API client/,
    );
  });
});

import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";
import {parseListenAddress} from "../../../src/plugin/cli/commands/run.js";
import {CliError} from "../../../src/plugin/cli/errors.js";
import {runCliCaptured} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/combine/cluster");

describe("vapi: cohort run --validator-api", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  const run = (...extra: string[]) =>
    runCliCaptured([
      "run",
      ...["--cluster-lock", path.join(fixture, "cluster-lock.json")],
      ...["--identity-key", path.join(fixture, "node0", "identity-key")],
      ...["--beacon-nodes", "http://127.0.0.1:1", "--data-dir", path.join(tmp.path, "data")],
      ...extra,
    ]);

  it("parses ADDR[:PORT], 127.0.0.1:3600 by default", () => {
    expect(parseListenAddress("")).to.deep.equal({address: "127.0.0.1", port: 3600});
    expect(parseListenAddress("0.0.0.0")).to.deep.equal({address: "0.0.0.0", port: 3600});
    expect(parseListenAddress("127.0.0.1:5051")).to.deep.equal({address: "127.0.0.1", port: 5051});
    for (const bad of ["127.0.0.1:", "127.0.0.1:99999", "a:b:c", ":3600"]) {
      expect(() => parseListenAddress(bad), bad).to.throw(CliError);
    }
  });

  it("is exclusive with --remote-signer, and one of the two is required (exit 2)", async () => {
    const both = await run("--remote-signer", "http://127.0.0.1:9000", "--validator-api", "127.0.0.1:3600");
    expect(both.code).to.equal(2);
    expect(both.err).to.match(/mutually exclusive|conflict/i);
    const neither = await run();
    expect(neither.code).to.equal(2);
    expect(neither.err).to.match(/--remote-signer \(signer mode\) or --validator-api/);
    const badAddress = await run("--validator-api", "127.0.0.1:99999");
    expect(badAddress.code).to.equal(2);
    expect(badAddress.err).to.match(/expected ADDR\[:PORT\]/);
  });

  it("documents the option in --help", async () => {
    const help = await runCliCaptured(["run", "--help"]);
    expect(help.out).to.include("--validator-api");
    expect(help.out).to.match(/lodestar validator --distributed/);
  });
});

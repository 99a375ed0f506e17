import {chmodSync, copyFileSync, readFileSync} from "node:fs";
import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {SecretKey} from "@chainsafe/blst";
import {expect} from "chai";
import {SimulatedBeaconNode} from "../../../src/devnet/beacon/index.js";
import {runCliCaptured} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/combine/cluster");

const cli = (...argv: string[]) => runCliCaptured(argv);

describe("cli: cohort run start-up checks", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  /** `cohort run` for node 0 of the fixture lock, with an unreachable remote signer. */
  const runNode = (identity: string, beaconNode: string, ...extra: string[]) =>
    cli(
      "run",
      ...["--cluster-lock", path.join(fixture, "cluster-lock.json"), "--identity-key", identity],
      ...["--beacon-nodes", beaconNode, "--remote-signer", "http://127.0.0.1:1"],
      ...["--data-dir", path.join(tmp.path, "data"), ...extra],
    );

  it("refuses a beacon node of another chain, naming both roots, and exits 1", async () => {
    // A chain whose validators are not the cluster's: its genesis validators root differs from the lock's.
    const others = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)).toPublicKey().toBytes());
    const beacon = new SimulatedBeaconNode({port: 0, host: "127.0.0.1", validators: others});
    const url = await beacon.start();
    const identity = path.join(tmp.path, "identity-key");
    copyFileSync(path.join(fixture, "node0", "identity-key"), identity);
    chmodSync(identity, 0o600);
    try {
      const r = await runNode(identity, url, "--log-level", "error");
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/another chain: genesis validators root 0x[0-9a-f]{64}, the cluster lock says 0x212f13fc/);
    } finally {
      await beacon.stop();
    }
  });

  it("refuses an identity key that is not one of the cluster's operators", async () => {
    const identity = path.join(tmp.path, "identity-key");
    const {writeFileSync} = await import("node:fs");
    writeFileSync(identity, `0x${"11".repeat(32)}\n`, {mode: 0o600});
    const r = await runNode(identity, "http://127.0.0.1:1");
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/not one of the cluster's operators/);
  });

  it("names the path and the reason of a missing or unreadable cluster lock (exit 1)", async () => {
    const identity = path.join(fixture, "node0", "identity-key");
    const missing = path.join(tmp.path, "missing.json");
    const r = await cli(
      "run",
      ...["--cluster-lock", missing, "--identity-key", identity, "--beacon-nodes", "http://127.0.0.1:1"],
      ...["--remote-signer", "http://127.0.0.1:1", "--data-dir", path.join(tmp.path, "data")],
    );
    expect(r.code).to.equal(1);
    expect(r.err).to.include(`cannot read the cluster lock ${missing}: ENOENT`);
    const notJson = path.join(tmp.path, "lock.json");
    const {writeFileSync} = await import("node:fs");
    writeFileSync(notJson, "{not json");
    const bad = await cli(
      "run",
      ...["--cluster-lock", notJson, "--identity-key", identity, "--beacon-nodes", "http://127.0.0.1:1"],
      ...["--remote-signer", "http://127.0.0.1:1", "--data-dir", path.join(tmp.path, "data")],
    );
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include(`cannot read the cluster lock ${notJson}: not JSON`);
  });

  it("takes its options from --config JSON, command-line options winning", async () => {
    const config = path.join(tmp.path, "run.json");
    const {writeFileSync} = await import("node:fs");
    writeFileSync(
      config,
      JSON.stringify({
        "cluster-lock": path.join(tmp.path, "from-config.json"),
        "identity-key": path.join(fixture, "node0", "identity-key"),
        "beacon-nodes": ["http://127.0.0.1:1"],
        "remote-signer": "http://127.0.0.1:1",
        "data-dir": path.join(tmp.path, "data"),
      }),
    );
    const fromConfig = await cli("run", "--config", config);
    expect(fromConfig.code).to.equal(1);
    expect(fromConfig.err).to.include(`cannot read the cluster lock ${path.join(tmp.path, "from-config.json")}`);
    const overridden = await cli("run", "--config", config, "--cluster-lock", path.join(tmp.path, "from-cli.json"));
    expect(overridden.err).to.include(`cannot read the cluster lock ${path.join(tmp.path, "from-cli.json")}`);
  });

  it("stops cleanly (exit 0, handlers removed) on a SIGTERM that arrives while the node starts", async () => {
    // A beacon node that is asked for the genesis while the signal arrives, then fails the request.
    const server = createServer((_req, res) => {
      process.emit("SIGTERM");
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const {port} = server.address() as AddressInfo;
    const identity = path.join(tmp.path, "identity-key");
    copyFileSync(path.join(fixture, "node0", "identity-key"), identity);
    chmodSync(identity, 0o600);
    const listeners = process.listenerCount("SIGTERM");
    try {
      const r = await runNode(identity, `http://127.0.0.1:${port}`, "--log-level", "error");
      expect(r.code, r.err).to.equal(0);
      expect(process.listenerCount("SIGTERM")).to.equal(listeners);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe("a beacon node of the lock's chain with a refused detail", () => {
    const GVR = "0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f";
    /**
     * One fake server for both the BN (genesis as given, a real simulated chain's spec) and the RS
     * (serving `publicKeys`), so the node gets as far as the check under test.
     */
    async function fakeBeaconAndSigner(genesisForkVersion: string, publicKeys: string[]) {
      const validators = [SecretKey.fromKeygen(new Uint8Array(32).fill(7)).toPublicKey().toBytes()];
      const sim = new SimulatedBeaconNode({port: 0, host: "127.0.0.1", validators});
      const spec = await (await fetch(`${await sim.start()}/eth/v1/config/spec`)).text();
      await sim.stop();
      const genesis = {
        data: {genesis_validators_root: GVR, genesis_time: "1700000000", genesis_fork_version: genesisForkVersion},
      };
      const server = createServer((req, res) => {
        const body =
          req.url === "/eth/v1/beacon/genesis"
            ? JSON.stringify(genesis)
            : req.url === "/eth/v1/config/spec"
              ? spec
              : req.url === "/api/v1/eth2/publicKeys"
                ? JSON.stringify(publicKeys)
                : null;
        if (body === null) res.writeHead(404).end();
        else res.writeHead(200, {"content-type": "application/json"}).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {url, close: () => new Promise((resolve) => server.close(resolve))};
    }
    const runWith = async (url: string) => {
      const identity = path.join(tmp.path, "identity-key");
      copyFileSync(path.join(fixture, "node0", "identity-key"), identity);
      chmodSync(identity, 0o600);
      return cli(
        "run",
        ...["--cluster-lock", path.join(fixture, "cluster-lock.json"), "--identity-key", identity],
        ...["--beacon-nodes", url, "--remote-signer", url, "--data-dir", path.join(tmp.path, "data")],
        ...["--monitoring-port", "-1", "--log-level", "error"],
      );
    };

    it("refuses a beacon node whose genesis fork version is not the lock's, naming both (exit 1)", async () => {
      const fake = await fakeBeaconAndSigner("0x10000911", []);
      try {
        const r = await runWith(fake.url);
        expect(r.code).to.equal(1);
        expect(r.err).to.include("genesis fork version 0x10000911 differs from the cluster lock's 0x10000910");
      } finally {
        await fake.close();
      }
    });

    it("refuses a remote signer that does not hold this node's key share, naming it (exit 1)", async () => {
      const lock = JSON.parse(readFileSync(path.join(fixture, "cluster-lock.json"), "utf8")) as {
        validators: {public_key: string; public_key_shares: string[]}[];
      };
      // Node 0's share of every validator but the last, plus another operator's share of the last.
      const held = lock.validators.map((v, i) => v.public_key_shares[i === lock.validators.length - 1 ? 1 : 0]);
      const fake = await fakeBeaconAndSigner("0x10000910", held);
      try {
        const r = await runWith(fake.url);
        const last = lock.validators[lock.validators.length - 1];
        expect(r.code).to.equal(1);
        expect(r.err).to.include(
          `the remote signer does not hold this node's key share ${last.public_key_shares[0]} of validator ${last.public_key}`,
        );
      } finally {
        await fake.close();
      }
    });
  });

  describe("hidden --devnet-* fault flags", () => {
    const identity = path.join(fixture, "node0", "identity-key");

    it("are hidden from --help", async () => {
      const r = await cli("run", "--help");
      expect(r.out).to.include("--remote-signer");
      expect(r.out).to.not.match(/devnet/);
    });

    it("are refused without the --devnet marker, before anything starts (exit 2)", async () => {
      for (const flags of [
        ["--devnet-byzantine", "equivocate"],
        ["--devnet-latency", "50"],
        ["--devnet-drop", "0.1"],
        ["--devnet-round-duration-ms", "500"],
      ]) {
        const r = await runNode(identity, "http://127.0.0.1:1", ...flags);
        expect(r.code, flags.join(" ")).to.equal(2);
        expect(r.err).to.match(/local devnets only/);
      }
    });

    it("refuse an unknown Byzantine mode or a bad rate, even with --devnet", async () => {
      const bad = await runNode(identity, "http://127.0.0.1:1", "--devnet", "--devnet-byzantine", "lie");
      expect(bad.code).to.equal(2);
      expect(bad.err).to.match(/--devnet-byzantine lie: expected one of equivocate, slashable/);
      const rate = await runNode(identity, "http://127.0.0.1:1", "--devnet", "--devnet-drop", "1.5");
      expect(rate.code).to.equal(2);
      expect(rate.err).to.match(/--devnet-drop must be in \[0, 1\)/);
    });
  });
});

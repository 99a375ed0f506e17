import {type ChildProcess, spawn} from "node:child_process";
import {mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {Keystore} from "@chainsafe/bls-keystore";
import {SecretKey} from "@chainsafe/blst";
import {chainConfigToJson} from "@lodestar/config";
import {ForkName} from "@lodestar/params";
import {expect} from "chai";
import {decryptKeystoreDir} from "../../../src/cluster/keystores.js";
import type {SignerError} from "../../../src/eth/errors.js";
import {signingRootOnNetwork} from "../../../src/eth/signing.js";
import {verifies, Web3SignerClient} from "../../../src/eth/web3signer.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {sampleMessages, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "../../unit/eth/sampleMessages.js";
import {runCliCaptured} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const config = testConfig();
const PASSWORD = "correct horse battery staple";
/** Cheap KDF parameters so the test does not spend seconds in pbkdf2/scrypt. */
const FAST_KDF = {function: "pbkdf2", params: {dklen: 32, c: 2, prf: "hmac-sha256", salt: "ab".repeat(32)}} as const;

async function writeKeystores(dir: string, secretKeys: SecretKey[]): Promise<void> {
  mkdirSync(dir, {recursive: true});
  for (const [i, sk] of secretKeys.entries()) {
    const ks = await Keystore.create(
      PASSWORD,
      sk.toBytes(),
      sk.toPublicKey().toBytes(),
      `m/12381/3600/${i}/0/0`,
      null,
      FAST_KDF,
    );
    writeFileSync(path.join(dir, `keystore-${i}.json`), ks.stringify());
  }
}

const cli = (...argv: string[]) => runCliCaptured(argv);

describe("cohort signer", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();
  const secretKeys = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)));
  const pubkeys = secretKeys.map((sk) => sk.toPublicKey().toBytes());
  let child: ChildProcess | null = null;

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    child = null;
  });

  it("loads keystores (with progress), rejects a wrong password, a bad file and an empty directory", async () => {
    const dir = path.join(tmp.path, "keys");
    await writeKeystores(dir, secretKeys);
    const progress: string[] = [];
    const keys = await decryptKeystoreDir(dir, PASSWORD, (d, t) => progress.push(`${d}/${t}`));
    expect(keys.map((k) => k.publicKey)).to.deep.equal(pubkeys.map(toHex));
    expect(progress).to.deep.equal(["1/2", "2/2"]);
    await decryptKeystoreDir(dir, "wrong").then(
      () => expect.fail("wrong password accepted"),
      (e: Error & {code?: string}) => expect(e.code).to.equal("KEYSTORE_WRONG_PASSWORD"),
    );
    writeFileSync(path.join(dir, "keystore-zz.json"), "{}");
    await decryptKeystoreDir(dir, PASSWORD).then(
      () => expect.fail("bad keystore accepted"),
      (e: Error & {code?: string}) => expect(e.code).to.equal("KEYSTORE_INVALID"),
    );
    mkdirSync(path.join(tmp.path, "empty"));
    await decryptKeystoreDir(path.join(tmp.path, "empty"), PASSWORD).then(
      () => expect.fail("empty dir accepted"),
      (e: Error & {code?: string}) => expect(e.code).to.equal("KEYSTORE_NONE_FOUND"),
    );
  });

  it("refuses bad arguments with exit code 2 and a failing start with 1", async () => {
    const pass = path.join(tmp.path, "pass.txt");
    writeFileSync(pass, `${PASSWORD}\n`);
    const base = [
      "signer",
      "--keystores",
      path.join(tmp.path, "none"),
      "--password-file",
      pass,
      "--data-dir",
      tmp.path,
    ];
    expect((await cli(...base, "--genesis-validators-root", "0x12")).code).to.equal(2);
    expect((await cli(...base, "--chain-config", pass)).code).to.equal(2);
    expect((await cli(...base, "--network", "nowhere")).code).to.equal(2);
    const missing = await cli(...base, "--network", "hoodi");
    expect(missing.code).to.equal(1);
    expect(missing.err).to.match(/cannot read keystore directory/);

    // A custom chain from a config.yaml: a bad one is refused naming file and field; a good one is taken.
    const hoodiYaml = path.join(root, "fixtures/network-config/hoodi-config.yaml");
    const hoodiRoot = "0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f";
    const badYaml = path.join(tmp.path, "bad.yaml");
    writeFileSync(badYaml, "GENESIS_FORK_VERSION: 0x10000910\nDENEB_FORK_EPOCH: later\n");
    const bad = await cli(...base, "--network-config", badYaml, "--genesis-validators-root", hoodiRoot);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.include(`${badYaml}: DENEB_FORK_EPOCH must be an epoch`);
    expect((await cli(...base, "--network-config", hoodiYaml)).code).to.equal(2);
    const good = await cli(...base, "--network-config", hoodiYaml, "--genesis-validators-root", hoodiRoot);
    expect(good.code, good.err).to.equal(1);
    expect(good.err).to.match(/cannot read keystore directory/);
    // gnosis needs the gnosis preset: refused in this (mainnet-preset) process, set by the CLI entry from --network.
    const gnosis = await cli(...base, "--network", "gnosis");
    expect(gnosis.code).to.equal(2);
    expect(gnosis.err).to.include("LODESTAR_PRESET=gnosis");
    const {LODESTAR_PRESET: _, ...env} = process.env;
    const child = spawn(process.execPath, [path.join(root, "bin/cohort.js"), ...base, "--network", "gnosis"], {
      cwd: root,
      env,
    });
    let err = "";
    child.stderr.on("data", (d) => {
      err += String(d);
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code, err).to.equal(1);
    expect(err).to.match(/cannot read keystore directory/);
  });

  it("serves the keystores over HTTP as a process: every type at two forks signs and verifies; 412 on a double vote", async () => {
    const keysDir = path.join(tmp.path, "keys");
    await writeKeystores(keysDir, secretKeys);
    const pass = path.join(tmp.path, "pass.txt");
    writeFileSync(pass, `${PASSWORD}\n`);
    const spec = path.join(tmp.path, "spec.json");
    writeFileSync(spec, JSON.stringify({data: chainConfigToJson(config)}));
    child = spawn(
      process.execPath,
      [
        path.join(root, "bin/cohort.js"),
        "signer",
        "--keystores",
        keysDir,
        "--password-file",
        pass,
        "--port",
        "0",
        "--data-dir",
        path.join(tmp.path, "data"),
        "--chain-config",
        spec,
        "--genesis-validators-root",
        toHex(TEST_GENESIS_VALIDATORS_ROOT),
        "--log-level",
        "debug",
      ],
      {cwd: root, stdio: ["ignore", "pipe", "pipe"]},
    );
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child?.stdout?.on("data", (d) => {
        out += String(d);
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child?.once("exit", (code) => reject(new Error(`signer exited with ${code}: ${stderr}`)));
    });
    expect(stderr).to.match(/decrypted keystore 2\/2/);

    const client = new Web3SignerClient({url}, {config, logger: nullLogger()});
    expect(await client.upcheck()).to.equal(true);
    expect((await client.publicKeys()).map(toHex)).to.have.members(pubkeys.map(toHex));
    for (const [k, fork] of [ForkName.altair, ForkName.electra].entries()) {
      for (const msg of sampleMessages(config, fork)) {
        if (msg.type === "BLOCK_V2" && "blockHeader" in msg.data && msg.data.blockHeader.proposerIndex === 8) continue;
        const sig = await client.sign(pubkeys[k], msg);
        expect(verifies(pubkeys[k], signingRootOnNetwork(config, msg), sig), `${msg.type} at ${fork}`).to.equal(true);
      }
    }
    const [attestation] = sampleMessages(config, ForkName.altair);
    if (attestation.type !== "ATTESTATION") throw new Error("fixture order changed");
    const conflicting = {...attestation, data: {...attestation.data, beaconBlockRoot: new Uint8Array(32).fill(0xee)}};
    try {
      await client.sign(pubkeys[0], conflicting);
      expect.fail("double vote signed");
    } catch (e) {
      expect((e as SignerError).code).to.equal("SIGNER_SLASHING_REFUSED");
    }
    // Debug log per signing, with no secret in it.
    expect(stderr).to.match(/"msg":"Signed"/);
    for (const sk of secretKeys) expect(stderr).to.not.include(toHex(sk.toBytes()).slice(2));
    expect(stderr).to.not.include(PASSWORD);
  });
});

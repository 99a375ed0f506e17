import {mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {networksChainConfig} from "@lodestar/config/networks";
import {expect} from "chai";
import {type DepositDataJson, loadClusterLock, verifyDepositData} from "../../../src/cluster/index.js";
import {runCliCaptured as cli} from "../../utils/cli.js";

const A = "0x0F51bB10119727a7e5eA3538074fb341F56B09Ad";
const B = "0x2222222222222222222222222222222222222222";
const KDF = ["--kdf", "pbkdf2", "--kdf-cost", "16"];
const HOODI_YAML = path.join(import.meta.dirname, "../../../fixtures/network-config/hoodi-config.yaml");

async function depositFile(dir: string): Promise<DepositDataJson[]> {
  const names = (await readdir(dir)).filter((f) => /^deposit-data-\d+\.json$/.test(f));
  expect(names).to.have.length(1);
  return JSON.parse(await readFile(path.join(dir, names[0]), "utf8"));
}

describe("create-cluster: deposit data, fee recipients, threshold and networks (CLI)", () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "cohort-deposit-"));
  });
  after(() => rm(tmp, {recursive: true, force: true}));

  it("hoodi with a withdrawal address and per-validator fee recipients: deposit data the independent check accepts", async () => {
    const out = path.join(tmp, "hoodi");
    const r = await cli([
      "create-cluster",
      ...["--nodes", "4", "--validators", "2", "--network", "hoodi", "--out", out, ...KDF],
      ...["--withdrawal-address", A, "--fee-recipient", `${A},${B}`],
    ]);
    expect(r.code, r.err).to.equal(0);
    const lock = await loadClusterLock(path.join(out, "cluster-lock.json"));
    const deposits = await depositFile(out);
    const hoodi = networksChainConfig.hoodi.GENESIS_FORK_VERSION;
    verifyDepositData(deposits, {genesisForkVersion: hoodi, networkName: "hoodi"});
    expect(deposits.map((d) => `0x${d.pubkey}`)).to.deep.equal(lock.validators.map((v) => v.publicKey));
    for (const d of deposits) {
      expect(d.withdrawal_credentials).to.equal(`01${"00".repeat(11)}${A.slice(2).toLowerCase()}`);
      expect(d.amount).to.equal(32e9);
      expect(d.fork_version).to.equal("10000910");
    }
    // The lock holds the fee recipients, credentials, amounts and registrations (no validators.json).
    expect(lock.validators.map((v) => v.feeRecipient)).to.deep.equal([A.toLowerCase(), B.toLowerCase()]);
    expect(lock.validators.map((v) => v.builderRegistration.message.feeRecipient)).to.deep.equal([
      A.toLowerCase(),
      B.toLowerCase(),
    ]);
    expect(
      lock.validators.map((v) => `0x${deposits.find((d) => `0x${d.pubkey}` === v.publicKey)?.withdrawal_credentials}`),
    ).to.deep.equal(lock.validators.map((v) => v.withdrawalCredentials));
    expect(
      lock.validators.every((v) => v.depositAmountGwei === 32e9 && v.builderRegistration.message.gasLimit === 60e6),
    ).to.equal(true);
    expect(await readdir(out)).to.not.include("validators.json");
    expect(await readFile(path.join(out, "node3", "cluster-lock.json"), "utf8")).to.equal(
      await readFile(path.join(out, "cluster-lock.json"), "utf8"),
    );

    const file = path.join(out, (await readdir(out)).find((f) => f.startsWith("deposit-data-"))!);
    expect((await cli(["deposit-data", "verify", "--file", file, "--network", "hoodi"])).code).to.equal(0);
    const wrong = await cli(["deposit-data", "verify", "--file", file, "--network", "mainnet"]);
    expect(wrong.code).to.equal(1);
    expect(wrong.err).to.match(/\[0\]\.fork_version/);
    const fixture = path.join(import.meta.dirname, "../../../fixtures/deposit-data/hoodi-0x02.json");
    expect((await cli(["deposit-data", "verify", "--file", fixture, "--network-config", HOODI_YAML])).code).to.equal(0);
  });

  it("--split-keystores with --compounding and 2048 ETH: 0x02 deposit data of the split keys", async () => {
    const first = path.join(tmp, "first");
    expect(
      (
        await cli([
          ...["create-cluster", "--nodes", "3", "--validators", "2", "--network", "hoodi", "--out", first, ...KDF],
          ...["--withdrawal-address", A],
        ])
      ).code,
    ).to.equal(0);
    const keys = path.join(tmp, "keys");
    expect((await cli(["combine", "--cluster", first, "--out", keys, ...KDF])).code).to.equal(0);
    const out = path.join(tmp, "split");
    const r = await cli([
      "create-cluster",
      ...["--nodes", "4", "--network", "hoodi", "--out", out, ...KDF],
      ...["--split-keystores", keys, "--password-file", path.join(keys, "password.txt")],
      ...["--withdrawal-address", B, "--compounding", "--deposit-amount", "2048eth"],
    ]);
    expect(r.code, r.err).to.equal(0);
    const deposits = await depositFile(out);
    verifyDepositData(deposits, {genesisForkVersion: networksChainConfig.hoodi.GENESIS_FORK_VERSION});
    const original = await loadClusterLock(path.join(first, "cluster-lock.json"));
    expect(deposits.map((d) => `0x${d.pubkey}`)).to.deep.equal(original.validators.map((v) => v.publicKey));
    expect(deposits.every((d) => d.withdrawal_credentials.startsWith("02") && d.amount === 2048e9)).to.equal(true);
    // Fee recipients default to the withdrawal address.
    const split = await loadClusterLock(path.join(out, "cluster-lock.json"));
    expect(split.validators[1].feeRecipient).to.equal(B);
    expect(split.validators[1].withdrawalCredentials).to.equal(`0x02${"00".repeat(11)}${B.slice(2)}`);
    expect(split.validators[1].depositAmountGwei).to.equal(2048e9);
  });

  it("refuses a threshold below ceil(2n/3) unless --unsafe-threshold, saying what is lost; combine warns", async () => {
    const refused = await cli([
      "create-cluster",
      "--nodes",
      "4",
      "--threshold",
      "2",
      "--validators",
      "1",
      "--network",
      "hoodi",
      "--out",
      path.join(tmp, "t2"),
      ...["--withdrawal-address", A],
      ...KDF,
    ]);
    expect(refused.code).to.equal(2);
    expect(refused.err).to.include("any 2 colluding or compromised operators can sign anything");
    expect(refused.err).to.include("--unsafe-threshold");
    expect(await readdir(tmp)).to.not.include("t2");
    const out = path.join(tmp, "t2");
    const ok = await cli([
      "create-cluster",
      "--nodes",
      "4",
      "--threshold",
      "2",
      "--unsafe-threshold",
      "--validators",
      "1",
      "--network",
      "hoodi",
      "--out",
      out,
      ...["--withdrawal-address", A],
      ...KDF,
    ]);
    expect(ok.code, ok.err).to.equal(0);
    expect((await loadClusterLock(path.join(out, "cluster-lock.json"))).threshold).to.equal(2);
    const combined = await cli(["combine", "--cluster", out, "--out", path.join(tmp, "t2-keys"), ...KDF]);
    expect(combined.code).to.equal(0);
    expect(combined.err).to.match(/WARNING: threshold 2 of 4 is below ceil\(2n\/3\) = 3/);
    // 3 of 4 and 1 of 1 are at the safe threshold: no flag needed.
    const safe = await cli([
      "create-cluster",
      "--nodes",
      "1",
      "--validators",
      "1",
      "--network",
      "hoodi",
      "--out",
      path.join(tmp, "t1"),
      ...["--withdrawal-address", A],
      ...KDF,
    ]);
    expect(safe.code, safe.err).to.equal(0);
  });

  it("a custom chain from its config.yaml; a malformed one is refused naming the file and field", async () => {
    const yaml = (await readFile(HOODI_YAML, "utf8"))
      .replace("CONFIG_NAME: hoodi", "CONFIG_NAME: mydevnet")
      .replace("GENESIS_FORK_VERSION: 0x10000910", "GENESIS_FORK_VERSION: 0x10000999");
    const config = path.join(tmp, "config.yaml");
    await writeFile(config, yaml);
    const gvr = `0x${"ab".repeat(32)}`;
    const out = path.join(tmp, "custom");
    const r = await cli([
      "create-cluster",
      ...["--nodes", "4", "--validators", "1", "--network-config", config, "--genesis-validators-root", gvr],
      ...["--out", out, "--withdrawal-address", A, ...KDF],
    ]);
    expect(r.code, r.err).to.equal(0);
    const lock = await loadClusterLock(path.join(out, "cluster-lock.json"));
    expect(lock.network).to.deep.equal({
      name: "mydevnet",
      genesisForkVersion: "0x10000999",
      genesisValidatorsRoot: gvr,
    });
    verifyDepositData(await depositFile(out), {
      genesisForkVersion: Buffer.from("10000999", "hex"),
      networkName: "mydevnet",
    });

    // The published hoodi config.yaml names hoodi: its known genesis validators root is used.
    const h = await cli([
      "create-cluster",
      "--nodes",
      "4",
      "--validators",
      "1",
      "--network-config",
      HOODI_YAML,
      "--out",
      path.join(tmp, "h"),
      ...["--withdrawal-address", A],
      ...KDF,
    ]);
    expect(h.code, h.err).to.equal(0);
    expect((await loadClusterLock(path.join(tmp, "h", "cluster-lock.json"))).network.name).to.equal("hoodi");

    for (const [text, field] of [
      [yaml.replace("ELECTRA_FORK_EPOCH: 1", "ELECTRA_FORK_EPOCH: soon"), "ELECTRA_FORK_EPOCH"],
      [yaml.replace("GENESIS_FORK_VERSION: 0x10000999", "GENESIS_FORK_VERSION: 0x1000"), "GENESIS_FORK_VERSION"],
      [yaml.replace("PRESET_BASE: mainnet", "PRESET_BASE: minimal"), "LODESTAR_PRESET=minimal"],
      [`${yaml}\nGENESIS_DELAY: 1\n`, "unique"],
      ["- a list\n", "not a config.yaml"],
    ]) {
      await writeFile(config, text);
      const bad = await cli([
        "create-cluster",
        "--nodes",
        "4",
        "--validators",
        "1",
        "--network-config",
        config,
        "--genesis-validators-root",
        gvr,
        "--out",
        path.join(tmp, "bad"),
        ...KDF,
      ]);
      expect(bad.code, field).to.equal(2);
      expect(bad.err.trim().split("\n").at(-1), field).to.include(config).and.include(field);
    }
    expect(await readdir(tmp)).to.not.include("bad");
  });

  it("bad deposit flags exit 2 and leave nothing behind", async () => {
    for (const args of [
      ["--withdrawal-address", "0x1234"],
      ["--withdrawal-address", `${A},${A},${A}`],
      ["--fee-recipient", `0x${"zz".repeat(20)}`],
      ["--withdrawal-address", A, "--deposit-amount", "33"],
      ["--withdrawal-address", A, "--deposit-amount", "32000000000"],
      ["--withdrawal-address", A, "--deposit-amount", "0.5eth"],
      ["--deposit-amount", "32"],
      ["--compounding"],
      [
        "--network",
        "mydevnet",
        "--genesis-fork-version",
        "0x10000999",
        "--genesis-validators-root",
        `0x${"ab".repeat(32)}`,
        "--withdrawal-address",
        A,
        "--compounding",
      ],
    ]) {
      const network = args.includes("--network") ? [] : ["--network", "hoodi"];
      const r = await cli([
        "create-cluster",
        "--nodes",
        "4",
        "--validators",
        "2",
        ...network,
        ...args,
        "--out",
        path.join(tmp, "bad"),
        ...KDF,
      ]);
      expect(r.code, `${args.join(" ")}: ${r.err}`).to.equal(2);
    }
    expect((await readdir(tmp)).filter((f) => f.startsWith("bad"))).to.deep.equal([]);
  });
});

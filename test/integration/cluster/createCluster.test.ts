import {chmod, mkdtemp, readdir, readFile, rm, stat, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {expect} from "chai";
import {
  type ClusterError,
  type ClusterNetwork,
  combineClusterKeys,
  createCluster,
  decryptKeystoreDir,
  type KdfOption,
  type KeystoreError,
  knownNetwork,
  libp2pPrivateKeyOf,
  loadClusterLock,
  loadNode,
  loadNodeIdentity,
  loadNodeKeyShares,
  planCluster,
  seededRandom,
  validatorKeysFromLock,
} from "../../../src/cluster/index.js";
import {combineShares, initHerumi} from "../../../src/combine/index.js";
import {toHex} from "../../../src/util/hex.js";
import type {Logger} from "../../../src/util/logger.js";
import {runCliCaptured} from "../../utils/cli.js";

const FAST_KDF: KdfOption = {function: "pbkdf2", cost: 16};

/** A logger that keeps every line it is given, to check nothing secret is logged. */
function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string, ctx?: Record<string, unknown>) => {
    lines.push(`${level} ${msg} ${JSON.stringify(ctx ?? {})}`);
  };
  const l: Logger = {
    error: log("error"),
    warn: log("warn"),
    info: log("info"),
    verbose: log("verbose"),
    debug: log("debug"),
    child: () => l,
  };
  return l;
}

const cli = runCliCaptured;
const CREATED_AT = Date.UTC(2026, 11, 7, 12);
const WITHDRAWAL = ["--withdrawal-address", "0x0f51bb10119727a7e5ea3538074fb341f56b09ad"];

describe("cluster/createCluster (files)", () => {
  let tmp: string;
  let hoodi: ClusterNetwork;
  before(async () => {
    hoodi = knownNetwork("hoodi");
    await initHerumi();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cohort-cluster-"));
  });
  after(() => rm(tmp, {recursive: true, force: true}));

  it("writes a lock and node directories that load back equal, with secret files 0600 and no secret logged", async () => {
    const out = path.join(tmp, "c1");
    const lines: string[] = [];
    const lock = await createCluster(
      {nodes: 4, validators: 3, network: hoodi, outDir: out, kdf: FAST_KDF},
      {random: seededRandom("c1"), logger: recordingLogger(lines), now: () => CREATED_AT},
    );
    expect(await loadClusterLock(path.join(out, "cluster-lock.json"))).to.deep.equal(lock);
    // The same seed plans the same cluster: the written lock is reproducible.
    expect(
      planCluster({nodes: 4, validators: 3, network: hoodi}, {random: seededRandom("c1"), now: () => CREATED_AT}).lock,
    ).to.deep.equal(lock);

    const secrets: string[] = [];
    for (let i = 0; i < 4; i++) {
      const nodeDir = path.join(out, `node${i}`);
      const node = await loadNode(nodeDir);
      expect(node.operatorIndex).to.equal(i);
      expect(node.lock).to.deep.equal(lock);
      expect(toHex(node.identity.publicKey)).to.equal(lock.operators[i].identityPublicKey);
      expect(peerIdFromPrivateKey(libp2pPrivateKeyOf(node.identity)).toString()).to.equal(lock.operators[i].peerId);
      secrets.push(toHex(node.identity.exportSecret()).slice(2));
      expect((await stat(path.join(nodeDir, "identity-key"))).mode & 0o777).to.equal(0o600);
      const keysDir = path.join(nodeDir, "validator_keys");
      for (const f of await readdir(keysDir))
        expect((await stat(path.join(keysDir, f))).mode & 0o777, f).to.equal(0o600);
      secrets.push((await readFile(path.join(keysDir, "password.txt"), "utf8")).trim());
      const shares = await loadNodeKeyShares(nodeDir, lock, i);
      expect(shares.map((s) => s.publicKeyShare)).to.deep.equal(lock.validators.map((v) => v.publicKeyShares[i]));
      secrets.push(...shares.map((s) => toHex(s.secret).slice(2)));
    }
    const lockText = await readFile(path.join(out, "cluster-lock.json"), "utf8");
    const logText = lines.join("\n");
    expect(lines.length).to.be.greaterThan(0);
    for (const s of secrets) {
      expect(lockText).to.not.include(s);
      expect(logText).to.not.include(s);
    }
  });

  it("node key shares sign shares that recombine into the validator's signature", async () => {
    const out = path.join(tmp, "c1");
    const lock = await loadClusterLock(path.join(out, "cluster-lock.json"));
    const keys = validatorKeysFromLock(lock);
    const root = new Uint8Array(32).fill(0x5a);
    const byNode = await Promise.all([1, 2, 3].map((i) => loadNodeKeyShares(path.join(out, `node${i}`), lock, i)));
    for (const [v, validator] of lock.validators.entries()) {
      const shares = byNode.map((node) => ({
        index: node[v].shareIndex,
        signature: SecretKey.fromBytes(node[v].secret).sign(root).toBytes(),
      }));
      const {signature, rejected} = combineShares(keys.get(validator.publicKey)!, lock.threshold, root, shares);
      expect(rejected).to.deep.equal([]);
      expect(signature).to.have.length(96);
    }
  });

  it("dissolves: combine recovers the validator keys, which split again into the same validators", async () => {
    const src = path.join(tmp, "c1");
    const lock = await loadClusterLock(path.join(src, "cluster-lock.json"));
    // Only t node directories are needed.
    const partial = path.join(tmp, "c1-partial");
    await createCluster(
      {nodes: 4, validators: 3, network: hoodi, outDir: partial, kdf: FAST_KDF},
      {random: seededRandom("c1")},
    );
    await rm(path.join(partial, "node0"), {recursive: true});
    const keysOut = path.join(tmp, "keys");
    const result = await combineClusterKeys(
      {clusterDir: partial, outDir: keysOut, kdf: FAST_KDF},
      {random: seededRandom("k")},
    );
    expect(result.nodesUsed).to.deep.equal([1, 2, 3]);
    const password = (await readFile(path.join(keysOut, "password.txt"), "utf8")).trim();
    const keys = await decryptKeystoreDir(keysOut, password);
    expect(keys.map((k) => k.publicKey)).to.deep.equal(lock.validators.map((v) => v.publicKey));
    for (const f of await readdir(keysOut)) expect((await stat(path.join(keysOut, f))).mode & 0o777).to.equal(0o600);

    // staking-deposit-cli keeps deposit data next to the keystores: it is not a keystore and is skipped.
    await writeFile(path.join(keysOut, "deposit_data-1.json"), "[]");
    const resplit = path.join(tmp, "c2");
    const {code, err} = await cli([
      "create-cluster",
      "--nodes",
      "5",
      "--network",
      "hoodi",
      "--split-keystores",
      keysOut,
      "--password-file",
      path.join(keysOut, "password.txt"),
      ...WITHDRAWAL,
      "--out",
      resplit,
      "--kdf-cost",
      "16",
    ]);
    expect(code, err).to.equal(0);
    const lock2 = await loadClusterLock(path.join(resplit, "cluster-lock.json"));
    expect(lock2.validators.map((v) => v.publicKey)).to.deep.equal(lock.validators.map((v) => v.publicKey));
    expect(lock2.threshold).to.equal(4);

    // Fewer than t nodes: refused, nothing written.
    await rm(path.join(partial, "node1"), {recursive: true});
    const again = await cli(["combine", "--cluster", partial, "--out", path.join(tmp, "keys2"), "--kdf-cost", "16"]);
    expect(again.code).to.equal(1);
    expect(again.err).to.match(/2 node directories .* 3 are needed/);
    expect(await readdir(tmp)).to.not.include("keys2");
  });

  it("refuses to overwrite, bad arguments (exit 2), and a world-readable identity key", async () => {
    const out = path.join(tmp, "c1");
    const exists = await cli([
      "create-cluster",
      "--nodes",
      "4",
      "--validators",
      "1",
      "--network",
      "hoodi",
      ...WITHDRAWAL,
      "--out",
      out,
    ]);
    expect(exists.code).to.equal(2);
    expect(exists.err).to.match(/not empty/);
    for (const args of [
      ["--nodes", "4", "--validators", "1", "--threshold", "5", "--network", "hoodi"],
      ["--nodes", "4", "--validators", "1", "--network", "nowhere"],
      ["--nodes", "4", "--network", "hoodi"],
      ["--nodes", "4", "--validators", "1", "--network", "hoodi", "--kdf", "scrypt", "--kdf-cost", "1000"],
      ["--nodes", "4", "--validators", "1", "--network", "hoodi", "--operator-addresses", "/ip4/1.2.3.4/tcp/1"],
    ]) {
      const r = await cli(["create-cluster", ...args, ...WITHDRAWAL, "--out", path.join(tmp, "bad")]);
      expect(r.code, `${args.join(" ")}: ${r.err}`).to.equal(2);
    }
    // A real network needs a withdrawal address: the lock holds every validator's credentials.
    const noAddress = await cli([
      "create-cluster",
      "--nodes",
      "4",
      "--validators",
      "1",
      "--network",
      "hoodi",
      "--out",
      path.join(tmp, "bad"),
    ]);
    expect(noAddress.code).to.equal(2);
    expect(noAddress.err).to.match(/--withdrawal-address is required on hoodi/);
    expect(await readdir(tmp)).to.not.include("bad");
    const help = await cli(["create-cluster", "--help"]);
    expect(help.code).to.equal(0);
    expect(help.out).to.include("--split-keystores");

    const nodeDir = path.join(out, "node0");
    await chmod(path.join(nodeDir, "identity-key"), 0o644);
    try {
      await loadNodeIdentity(nodeDir);
      expect.fail("accepted");
    } catch (e) {
      expect((e as ClusterError).code).to.equal("CLUSTER_NODE_FILE_INVALID");
      expect((e as Error).message).to.match(/chmod 600/);
    } finally {
      await chmod(path.join(nodeDir, "identity-key"), 0o600);
    }
    // A keystore from another node is refused, naming the file.
    const lock = await loadClusterLock(path.join(out, "cluster-lock.json"));
    const wrong = path.join(tmp, "wrong-node");
    await createCluster(
      {nodes: 4, validators: 3, network: hoodi, outDir: wrong, kdf: FAST_KDF},
      {random: seededRandom("c1")},
    );
    await writeFile(
      path.join(wrong, "node0", "validator_keys", "keystore-1.json"),
      await readFile(path.join(wrong, "node1", "validator_keys", "keystore-1.json")),
    );
    await writeFile(
      path.join(wrong, "node0", "validator_keys", "password.txt"),
      await readFile(path.join(wrong, "node1", "validator_keys", "password.txt")),
    );
    try {
      await loadNodeKeyShares(path.join(wrong, "node0"), lock, 0);
      expect.fail("accepted");
    } catch (e) {
      // node1's password opens none of node0's other keystores: the first one is named.
      expect((e as KeystoreError).code).to.equal("KEYSTORE_WRONG_PASSWORD");
      expect((e as Error).message).to.include("keystore-0.json");
    }
  });
});

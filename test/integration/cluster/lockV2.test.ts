import {chmod, cp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {expect} from "chai";
import {
  type ClusterLock,
  computeLockHash,
  loadClusterLock,
  parseClusterLockV1,
  serializeClusterLock,
} from "../../../src/cluster/index.js";
import {runCliCaptured as cli} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const FIXTURES = path.join(import.meta.dirname, "../../../fixtures");
const A = "0x0f51bb10119727a7e5ea3538074fb341f56b09ad";
const B = "0x2222222222222222222222222222222222222222";
const KDF = ["--kdf", "pbkdf2", "--kdf-cost", "16"];

/** A copy of a fixture cluster directory, identity keys 0600 as create-cluster writes them. */
async function copyCluster(from: string, to: string): Promise<string> {
  await cp(from, to, {recursive: true});
  for (let i = 0; i < 4; i++) await chmod(path.join(to, `node${i}`, "identity-key"), 0o600);
  return to;
}

/** Writes the edited lock, hash recomputed, signatures left as they were, to the directory and every node. */
async function tamper(dir: string, edit: (l: ClusterLock) => void): Promise<void> {
  const lock = await loadClusterLock(path.join(dir, "cluster-lock.json"));
  edit(lock);
  const text = serializeClusterLock({...lock, lockHash: computeLockHash(lock)});
  for (const d of [dir, ...[0, 1, 2, 3].map((i) => path.join(dir, `node${i}`))])
    await writeFile(path.join(d, "cluster-lock.json"), text);
}

/** `cohort run` as node 0 of the cluster in `dir` (no BN or signer reachable: it gets as far as the lock). */
function runNode0(dir: string, scratch: string) {
  return cli([
    "run",
    ...["--cluster-lock", path.join(dir, "node0", "cluster-lock.json")],
    ...["--identity-key", path.join(dir, "node0", "identity-key")],
    ...["--beacon-nodes", "http://127.0.0.1:1", "--remote-signer", "http://127.0.0.1:1"],
    ...["--data-dir", path.join(scratch, "data")],
  ]);
}

describe("cluster lock v2: tampered locks refused by run and combine; upgrade-lock (CLI, real files)", function () {
  this.timeout(60_000);
  const tmp = useTmpDir();

  const edits: [string, (l: ClusterLock) => void][] = [
    ["an operator's address", (l) => (l.operators[1].multiaddrs = ["/ip4/203.0.113.7/tcp/9001"])],
    ["the threshold", (l) => (l.threshold = 4)],
    [
      "a key share (with the validator, all consistent)",
      (l) => {
        // Swap the two validators' entries whole: every field stays valid, only the signatures catch it.
        [l.validators[0], l.validators[1]] = [l.validators[1], l.validators[0]];
      },
    ],
  ];
  for (const [what, edit] of edits) {
    it(`a lock with ${what} changed and its hash recomputed is refused by run and combine, naming operator 0`, async () => {
      const dir = await copyCluster(path.join(FIXTURES, "combine/cluster"), path.join(tmp.path, "c"));
      await tamper(dir, edit);
      const combined = await cli(["combine", "--cluster", dir, "--out", path.join(tmp.path, "keys"), ...KDF]);
      expect(combined.code).to.equal(1);
      expect(combined.err.trim().split("\n").at(-1)).to.match(
        /cluster-lock\.json: operator_signatures\[0\] of operator 0 \(16Uiu2\w+\) does not verify/,
      );
      expect(await readdir(tmp.path)).to.not.include("keys");
      const run = await runNode0(dir, tmp.path);
      expect(run.code).to.equal(1);
      expect(run.err).to.match(/node0\/cluster-lock\.json: operator_signatures\[0\] of operator 0 .* does not verify/);
    });
  }

  it("a v1 lock is refused by run with how to upgrade; upgrade-lock makes a v2 lock all nodes load, keeping the v1 locks", async () => {
    const dir = await copyCluster(path.join(FIXTURES, "lock-v1/cluster"), path.join(tmp.path, "v1"));
    const v1Text = await readFile(path.join(dir, "cluster-lock.json"), "utf8");
    const v1 = await parseClusterLockV1(JSON.parse(v1Text));
    const run = await runNode0(dir, tmp.path);
    expect(run.code).to.equal(1);
    expect(run.err).to.match(/is a cohort\/lock\/v1 lock.*cohort upgrade-lock --cluster DIR/);

    // Missing a node directory: refused, nothing changed.
    await cp(path.join(dir, "node3"), path.join(tmp.path, "node3-away"), {recursive: true});
    await rm(path.join(dir, "node3"), {recursive: true});
    const partial = await cli(["upgrade-lock", "--cluster", dir, "--withdrawal-address", A]);
    expect(partial.code).to.equal(1);
    expect(partial.err).to.match(/node3\/cluster-lock\.json: missing: upgrade-lock needs every node directory/);
    expect(await readFile(path.join(dir, "cluster-lock.json"), "utf8")).to.equal(v1Text);
    expect(await readdir(dir)).to.not.include("cluster-lock.v1.json");
    await cp(path.join(tmp.path, "node3-away"), path.join(dir, "node3"), {recursive: true});

    const before = Date.now();
    const up = await cli(["upgrade-lock", "--cluster", dir, "--withdrawal-address", A, "--fee-recipient", `${A},${B}`]);
    expect(up.code, up.err).to.equal(0);
    const lock = await loadClusterLock(path.join(dir, "cluster-lock.json"));
    expect(lock.version).to.equal("cohort/lock/v2");
    expect(lock.validators.map((v) => [v.publicKey, v.publicKeyShares])).to.deep.equal(
      v1.validators.map((v) => [v.publicKey, v.publicKeyShares]),
    );
    expect(lock.operators).to.deep.equal(v1.operators);
    expect(lock.threshold).to.equal(v1.threshold);
    expect(lock.validators.map((v) => v.feeRecipient)).to.deep.equal([A, B]);
    expect(lock.validators.map((v) => v.withdrawalCredentials)).to.deep.equal([
      `0x01${"00".repeat(11)}${A.slice(2)}`,
      `0x01${"00".repeat(11)}${A.slice(2)}`,
    ]);
    const ts = lock.validators[0].builderRegistration.message.timestamp;
    expect(ts).to.be.within(Math.floor(before / 1000), Math.ceil(Date.now() / 1000));
    for (let i = 0; i < 4; i++) {
      const node = path.join(dir, `node${i}`);
      expect(await loadClusterLock(path.join(node, "cluster-lock.json"))).to.deep.equal(lock);
      expect(await readFile(path.join(node, "cluster-lock.v1.json"), "utf8")).to.equal(v1Text);
    }
    expect(await readFile(path.join(dir, "cluster-lock.v1.json"), "utf8")).to.equal(v1Text);

    // The upgraded cluster works: combine recovers keys from it (its registrations were threshold-signed).
    const keys = await cli(["combine", "--cluster", dir, "--out", path.join(tmp.path, "keys"), ...KDF]);
    expect(keys.code, keys.err).to.equal(0);
    const again = await cli(["upgrade-lock", "--cluster", dir, "--withdrawal-address", A]);
    expect(again.code).to.equal(1);
    expect(again.err).to.match(/is already a cohort\/lock\/v2 lock/);
  });

  it("upgrade-lock takes the v1 validators.json, and refuses without settings", async () => {
    const dir = await copyCluster(path.join(FIXTURES, "lock-v1/cluster"), path.join(tmp.path, "v1"));
    const none = await cli(["upgrade-lock", "--cluster", dir]);
    expect(none.code).to.equal(1);
    expect(none.err).to.match(/has no validators\.json: give --withdrawal-address/);
    const v1 = await parseClusterLockV1(JSON.parse(await readFile(path.join(dir, "cluster-lock.json"), "utf8")));
    await writeFile(
      path.join(dir, "validators.json"),
      JSON.stringify({
        lock_hash: v1.lockHash,
        network: "hoodi",
        validators: v1.validators.map((v) => ({
          public_key: v.publicKey,
          fee_recipient: B,
          withdrawal_address: A,
          withdrawal_credentials: `0x02${"00".repeat(11)}${A.slice(2)}`,
          deposit_amount_gwei: 64e9,
        })),
      }),
    );
    const up = await cli(["upgrade-lock", "--cluster", dir, "--gas-limit", "36000000"]);
    expect(up.code, up.err).to.equal(0);
    const lock = await loadClusterLock(path.join(dir, "cluster-lock.json"));
    expect(lock.validators[1]).to.deep.include({
      feeRecipient: B,
      withdrawalCredentials: `0x02${"00".repeat(11)}${A.slice(2)}`,
      depositAmountGwei: 64e9,
    });
    expect(lock.validators[1].builderRegistration.message.gasLimit).to.equal(36e6);
  });
});

import {readdir} from "node:fs/promises";
import path from "node:path";
import {expect} from "chai";
import {loadClusterLock} from "../../../src/cluster/index.js";

/** The consensus specs' interop public keys of validator indexes 0 and 1. */
const INTEROP_PUBKEYS = [
  "0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
  "0xb89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b",
];

import {runCliCaptured} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const custom = [
  ...["--network", "devnet", "--genesis-fork-version", "0x00000001"],
  ...["--genesis-validators-root", `0x${"ab".repeat(32)}`, "--kdf", "pbkdf2", "--kdf-cost", "16"],
];

describe("cli: cohort create-cluster --interop-indexes", function () {
  this.timeout(30_000);
  const tmp = useTmpDir();

  it("splits the interop keys of the indexes: the lock's validators are the interop public keys", async () => {
    const out = path.join(tmp.path, "interop");
    const r = await runCliCaptured([
      "create-cluster",
      "--nodes",
      "4",
      "--interop-indexes",
      "0..1",
      ...custom,
      "--out",
      out,
    ]);
    expect(r.code, r.err).to.equal(0);
    const lock = await loadClusterLock(path.join(out, "cluster-lock.json"));
    expect(lock.validators.map((v) => v.publicKey)).to.deep.equal(INTEROP_PUBKEYS);
    expect(lock.network.genesisValidatorsRoot).to.equal(`0x${"ab".repeat(32)}`);
  });

  it("refuses a bad range, or interop indexes with another key source (exit 2, nothing written)", async () => {
    for (const args of [
      ["--interop-indexes", "3..1"],
      ["--interop-indexes", "x"],
      ["--interop-indexes", "0..1", "--validators", "2"],
    ]) {
      const r = await runCliCaptured([
        "create-cluster",
        "--nodes",
        "4",
        ...args,
        ...custom,
        "--out",
        path.join(tmp.path, "bad"),
      ]);
      expect(r.code, `${args.join(" ")}: ${r.err}`).to.equal(2);
    }
    expect(await readdir(tmp.path)).to.not.include("bad");
  });
});

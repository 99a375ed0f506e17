import {readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";
import {runCliCaptured} from "../../utils/cli.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const vectors = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/eip3076");
const zeroRoot = `0x${"00".repeat(32)}`;

const cli = (...argv: string[]) => runCliCaptured(argv);
/** `cohort slashing-protection import --file F --data-dir D --genesis-validators-root R [extra…]` */
const importFile = (file: string, dataDir: string, root: string, ...extra: string[]) =>
  cli(
    "slashing-protection",
    "import",
    "--file",
    file,
    "--data-dir",
    dataDir,
    "--genesis-validators-root",
    root,
    ...extra,
  );

describe("cli: cohort slashing-protection", () => {
  const tmp = useTmpDir();

  it("imports a file and exports the same history", async () => {
    const file = path.join(vectors, "single_validator_multiple_blocks_and_attestations.json");
    const interchange = JSON.parse(readFileSync(file, "utf8")).steps[0].interchange;
    const input = path.join(tmp.path, "in.json");
    writeFileSync(input, JSON.stringify(interchange));
    const data = path.join(tmp.path, "data");
    const imp = await importFile(input, data, zeroRoot);
    expect(imp.code, imp.err).to.equal(0);
    expect(imp.out).to.match(/1 validators, 4 blocks, 3 attestations/);
    const output = path.join(tmp.path, "out.json");
    const exp = await cli("slashing-protection", "export", "--file", output, "--data-dir", data);
    expect(exp.code, exp.err).to.equal(0);
    const exported = JSON.parse(readFileSync(output, "utf8"));
    expect(exported.data[0].signed_blocks.map((b: {slot: string}) => b.slot)).to.deep.equal(["2", "3", "10", "1200"]);
    const selected = await cli(
      "slashing-protection",
      "export",
      "--file",
      output,
      "--data-dir",
      data,
      "--pubkeys",
      `0x${"11".repeat(48)}`,
    );
    expect(selected.code).to.equal(0);
    expect(JSON.parse(readFileSync(output, "utf8")).data).to.deep.equal([]);

    // --network NAME stands for its genesis validators root: hoodi's is not the file's (zero) root.
    const imp2 = () => ["slashing-protection", "import", "--file", input, "--data-dir", path.join(tmp.path, "d2")];
    const hoodi = await cli(...imp2(), "--network", "hoodi");
    expect(hoodi.code).to.not.equal(0);
    expect(hoodi.err).to.include("0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f");
    expect((await cli(...imp2())).code).to.equal(2);
  });

  it("records a signer's export, keyed by key shares, under the cluster's validator keys (--cluster-lock)", async () => {
    const lockFile = path.join(vectors, "../combine/cluster/cluster-lock.json");
    const lock = JSON.parse(readFileSync(lockFile, "utf8"));
    const validator = lock.validators[0].public_key;
    const share = lock.validators[0].public_key_shares[1];
    const gvr = lock.network.genesis_validators_root;
    const signerExport = {
      metadata: {interchange_format_version: "5", genesis_validators_root: gvr},
      data: [
        {pubkey: share, signed_blocks: [{slot: "7"}], signed_attestations: [{source_epoch: "1", target_epoch: "2"}]},
      ],
    };
    const input = path.join(tmp.path, "signer.json");
    writeFileSync(input, JSON.stringify(signerExport));
    const data = path.join(tmp.path, "data");
    const r = await importFile(input, data, gvr, "--cluster-lock", lockFile);
    expect(r.code, r.err).to.equal(0);
    const output = path.join(tmp.path, "out.json");
    expect((await cli("slashing-protection", "export", "--file", output, "--data-dir", data)).code).to.equal(0);
    expect(JSON.parse(readFileSync(output, "utf8")).data.map((d: {pubkey: string}) => d.pubkey)).to.deep.equal([
      validator,
    ]);
    // A key that belongs to no validator of the lock is refused, and nothing is imported.
    signerExport.data[0].pubkey = `0x${"ab".repeat(48)}`;
    writeFileSync(input, JSON.stringify(signerExport));
    const bad = await importFile(input, data, gvr, "--cluster-lock", lockFile);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/data\[0\]\.pubkey.*no key share/);
  });

  it("reports bad input with a clear message and exit code, changing nothing", async () => {
    const data = path.join(tmp.path, "data");
    const bad = path.join(tmp.path, "bad.json");
    writeFileSync(bad, "{not json");
    const r1 = await importFile(bad, data, zeroRoot);
    expect(r1.code).to.equal(1);
    expect(r1.err).to.match(/not valid JSON.*nothing was imported/);
    const otherChain = {
      metadata: {interchange_format_version: "5", genesis_validators_root: `0x${"01".repeat(32)}`},
      data: [],
    };
    writeFileSync(bad, JSON.stringify(otherChain));
    const r2 = await importFile(bad, data, zeroRoot);
    expect(r2.code).to.equal(1);
    expect(r2.err).to.match(/another chain/);
    const r3 = await importFile(bad, data, "0x12");
    expect(r3.code).to.equal(2);
    const r4 = await cli("slashing-protection", "export", "--file", bad, "--data-dir", path.join(tmp.path, "none"));
    expect(r4.code).to.equal(1);
    expect(r4.err).to.match(/no slashing-protection DB/);
    const r5 = await cli("slashing-protection", "import", "--data-dir", data);
    expect(r5.code).to.equal(2);
    expect(r5.err).to.match(/Missing required argument/);
  });
});

import {expect} from "chai";
import {InterchangeError, SlashingProtection, SlashingProtectionError} from "../../../src/slashing/index.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const gvrHex = `0x${"ab".repeat(32)}`;
const gvr = new Uint8Array(32).fill(0xab);
const pkHex = (n: number) => `0x${n.toString(16).padStart(2, "0").repeat(48)}`;
const pk = (n: number) => new Uint8Array(48).fill(n);
const root = (n: number) => new Uint8Array(32).fill(n);

function interchange(data: unknown[], version = "5", root_ = gvrHex): Record<string, unknown> {
  return {metadata: {interchange_format_version: version, genesis_validators_root: root_}, data};
}

function errorOf(fn: () => unknown): InterchangeError | SlashingProtectionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InterchangeError || e instanceof SlashingProtectionError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("slashing/interchange (SQLite file)", () => {
  const tmp = useTmpDir();

  it("persists records durably across close and reopen", () => {
    const db = SlashingProtection.open({dataDir: tmp.path, genesisValidatorsRoot: gvr});
    db.checkAndInsertAttestation(pk(1), {sourceEpoch: 1, targetEpoch: 2, signingRoot: root(1)});
    db.close();
    const reopened = SlashingProtection.open({dataDir: tmp.path});
    expect(
      reopened.isSlashableAttestation(pk(1), {sourceEpoch: 1, targetEpoch: 2, signingRoot: root(2)})?.code,
    ).to.equal("SLASHING_DOUBLE_VOTE");
    reopened.close();
  });

  it("refuses to open with another chain's genesis validators root, or a new DB without one", () => {
    SlashingProtection.open({dataDir: tmp.path, genesisValidatorsRoot: gvr}).close();
    expect(errorOf(() => SlashingProtection.open({dataDir: tmp.path, genesisValidatorsRoot: root(1)})).code).to.equal(
      "SLASHING_GENESIS_VALIDATORS_ROOT_MISMATCH",
    );
    expect(errorOf(() => SlashingProtection.open({dataDir: `${tmp.path}/other`})).code).to.equal(
      "SLASHING_GENESIS_VALIDATORS_ROOT_REQUIRED",
    );
  });

  it("imports v5 and v4-complete, twice without change", () => {
    const db = SlashingProtection.open({dataDir: tmp.path, genesisValidatorsRoot: gvr});
    const data = [
      {
        pubkey: pkHex(1),
        signed_blocks: [{slot: "10", signing_root: `0x${"01".repeat(32)}`}, {slot: "12"}],
        signed_attestations: [{source_epoch: "1", target_epoch: "2"}],
      },
    ];
    expect(db.importInterchange(interchange(data))).to.deep.equal({
      validators: 1,
      blocksImported: 2,
      attestationsImported: 1,
      duplicatesSkipped: 0,
    });
    const before = JSON.stringify(db.exportInterchange());
    expect(db.importInterchange(interchange(data)).duplicatesSkipped).to.equal(3);
    const v4 = interchange(data, "4");
    (v4.metadata as Record<string, unknown>).interchange_format = "complete";
    expect(db.importInterchange(v4).duplicatesSkipped).to.equal(3);
    expect(JSON.stringify(db.exportInterchange())).to.equal(before);
    db.close();
  });

  it("validates the whole file first and changes nothing on any error, naming the entry", () => {
    const db = SlashingProtection.open({dataDir: tmp.path, genesisValidatorsRoot: gvr});
    const good = {pubkey: pkHex(1), signed_blocks: [{slot: "10"}], signed_attestations: []};
    const cases: [unknown, string, string][] = [
      [interchange([good, {...good, pubkey: "0x1234"}]), "INTERCHANGE_INVALID_FIELD", "data[1].pubkey"],
      [
        interchange([good, {...good, signed_blocks: [{slot: "1"}, {slot: "0x10"}]}]),
        "INTERCHANGE_INVALID_FIELD",
        "data[1].signed_blocks[1].slot",
      ],
      [
        interchange([good, {...good, signed_attestations: [{source_epoch: 1, target_epoch: "2"}]}]),
        "INTERCHANGE_INVALID_FIELD",
        "data[1].signed_attestations[0].source_epoch",
      ],
      [
        interchange([{...good, signed_blocks: [{slot: "1", signing_root: "0x00"}]}]),
        "INTERCHANGE_INVALID_FIELD",
        "data[0].signed_blocks[0].signing_root",
      ],
      [interchange([{...good, signed_blocks: [{slot: "99999999999999999999"}]}]), "INTERCHANGE_INVALID_FIELD", "slot"],
      [interchange([good], "3"), "INTERCHANGE_UNSUPPORTED_VERSION", "version"],
      [
        interchange([good], "5", `0x${"00".repeat(32)}`),
        "INTERCHANGE_GENESIS_VALIDATORS_ROOT_MISMATCH",
        "another chain",
      ],
      [
        {metadata: {interchange_format_version: "5", genesis_validators_root: gvrHex}},
        "INTERCHANGE_INVALID_FIELD",
        "data",
      ],
      ["not an object", "INTERCHANGE_INVALID_FIELD", "$"],
    ];
    for (const [doc, code, mention] of cases) {
      const err = errorOf(() => db.importInterchange(doc));
      expect(err.code, JSON.stringify(doc).slice(0, 80)).to.equal(code);
      expect(err.message).to.include(mention);
    }
    expect(db.exportInterchange().data).to.have.length(0);
    db.close();
  });

  it("exports all or selected keys; re-import into an empty DB decides the same", () => {
    const a = SlashingProtection.open({dataDir: `${tmp.path}/a`, genesisValidatorsRoot: gvr});
    a.checkAndInsertBlock(pk(1), {slot: 100, signingRoot: root(1)});
    a.checkAndInsertAttestations(
      [1, 2].map((n) => ({pubkey: pk(n), attestation: {sourceEpoch: 3, targetEpoch: 4, signingRoot: root(n)}})),
    );
    const all = a.exportInterchange();
    expect(all.metadata).to.deep.equal({interchange_format_version: "5", genesis_validators_root: gvrHex});
    expect(all.data.map((d) => d.pubkey)).to.deep.equal([pkHex(1), pkHex(2)]);
    expect(a.exportInterchange([pk(2)]).data.map((d) => d.pubkey)).to.deep.equal([pkHex(2)]);
    const b = SlashingProtection.open({dataDir: `${tmp.path}/b`, genesisValidatorsRoot: gvr});
    b.importInterchange(JSON.parse(JSON.stringify(all)));
    for (const slot of [99, 100, 101]) {
      for (const r of [1, 2]) {
        const block = {slot, signingRoot: root(r)};
        expect(b.isSlashableBlock(pk(1), block)?.code).to.equal(a.isSlashableBlock(pk(1), block)?.code);
      }
    }
    a.close();
    b.close();
  });
});

import {expect} from "chai";
import {SlashingProtection, SlashingProtectionError} from "../../../src/slashing/index.js";

const gvr = new Uint8Array(32);
const pk = (n: number) => new Uint8Array(48).fill(n);
const root = (n: number) => new Uint8Array(32).fill(n);
const att = (sourceEpoch: number, targetEpoch: number, r = root(1)) => ({sourceEpoch, targetEpoch, signingRoot: r});

function refusalCode(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return e.code;
    throw e;
  }
}

describe("slashing/rules", () => {
  let db: SlashingProtection;
  beforeEach(() => {
    db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr});
  });
  afterEach(() => db.close());

  describe("blocks", () => {
    it("refuses a double proposal and allows an identical re-sign", () => {
      expect(db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(1)})).to.equal("new");
      expect(db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(1)})).to.equal("same");
      expect(refusalCode(() => db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(2)}))).to.equal(
        "SLASHING_DOUBLE_PROPOSAL",
      );
      // Another validator is independent.
      expect(db.checkAndInsertBlock(pk(2), {slot: 10, signingRoot: root(2)})).to.equal("new");
    });

    it("treats an all-zero signing root as a real root", () => {
      db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(0)});
      expect(db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(0)})).to.equal("same");
      expect(refusalCode(() => db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(1)}))).to.equal(
        "SLASHING_DOUBLE_PROPOSAL",
      );
    });

    it("refuses blocks at or below the lowest recorded slot", () => {
      db.checkAndInsertBlock(pk(1), {slot: 10, signingRoot: root(1)});
      expect(refusalCode(() => db.checkAndInsertBlock(pk(1), {slot: 9, signingRoot: root(1)}))).to.equal(
        "SLASHING_BLOCK_BELOW_LOW_WATERMARK",
      );
      expect(db.checkAndInsertBlock(pk(1), {slot: 11, signingRoot: root(1)})).to.equal("new");
    });

    it("never matches an imported block without a signing root", () => {
      db.importInterchange({
        metadata: {interchange_format_version: "5", genesis_validators_root: `0x${"00".repeat(32)}`},
        data: [{pubkey: `0x${"01".repeat(48)}`, signed_blocks: [{slot: "5"}], signed_attestations: []}],
      });
      expect(refusalCode(() => db.checkAndInsertBlock(pk(1), {slot: 5, signingRoot: root(0)}))).to.equal(
        "SLASHING_DOUBLE_PROPOSAL",
      );
    });
  });

  describe("attestations", () => {
    it("refuses double votes, allows identical re-signs", () => {
      db.checkAndInsertAttestation(pk(1), att(1, 2));
      expect(db.checkAndInsertAttestation(pk(1), att(1, 2))).to.equal("same");
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(1, 2, root(2))))).to.equal(
        "SLASHING_DOUBLE_VOTE",
      );
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(0, 2, root(3))))).to.equal(
        "SLASHING_DOUBLE_VOTE",
      );
    });

    it("refuses a vote that surrounds a recorded one", () => {
      db.checkAndInsertAttestation(pk(1), att(3, 4));
      db.checkAndInsertAttestation(pk(1), att(4, 6));
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(3, 7)))).to.equal("SLASHING_SURROUNDING_VOTE");
    });

    it("refuses a vote surrounded by a recorded one", () => {
      db.checkAndInsertAttestation(pk(1), att(2, 3));
      db.checkAndInsertAttestation(pk(1), att(3, 10));
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(4, 9)))).to.equal("SLASHING_SURROUNDED_VOTE");
      // Same source is not a surround.
      expect(db.checkAndInsertAttestation(pk(1), att(3, 11))).to.equal("new");
    });

    it("refuses source after target and anything below the low watermarks", () => {
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(5, 4)))).to.equal(
        "SLASHING_SOURCE_EXCEEDS_TARGET",
      );
      db.checkAndInsertAttestation(pk(1), att(5, 6));
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(4, 7)))).to.equal(
        "SLASHING_ATTESTATION_BELOW_LOW_WATERMARK",
      );
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(5, 5)))).to.equal(
        "SLASHING_ATTESTATION_BELOW_LOW_WATERMARK",
      );
      expect(db.checkAndInsertAttestation(pk(1), att(6, 7))).to.equal("new");
    });

    it("isSlashable checks without writing", () => {
      db.checkAndInsertAttestation(pk(1), att(1, 2));
      expect(db.isSlashableAttestation(pk(1), att(1, 3))).to.equal(null);
      expect(db.isSlashableAttestation(pk(1), att(1, 2, root(9)))?.code).to.equal("SLASHING_DOUBLE_VOTE");
      expect(db.isSlashableAttestation(pk(7), att(1, 2))).to.equal(null);
      expect(db.isSlashableBlock(pk(1), {slot: 3, signingRoot: root(1)})).to.equal(null);
      // Nothing was written by the checks: the same messages can be recorded now.
      expect(db.checkAndInsertAttestation(pk(1), att(1, 3))).to.equal("new");
      expect(db.exportInterchange([pk(7)]).data).to.have.length(0);
    });

    it("rejects malformed input with a typed error", () => {
      expect(refusalCode(() => db.checkAndInsertAttestation(new Uint8Array(47), att(1, 2)))).to.equal(
        "SLASHING_INVALID_INPUT",
      );
      expect(refusalCode(() => db.checkAndInsertAttestation(pk(1), att(-1, 2)))).to.equal("SLASHING_INVALID_INPUT");
      expect(refusalCode(() => db.checkAndInsertBlock(pk(1), {slot: 1, signingRoot: new Uint8Array(31)}))).to.equal(
        "SLASHING_INVALID_INPUT",
      );
    });
  });

  describe("batches", () => {
    it("records all validators' attestations, or none when one is refused", () => {
      db.checkAndInsertAttestation(pk(3), att(1, 2, root(7)));
      const batch = [1, 2, 3, 4].map((n) => ({pubkey: pk(n), attestation: att(1, 2)}));
      expect(refusalCode(() => db.checkAndInsertAttestations(batch))).to.equal("SLASHING_DOUBLE_VOTE");
      // Validators 1, 2 and 4 were not recorded: a conflicting vote for them is still allowed.
      for (const n of [1, 2, 4]) expect(db.isSlashableAttestation(pk(n), att(1, 2, root(9)))).to.equal(null);
      const ok = [1, 2, 4].map((n) => ({pubkey: pk(n), attestation: att(1, 2)}));
      expect(db.checkAndInsertAttestations(ok)).to.deep.equal(["new", "new", "new"]);
      for (const n of [1, 2, 4]) expect(db.isSlashableAttestation(pk(n), att(1, 2, root(9)))).to.not.equal(null);
    });

    it("refuses a batch that double-votes within itself", () => {
      const batch = [
        {pubkey: pk(1), attestation: att(1, 2, root(1))},
        {pubkey: pk(1), attestation: att(1, 2, root(2))},
      ];
      expect(refusalCode(() => db.checkAndInsertAttestations(batch))).to.equal("SLASHING_DOUBLE_VOTE");
      expect(db.exportInterchange().data).to.have.length(0);
    });

    it("records block batches all or nothing", () => {
      db.checkAndInsertBlock(pk(2), {slot: 5, signingRoot: root(5)});
      const batch = [1, 2].map((n) => ({pubkey: pk(n), block: {slot: 5, signingRoot: root(1)}}));
      expect(refusalCode(() => db.checkAndInsertBlocks(batch))).to.equal("SLASHING_DOUBLE_PROPOSAL");
      expect(db.isSlashableBlock(pk(1), {slot: 5, signingRoot: root(2)})).to.equal(null);
    });
  });
});

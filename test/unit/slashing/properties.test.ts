import {expect} from "chai";
import fc from "fast-check";
import {SlashingProtection, SlashingProtectionError} from "../../../src/slashing/index.js";

const gvr = new Uint8Array(32).fill(3);
const pk = (n: number) => new Uint8Array(48).fill(n);
const root = (n: number) => new Uint8Array(32).fill(n);
/** A signing root commits to the data: (source, target, vote) → root, as hash_tree_root does. */
const attRoot = (a: {s: number; t: number; r: number}) => Uint8Array.from([a.s, a.t, a.r, ...new Uint8Array(29)]);

interface Att {
  v: number;
  s: number;
  t: number;
  r: number;
}

const attArb = fc.record({
  v: fc.integer({min: 1, max: 2}),
  s: fc.integer({min: 0, max: 12}),
  t: fc.integer({min: 0, max: 12}),
  r: fc.integer({min: 0, max: 2}),
});

function slashablePair(a: Att, b: Att): boolean {
  if (a.v !== b.v) return false;
  const doubleVote = a.t === b.t && (a.s !== b.s || a.r !== b.r);
  const surround = (a.s < b.s && b.t < a.t) || (b.s < a.s && a.t < b.t);
  return doubleVote || surround;
}

function tryInsert(db: SlashingProtection, a: Att): boolean {
  try {
    db.checkAndInsertAttestation(pk(a.v), {sourceEpoch: a.s, targetEpoch: a.t, signingRoot: attRoot(a)});
    return true;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return false;
    throw e;
  }
}

describe("slashing/properties (fast-check)", () => {
  it("no sequence of accepted attestations contains a slashable pair", () => {
    fc.assert(
      fc.property(fc.array(attArb, {maxLength: 40}), (atts) => {
        const db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr});
        try {
          const accepted = atts.filter((a) => tryInsert(db, a));
          for (let i = 0; i < accepted.length; i++) {
            for (let j = i + 1; j < accepted.length; j++) {
              if (slashablePair(accepted[i], accepted[j])) return false;
            }
          }
          return true;
        } finally {
          db.close();
        }
      }),
      {numRuns: 300, seed: 0x5eed},
    );
  });

  it("refuses only for a reason: a conflict with accepted history, or the low watermark", () => {
    fc.assert(
      fc.property(fc.array(attArb, {maxLength: 40}), (atts) => {
        const db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr});
        try {
          const accepted: Att[] = [];
          for (const a of atts) {
            if (tryInsert(db, a)) {
              accepted.push(a);
              continue;
            }
            const mine = accepted.filter((x) => x.v === a.v);
            const identical = mine.some((x) => x.s === a.s && x.t === a.t && x.r === a.r);
            const conflict = mine.some((x) => slashablePair(x, a));
            const belowWatermark =
              mine.length > 0 && (a.s < Math.min(...mine.map((x) => x.s)) || a.t <= Math.min(...mine.map((x) => x.t)));
            if (identical || !(conflict || belowWatermark || a.s > a.t)) return false;
          }
          return true;
        } finally {
          db.close();
        }
      }),
      {numRuns: 300, seed: 0xc0de},
    );
  });

  it("an exported and re-imported DB refuses and allows exactly the same messages", () => {
    const blockArb = fc.record({
      v: fc.integer({min: 1, max: 2}),
      slot: fc.integer({min: 0, max: 15}),
      r: fc.integer({min: 0, max: 2}),
    });
    const importArb = fc.record({
      blocks: fc.array(fc.record({slot: fc.integer({min: 0, max: 15}), r: fc.option(fc.integer({min: 0, max: 2}))}), {
        maxLength: 3,
      }),
      atts: fc.array(
        fc.record({
          s: fc.integer({min: 0, max: 12}),
          t: fc.integer({min: 0, max: 12}),
          r: fc.option(fc.integer({min: 0, max: 2})),
        }),
        {maxLength: 3},
      ),
    });
    const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
    fc.assert(
      fc.property(
        fc.option(importArb),
        fc.array(attArb, {maxLength: 20}),
        fc.array(blockArb, {maxLength: 10}),
        (imp, atts, blocks) => {
          const a = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr});
          const b = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr});
          try {
            if (imp) {
              a.importInterchange({
                metadata: {interchange_format_version: "5", genesis_validators_root: hex(gvr)},
                data: [
                  {
                    pubkey: hex(pk(1)),
                    signed_blocks: imp.blocks.map((x) => ({
                      slot: String(x.slot),
                      ...(x.r !== null ? {signing_root: hex(root(x.r))} : {}),
                    })),
                    signed_attestations: imp.atts.map((x) => ({
                      source_epoch: String(x.s),
                      target_epoch: String(x.t),
                      ...(x.r !== null ? {signing_root: hex(root(x.r))} : {}),
                    })),
                  },
                ],
              });
            }
            for (const x of atts) tryInsert(a, x);
            for (const x of blocks) {
              try {
                a.checkAndInsertBlock(pk(x.v), {slot: x.slot, signingRoot: root(x.r)});
              } catch (e) {
                if (!(e instanceof SlashingProtectionError)) throw e;
              }
            }
            b.importInterchange(JSON.parse(JSON.stringify(a.exportInterchange())));
            for (const v of [1, 2]) {
              for (let r = 0; r < 3; r++) {
                for (let slot = 0; slot <= 16; slot++) {
                  const block = {slot, signingRoot: root(r)};
                  if (a.isSlashableBlock(pk(v), block)?.code !== b.isSlashableBlock(pk(v), block)?.code) return false;
                }
                for (let s = 0; s <= 13; s++) {
                  for (let t = 0; t <= 13; t++) {
                    const att = {sourceEpoch: s, targetEpoch: t, signingRoot: attRoot({s, t, r})};
                    if (
                      (a.isSlashableAttestation(pk(v), att) === null) !==
                      (b.isSlashableAttestation(pk(v), att) === null)
                    ) {
                      return false;
                    }
                  }
                }
              }
            }
            return true;
          } finally {
            a.close();
            b.close();
          }
        },
      ),
      {numRuns: 30, seed: 0xface},
    );
  });

  it("the property checks can fail: a slashable pair is detected by the oracle", () => {
    expect(slashablePair({v: 1, s: 1, t: 5, r: 0}, {v: 1, s: 2, t: 4, r: 0})).to.equal(true);
    expect(slashablePair({v: 1, s: 1, t: 5, r: 0}, {v: 1, s: 1, t: 5, r: 1})).to.equal(true);
    expect(slashablePair({v: 1, s: 1, t: 5, r: 0}, {v: 2, s: 2, t: 4, r: 0})).to.equal(false);
  });
});

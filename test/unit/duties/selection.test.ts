import {isAggregatorFromCommitteeLength} from "@lodestar/state-transition";
import {expect} from "chai";
import fc from "fast-check";
import {aggregatorModulo, isAggregator, selectionProofValue} from "../../../src/duties/selection.js";

function sig(fill: number): Uint8Array {
  return new Uint8Array(96).fill(fill);
}

describe("duties/selection: is_aggregator (consensus specs, phase0 validator guide)", () => {
  it("modulo = max(1, committee length // TARGET_AGGREGATORS_PER_COMMITTEE (16))", () => {
    expect(aggregatorModulo(0)).to.equal(1);
    expect(aggregatorModulo(1)).to.equal(1);
    expect(aggregatorModulo(31)).to.equal(1);
    expect(aggregatorModulo(32)).to.equal(2);
    expect(aggregatorModulo(128)).to.equal(8);
    expect(aggregatorModulo(2048)).to.equal(128);
  });

  it("reads the first 8 bytes of sha256(proof) as a little-endian uint64 (fixed vectors)", () => {
    // Computed independently with Python's hashlib: struct.unpack("<Q", sha256(bytes([f]) * 96)[:8]).
    expect(selectionProofValue(sig(0x00))).to.equal(9251468512758311214n); // sha256 starts 2ea9ab9198d16380
    expect(selectionProofValue(sig(0x01))).to.equal(15010667366611956363n); // 8b3274a4709a50d0
    expect(selectionProofValue(sig(0x02))).to.equal(6463443705522100576n); // 6019612dcec3b259
    expect(selectionProofValue(sig(0xff))).to.equal(4453607881410897358n); // ce65609cc564ce3d
  });

  it("fixed vectors: every member aggregates in small committees; value % modulo == 0 in large ones", () => {
    // Committees below 32 members (the minimal devnet's): modulo 1, every proof selects.
    for (const f of [0x00, 0x01, 0x02, 0xff]) {
      expect(isAggregator(4, sig(f))).to.equal(true);
      expect(isAggregator(31, sig(f))).to.equal(true);
    }
    // Committee of 128: modulo 8. Values mod 8: 0x00 → 6, 0x01 → 3, 0x02 → 0, 0xff → 6.
    expect(isAggregator(128, sig(0x02))).to.equal(true);
    expect(isAggregator(128, sig(0x00))).to.equal(false);
    expect(isAggregator(128, sig(0x01))).to.equal(false);
    expect(isAggregator(128, sig(0xff))).to.equal(false);
    // Committee of 160: modulo 10. Values mod 10: 0x00 → 4, 0x01 → 3, 0x02 → 6, 0xff → 8: none selects.
    for (const f of [0x00, 0x01, 0x02, 0xff]) expect(isAggregator(160, sig(f))).to.equal(false);
  });

  it("agrees with Lodestar's isAggregatorFromCommitteeLength on random proofs and committee sizes", () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 96, maxLength: 96}), fc.integer({min: 0, max: 2048}), (proof, len) => {
        expect(isAggregator(len, proof)).to.equal(isAggregatorFromCommitteeLength(len, proof));
      }),
      {numRuns: 500, seed: 9},
    );
  });
});

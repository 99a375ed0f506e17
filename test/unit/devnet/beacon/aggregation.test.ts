import {BitArray} from "@chainsafe/ssz";
import {createBeaconConfig} from "@lodestar/config";
import {MAX_COMMITTEES_PER_SLOT} from "@lodestar/params";
import {type electra, ssz} from "@lodestar/types";
import {expect} from "chai";
import {checkAggregateAndProof} from "../../../../src/devnet/beacon/aggregation.js";
import type {DutySchedule} from "../../../../src/devnet/beacon/duties.js";
import {createSimChainConfig} from "../../../../src/devnet/beacon/index.js";
import {SigningRoots} from "../../../../src/devnet/beacon/signing.js";
import type {ValidatorSet} from "../../../../src/devnet/beacon/validators.js";
import {isAggregator} from "../../../../src/duties/selection.js";
import {toHex} from "../../../../src/util/hex.js";

describe("devnet/beacon: checkAggregateAndProof, the is_aggregator rule in large committees", () => {
  const config = createBeaconConfig(createSimChainConfig(), new Uint8Array(32));
  // A committee of 160 (modulo 10), as the chain would schedule it with many validators.
  const committee = Array.from({length: 160}, (_, i) => i);
  const schedule = {committeesPerSlot: 1, committee: () => committee} as unknown as DutySchedule;
  const validators = {size: 160, publicKey: () => null} as unknown as ValidatorSet;
  const head = new Uint8Array(32).fill(1);

  function signed(selectionProof: Uint8Array): electra.SignedAggregateAndProof {
    const data = ssz.phase0.AttestationData.defaultValue();
    data.slot = 3;
    data.beaconBlockRoot = head;
    const committeeBits = BitArray.fromSingleBit(MAX_COMMITTEES_PER_SLOT, 0);
    const aggregate = {
      aggregationBits: BitArray.fromSingleBit(160, 7),
      data,
      signature: new Uint8Array(96),
      committeeBits,
    };
    return {message: {aggregatorIndex: 7, aggregate, selectionProof}, signature: new Uint8Array(96)};
  }

  it("refuses an aggregator whose selection proof does not select it (before any signature check)", () => {
    const notSelecting = new Uint8Array(96).fill(0x00); // sha256 prefix value % 10 == 4
    expect(isAggregator(160, notSelecting)).to.equal(false);
    const ctx = {
      currentSlot: 3,
      config,
      schedule,
      validators,
      roots: new SigningRoots(config),
      blocks: new Map([[toHex(head), {} as never]]),
    };
    expect(() => checkAggregateAndProof(signed(notSelecting), ctx))
      .to.throw(/does not select validator 7/)
      .with.property("code", "SIMCHAIN_NOT_AGGREGATOR");
  });
});

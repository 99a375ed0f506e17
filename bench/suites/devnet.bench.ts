import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {electra} from "@lodestar/types";
import {SimulatedChain} from "../../src/devnet/beacon/chain.js";
import {ManualClock} from "../../src/devnet/beacon/clock.js";
import {SigningRoots} from "../../src/devnet/beacon/signing.js";
import {interopPublicKeys, interopSecretKey} from "../../src/devnet/beacon/validators.js";
import {type BenchResult, type BenchSuite, summarize} from "../harness.js";

/** A block without blobs is published with none (this chain has no blob pool enabled). */
const NO_BLOBS = {blobs: [], kzgProofs: []};

const GENESIS = 1_700_000_000;
const VALIDATORS = 1000;

/**
 * The simulated beacon chain's own cost, so devnets and pipeline benches know its share: checking one
 * submitted SingleAttestation (all checks + one blst verification), producing a block that packs a slot's
 * aggregates, and importing it (block, RANDAO and every aggregate signature verified).
 */
const suite: BenchSuite = {
  name: "devnet",
  async run(): Promise<BenchResult[]> {
    const clock = new ManualClock(GENESIS * 1000);
    const chain = new SimulatedChain({genesisTime: GENESIS, validators: interopPublicKeys(VALIDATORS)}, {clock});
    const roots = new SigningRoots(chain.config);
    const keys = Array.from({length: VALIDATORS}, (_, i) => interopSecretKey(i));
    const attestMs: number[] = [];
    const produceMs: number[] = [];
    const importMs: number[] = [];
    const started = performance.now();
    // One slot at a time: the slot's committee attests at 1/3; the next slot's proposer packs them.
    for (let slot = 1; slot < 2 * SLOTS_PER_EPOCH && performance.now() - started < 3000; slot++) {
      clock.advance(chain.slotStartMs(slot) + chain.slotMs / 10 - clock.now());
      const proposer = chain.schedule.proposer(slot)!;
      const reveal = keys[proposer].sign(roots.randao(slot)).toBytes();
      let t0 = performance.now();
      const {block} = chain.produceBlock(slot, reveal);
      produceMs.push(performance.now() - t0);
      const signed: electra.SignedBeaconBlock = {
        message: block,
        signature: keys[proposer].sign(roots.block(block)).toBytes(),
      };
      t0 = performance.now();
      chain.publishBlock(signed, NO_BLOBS);
      importMs.push(performance.now() - t0);

      clock.advance(chain.slotMs / 4);
      const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
      const duties = chain.schedule.attesterDuties(epoch).filter((d) => d.slot === slot);
      const items = duties.map((d) => {
        const data = chain.attestationData(slot, d.committeeIndex);
        const signature = keys[d.validatorIndex].sign(roots.attestation(data)).toBytes();
        return {committeeIndex: d.committeeIndex, attesterIndex: d.validatorIndex, data, signature};
      });
      for (const att of items) {
        t0 = performance.now();
        chain.submitAttestation(att);
        attestMs.push(performance.now() - t0);
      }
    }
    const att = summarize(attestMs);
    const produce = summarize(produceMs);
    const imp = summarize(importMs);
    const stats = chain.stats();
    const note = `${VALIDATORS} validators, ${att.iterations} attestations over ${produce.iterations} slots, slashable ${stats.slashable.total}`;
    return [
      {suite: "devnet", name: "check one SingleAttestation (median)", value: att.medianMs * 1000, unit: "µs", note},
      {suite: "devnet", name: "check one SingleAttestation (p99)", value: att.p99Ms * 1000, unit: "µs"},
      {
        suite: "devnet",
        name: "produce a block packing the previous slot's aggregates (median)",
        value: produce.medianMs,
        unit: "ms",
      },
      {
        suite: "devnet",
        name: "import a published block, all signatures verified (median)",
        value: imp.medianMs,
        unit: "ms",
      },
    ];
  },
};

export default suite;

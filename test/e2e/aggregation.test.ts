import {ACTIVE_PRESET, SLOTS_PER_EPOCH} from "@lodestar/params";
import {expect} from "chai";
import {type LocalCluster, startLocalCluster} from "../../src/devnet/localCluster.js";
import {isAccepted} from "../../src/devnet/summary.js";
import {useTmpDir} from "../utils/tmpDir.js";

// Run with LODESTAR_PRESET=minimal (npm run test:e2e): 8 slots per epoch, so 2 epochs are 16 slots.
const EPOCHS = 2;

describe(`aggregation duties end to end: 4 cohort nodes, the simulated chain (${ACTIVE_PRESET} preset)`, function () {
  this.timeout(180_000);
  const tmp = useTmpDir();
  let cluster: LocalCluster | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  async function run(seed: string, skipNodes: number[] = []): Promise<LocalCluster> {
    cluster = await startLocalCluster({
      dir: tmp.path,
      nodes: 4,
      validators: 4,
      secondsPerSlot: 2,
      genesisDelaySec: 5,
      seed,
      skipNodes,
    });
    const lastSlot = EPOCHS * SLOTS_PER_EPOCH - 1;
    while (cluster.beacon.chain.currentSlot() <= lastSlot + 1) await new Promise((r) => setTimeout(r, 250));
    return cluster;
  }

  /** Every aggregator duty the chain expected over the epochs: accepted, and its committee subscribed before the slot. */
  function checkAggregation(c: LocalCluster): void {
    const records = c.beacon.chain
      .records()
      .filter((r) => r.type === "aggregator" && r.slot < EPOCHS * SLOTS_PER_EPOCH);
    const notDone = records.filter((r) => !isAccepted(r));
    expect(notDone, JSON.stringify({notDone, failed: c.outcomes.filter((o) => o.status === "failed")})).to.deep.equal(
      [],
    );
    // 4 validators attest once per epoch; in committees of one, each is its committee's aggregator.
    expect(records.filter((r) => r.expected)).to.have.length(4 * EPOCHS);
    expect(records.every((r) => r.rejections.length === 0)).to.equal(true);
    for (const r of records.filter((x) => x.slot >= SLOTS_PER_EPOCH)) {
      // Epoch 1's selection proofs were made when its duties arrived (during epoch 0): subscribed in time.
      const sub = c.beacon.chain.committeeSubscription(r.slot, r.validatorIndex);
      expect(sub?.isAggregator, `subscription of validator ${r.validatorIndex} at slot ${r.slot}`).to.equal(true);
      expect(sub?.atMs).to.be.below(c.beacon.chain.slotStartMs(r.slot));
    }
  }

  it("every aggregation duty of 2 epochs is submitted and accepted (selection proof, aggregate, signatures)", async () => {
    const c = await run("e2e-aggregation");
    checkAggregation(c);
    const aggregatorOutcomes = c.outcomes.filter((o) => o.type === "aggregator");
    expect(aggregatorOutcomes.filter((o) => o.status === "failed")).to.deep.equal([]);
    // Each of the 4 nodes submits every aggregate of the 2 epochs.
    expect(aggregatorOutcomes.filter((o) => o.slot < EPOCHS * SLOTS_PER_EPOCH)).to.have.length(4 * 4 * EPOCHS);
  });
  // With one node down: cluster.test.ts ("3 of 4 nodes still do everything") checks every duty type.
});

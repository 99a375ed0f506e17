import path from "node:path";
import {ACTIVE_PRESET, SLOTS_PER_EPOCH} from "@lodestar/params";
import {expect} from "chai";
import {type ByzantineStats, byzantineFaults, lossyNetwork, seededUniform} from "../../src/devnet/faults.js";
import {type LocalCluster, type LocalClusterOpts, startLocalCluster} from "../../src/devnet/localCluster.js";
import {isAccepted} from "../../src/devnet/summary.js";
import {SlashingProtection} from "../../src/slashing/index.js";
import {useTmpDir} from "../utils/tmpDir.js";

// Fault campaigns of the devnet (issue 8 §3) on the in-process cluster, minimal preset.
const SECONDS_PER_SLOT = 2;

async function untilSlot(cluster: LocalCluster, slot: number): Promise<void> {
  while (cluster.beacon.chain.currentSlot() < slot) await new Promise((r) => setTimeout(r, 250));
}

function doneShare(
  cluster: LocalCluster,
  from: number,
  to: number,
  counted: (r: {type: string}) => boolean = () => true,
): {done: number; expected: number; missed: string} {
  const records = cluster.beacon.chain.records().filter((r) => r.slot >= from && r.slot <= to && counted(r));
  const missed = records.filter((r) => !isAccepted(r)).map((r) => `${r.type}@${r.slot}:${r.status}`);
  return {
    expected: records.length,
    done: records.length - missed.length,
    // Named in the assertion messages, so a failing campaign says which duties it lost.
    missed: missed.join(" "),
  };
}

describe(`fault campaigns (${ACTIVE_PRESET} preset)`, function () {
  this.timeout(180_000);
  const tmp = useTmpDir();
  let cluster: LocalCluster | null = null;
  afterEach(async () => {
    await cluster?.stop();
    cluster = null;
  });

  /** A 4-node, 4-validator cluster on 2 s slots, genesis 5 s out. */
  async function start(seed: string, extra: Partial<LocalClusterOpts> = {}): Promise<LocalCluster> {
    cluster = await startLocalCluster({
      dir: tmp.path,
      nodes: 4,
      validators: 4,
      secondsPerSlot: SECONDS_PER_SLOT,
      genesisDelaySec: 5,
      seed,
      ...extra,
    });
    return cluster;
  }

  it("10% message drop and 50 ms latency between nodes: at least 95% of the duties accepted, nothing slashable", async () => {
    const faults = Object.fromEntries(
      [0, 1, 2, 3].map((i) => [i, lossyNetwork({latencyMs: 50, dropRate: 0.1, random: seededUniform(100 + i)})]),
    );
    // 3 s slots: sync committee duties must finish within their slot, and a lost message costs a 1 s round
    // change or share re-broadcast (on mainnet's 12 s slots a third of a slot is 4 s).
    cluster = await start("campaign-lossy", {faults, secondsPerSlot: 3});
    const last = 2 * SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    // Every duty type on its own, sync committee duties included (one sync slot lost is 4 of 64 duties).
    const types = ["attester", "proposer", "aggregator", "syncMessage", "syncContribution"];
    const lossy = cluster;
    const shares = types.map((type) => ({type, ...doneShare(lossy, 0, last, (r) => r.type === type)}));
    const report = shares.map((s) => `${s.type} ${s.done}/${s.expected}`).join(", ");
    for (const s of shares) {
      expect(s.expected, `${s.type} expected; ${report}`).to.be.greaterThan(0);
      expect(s.done / s.expected, `${s.type}: ${report}; missed: ${s.missed}`).to.be.at.least(0.95);
    }
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
  });

  it("two nodes down (below threshold): nothing submitted or signed; when they return, duties resume", async () => {
    cluster = await start("campaign-two-down", {skipNodes: [2, 3]});
    const downUntil = SLOTS_PER_EPOCH; // one epoch
    await untilSlot(cluster, downUntil);
    // No quorum: no duty of that epoch reached the chain, and the two live nodes recorded nothing.
    expect(doneShare(cluster, 0, downUntil - 1).done).to.equal(0);
    expect(cluster.outcomes.filter((o) => o.status === "submitted")).to.deep.equal([]);
    // Nothing was recorded for signing by the live nodes, nor signed as a block or attestation by their signers.
    for (const i of [0, 1]) {
      for (const db of ["node", "signer"]) {
        const protection = SlashingProtection.open({dataDir: path.join(tmp.path, `data${i}`, db)});
        const history = protection.exportInterchange().data;
        protection.close();
        const records = history.flatMap((v) => [...v.signed_blocks, ...v.signed_attestations]);
        expect(records, `data${i}/${db}`).to.deep.equal([]);
      }
    }
    for (const i of [2, 3]) await cluster.startNode(i);
    const resumeFrom = cluster.beacon.chain.currentSlot() + 2;
    const last = resumeFrom + SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    const {done, expected, missed} = doneShare(cluster, resumeFrom, last);
    expect(expected).to.be.greaterThan(0);
    expect(done, `${done}/${expected} after the nodes returned, missed: ${missed}`).to.equal(expected);
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
  });

  it("a node killed for an epoch and restarted: every duty still accepted, and it takes part again", async () => {
    cluster = await start("campaign-kill-restart");
    await untilSlot(cluster, 2);
    await cluster.stopNode(2);
    await untilSlot(cluster, 2 + SLOTS_PER_EPOCH);
    await cluster.startNode(2);
    const restartedAt = cluster.beacon.chain.currentSlot();
    const last = 3 * SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    const {done, expected, missed} = doneShare(cluster, 0, last);
    expect(done, `${done}/${expected} missed: ${missed}`).to.equal(expected);
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
    expect(cluster.outcomes.some((o) => o.node === 2 && o.status === "submitted" && o.slot > restartedAt)).to.equal(
      true,
    );
  });

  it("a Byzantine node sending garbage frames: at least 95% accepted, nothing slashable", async () => {
    cluster = await start("campaign-garbage", {faults: {1: byzantineFaults("garbage")}});
    const last = SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    const {done, expected, missed} = doneShare(cluster, 0, last);
    expect(done / expected, `${done}/${expected} missed: ${missed}`).to.be.at.least(0.95);
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
  });

  it("a Byzantine leader equivocating (conflicting, validly signed proposals): at least 95% accepted, nothing slashable", async () => {
    const stats: ByzantineStats = {misbehaviours: 0};
    cluster = await start("campaign-equivocate", {faults: {1: (ctx) => byzantineFaults("equivocate", ctx, stats)}});
    const last = SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    expect(stats.misbehaviours, "conflicting proposals sent").to.be.greaterThan(0);
    const {done, expected, missed} = doneShare(cluster, 0, last);
    expect(done / expected, `${done}/${expected} missed: ${missed}`).to.be.at.least(0.95);
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
  });

  it("a Byzantine leader proposing slashable (surround) votes: honest nodes refuse them, at least 95% accepted", async () => {
    const stats: ByzantineStats = {misbehaviours: 0};
    cluster = await start("campaign-slashable", {faults: {2: byzantineFaults("slashable", undefined, stats)}});
    // The surround proposals start at epoch 3 (see faults.ts): run through the end of epoch 3.
    const last = 4 * SLOTS_PER_EPOCH - 1;
    await untilSlot(cluster, last + 2);
    expect(stats.misbehaviours, "slashable proposals made").to.be.greaterThan(0);
    const {done, expected, missed} = doneShare(cluster, 0, last);
    expect(done / expected, `${done}/${expected} missed: ${missed}`).to.be.at.least(0.95);
    expect(cluster.beacon.chain.stats().slashable.total).to.equal(0);
  });

  // invalid-shares (and wrong-slot): cluster.test.ts, "a Byzantine node … cannot stop or corrupt the duties" (100%).
});

import path from "node:path";
import {ACTIVE_PRESET, CELLS_PER_EXT_BLOB, SLOTS_PER_EPOCH} from "@lodestar/params";
import {expect} from "chai";
import {loadNode, loadNodeKeyShares, nodeDirName} from "../../src/cluster/index.js";
import {CLUSTER_LOCK_FILE, loadClusterLock} from "../../src/cluster/lock.js";
import {type LocalCluster, startLocalCluster} from "../../src/devnet/localCluster.js";
import {lockSettingsOnChain} from "../../src/devnet/lockChecks.js";
import {isAccepted} from "../../src/devnet/summary.js";
import {untilAllAccepted} from "../utils/chainWait.js";
import {useTmpDir} from "../utils/tmpDir.js";
import {type Misbehaviour, TestValidatorClient} from "../utils/validatorClient.js";

// Run with LODESTAR_PRESET=minimal: 8 slots per epoch.
const SECONDS_PER_SLOT = 4;
// The VCs start after their nodes: genesis leaves room for both.
const GENESIS_DELAY_SEC = 8;

/** Waits until every duty of `epochs` epochs is accepted, or at the latest until the chain is 2 slots past them. */
async function runEpochs(cluster: LocalCluster, epochs: number): Promise<void> {
  const lastSlot = epochs * SLOTS_PER_EPOCH - 1;
  await untilAllAccepted(cluster.beacon.chain, {from: 0, to: lastSlot, deadlineSlot: lastSlot + 2});
}

function dutiesUpTo(cluster: LocalCluster, epochs: number) {
  const records = cluster.beacon.chain.records().filter((r) => r.slot < epochs * SLOTS_PER_EPOCH);
  const notDone = records.filter((r) => !isAccepted(r));
  if (notDone.length > 0) {
    console.log(
      "duties not done:",
      JSON.stringify(
        notDone.map((r) => ({
          type: r.type,
          slot: r.slot,
          status: r.status,
          rejections: r.rejections.map((x) => x.reason),
        })),
      ),
    );
    console.log("failed outcomes:", JSON.stringify(cluster.outcomes.filter((o) => o.status === "failed")));
  }
  const by = (type: string) => records.filter((r) => r.type === type);
  const count = (type: string) => ({expected: by(type).length, accepted: by(type).filter(isAccepted).length});
  return {
    attester: count("attester"),
    proposer: count("proposer"),
    aggregator: count("aggregator"),
    syncMessage: count("syncMessage"),
    syncContribution: count("syncContribution"),
  };
}

/** Every duty type: some expected, and every one accepted by the chain (as test/e2e/cluster.test.ts). */
function expectAllAccepted(duties: ReturnType<typeof dutiesUpTo>): void {
  for (const [type, d] of Object.entries(duties)) {
    expect(d.expected, `${type} duties expected`).to.be.greaterThan(0);
    expect(d.accepted, `${type} duties accepted`).to.equal(d.expected);
  }
}

/**
 * The chain's refusals other than late copies: a node whose combined signature arrives after the slot
 * (another node's copy of it was accepted in time) is refused as late, which says nothing about its data.
 */
function badRejections(cluster: LocalCluster) {
  return cluster.beacon.chain
    .records()
    .flatMap((r) => r.rejections.map((x) => ({type: r.type, slot: r.slot, reason: x.reason})))
    .filter((x) => !x.reason.includes("not for the current slot"));
}

function failedDuties(cluster: LocalCluster) {
  return cluster.outcomes.filter((o) => o.status === "failed");
}

/** Polls until `check` holds or `ms` passed. */
async function eventually(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}

describe(`validator-API mode end to end: test VCs on @lodestar/api talk to cohort (${ACTIVE_PRESET} preset)`, function () {
  this.timeout(180_000);
  const tmp = useTmpDir();
  let cluster: LocalCluster | null = null;
  const vcs: TestValidatorClient[] = [];
  afterEach(async () => {
    await Promise.allSettled(vcs.splice(0).map((vc) => vc.stop()));
    await cluster?.stop();
    cluster = null;
  });

  /** A 4-node cluster whose `vcNodes` run in validator-API mode, each with a test VC holding its key shares. */
  async function start(seed: string, vcNodes: number[], misbehave: Record<number, Misbehaviour> = {}) {
    const c = await startLocalCluster({
      dir: tmp.path,
      nodes: 4,
      validators: 2,
      secondsPerSlot: SECONDS_PER_SLOT,
      genesisDelaySec: GENESIS_DELAY_SEC,
      seed,
      validatorApiNodes: vcNodes,
    });
    cluster = c;
    for (const i of vcNodes) {
      const node = c.nodes[i];
      if (!node?.validatorApiUrl) throw new Error(`node ${i} has no validator API`);
      const nodeDir = path.join(tmp.path, "cluster", nodeDirName(i));
      const {lock} = await loadNode(nodeDir);
      const shares = await loadNodeKeyShares(nodeDir, lock, i);
      const vc = new TestValidatorClient({
        url: node.validatorApiUrl,
        config: c.beacon.chain.config,
        shares,
        misbehave: misbehave[i],
      });
      vcs[i] = vc;
      await vc.start();
    }
    return c;
  }

  it("4 validator-API nodes: every duty of 2 epochs (attestations, proposals, aggregates, sync messages, contributions) accepted; registrations, an exit, liveness and proposer preparation through cohort", async () => {
    const c = await start("vapi-happy", [0, 1, 2, 3]);
    await runEpochs(c, 2);
    const duties = dutiesUpTo(c, 2);
    expect(duties.proposer.expected).to.equal(2 * SLOTS_PER_EPOCH - 1);
    expectAllAccepted(duties);
    // Fulu blocks with blobs: the VCs got the decided contents with CELLS_PER_EXT_BLOB cell proofs per blob, and
    // the chain took cohort's publications (it refuses any whose blobs or proofs differ from those produced).
    expect(c.beacon.chain.config.getForkName(0)).to.equal("fulu");
    const withBlobs = vcs.flatMap((vc) => [...vc.blockBlobs.entries()]).filter(([, b]) => b.blobs > 0);
    expect(withBlobs).to.not.be.empty;
    for (const [slot, b] of withBlobs) {
      expect(b.kzgProofs, `cell proofs of the block of slot ${slot}`).to.equal(b.blobs * CELLS_PER_EXT_BLOB);
      expect(c.beacon.chain.getBlock(slot).message.body.blobKzgCommitments).to.have.length(b.blobs);
    }
    expect(c.beacon.chain.stats().slashable.total).to.equal(0);
    expect(badRejections(c)).to.deep.equal([]);
    expect(failedDuties(c)).to.deep.equal([]);
    // Every VC went through every step of Lodestar's --distributed flow, and had every partial taken.
    for (const vc of vcs) {
      for (const kind of [
        "attestation",
        "block",
        "selections",
        "aggregate",
        "sync-selections",
        "sync-message",
        "contribution",
        "registration",
        "prepare-proposer",
        "liveness",
      ] as const) {
        expect(vc.records.filter((r) => r.kind === kind).length, kind).to.be.greaterThan(0);
      }
      expect(vc.records.filter((r) => r.status !== 200)).to.deep.equal([]);
      // Liveness (proxied with validator indices): both validators attested in epoch 0.
      expect(vc.liveness.get(0)?.map((l) => l.isLive)).to.deep.equal([true, true]);
    }
    // Builder registrations: each VC's share-key registration was answered by sending the lock's, which the
    // chain verified (DOMAIN_APPLICATION_BUILDER, the validator key); the blocks pay the lock's fee recipients,
    // whatever fee recipient the VCs asked for (prepare_beacon_proposer is forwarded with the lock's).
    const lock = await loadClusterLock(path.join(tmp.path, "cluster", CLUSTER_LOCK_FILE));
    const lockCheck = lockSettingsOnChain(c.beacon.chain, lock, {from: 0, to: 2 * SLOTS_PER_EPOCH - 1});
    expect(lockCheck.registrations).to.deep.equal({validators: 2, fromLock: 2, missing: []});
    expect(lockCheck.feeRecipients).to.deep.equal({
      proposals: duties.proposer.expected,
      payingLock: duties.proposer.expected,
      wrong: [],
    });
    expect(lock.validators[0].feeRecipient).to.not.equal(`0x${"fe".repeat(20)}`);
    // A voluntary exit: each VC's partial, combined, verified by the chain.
    const statuses = await Promise.all(vcs.map((vc) => vc.voluntaryExit(1, 1)));
    expect(statuses).to.deep.equal([200, 200, 200, 200]);
    await eventually(() => c.beacon.chain.operations.acceptedExits().has(1), 5000);
    const exit = c.beacon.chain.operations.acceptedExits().get(1)?.message;
    expect([exit?.epoch, exit?.validatorIndex]).to.deep.equal([1, 1]);
  });

  // Misbehaving VCs and the mixed cluster share one devnet run (suite time): the 2 validator-API nodes' VCs
  // send, before each right partial signature, one that does not verify (node 2) or one over other data
  // (node 3); with the 2 signer-mode nodes any one of them completes the threshold. One epoch (suite time):
  // it has every duty type and every kind of partial; the epoch change in validator-API mode is the test above's.
  it("a mixed cluster (2 signer-mode, 2 validator-API nodes with misbehaving VCs) completes every duty of an epoch; the bad partials are refused (400) and never used", async () => {
    const c = await start("vapi-mixed", [2, 3], {2: "bad-signature", 3: "other-data"});
    await runEpochs(c, 1);
    for (const i of [2, 3]) {
      const deliberate = vcs[i].records.filter((r) => r.deliberate);
      expect(deliberate.map((r) => r.status)).to.deep.equal(deliberate.map(() => 400));
      // Their right signatures, sent after, were taken.
      expect(vcs[i].records.filter((r) => !r.deliberate && r.status !== 200)).to.deep.equal([]);
    }
    // Every kind of partial signature was tried wrong (other data: wherever there is a decided value; a sync
    // committee message over another root is no misbehaviour: any root is taken and partials combine per root).
    expect(new Set(vcs[2].records.filter((r) => r.deliberate).map((r) => r.kind))).to.deep.equal(
      new Set(["block", "attestation", "selections", "sync-message", "aggregate", "contribution", "registration"]),
    );
    expect(new Set(vcs[3].records.filter((r) => r.deliberate).map((r) => r.kind))).to.deep.equal(
      new Set(["block", "attestation", "aggregate", "contribution"]),
    );
    expectAllAccepted(dutiesUpTo(c, 1));
    // No bad share ever reached the combination or the chain.
    expect(badRejections(c)).to.deep.equal([]);
    expect(failedDuties(c)).to.deep.equal([]);
  });
});

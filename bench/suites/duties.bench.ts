import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {type BeaconConfig, createBeaconConfig} from "@lodestar/config";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type SingleAttestation, ssz} from "@lodestar/types";
import {planCluster} from "../../src/cluster/create.js";
import {validatorKeysFromLock} from "../../src/cluster/lock.js";
import {knownNetwork} from "../../src/cluster/networks.js";
import {seededRandom} from "../../src/cluster/random.js";
import {Combiner, initHerumi, recoverSignature, verifyShare} from "../../src/combine/index.js";
import {identityAuth} from "../../src/consensus/auth.js";
import {ConsensusService} from "../../src/consensus/service.js";
import {createSimChainConfig} from "../../src/devnet/beacon/chainConfig.js";
import {attestationSigningRoot, runAttesterDuty, type ShareSigner} from "../../src/duties/attester.js";
import {SlotClock, systemClock} from "../../src/duties/clock.js";
import type {DutyOutcome} from "../../src/duties/outcome.js";
import type {AttesterDuty} from "../../src/duties/scheduler.js";
import {ShareExchange} from "../../src/duties/shareExchange.js";
import {UndecidedGate} from "../../src/duties/undecidedGate.js";
import {MemoryHub} from "../../src/p2p/memoryNetwork.js";
import {SlashingProtection} from "../../src/slashing/index.js";
import {fromHex, toHex} from "../../src/util/hex.js";
import {nullLogger} from "../../src/util/logger.js";
import {type BenchResult, type BenchSuite, summarize} from "../harness.js";

// The duty pipeline end to end (issue 7): a 4-node in-process cluster (QBFT over a MemoryHub with real
// secp256k1 identity signatures, SQLite slashing DBs on disk, in-process blst share signing, the share
// exchange and the combiner) attesting for 1, 100 and 1,000 validators, beside the physical floor.
// The 4 nodes share this one thread, so a node's latency includes the other three nodes' work; the
// "CPU per node" rows give one node's own work. The in-process signer signs without verifying its own
// signature (the Web3Signer client verifies each answer: one more verification per validator there).

const SUITE = "duties";
const NODES = 4;
const THRESHOLD = 3;
const SECONDS_PER_SLOT = 12;
const MAX_VALIDATORS = 1000;
const GENESIS_VALIDATORS_ROOT = new Uint8Array(32).fill(0x47);

interface Node {
  index: number;
  consensus: ConsensusService;
  shares: ShareExchange;
  slashing: SlashingProtection;
  signer: ShareSigner;
  /** Validator key (0x-hex) → this node's public key share. */
  shareKeys: Map<string, Uint8Array>;
  gate: UndecidedGate;
  submitted: SingleAttestation[];
}

/** One cluster for the whole suite; slot clocks are made per iteration so each duty's slot is "now". */
interface Cluster {
  config: BeaconConfig;
  hub: MemoryHub;
  nodes: Node[];
  duties: AttesterDuty[];
  validatorKeys: PublicKey[];
  /** secretShares[v][i]: operator i's key share of validator v, parsed. */
  secretShares: SecretKey[][];
  slotClock: SlotClock;
  dataDir: string;
}

/** The chain's beacon block and checkpoint roots at a slot (any fixed values do; all BNs agree). */
function attestationData(slot: number) {
  const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = slot;
  data.index = 0; // electra: one AttestationData, committee index 0
  data.beaconBlockRoot = new Uint8Array(32).fill(slot % 251);
  data.source = {epoch: epoch - 1, root: new Uint8Array(32).fill((epoch - 1) % 251)};
  data.target = {epoch, root: new Uint8Array(32).fill(epoch % 251)};
  return data;
}

function buildCluster(): Cluster {
  const config = createBeaconConfig(createSimChainConfig({secondsPerSlot: SECONDS_PER_SLOT}), GENESIS_VALIDATORS_ROOT);
  const plan = planCluster(
    {nodes: NODES, threshold: THRESHOLD, validators: MAX_VALIDATORS, network: knownNetwork("hoodi")},
    {random: seededRandom("bench-duties")},
  );
  const validatorKeys = validatorKeysFromLock(plan.lock);
  const operatorKeys = plan.lock.operators.map((o) => fromHex(o.identityPublicKey));
  const secretShares = plan.shares.map((perOperator) => perOperator.map((s) => SecretKey.fromBytes(s)));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cohort-bench-duties-"));
  const hub = new MemoryHub({size: NODES});
  const cluster: Cluster = {
    config,
    hub,
    nodes: [],
    duties: plan.lock.validators.map((v, i) => ({
      pubkey: fromHex(v.publicKey),
      validatorIndex: i,
      committeeIndex: i % 64,
      committeeLength: 128,
      committeesAtSlot: 64,
      validatorCommitteeIndex: Math.floor(i / 64),
      slot: 0,
    })),
    validatorKeys: plan.lock.validators.map((v) => PublicKey.fromBytes(fromHex(v.publicKey))),
    secretShares,
    slotClock: slotClockAt(0),
    dataDir,
  };
  for (let i = 0; i < NODES; i++) {
    // The in-process remote signer: share public key (hex) → share secret key.
    const secretByShareKey = new Map(
      plan.lock.validators.map((v, vi) => [v.publicKeyShares[i], secretShares[vi][i]] as const),
    );
    const signer: ShareSigner = {
      sign: async (sharePubkey, msg) => {
        const sk = secretByShareKey.get(toHex(sharePubkey));
        if (sk === undefined || msg.type !== "ATTESTATION") throw new Error("unknown share key or message type");
        return sk.sign(attestationSigningRoot(config, msg.data)).toBytes();
      },
    };
    const network = hub.network(i);
    const combiner = new Combiner({threshold: THRESHOLD, verifyAtThreshold: true}, {validators: validatorKeys});
    cluster.nodes.push({
      index: i,
      consensus: new ConsensusService(
        {self: i, n: NODES, clusterId: fromHex(plan.lock.lockHash, 32)},
        {network, clock: systemClock, auth: identityAuth(plan.identities[i], operatorKeys)},
      ),
      shares: new ShareExchange(
        {self: i, rebroadcastIntervalMs: 1000},
        {
          network,
          combiner,
          clock: systemClock,
          logger: nullLogger(),
          // As in production: shares for slots far from the current one are dropped.
          isRelevantSlot: (slot) => {
            const now = cluster.slotClock.currentSlot();
            return slot >= now - 2 * SLOTS_PER_EPOCH && slot <= now + 2;
          },
        },
      ),
      slashing: SlashingProtection.open({
        dataDir: path.join(dataDir, `node${i}`),
        genesisValidatorsRoot: GENESIS_VALIDATORS_ROOT,
      }),
      signer,
      shareKeys: new Map(plan.lock.validators.map((v) => [v.publicKey, fromHex(v.publicKeyShares[i])])),
      gate: new UndecidedGate(),
      submitted: [],
    });
  }
  return cluster;
}

/** A slot clock on which `slot` starts now (the trigger is the slot start). */
function slotClockAt(slot: number): SlotClock {
  const genesisTimeSec = Math.floor(Date.now() / 1000) - slot * SECONDS_PER_SLOT;
  return new SlotClock({genesisTimeSec, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH}, systemClock);
}

function closeCluster(c: Cluster): void {
  for (const n of c.nodes) {
    n.consensus.close();
    n.shares.stop();
    n.slashing.close();
  }
  c.hub.close();
  rmSync(c.dataDir, {recursive: true, force: true});
}

/** Per node, ms from its call: where a duty's time goes (4 nodes share one thread, so phases overlap). */
interface Phases {
  /** QBFT decided (includes the BN call and the validity predicate with its slashing-DB reads). */
  decided: number;
  /** First share signing asked: the decided value was recorded durably in the slashing DB. */
  recorded: number;
  /** Last share signature returned. */
  signed: number;
  /** Last validator submitted: shares exchanged, verified, recovered and the result verified. */
  submitted: number;
}

interface DutyRun {
  /** Per node: call → its last validator's "submitted" outcome (ms). */
  nodeLatencyMs: number[];
  phases: Phases[];
  /** First node's call → last "submitted" outcome of any node (ms): the whole cluster's duty. */
  clusterLatencyMs: number;
}

let nextEpoch = 10;

/** All 4 nodes run the attester duty of a fresh epoch's first slot for the first `count` validators. */
async function runDuty(c: Cluster, count: number): Promise<DutyRun> {
  const epoch = nextEpoch++;
  const slot = epoch * SLOTS_PER_EPOCH;
  c.slotClock = slotClockAt(slot);
  const duties = c.duties.slice(0, count).map((d) => ({...d, slot}));
  const data = attestationData(slot);
  const failures: DutyOutcome[] = [];
  const t0 = performance.now();
  const runs = c.nodes.map((node) => {
    const start = performance.now();
    let submitted = 0;
    let lastMs = 0;
    const phases: Phases = {decided: 0, recorded: 0, signed: 0, submitted: 0};
    node.submitted.length = 0;
    return runAttesterDuty(slot, duties, {
      config: c.config,
      gate: node.gate,
      beaconNode: {
        produceAttestationData: async () => data,
        submitAttestations: async (atts) => {
          node.submitted.push(...atts);
        },
      },
      consensus: {
        decide: (s, type, opts) =>
          node.consensus.decide(s, type, opts).then((r) => {
            phases.decided = performance.now() - start;
            return r;
          }),
      },
      slashing: node.slashing,
      signer: {
        sign: (key, msg) => {
          phases.recorded ||= performance.now() - start;
          return node.signer.sign(key, msg).then((sig) => {
            phases.signed = performance.now() - start;
            return sig;
          });
        },
      },
      shares: node.shares,
      slotClock: c.slotClock,
      logger: nullLogger(),
      shareKeys: node.shareKeys,
      onOutcome: (o) => {
        if (o.status !== "submitted") failures.push(o);
        else if (++submitted === count) lastMs = performance.now();
      },
    }).then(() => {
      if (submitted !== count) throw new Error(`node ${node.index}: ${submitted} of ${count} submitted`);
      phases.submitted = lastMs - start;
      return {latency: lastMs - start, end: lastMs, phases};
    });
  });
  const done = await Promise.all(runs);
  if (failures.length > 0) throw new Error(`duty failed: ${JSON.stringify(failures[0])}`);
  // Spot check: node 0's last submission is the validator's signature over the decided data.
  const last = c.nodes[0].submitted.at(-1) as SingleAttestation & {attesterIndex: number};
  const root = attestationSigningRoot(c.config, last.data);
  if (!verify(root, c.validatorKeys[last.attesterIndex], Signature.fromBytes(last.signature, true))) {
    throw new Error("submitted attestation does not verify");
  }
  return {
    nodeLatencyMs: done.map((d) => d.latency),
    phases: done.map((d) => d.phases),
    clusterLatencyMs: Math.max(...done.map((d) => d.end)) - t0,
  };
}

/**
 * The physical floor per validator, what every node must do at least: one blst share signature, t
 * share verifications, one Lagrange recovery (herumi) and one verification of the result. Returns
 * process CPU ms per validator over `count` validators (single-threaded, so CPU ≈ wall), and the wall
 * ms of its recovery alone.
 */
function floorPerValidator(c: Cluster, count: number): {cpuMs: number; recoveryMs: number} {
  const slot = 7 * SLOTS_PER_EPOCH;
  const root = attestationSigningRoot(c.config, attestationData(slot));
  // The other operators' shares are made outside the timing: they arrive over the network.
  const peerShares = Array.from({length: count}, (_, v) =>
    [1, 2].map((i) => ({index: i + 1, bytes: c.secretShares[v][i].sign(root).toBytes()})),
  );
  const pkShares = Array.from({length: count}, (_, v) => c.secretShares[v].map((s) => s.toPublicKey()));
  let recoveryMs = 0;
  const cpu0 = process.cpuUsage();
  for (let v = 0; v < count; v++) {
    const own = {index: 1, bytes: c.secretShares[v][0].sign(root).toBytes()};
    const parsed = [own, ...peerShares[v]].map((s) => ({
      index: s.index,
      signature: verifyShare({index: s.index, signature: s.bytes}, pkShares[v][s.index - 1], root),
    }));
    const r0 = performance.now();
    const recovered = recoverSignature(parsed, THRESHOLD);
    recoveryMs += performance.now() - r0;
    if (!verify(root, c.validatorKeys[v], Signature.fromBytes(recovered, true))) throw new Error("floor: bad recovery");
  }
  return {cpuMs: cpuMs(process.cpuUsage(cpu0)) / count, recoveryMs: recoveryMs / count};
}

/** Medians over nodes and duties of each phase's end, e.g. "decided 12 / recorded 15 / ... ms". */
function phaseNote(phases: Phases[]): string {
  const med = (k: keyof Phases) => summarize(phases.map((p) => p[k])).medianMs;
  const keys: (keyof Phases)[] = ["decided", "recorded", "signed", "submitted"];
  return `median ms after the call: ${keys.map((k) => `${k} ${med(k).toFixed(1)}`).join(" / ")}`;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchResult[]> {
    await initHerumi();
    const results: BenchResult[] = [];
    const cluster = buildCluster();
    try {
      // Warm-up (JIT, SQLite statements, first instances), not counted.
      for (let i = 0; i < 3; i++) await runDuty(cluster, 1);
      await runDuty(cluster, 100);

      const sizes: {count: number; iterations: number}[] = [
        {count: 1, iterations: 30},
        {count: 100, iterations: 5},
      ];
      for (const {count, iterations} of sizes) {
        const samples: number[] = [];
        const phases: Phases[] = [];
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < iterations; i++) {
          const r = await runDuty(cluster, count);
          samples.push(...r.nodeLatencyMs);
          phases.push(...r.phases);
        }
        // The 4 nodes take turns on one thread, so a node's own share of the work is CPU / 4.
        const cpuPerNodeMs = cpuMs(process.cpuUsage(cpu0)) / (iterations * NODES);
        const t = summarize(samples);
        const one = count === 1;
        results.push({
          suite: SUITE,
          name: `attestation duty, ${count} validator${one ? "" : "s"}, 4 nodes: trigger → submitted, median`,
          value: t.medianMs,
          unit: "ms",
          ...(one ? {target: "< 30 ms", met: t.medianMs < 30} : {}),
          note: `${iterations} duties x 4 nodes`,
        });
        results.push({
          suite: SUITE,
          name: `attestation duty, ${count} validator${one ? "" : "s"}, 4 nodes: trigger → submitted, p99`,
          value: t.p99Ms,
          unit: "ms",
          note: phaseNote(phases),
        });
        results.push({
          suite: SUITE,
          name: `attestation duty, ${count} validator${one ? "" : "s"}: CPU per node per duty`,
          value: cpuPerNodeMs,
          unit: "ms",
          note: "process CPU / (duties x 4 nodes): a node's work on its own core",
        });
      }

      // 1,000 validators, interleaved with the floor so both see the same machine load.
      const samples: number[] = [];
      const phases: Phases[] = [];
      const cluster1000: number[] = [];
      const floors: number[] = [];
      const recoveries: number[] = [];
      let dutyCpuMs = 0;
      const iterations = 3;
      for (let i = 0; i < iterations; i++) {
        const cpu0 = process.cpuUsage();
        const r = await runDuty(cluster, MAX_VALIDATORS);
        dutyCpuMs += cpuMs(process.cpuUsage(cpu0));
        samples.push(...r.nodeLatencyMs);
        phases.push(...r.phases);
        cluster1000.push(r.clusterLatencyMs);
        const f = floorPerValidator(cluster, 200);
        floors.push(f.cpuMs);
        recoveries.push(f.recoveryMs);
      }
      const t = summarize(samples);
      const worst = Math.max(...cluster1000);
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators, 4 nodes: trigger → submitted, median",
        value: t.medianMs,
        unit: "ms",
        note: `${iterations} duties x 4 nodes`,
      });
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators, 4 nodes: trigger → submitted, p99",
        value: t.p99Ms,
        unit: "ms",
        note: phaseNote(phases),
      });
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators: all 4 x 1,000 submitted within (worst duty)",
        value: worst / 1000,
        unit: "s",
        target: "< 1.5 s",
        met: worst < 1500,
        note: `per duty: ${cluster1000.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s; 4 nodes share one process`,
      });
      const perValidator = dutyCpuMs / (iterations * MAX_VALIDATORS * NODES);
      const floor = summarize(floors).medianMs;
      results.push({
        suite: SUITE,
        name: "CPU per validator per attestation per node (1,000-validator duties)",
        value: perValidator,
        unit: "ms",
        note: `${(perValidator / floor).toFixed(2)}x the floor; ${(perValidator).toFixed(2)} s CPU per node per 1,000-validator duty`,
      });
      results.push({
        suite: SUITE,
        name: "floor: blst sign + 3 share verifications + herumi recovery + verification, per validator",
        value: floor,
        unit: "ms",
        note: `CPU, measured between the 1,000-validator duties; herumi recovery alone ${summarize(recoveries).medianMs.toFixed(2)} ms`,
      });
    } finally {
      closeCluster(cluster);
    }
    return results;
  },
};

export default suite;

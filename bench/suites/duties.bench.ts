import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {aggregateWithRandomness, PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {type BeaconConfig, createBeaconConfig} from "@lodestar/config";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {type phase0, type SingleAttestation, ssz} from "@lodestar/types";
import {planCluster} from "../../src/cluster/create.js";
import {validatorKeysFromLock} from "../../src/cluster/lock.js";
import {knownNetwork} from "../../src/cluster/networks.js";
import {seededRandom} from "../../src/cluster/random.js";
import {interpolateSignatures} from "../../src/combine/herumi.js";
import {
  Combiner,
  initHerumi,
  parseShareSignature,
  type ShareCheck,
  VerifyPool,
  verifyShare,
  verifyShareBatch,
} from "../../src/combine/index.js";
import {recoverSignaturePoint} from "../../src/combine/recover.js";
import {identityAuth} from "../../src/consensus/auth.js";
import {ConsensusService} from "../../src/consensus/service.js";
import {createSimChainConfig} from "../../src/devnet/beacon/chainConfig.js";
import {
  ATTESTER_DUTY_TYPE,
  attestationSigningRoot,
  runAttesterDuty,
  type ShareSigner,
} from "../../src/duties/attester.js";
import {encodeAttesterValue} from "../../src/duties/attesterValue.js";
import {SlotClock, systemClock} from "../../src/duties/clock.js";
import type {Network} from "../../src/duties/interfaces.js";
import type {DutyOutcome} from "../../src/duties/outcome.js";
import type {AttesterDuty} from "../../src/duties/scheduler.js";
import {encodeSharesMessage, MAX_SHARES_PER_MESSAGE} from "../../src/duties/shareCodec.js";
import {ShareExchange} from "../../src/duties/shareExchange.js";
import {UndecidedGate} from "../../src/duties/undecidedGate.js";
import {SignatureBatchChecker} from "../../src/eth/signingCheck.js";
import {verifies} from "../../src/eth/web3signer.js";
import {MemoryHub} from "../../src/p2p/memoryNetwork.js";
import {SlashingProtection} from "../../src/slashing/index.js";
import {bytesEqual, fromHex, toHex} from "../../src/util/hex.js";
import {nullLogger} from "../../src/util/logger.js";
import {type BenchResult, type BenchSuite, summarize} from "../harness.js";
import {ThreadSigner} from "../support/threadSigner.js";

// The duty pipeline end to end (issue 7): a 4-node in-process cluster (QBFT over a MemoryHub with real
// secp256k1 identity signatures, SQLite slashing DBs on disk, in-process blst share signing, the share
// exchange and the combiner) attesting for 1, 100 and 1,000 validators, beside the physical floor.
// The 4 nodes share this one thread, so a node's latency includes the other three nodes' work; the
// "CPU per node" rows give one node's own work (process CPU, worker threads included). The in-process
// signer signs without verifying its own signature (the Web3Signer client verifies each answer: one
// more verification per validator there).
//
// Side by side, interleaved duty by duty so all see the same machine load: the pipeline as it runs in
// production on this 2-core machine ("after": shares held until t are in, then verified with the
// recovered signature in one batch, on the main thread), the way it ran before ("before": every share
// verified on arrival) and with a verify worker thread per node (CohortNode's default with ≥ 4 cores). Recovery is by blst point additions in every variant (herumi only for index sets with
// fractional Lagrange coefficients); the floor rows compare it with herumi.

const SUITE = "duties";
const NODES = 4;
const THRESHOLD = 3;
const SECONDS_PER_SLOT = 12;
const MAX_VALIDATORS = 1000;
const GENESIS_VALIDATORS_ROOT = new Uint8Array(32).fill(0x47);

interface Node {
  index: number;
  network: Network;
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
export interface Cluster {
  variant: Variant;
  config: BeaconConfig;
  hub: MemoryHub;
  nodes: Node[];
  duties: AttesterDuty[];
  validatorKeys: PublicKey[];
  /** secretShares[v][i]: operator i's key share of validator v, parsed. */
  secretShares: SecretKey[][];
  slotClock: SlotClock;
  dataDir: string;
  pools: VerifyPool[];
  threadSigners: ThreadSigner[];
}

/** How a cluster's nodes verify shares. */
export interface Variant {
  key: string;
  label: string;
  verifyAtThreshold: boolean;
  /** One worker thread per node. */
  pool: boolean;
  /**
   * Only node 0 runs the pipeline; nodes 1-3 run QBFT (they accept the value they expect) and then send
   * shares signed before the trigger, verifying and combining nothing: what ONE node does for a duty,
   * without the three others' signing and combining on the same thread.
   */
  solo?: boolean;
  /** The (pipeline-running) nodes' remote signers sign on a worker thread each, as a Web3Signer is its own process. */
  signerThread?: boolean;
  /**
   * How the node's RS client checks the RS's answers (as the Web3Signer client and the in-process
   * signer do): "batch", the answers that come back together in one batch check (SignatureBatchChecker,
   * on the node's verify worker when it has one); "single", each answer alone (one pairing check each,
   * production before this session).
   */
  rsCheck: "batch" | "single";
}

export const AFTER: Variant = {
  key: "after",
  label: "verified at threshold, main thread",
  verifyAtThreshold: true,
  pool: false,
  rsCheck: "batch",
};
export const BEFORE: Variant = {
  key: "before",
  label: "verified on arrival, main thread",
  verifyAtThreshold: false,
  pool: false,
  rsCheck: "single",
};
export const POOLED: Variant = {
  key: "pool",
  label: "verified at threshold, a worker thread per node",
  verifyAtThreshold: true,
  pool: true,
  rsCheck: "batch",
};
export const SOLO: Variant = {
  key: "solo",
  label: "one node's pipeline (peers send pre-signed shares)",
  verifyAtThreshold: true,
  pool: false,
  solo: true,
  rsCheck: "batch",
};
export const SOLO_SINGLE: Variant = {
  key: "solo-single",
  label: "one node's pipeline, RS answers checked one by one (before)",
  verifyAtThreshold: true,
  pool: false,
  solo: true,
  rsCheck: "single",
};
export const SOLO_RS: Variant = {
  key: "solo-rs",
  label: "one node's pipeline, its RS on its own thread",
  verifyAtThreshold: true,
  pool: false,
  solo: true,
  signerThread: true,
  rsCheck: "batch",
};
export const SOLO_RS_POOL: Variant = {
  key: "solo-rs-pool",
  label: "one node's pipeline, its RS on its own thread, a verify worker",
  verifyAtThreshold: true,
  pool: true,
  solo: true,
  signerThread: true,
  rsCheck: "batch",
};

export const VARIANTS: Variant[] = [AFTER, BEFORE, POOLED, SOLO, SOLO_SINGLE, SOLO_RS, SOLO_RS_POOL];

type Plan = ReturnType<typeof planCluster>;
type AttestationData = phase0.AttestationData;

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

export function makePlan(): Plan {
  return planCluster(
    {nodes: NODES, threshold: THRESHOLD, validators: MAX_VALIDATORS, network: knownNetwork("hoodi")},
    {random: seededRandom("bench-duties")},
  );
}

export function buildCluster(plan: Plan, variant: Variant): Cluster {
  const config = createBeaconConfig(createSimChainConfig({secondsPerSlot: SECONDS_PER_SLOT}), GENESIS_VALIDATORS_ROOT);
  const validatorKeys = validatorKeysFromLock(plan.lock);
  const operatorKeys = plan.lock.operators.map((o) => fromHex(o.identityPublicKey));
  const secretShares = plan.shares.map((perOperator) => perOperator.map((s) => SecretKey.fromBytes(s)));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cohort-bench-duties-"));
  const hub = new MemoryHub({size: NODES});
  const cluster: Cluster = {
    variant,
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
    pools: [],
    threadSigners: [],
  };
  for (let i = 0; i < NODES; i++) {
    // The remote signer: share public key (hex) → validator position (its share secret key), signing on
    // this thread or on its own. Like any signer it computes the signing root once per attestation data.
    const positionByShareKey = new Map(plan.lock.validators.map((v, vi) => [v.publicKeyShares[i], vi] as const));
    const roots = new WeakMap<object, Uint8Array>();
    const rootOf = (data: AttestationData) => {
      let root = roots.get(data);
      if (root === undefined) {
        root = attestationSigningRoot(config, data);
        roots.set(data, root);
      }
      return root;
    };
    const thread =
      variant.signerThread && (!variant.solo || i === 0)
        ? new ThreadSigner(plan.shares.map((perOperator) => perOperator[i]))
        : null;
    if (thread) cluster.threadSigners.push(thread);
    const pipeline = !variant.solo || i === 0;
    const verifyPool = variant.pool && pipeline ? new VerifyPool({size: 1}) : undefined;
    if (verifyPool) cluster.pools.push(verifyPool);
    const checker = new SignatureBatchChecker({}, {verifyPool});
    const signer: ShareSigner = {
      // As the RS clients do (src/eth/web3signer.ts, localSigner.ts): the answer is checked before it returns.
      sign: async (sharePubkey, msg) => {
        const position = positionByShareKey.get(toHex(sharePubkey));
        if (position === undefined || msg.type !== "ATTESTATION") throw new Error("unknown share key or message type");
        const root = rootOf(msg.data);
        let signature: Uint8Array;
        if (thread) {
          const answered = checker.requestStarted();
          signature = await thread.sign(position, root).finally(answered);
        } else {
          signature = secretShares[position][i].sign(root).toBytes();
        }
        const valid =
          variant.rsCheck === "batch"
            ? await checker.check(sharePubkey, root, signature)
            : verifies(sharePubkey, root, signature);
        if (!valid) throw new Error("the RS's answer does not verify");
        return signature;
      },
    };
    const network = hub.network(i);
    const combiner = new Combiner(
      {threshold: THRESHOLD, verifyAtThreshold: variant.verifyAtThreshold},
      {validators: validatorKeys, verifyPool},
    );
    cluster.nodes.push({
      index: i,
      network,
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
    // A solo cluster's peers neither verify nor combine: their exchange is never listening.
    if (variant.solo && i > 0) cluster.nodes[i].shares.stop();
  }
  return cluster;
}

/** A slot clock on which `slot` starts now (the trigger is the slot start). */
function slotClockAt(slot: number): SlotClock {
  const genesisTimeSec = Math.floor(Date.now() / 1000) - slot * SECONDS_PER_SLOT;
  return new SlotClock({genesisTimeSec, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch: SLOTS_PER_EPOCH}, systemClock);
}

export async function closeCluster(c: Cluster): Promise<void> {
  for (const n of c.nodes) {
    n.consensus.close();
    n.shares.stop();
    n.slashing.close();
  }
  c.hub.close();
  await Promise.all(c.pools.map((p) => p.close()));
  await Promise.all(c.threadSigners.map((t) => t.close()));
  rmSync(c.dataDir, {recursive: true, force: true});
}

/** Per node, ms from its call: where a duty's time goes (4 nodes share one thread, so phases overlap). */
export interface Phases {
  /** QBFT decided (includes the BN call and the validity predicate with its slashing-DB reads). */
  decided: number;
  /** First share signing asked: the decided value was recorded durably in the slashing DB. */
  recorded: number;
  /** Last share signature returned. */
  signed: number;
  /** Last validator submitted: shares exchanged, verified, recovered and the result verified. */
  submitted: number;
}

export interface DutyRun {
  /** Per node: call → its last validator's "submitted" outcome (ms). */
  nodeLatencyMs: number[];
  phases: Phases[];
  /** First node's call → last "submitted" outcome of any node (ms): the whole cluster's duty. */
  clusterLatencyMs: number;
  /** CPU spent signing a solo cluster's peer shares before the trigger (not the duty's). */
  presignCpuMs: number;
}

let nextEpoch = 10;

/** All 4 nodes run the attester duty of a fresh epoch's first slot for the first `count` validators. */
export async function runDuty(c: Cluster, count: number): Promise<DutyRun> {
  const epoch = nextEpoch++;
  const slot = epoch * SLOTS_PER_EPOCH;
  c.slotClock = slotClockAt(slot);
  const duties = c.duties.slice(0, count).map((d) => ({...d, slot}));
  const data = attestationData(slot);
  const failures: DutyOutcome[] = [];
  const presign0 = process.cpuUsage();
  const peerShares = c.variant.solo ? presignPeerShares(c, duties, slot, data) : [];
  const presignCpuMs = cpuMs(process.cpuUsage(presign0));
  const t0 = performance.now();
  const peers = c.variant.solo ? c.nodes.slice(1).map((node, k) => runReplayPeer(node, slot, data, peerShares[k])) : [];
  const runs = (c.variant.solo ? c.nodes.slice(0, 1) : c.nodes).map((node) => {
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
  await Promise.all(peers);
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
    presignCpuMs,
  };
}

/** Each peer's share messages for the duty (peer k + 1's shares), signed outside the timing. */
function presignPeerShares(c: Cluster, duties: AttesterDuty[], slot: number, data: AttestationData): Uint8Array[][] {
  const root = attestationSigningRoot(c.config, data);
  return c.nodes.slice(1).map((node) => {
    const shares = duties.map((d) => ({
      validator: d.pubkey,
      signingRoot: root,
      signature: c.secretShares[d.validatorIndex][node.index].sign(root).toBytes(),
    }));
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < shares.length; i += MAX_SHARES_PER_MESSAGE) {
      payloads.push(
        encodeSharesMessage({slot, dutyType: ATTESTER_DUTY_TYPE, shares: shares.slice(i, i + MAX_SHARES_PER_MESSAGE)}),
      );
    }
    return payloads;
  });
}

/** A solo cluster's peer: QBFT on the expected data, then its pre-signed shares, once (no loss here). */
async function runReplayPeer(node: Node, slot: number, data: AttestationData, payloads: Uint8Array[]): Promise<void> {
  const expected = encodeAttesterValue([{committeeIndex: 0, data}]);
  const decided = await node.consensus.decide(slot, ATTESTER_DUTY_TYPE, {
    propose: async () => expected,
    isValid: (value) => bytesEqual(value, expected),
    deadlineMs: Date.now() + SECONDS_PER_SLOT * 1000,
  });
  if (!bytesEqual(decided.value, expected)) throw new Error(`peer ${node.index}: unexpected decided value`);
  for (const payload of payloads) node.network.broadcast("shares", payload);
}

/**
 * The physical floor per validator, what every node must do at least: one blst share signature, t
 * share verifications, one Lagrange recovery and one verification of the result; single-threaded
 * process CPU ms per validator over `count` validators. "naive": each signature verified alone and
 * herumi's recovery (how the pipeline first did it); "batched": all shares and results of the
 * `count` validators in one batch (one pairing per signing root) and recovery by point additions.
 */
function floorPerValidator(
  c: Cluster,
  count: number,
): {naiveMs: number; batchedMs: number; batchedBeforeMs: number; herumiMs: number; additionsMs: number} {
  const slot = 7 * SLOTS_PER_EPOCH;
  const root = attestationSigningRoot(c.config, attestationData(slot));
  // The other operators' shares are made outside the timing: they arrive over the network.
  const peerShares = Array.from({length: count}, (_, v) =>
    [1, 2].map((i) => ({index: i + 1, bytes: c.secretShares[v][i].sign(root).toBytes()})),
  );
  const pkShares = Array.from({length: count}, (_, v) => c.secretShares[v].map((s) => s.toPublicKey()));

  let herumiMs = 0;
  const cpu0 = process.cpuUsage();
  for (let v = 0; v < count; v++) {
    const own = {index: 1, bytes: c.secretShares[v][0].sign(root).toBytes()};
    const parsed = [own, ...peerShares[v]].map((s) => ({
      index: s.index,
      signature: verifyShare({index: s.index, signature: s.bytes}, pkShares[v][s.index - 1], root),
    }));
    const r0 = performance.now();
    const recovered = interpolateSignatures(
      parsed.map((p) => ({index: p.index, uncompressed: p.signature.toBytes(false)})),
    );
    herumiMs += performance.now() - r0;
    if (!verify(root, c.validatorKeys[v], Signature.fromBytes(recovered, true))) throw new Error("floor: bad recovery");
  }
  const naiveMs = cpuMs(process.cpuUsage(cpu0)) / count;

  // Batched, now (the recovered point checked as it is, parsed points into the batch) and as before this
  // session (the result compressed and parsed back, compressed bytes into the batch: decompressed twice).
  let additionsMs = 0;
  const batched = (before: boolean): number => {
    const cpu = process.cpuUsage();
    const checks: ShareCheck[] = [];
    for (let v = 0; v < count; v++) {
      const own = {index: 1, bytes: c.secretShares[v][0].sign(root).toBytes()};
      const shares = [own, ...peerShares[v]].map((s) => ({
        index: s.index,
        signature: parseShareSignature(s.index, s.bytes),
      }));
      const r0 = performance.now();
      const point = recoverSignaturePoint(shares, THRESHOLD) as Signature;
      if (!before) additionsMs += performance.now() - r0;
      for (const [k, s] of [own, ...peerShares[v]].entries()) {
        checks.push({...s, signature: shares[k].signature, publicKey: pkShares[v][s.index - 1], signingRoot: root});
      }
      const bytes = point.toBytes();
      const signature = before ? parseShareSignature(0, bytes) : point;
      checks.push({index: 0, bytes, signature, publicKey: c.validatorKeys[v], signingRoot: root});
    }
    const ok = before
      ? (() => {
          const folded = aggregateWithRandomness(checks.map((k) => ({pk: k.publicKey, sig: k.bytes})));
          return verify(root, folded.pk, folded.sig, false, true);
        })()
      : verifyShareBatch(checks).every(Boolean);
    if (!ok) throw new Error("floor: batch does not verify");
    return cpuMs(process.cpuUsage(cpu)) / count;
  };
  const batchedBeforeMs = batched(true);
  const batchedMs = batched(false);
  return {naiveMs, batchedMs, batchedBeforeMs, herumiMs: herumiMs / count, additionsMs: additionsMs / count};
}

/**
 * The RS client's check of its answers per validator (CPU ms): each answer alone (`verifies`, one
 * pairing check each: production before this session) and a duty's answers together
 * (`SignatureBatchChecker`, its public keys parsed by an earlier duty as in a running node). The
 * answers are signed outside the timing (the RS's work). Measured before any cluster runs: the batch
 * is checked on a later turn of the event loop, where a cluster's leftover work would be counted too.
 */
async function rsCheckPerValidator(
  c: Pick<Cluster, "config" | "secretShares">,
  count: number,
): Promise<{singleMs: number; batchMs: number; parseCompressedMs: number; parseUncompressedMs: number}> {
  const slot = 9 * SLOTS_PER_EPOCH;
  const root = attestationSigningRoot(c.config, attestationData(slot));
  const answers = Array.from({length: count}, (_, v) => ({
    pubkey: c.secretShares[v][0].toPublicKey().toBytes(),
    signature: c.secretShares[v][0].sign(root).toBytes(),
  }));
  const cpu0 = process.cpuUsage();
  if (!answers.every((a) => verifies(a.pubkey, root, a.signature))) throw new Error("rs check: bad answer");
  const singleMs = cpuMs(process.cpuUsage(cpu0)) / count;
  const checker = new SignatureBatchChecker();
  const checkAll = () => Promise.all(answers.map((a) => checker.check(a.pubkey, root, a.signature)));
  await checkAll();
  const cpu1 = process.cpuUsage();
  if (!(await checkAll()).every(Boolean)) throw new Error("rs check: bad answer");
  const batchMs = cpuMs(process.cpuUsage(cpu1)) / count;
  // What shares on the wire uncompressed (192 bytes) would save a receiver per share: the square root
  // of deserialising a compressed point (a wire-format change, measured here, not made).
  const uncompressed = answers.map((a) => Signature.fromBytes(a.signature).toBytes(false));
  const cpu2 = process.cpuUsage();
  for (const a of answers) Signature.fromBytes(a.signature);
  const parseCompressedMs = cpuMs(process.cpuUsage(cpu2)) / count;
  const cpu3 = process.cpuUsage();
  for (const u of uncompressed) Signature.fromBytes(u);
  const parseUncompressedMs = cpuMs(process.cpuUsage(cpu3)) / count;
  return {singleMs, batchMs, parseCompressedMs, parseUncompressedMs};
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

interface Stats {
  samples: number[];
  phases: Phases[];
  cpuMs: number;
  /** This thread's CPU only (the nodes' pipelines without worker threads: verify pools, RS threads). */
  mainCpuMs: number;
  duties: number;
  clusterMs: number[];
}

function newStats(): Stats {
  return {samples: [], phases: [], cpuMs: 0, mainCpuMs: 0, duties: 0, clusterMs: []};
}

/** Runs one duty on `c` and adds it to `stats` (process CPU: every thread, workers included). */
async function measureDuty(c: Cluster, count: number, stats: Stats): Promise<void> {
  const cpu0 = process.cpuUsage();
  const main0 = process.threadCpuUsage();
  const r = await runDuty(c, count);
  stats.cpuMs += cpuMs(process.cpuUsage(cpu0)) - r.presignCpuMs;
  stats.mainCpuMs += cpuMs(process.threadCpuUsage(main0)) - r.presignCpuMs;
  stats.duties++;
  stats.samples.push(...r.nodeLatencyMs);
  stats.phases.push(...r.phases);
  stats.clusterMs.push(r.clusterLatencyMs);
}

const validatorsLabel = (count: number) => (count === 1 ? "1 validator" : `${count.toLocaleString("en")} validators`);

const suite: BenchSuite = {
  name: SUITE,
  async run(): Promise<BenchResult[]> {
    await initHerumi();
    const results: BenchResult[] = [];
    const plan = makePlan();
    const rsChecks: Awaited<ReturnType<typeof rsCheckPerValidator>>[] = [];
    const keys = {
      config: createBeaconConfig(createSimChainConfig({secondsPerSlot: SECONDS_PER_SLOT}), GENESIS_VALIDATORS_ROOT),
      secretShares: plan.shares.map((perOperator) => perOperator.map((s) => SecretKey.fromBytes(s))),
    };
    for (let i = 0; i < 3; i++) rsChecks.push(await rsCheckPerValidator(keys, 500));
    const after = buildCluster(plan, AFTER);
    const before = buildCluster(plan, BEFORE);
    const pooled = buildCluster(plan, POOLED);
    const solos = [SOLO, SOLO_SINGLE, SOLO_RS, SOLO_RS_POOL].map((v) => buildCluster(plan, v));
    const all = [after, before, pooled, ...solos];
    try {
      for (const c of all) await Promise.all(c.pools.map((p) => p.ready()));
      // Warm-up (JIT, SQLite statements, worker threads, first instances), not counted.
      for (const c of all) {
        for (let i = 0; i < 3; i++) await runDuty(c, 1);
        await runDuty(c, 100);
      }

      const sizes: {count: number; iterations: number}[] = [
        {count: 1, iterations: 30},
        {count: 100, iterations: 4},
      ];
      for (const {count, iterations} of sizes) {
        const stats = new Map(all.map((c) => [c, newStats()] as const));
        // Interleaved, so the variants see the same machine load.
        for (let i = 0; i < iterations; i++) for (const c of all) await measureDuty(c, count, stats.get(c) as Stats);
        const one = count === 1;
        const mine = stats.get(after) as Stats;
        const t = summarize(mine.samples);
        const cpuPerNode = (st: Stats) => st.cpuMs / (st.duties * NODES);
        const others = [before, pooled].map((c) => {
          const st = stats.get(c) as Stats;
          return {c, st, median: summarize(st.samples).medianMs};
        });
        results.push({
          suite: SUITE,
          name: `attestation duty, ${validatorsLabel(count)}, 4 nodes: trigger → submitted, median`,
          value: t.medianMs,
          unit: "ms",
          ...(one ? {target: "< 30 ms", met: t.medianMs < 30} : {}),
          note: `${iterations} duties x 4 nodes; ${AFTER.label}; same run: before ${others[0].median.toFixed(1)} ms, ${POOLED.label} ${others[1].median.toFixed(1)} ms`,
        });
        results.push({
          suite: SUITE,
          name: `attestation duty, ${validatorsLabel(count)}, 4 nodes: trigger → submitted, p99`,
          value: t.p99Ms,
          unit: "ms",
          note: phaseNote(mine.phases),
        });
        results.push({
          suite: SUITE,
          name: `attestation duty, ${validatorsLabel(count)}: CPU per node per duty`,
          value: cpuPerNode(mine),
          unit: "ms",
          note: `process CPU (workers included) / (duties x 4 nodes); same run: before ${cpuPerNode(others[0].st).toFixed(2)} ms, ${POOLED.label} ${cpuPerNode(others[1].st).toFixed(2)} ms`,
        });
        for (const {c, st, median} of others) {
          results.push({
            suite: SUITE,
            name: `attestation duty, ${validatorsLabel(count)}, 4 nodes, ${c.variant.label}: median`,
            value: median,
            unit: "ms",
            note: `${c.variant.key === "before" ? "the first pipeline; " : ""}${phaseNote(st.phases)}`,
          });
        }
        for (const c of solos) {
          const st = stats.get(c) as Stats;
          const s1 = summarize(st.samples);
          results.push({
            suite: SUITE,
            name: `attestation duty, ${validatorsLabel(count)}, ${c.variant.label}: trigger → submitted, median`,
            value: s1.medianMs,
            unit: "ms",
            ...(one ? {target: "< 30 ms", met: s1.medianMs < 30} : {}),
            note: `p99 ${s1.p99Ms.toFixed(1)} ms; CPU per duty ${(st.cpuMs / st.duties).toFixed(2)} ms (the node, its RS and the peers' QBFT), of which this thread ${(st.mainCpuMs / st.duties).toFixed(2)} ms; ${phaseNote(st.phases)}`,
          });
        }
      }

      // 1,000 validators, the three interleaved, with the floor between them (same load).
      const big = new Map(all.map((c) => [c, newStats()] as const));
      const floors: ReturnType<typeof floorPerValidator>[] = [];
      const iterations = 2;
      for (let i = 0; i < iterations; i++) {
        for (const c of all) await measureDuty(c, MAX_VALIDATORS, big.get(c) as Stats);
        floors.push(floorPerValidator(after, 200));
      }
      for (const c of solos) {
        const st = big.get(c) as Stats;
        const worstSolo = Math.max(...st.clusterMs);
        results.push({
          suite: SUITE,
          name: `attestation duty, 1,000 validators, ${c.variant.label}: all 1,000 submitted within (worst duty)`,
          value: worstSolo / 1000,
          unit: "s",
          target: "< 1.5 s",
          met: worstSolo < 1500,
          note: `per duty: ${st.clusterMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s; CPU per duty ${(st.cpuMs / st.duties / 1000).toFixed(2)} s (the node, its RS and the peers' QBFT), of which this thread ${(st.mainCpuMs / st.duties / 1000).toFixed(2)} s; ${phaseNote(st.phases)}`,
        });
      }
      const mine = big.get(after) as Stats;
      const old = big.get(before) as Stats;
      const withPool = big.get(pooled) as Stats;
      const t = summarize(mine.samples);
      const worst = Math.max(...mine.clusterMs);
      const cores = os.availableParallelism();
      const perValidator = (st: Stats) => st.cpuMs / (st.duties * MAX_VALIDATORS * NODES);
      const dutyCpuS = mine.cpuMs / mine.duties / 1000;
      const floor = (k: keyof (typeof floors)[number]) => summarize(floors.map((f) => f[k])).medianMs;
      const floorWallS = (floor("batchedMs") * MAX_VALIDATORS * NODES) / cores / 1000;
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators, 4 nodes: trigger → submitted, median",
        value: t.medianMs,
        unit: "ms",
        note: `${iterations} duties x 4 nodes; ${AFTER.label}; same run: before ${summarize(old.samples).medianMs.toFixed(0)} ms, ${POOLED.label} ${summarize(withPool.samples).medianMs.toFixed(0)} ms`,
      });
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators, 4 nodes: trigger → submitted, p99",
        value: t.p99Ms,
        unit: "ms",
        note: phaseNote(mine.phases),
      });
      results.push({
        suite: SUITE,
        name: "attestation duty, 1,000 validators: all 4 x 1,000 submitted within (worst duty)",
        value: worst / 1000,
        unit: "s",
        target: "< 1.5 s",
        met: worst < 1500,
        note:
          `per duty: ${mine.clusterMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s (before: ${old.clusterMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s; pool: ${withPool.clusterMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")} s); ` +
          `a duty takes ${dutyCpuS.toFixed(2)} s CPU (4 nodes, workers included) / ${cores} cores = ${(dutyCpuS / cores).toFixed(2)} s at best; ` +
          `even the batched floor x 4,000 / ${cores} cores = ${floorWallS.toFixed(2)} s`,
      });
      results.push({
        suite: SUITE,
        name: "CPU per validator per attestation per node (1,000-validator duties)",
        value: perValidator(mine),
        unit: "ms",
        note: `${(perValidator(mine) / floor("batchedMs")).toFixed(2)}x the batched floor; same run: before ${perValidator(old).toFixed(2)} ms, pool ${perValidator(withPool).toFixed(2)} ms`,
      });
      results.push({
        suite: SUITE,
        name: "floor, batched: blst sign + 3 shares and the result verified in one batch + recovery by additions, per validator",
        value: floor("batchedMs"),
        unit: "ms",
        note: `CPU, measured between the 1,000-validator duties; as before this session (result compressed and parsed back, compressed bytes into the batch) ${floor("batchedBeforeMs").toFixed(3)} ms, same run; recovery by point additions alone ${floor("additionsMs").toFixed(3)} ms`,
      });
      results.push({
        suite: SUITE,
        name: "floor, naive: blst sign + 3 share verifications + herumi recovery + verification, per validator",
        value: floor("naiveMs"),
        unit: "ms",
        note: `CPU, same run; herumi recovery alone ${floor("herumiMs").toFixed(2)} ms`,
      });
      const single = summarize(rsChecks.map((r) => r.singleMs)).medianMs;
      const batch = summarize(rsChecks.map((r) => r.batchMs)).medianMs;
      results.push({
        suite: SUITE,
        name: "RS answer check per validator: a duty's 500 answers in one batch (SignatureBatchChecker)",
        value: batch,
        unit: "ms",
        note: `CPU, measured before the clusters run; each answer alone (one pairing check each, before) ${single.toFixed(3)} ms; batch/alone ${(batch / single).toFixed(2)}`,
      });
      const med = (k: keyof (typeof rsChecks)[number]) => summarize(rsChecks.map((r) => r[k])).medianMs;
      results.push({
        suite: SUITE,
        name: "deserialising a received share: compressed (96 bytes, as on the wire), per share",
        value: med("parseCompressedMs"),
        unit: "ms",
        note: `CPU, measured with the RS check; uncompressed (192 bytes) ${med("parseUncompressedMs").toFixed(3)} ms; a node receives n − 1 = 3 shares per validator`,
      });
    } finally {
      for (const c of all) await closeCluster(c);
    }
    return results;
  },
};

export default suite;

/**
 * One interop run against a real Lodestar: the dev chain of REAL-LODESTAR.md (8 interop genesis
 * validators, Lodestar's own validator client on 0..3, minimal preset, 2 s slots, forks through Deneb at
 * epoch 0), a cohort cluster on 4..7 started by `startCluster`, and what the chain says afterwards:
 * balances, finality, the duties of 4..7 on chain, slashings, and the error lines of every log.
 */
import {mkdirSync, readFileSync, writeFileSync} from "node:fs";
import path from "node:path";
import {loadClusterLock} from "../../src/cluster/lock.js";
import {interopSecretKey} from "../../src/devnet/beacon/validators.js";
import {prepareExternalBeacon} from "../../src/devnet/externalBeacon.js";
import {freePorts} from "../../src/devnet/localCluster.js";
import {nullLogger} from "../../src/util/logger.js";
import {BuilderRecorder} from "./builderRecorder.js";
import {auditChain, type ChainAudit, onChainRatio} from "./chainAudit.js";
import {ChainRecorder} from "./chainRecorder.js";
import {type LogErrors, scanLodestarLog} from "./logScan.js";
import {interopEnv, lodestarDevArgs, ProcessGroup, waitForHttp} from "./processes.js";

export const CLUSTER_VALIDATORS = [4, 5, 6, 7];
/** The issue's setup is 2 s slots; `INTEROP_SECONDS_PER_SLOT` lengthens them to tell timing from logic. */
export const SECONDS_PER_SLOT = secondsPerSlotFromEnv(process.env.INTEROP_SECONDS_PER_SLOT);
export const EPOCHS = 8;
/** `INTEROP_DEBUG=1` logs cohort and the validator clients at debug level, for timelines of a slot. */
export const DEBUG_LOGS = process.env.INTEROP_DEBUG === "1";

function secondsPerSlotFromEnv(value: string | undefined): number {
  if (value === undefined || value === "") return 2;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 12) {
    throw new Error(`INTEROP_SECONDS_PER_SLOT must be a whole number of seconds from 1 to 12, got ${value}`);
  }
  return seconds;
}

export interface InteropContext {
  dir: string;
  procs: ProcessGroup;
  bnUrl: string;
  genesisTime: number;
  slotsPerEpoch: number;
  env: NodeJS.ProcessEnv;
  recorder: ChainRecorder;
}

/**
 * Runs the clients for EPOCHS epochs counted from the second slot after now (they load, then dial their
 * BN or cohort), and two slots more for the last attestations to be included: the audited window.
 */
export async function runEpochsFromNow(ctx: Pick<InteropContext, "genesisTime" | "slotsPerEpoch">): Promise<{
  from: number;
  to: number;
}> {
  const slotNow = () => Math.floor((Date.now() / 1000 - ctx.genesisTime) / SECONDS_PER_SLOT);
  const from = Math.max(0, slotNow() + 2);
  const to = from + EPOCHS * ctx.slotsPerEpoch - 1;
  const untilMs = (ctx.genesisTime + (to + 2) * SECONDS_PER_SLOT) * 1000;
  await new Promise((r) => setTimeout(r, Math.max(0, untilMs - Date.now())));
  return {from, to};
}

/** What the cluster part of a run reports: the slots it ran, and its processes' logs by kind. */
export interface ClusterRun {
  slots: {from: number; to: number};
  /** Logs of validator clients (real Lodestar ones), scanned for errors like the BN's. */
  vcLogs: string[];
  /** The cluster lock: its fee recipients are audited on the chain's blocks, its registrations at the builder. */
  lockFile?: string;
  /** Without a lock (the baseline): the one fee recipient every validator's blocks must pay. */
  feeRecipient?: string;
}

/** What the builder behind the BN received of the cluster lock's registrations (`register_validator` → BN → builder). */
export interface RegistrationReport {
  /** The cluster's validators. */
  validators: number;
  /** Validators whose registration reached the builder exactly as the lock has it (message and signature), verified. */
  fromLock: number;
  /** Registrations of the cluster's validators the builder received (every epoch, every node), and how many verified. */
  received: number;
  verified: number;
  missing: string[];
}

export interface InteropReport {
  dir: string;
  slots: {from: number; to: number};
  epochs: {from: number; to: number};
  balanceGainGwei: Record<number, string>;
  finalizedEpoch: number;
  audit: ChainAudit;
  onChainPercent: {attestations: number; syncMessages: number; proposals: number};
  logs: {file: string; errors: string[]; known: {line: string; why: string}[]}[];
  recorderErrors: string[];
  /** null when the run named no cluster lock. */
  registrations: RegistrationReport | null;
  /** Bid requests the BN sent the builder (it answers "no bid": the BN builds locally). */
  builderHeaderRequests: number;
}

/**
 * Starts the dev chain, runs `startCluster` against it, waits for the last audited attestations to be
 * included, audits the chain and kills every process. The report is also written to `dir/report.json`.
 */
export async function runInterop(
  opts: {cli: string; dir: string; ports: {rest: number; p2p: number}},
  startCluster: (ctx: InteropContext) => Promise<ClusterRun>,
): Promise<InteropReport> {
  mkdirSync(opts.dir, {recursive: true});
  const procs = new ProcessGroup();
  const env = interopEnv();
  const bnUrl = `http://127.0.0.1:${opts.ports.rest}`;
  // Lodestar needs 10-20 s to start on a loaded 2-core machine; genesis after it.
  const genesisTime = Math.floor(Date.now() / 1000) + 40;
  // The BN's builder: Lodestar takes register_validator only with one, and forwards the registrations to it.
  const builder = new BuilderRecorder();
  const [builderPort] = await freePorts(1);
  const builderUrl = await builder.start(builderPort);
  try {
    const bnDir = path.join(opts.dir, "lodestar-dev");
    mkdirSync(bnDir, {recursive: true});
    const bn = procs.spawn(
      "lodestar-dev",
      opts.cli,
      lodestarDevArgs({
        cli: opts.cli,
        dir: bnDir,
        restPort: opts.ports.rest,
        p2pPort: opts.ports.p2p,
        genesisTime,
        secondsPerSlot: SECONDS_PER_SLOT,
        genesisValidators: 8,
        startValidators: "0..3",
        builderUrl,
      }),
      // It writes genesis.ssz in its working directory.
      {cwd: bnDir, logDir: opts.dir, env},
    );
    await waitForHttp(`${bnUrl}/eth/v1/node/version`, 120_000, bn.exited);
    const {config} = await prepareExternalBeacon({url: bnUrl, interop: {from: 4, to: 7}}, nullLogger());
    builder.setGenesisForkVersion(config.GENESIS_FORK_VERSION);
    const spec = (await (await fetch(`${bnUrl}/eth/v1/config/spec`)).json()) as {data: Record<string, string>};
    const slotsPerEpoch = Number(spec.data.SLOTS_PER_EPOCH);
    const recorder = new ChainRecorder(
      {url: bnUrl, genesisTime, secondsPerSlot: SECONDS_PER_SLOT, slotsPerEpoch},
      {config},
    );
    // Duties are served once the chain has a head: from genesis on.
    await sleepUntil(genesisTime * 1000 + 500);
    recorder.start();
    const startBalances = await recorder.balances(CLUSTER_VALIDATORS);

    const cluster = await startCluster({dir: opts.dir, procs, bnUrl, genesisTime, slotsPerEpoch, env, recorder});

    // Audit whole epochs of the run; the last one's attestations may be included in the next epoch.
    const epochs = {
      from: Math.ceil(cluster.slots.from / slotsPerEpoch),
      to: Math.floor((cluster.slots.to + 1) / slotsPerEpoch) - 1,
    };
    await recorder.stop();
    const finalizedEpoch = await recorder.finalizedEpoch();
    const endBalances = await recorder.balances(CLUSTER_VALIDATORS);
    const headSlot = await recorder.headSlot();
    const blocks = await recorder.blocks(epochs.from * slotsPerEpoch, headSlot);
    const lock = cluster.lockFile ? await loadClusterLock(cluster.lockFile) : null;
    // Interop index of each lock validator (the lock lists them as split, but the keys say for sure).
    const indexOfKey = new Map(
      CLUSTER_VALIDATORS.map((i) => [
        `0x${Buffer.from(interopSecretKey(i).toPublicKey().toBytes()).toString("hex")}`,
        i,
      ]),
    );
    const feeRecipients = lock
      ? new Map(lock.validators.map((v) => [indexOfKey.get(v.publicKey.toLowerCase()) ?? -1, v.feeRecipient]))
      : cluster.feeRecipient !== undefined
        ? new Map(CLUSTER_VALIDATORS.map((i) => [i, cluster.feeRecipient as string]))
        : undefined;
    const audit = auditChain({
      validators: CLUSTER_VALIDATORS,
      slotsPerEpoch,
      epochs,
      committees: [...recorder.committees.values()].flat(),
      proposers: [...recorder.proposers.values()].flat(),
      syncCommittees: recorder.syncCommittees,
      blocks,
      feeRecipients,
    });
    await procs.stopAll();
    const logs = [
      {file: bn.logFile, ...scan(bn.logFile, "beacon")},
      ...cluster.vcLogs.map((file) => ({file, ...scan(file, "validator")})),
    ];
    const report: InteropReport = {
      dir: opts.dir,
      slots: cluster.slots,
      epochs,
      balanceGainGwei: Object.fromEntries(
        CLUSTER_VALIDATORS.map((v) => [v, String((endBalances.get(v) ?? 0n) - (startBalances.get(v) ?? 0n))]),
      ),
      finalizedEpoch,
      audit,
      onChainPercent: {
        attestations: percent(onChainRatio(audit.attestations)),
        syncMessages: percent(onChainRatio(audit.syncMessages)),
        proposals: percent(onChainRatio(audit.proposals)),
      },
      logs,
      recorderErrors: recorder.errors,
      registrations: lock ? registrationReport(lock, builder) : null,
      builderHeaderRequests: builder.headerRequests,
    };
    writeFileSync(path.join(opts.dir, "report.json"), JSON.stringify(report, null, 2));
    return report;
  } finally {
    await procs.stopAll();
    await builder.stop();
  }
}

function registrationReport(
  lock: Awaited<ReturnType<typeof loadClusterLock>>,
  builder: BuilderRecorder,
): RegistrationReport {
  const ours = new Set(lock.validators.map((v) => v.publicKey.toLowerCase()));
  const received = builder.registrations.filter((r) => ours.has(r.pubkey));
  const missing: string[] = [];
  let fromLock = 0;
  for (const v of lock.validators) {
    const r = v.builderRegistration;
    const same = received.some(
      (x) =>
        x.valid &&
        x.pubkey === v.publicKey.toLowerCase() &&
        x.feeRecipient === r.message.feeRecipient.toLowerCase() &&
        x.gasLimit === r.message.gasLimit &&
        x.timestamp === r.message.timestamp &&
        x.signature === r.signature.toLowerCase(),
    );
    if (same) fromLock++;
    else missing.push(v.publicKey.slice(0, 12));
  }
  return {
    validators: lock.validators.length,
    fromLock,
    received: received.length,
    verified: received.filter((x) => x.valid).length,
    missing,
  };
}

function scan(file: string, kind: "beacon" | "validator"): LogErrors {
  try {
    return scanLodestarLog(readFileSync(file, "utf8"), kind);
  } catch (e) {
    return {errors: [`cannot read ${file}: ${(e as Error).message}`], known: []};
  }
}

function percent(ratio: number): number {
  return Math.round(ratio * 1000) / 10;
}

async function sleepUntil(ms: number): Promise<void> {
  const wait = ms - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** One line per figure, for the test's output. */
export function formatReport(r: InteropReport): string {
  const tally = (name: keyof typeof r.onChainPercent) =>
    `${name} ${r.audit[name].onChain}/${r.audit[name].duties} (${r.onChainPercent[name]}%)`;
  return [
    `interop run in ${r.dir}: slots ${r.slots.from}..${r.slots.to}, audited epochs ${r.epochs.from}..${r.epochs.to}`,
    `balance gained (gwei): ${Object.entries(r.balanceGainGwei)
      .map(([v, g]) => `v${v} ${g}`)
      .join(", ")}`,
    `finalized epoch: ${r.finalizedEpoch}`,
    `on chain: ${tally("attestations")}, ${tally("syncMessages")}, ${tally("proposals")}`,
    `slashings in blocks: proposer ${r.audit.slashings.proposer}, attester ${r.audit.slashings.attester}`,
    ...(r.audit.feeRecipients.duties > 0
      ? [
          `fee recipients: ${r.audit.feeRecipients.onChain}/${r.audit.feeRecipients.duties} of the cluster's blocks pay the expected fee recipient (the lock's; the baseline's own)`,
        ]
      : []),
    ...(r.registrations
      ? [
          `builder registrations: ${r.registrations.fromLock}/${r.registrations.validators} of the lock's reached the builder through the BN (${r.registrations.received} received, ${r.registrations.verified} verified); bid requests ${r.builderHeaderRequests}`,
        ]
      : []),
    ...r.logs.map(
      (l) =>
        `log ${l.file}: ${l.errors.length} error lines${l.known.length ? ` (+${l.known.length} known, not cohort's)` : ""}`,
    ),
    ...(r.recorderErrors.length ? [`recorder: ${r.recorderErrors.length} failed reads`] : []),
  ].join("\n");
}

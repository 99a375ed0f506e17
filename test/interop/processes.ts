/**
 * The processes of an interop run: a real `lodestar dev` beacon node (with its own validator client on
 * 0..3), `lodestar validator --distributed` clients, and cohort's CLI, each in its own process group
 * with its output in a log file, all killed (the whole group) when the run ends.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {createWriteStream, mkdirSync} from "node:fs";
import path from "node:path";

const REPO = path.resolve(import.meta.dirname, "../..");

export interface Started {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Every process an interop run started, to kill them all whatever happens. */
export class ProcessGroup {
  readonly started: Started[] = [];

  spawn(
    name: string,
    command: string,
    args: string[],
    opts: {cwd: string; logDir: string; env?: NodeJS.ProcessEnv},
  ): Started {
    mkdirSync(opts.logDir, {recursive: true});
    const logFile = path.join(opts.logDir, `${name}.log`);
    const log = createWriteStream(logFile);
    // Its own process group, so that a kill reaches what it starts itself (npx, shell wrappers).
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: {...process.env, ...opts.env},
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log, {end: false});
    child.stderr?.pipe(log, {end: false});
    const exited = new Promise<number | null>((resolve) => {
      child.once("exit", (code) => {
        resolve(code);
      });
      child.once("error", (e) => {
        log.write(`spawn error: ${e.message}\n`);
        resolve(-1);
      });
    });
    const started = {name, child, logFile, exited};
    this.started.push(started);
    return started;
  }

  /**
   * Stops every group still running, the last started first (validator clients before the nodes they talk
   * to, the nodes before the beacon node: a client whose server went first logs connection errors that no
   * run caused): SIGTERM, SIGKILL after `graceMs`.
   */
  async stopAll(graceMs = 10_000): Promise<void> {
    const running = this.started.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    for (const s of running.reverse()) {
      killGroup(s.child, "SIGTERM");
      await Promise.race([s.exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
      killGroup(s.child, "SIGKILL");
    }
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export interface LodestarDevOpts {
  cli: string;
  dir: string;
  restPort: number;
  p2pPort: number;
  genesisTime: number;
  secondsPerSlot: number;
  genesisValidators: number;
  /** Lodestar's own validator client runs these interop indexes ("0..3"). */
  startValidators: string;
  /** The builder (relay) URL the BN forwards registrations to and asks for bids (`--builder`); none when absent. */
  builderUrl?: string;
}

/** The dev chain of REAL-LODESTAR.md: forks through Deneb at epoch 0, mock engine, no eth1, REST on loopback. */
export function lodestarDevArgs(o: LodestarDevOpts): string[] {
  return [
    "dev",
    ...["--genesisValidators", String(o.genesisValidators), "--startValidators", o.startValidators],
    ...["--genesisTime", String(o.genesisTime), "--params.SECONDS_PER_SLOT", String(o.secondsPerSlot)],
    ...forkParams(),
    ...["--execution.engineMock", "--eth1", "false"],
    ...["--rest", "--rest.address", "127.0.0.1", "--rest.port", String(o.restPort), "--rest.namespace", "*"],
    // Without it Lodestar's own validator client looks for the default port and the chain never starts.
    ...["--beaconNodes", `http://127.0.0.1:${o.restPort}`],
    ...["--dataDir", path.join(o.dir, "data"), "--reset", "--port", String(o.p2pPort)],
    // Without it the node calls itself syncing (503) after a run of 8 empty slots.
    ...["--sync.slotImportTolerance", "100000"],
    // A builder: Lodestar answers register_validator only with one (it forwards the registrations there).
    ...(o.builderUrl ? ["--builder", "--builder.url", o.builderUrl] : []),
  ];
}

/** Altair, Bellatrix, Capella and Deneb at epoch 0 (Lodestar v1.22's newest fork is Deneb). */
export function forkParams(): string[] {
  return ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB"].flatMap((f) => [`--params.${f}_FORK_EPOCH`, "0"]);
}

/** The environment of Lodestar and cohort alike: the minimal preset, and no other LODESTAR_* flag. */
export function interopEnv(): NodeJS.ProcessEnv {
  // Every LODESTAR_* variable but LODESTAR_PRESET is read by Lodestar's CLI as a flag.
  const env: NodeJS.ProcessEnv = {LODESTAR_PRESET: "minimal", NO_COLOR: "1"};
  for (const k of Object.keys(process.env))
    if (k.startsWith("LODESTAR_") && k !== "LODESTAR_PRESET") env[k] = undefined;
  return env;
}

/** `cohort <args>` on the pinned Node, from this checkout's sources (lib/ when built and fresh). */
export function cohortCommand(args: string[]): {command: string; args: string[]} {
  return {command: process.execPath, args: [path.join(REPO, "bin", "cohort.js"), ...args]};
}

/** Waits until `url` answers 200 (the BN's REST server is up), or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, died?: Promise<unknown>): Promise<void> {
  const until = Date.now() + timeoutMs;
  let gone = false;
  void died?.then(() => {
    gone = true;
  });
  while (Date.now() < until) {
    if (gone) throw new Error(`the process behind ${url} exited`);
    try {
      const res = await fetch(url, {signal: AbortSignal.timeout(2000)});
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export {REPO};

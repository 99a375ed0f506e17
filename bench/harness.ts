import os from "node:os";

/** One figure of a benchmark run: always with its unit; `target` states the goal the issue set. */
export interface BenchResult {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The goal, e.g. "< 50 ms"; `met` says whether this run reached it. */
  target?: string;
  met?: boolean;
  note?: string;
}

/** A benchmark suite: `bench/suites/<name>.bench.ts` default-exports one; the harness finds it. */
export interface BenchSuite {
  name: string;
  run(): Promise<BenchResult[]>;
}

export interface Timing {
  iterations: number;
  totalMs: number;
  meanMs: number;
  medianMs: number;
  p99Ms: number;
  opsPerSec: number;
}

/** Times `fn` after `warmup` runs, for at least `minIterations` runs and at least `minTimeMs`. */
export async function measure(
  fn: () => unknown | Promise<unknown>,
  opts: {warmup?: number; minIterations?: number; minTimeMs?: number; maxIterations?: number} = {},
): Promise<Timing> {
  const {warmup = 3, minIterations = 10, minTimeMs = 500, maxIterations = 1_000_000} = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < maxIterations && (samples.length < minIterations || performance.now() - start < minTimeMs)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export function summarize(samplesMs: number[]): Timing {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const totalMs = samplesMs.reduce((a, b) => a + b, 0);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    iterations: samplesMs.length,
    totalMs,
    meanMs: totalMs / samplesMs.length,
    medianMs: at(0.5),
    p99Ms: at(0.99),
    opsPerSec: (samplesMs.length * 1000) / totalMs,
  };
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

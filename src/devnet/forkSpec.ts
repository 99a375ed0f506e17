import {CohortError} from "../util/errors.js";

/** The forks the simulated chain can start at (`--fork`). */
export const DEVNET_FORKS = ["electra", "fulu"] as const;
export type DevnetFork = (typeof DEVNET_FORKS)[number];

/** Highest fork epoch a flag may name: far beyond any devnet run, well inside a safe integer. */
const MAX_FORK_EPOCH = 1_000_000;

export type ForkSpecErrorType = {code: "FORK_SPEC_INVALID"; flag: "fork" | "fork-epoch"; value: string};

/** A `--fork` / `--fork-epoch` flag that names no schedule the simulated chain can run. */
export class ForkSpecError extends CohortError<ForkSpecErrorType> {}

/** The simulated chain's fork schedule, as createSimChainConfig takes it. */
export interface ForkSchedule {
  /** 0: Fulu from genesis; N: Electra, then Fulu from epoch N; Infinity: Electra only. */
  fuluForkEpoch: number;
}

/**
 * Reads `--fork electra|fulu` (the fork at genesis; Fulu, mainnet's fork, when left out) and
 * `--fork-epoch fulu:N` (Electra at genesis, Fulu from epoch N). Contradictory or malformed flags are
 * refused with a ForkSpecError naming the flag.
 */
export function parseForkSchedule(flags: {fork?: string; forkEpoch?: string | string[]}): ForkSchedule {
  const {fork} = flags;
  if (fork !== undefined && !(DEVNET_FORKS as readonly string[]).includes(fork)) {
    throw new ForkSpecError(
      {code: "FORK_SPEC_INVALID", flag: "fork", value: fork},
      `--fork ${fork}: the simulated chain starts at ${DEVNET_FORKS.join(" or ")}`,
    );
  }
  const forkEpochs = flags.forkEpoch === undefined ? [] : [flags.forkEpoch].flat();
  if (forkEpochs.length === 0) return {fuluForkEpoch: fork === "electra" ? Number.POSITIVE_INFINITY : 0};
  if (forkEpochs.length > 1) {
    throw new ForkSpecError(
      {code: "FORK_SPEC_INVALID", flag: "fork-epoch", value: forkEpochs.join(" ")},
      "--fork-epoch given more than once: the simulated chain has one fork to schedule (fulu:N)",
    );
  }
  const value = forkEpochs[0];
  const match = /^([a-z]+):(\d{1,7})$/.exec(value);
  if (match === null || match[1] !== "fulu" || Number(match[2]) > MAX_FORK_EPOCH) {
    throw new ForkSpecError(
      {code: "FORK_SPEC_INVALID", flag: "fork-epoch", value},
      `--fork-epoch ${value}: expected fulu:N with N an epoch from 0 to ${MAX_FORK_EPOCH} (Electra until epoch N, Fulu from N)`,
    );
  }
  const epoch = Number(match[2]);
  if (fork === "fulu" && epoch > 0) {
    throw new ForkSpecError(
      {code: "FORK_SPEC_INVALID", flag: "fork-epoch", value},
      `--fork fulu starts at Fulu, --fork-epoch ${value} forks to it at epoch ${epoch}: give --fork electra (or leave --fork out) for a transition`,
    );
  }
  if (fork === "electra" && epoch === 0) {
    throw new ForkSpecError(
      {code: "FORK_SPEC_INVALID", flag: "fork-epoch", value},
      "--fork electra with --fork-epoch fulu:0 would never run Electra: give fulu:N with N ≥ 1, or --fork fulu",
    );
  }
  return {fuluForkEpoch: epoch};
}

/** How a schedule reads in a devnet's header line. */
export function describeForkSchedule(schedule: ForkSchedule): string {
  if (schedule.fuluForkEpoch === 0) return "Fulu from genesis";
  if (schedule.fuluForkEpoch === Number.POSITIVE_INFINITY) return "Electra";
  return `Electra, Fulu from epoch ${schedule.fuluForkEpoch}`;
}

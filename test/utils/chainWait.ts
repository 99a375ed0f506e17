import {isAccepted} from "../../src/devnet/summary.js";

/** What the e2e waits read of the simulated chain (its clock and its book of duty records). */
export interface ChainBook {
  currentSlot(): number;
  records(): {type: string; slot: number; status: string}[];
}

const POLL_MS = 250;

/** Resolves once the chain's clock reaches `slot`. */
export async function untilSlot(chain: ChainBook, slot: number): Promise<void> {
  while (chain.currentSlot() < slot) await new Promise((r) => setTimeout(r, POLL_MS));
}

/**
 * Resolves once every duty record of slots `from` to `to` (those `counted`) is accepted, the clock
 * being past the start of slot `to` (its records exist from then on), or at the latest when the clock
 * reaches `deadlineSlot`. A test that asserts every such duty accepted stops as soon as that holds,
 * instead of waiting for the deadline; a duty still missing at the deadline fails its assertion as before.
 */
export async function untilAllAccepted(
  chain: ChainBook,
  opts: {from: number; to: number; deadlineSlot: number; counted?: (r: {type: string}) => boolean},
): Promise<void> {
  const counted = opts.counted ?? (() => true);
  const allAccepted = () =>
    chain
      .records()
      .filter((r) => r.slot >= opts.from && r.slot <= opts.to && counted(r))
      .every(isAccepted);
  for (;;) {
    const slot = chain.currentSlot();
    if (slot >= opts.deadlineSlot || (slot >= opts.to && allAccepted())) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

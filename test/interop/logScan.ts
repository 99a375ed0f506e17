/**
 * The error lines of a Lodestar log (beacon node or validator client), split into those cohort may have
 * caused and those it did not. Lodestar prints `<time>[<module>] <level>: <message>` with ANSI colours
 * when it thinks it writes to a terminal; the colours are stripped first.
 */

/** One error line Lodestar prints that no client of the BN causes, and why it is not cohort's. */
export interface KnownLodestarError {
  pattern: RegExp;
  why: string;
  /** Only in this kind of log (`lodestar dev`'s, which holds its own validator client's lines too). */
  only?: "beacon";
}

/**
 * Errors of the dev chain itself, printed whoever its clients are:
 * - `lodestar dev` runs with no boot nodes, so its discovery complains once at start;
 * - its own validator client (0..3) logs its failures in the same stream, naming the validator. Its REST
 *   requests fail in the beacon node's lines like anyone's (`Req … error`): those cannot be told from
 *   cohort's, and count against cohort.
 */
export const LODESTAR_OWN_ERRORS: KnownLodestarError[] = [
  {pattern: /PeerDiscovery: discv5 has no boot enr/, why: "the dev chain has no boot nodes (printed at start)"},
  {
    // In `lodestar dev`'s log, the validator client's failures ("Error on attestation routine", "Error
    // proposing block", …, module tag empty) are its own client's: cohort logs elsewhere.
    pattern: /\[\]\s+error: Error (on|proposing|signing|publishing|producing) /,
    why: "Lodestar's own validator client (interop validators 0..3)",
    only: "beacon",
  },
  {
    // The mock execution engine of the dev chain answers late on a loaded machine; the BN then fails the
    // block production of whoever asked (a cohort node's round then moves on, another round produces).
    // With a builder (`--builder`: it makes no bid) the same engine failure reads "Builder and engine both
    // failed" ("Engine failed to produce the block" is then a warn line above it, with the engine's reason).
    pattern: /produceBlockV3 error - (Engine|Builder and engine both) failed to produce the block/,
    why: "the BN built no block: the dev chain's mock engine was late (machine load), or a late consensus round asked after the slot's block was imported",
  },
  {
    // Its validator client logs in the same stream, naming the validator: 0..3 are its own, not cohort's.
    // (by index, or by its public key as Lodestar abbreviates it: interop keys 0..3 begin a99a, b89b, a3a3, 88c1)
    pattern: /\b(validatorIndex|validator)=([0-3]\b|0x(a99a|b89b|a3a3|88c1)[0-9a-f]*…)/,
    why: "Lodestar's own validator client (interop validators 0..3)",
  },
];

/**
 * Errors of the test's topology, not of cohort: the four nodes share ONE beacon node, which produced the
 * cluster's block itself (`produceBlockV3`), so it skips gossip validation for the copies the other nodes
 * publish and its import refuses them with 500 BLOCK_ERROR_ALREADY_KNOWN, logged as an error. With a BN per
 * operator, as deployed, only the leader's BN produced the block; the others get it by gossip and API alike,
 * and Lodestar answers a known block that it did not produce with 200. cohort counts the answer as done.
 */
export const SHARED_BN_ERRORS: KnownLodestarError[] = [
  {
    pattern: /publish(Blinded)?Block(V2)? error.*BLOCK_ERROR_ALREADY_KNOWN/,
    why: "four nodes share one BN that produced the block: the copies after the first are already known",
  },
];

export interface LogErrors {
  /** Error lines not in the known list: cohort's to answer for. */
  errors: string[];
  /** Known error lines with the reason they are not cohort's. */
  known: {line: string; why: string}[];
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** A Lodestar log line at level error (its level word follows the module tag). */
function isErrorLine(line: string): boolean {
  return /\]\s+error:/.test(line) || /^\S.*\s(error|ERROR):\s/.test(line);
}

export function scanLodestarLog(
  text: string,
  kind: "beacon" | "validator" = "beacon",
  known: KnownLodestarError[] = [...LODESTAR_OWN_ERRORS, ...SHARED_BN_ERRORS],
): LogErrors {
  const result: LogErrors = {errors: [], known: []};
  const applicable = known.filter((k) => k.only === undefined || k.only === kind);
  for (const raw of text.split("\n")) {
    const line = raw.replace(ANSI, "").trimEnd();
    if (!isErrorLine(line)) continue;
    const match = applicable.find((k) => k.pattern.test(line));
    if (match) result.known.push({line, why: match.why});
    else result.errors.push(line);
  }
  return result;
}

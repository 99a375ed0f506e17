/**
 * Whether a Beacon Node's refusal of a submission only says that it already has what was submitted.
 *
 * Every node of a cluster publishes the same combined block, attestation, aggregate, sync message and
 * contribution, and a node's BN often has it from gossip (or from another node sharing the BN) first.
 * The BNs say so in different ways: Lodestar v1.22 answers a second publish of a block it produced itself
 * with 500 `BLOCK_ERROR_ALREADY_KNOWN` (it lets known attestations, aggregates and contributions pass with
 * 200); other clients, and the Beacon API's pool routes, answer 400 with a per-item `failures` list whose
 * messages say "already known" or "duplicate". For a duty, "the BN already has it" is done, not failed.
 */

/** A BN's non-2xx answer to a submission, as far as it can be read. */
export interface BeaconNodeRefusal {
  status: number;
  /** The error's `message` (without the failures). */
  message: string;
  /** The per-item failures of a pool submission (`{index, message}`), null when the body has none. */
  failures: {index: number; message: string}[] | null;
}

/**
 * The wordings of "I already have it" across clients: Lodestar's error codes (`BLOCK_ERROR_ALREADY_KNOWN`,
 * `ATTESTATION_ERROR_ATTESTATION_ALREADY_KNOWN`, `…_AGGREGATOR_ALREADY_KNOWN`,
 * `SYNC_COMMITTEE_ERROR_SYNC_COMMITTEE_MESSAGE_KNOWN`, gossipsub's `PublishError.Duplicate`), Lighthouse's
 * (`PriorAttestationKnown`, `AttestationSupersetKnown`, `AggregatorAlreadyKnown`,
 * `PriorSyncCommitteeMessageKnown`, `SyncContributionSupersetKnown`), and plain "already known / seen /
 * imported" or "duplicate" texts. A superset known means the chain has this item's participants too.
 */
const ALREADY_KNOWN =
  /already[ _-]?known|_MESSAGE_KNOWN\b|\bPrior\w*Known\b|\w*Superset\w*Known\b|AlreadyKnown|PublishError\.Duplicate|\bduplicate\b|already (?:seen|imported|exists|received|have)/i;

/** True when this one error text says the BN already has the item. */
export function isAlreadyKnownMessage(message: string): boolean {
  return ALREADY_KNOWN.test(message);
}

/**
 * True when the refusal says nothing but "already known" for every item it refused: the `failures` list
 * when there is one (items not listed were accepted), else every line of the message after Lodestar's
 * "Multiple errors on …" header, else the message itself. A refusal with any other reason is a failure.
 */
export function isAlreadyKnownRefusal(refusal: BeaconNodeRefusal): boolean {
  if (refusal.failures !== null && refusal.failures.length > 0) {
    return refusal.failures.every((f) => isAlreadyKnownMessage(f.message));
  }
  const lines = refusal.message.split("\n").filter((l) => l.trim() !== "");
  const reasons = lines.length > 1 && /^Multiple errors/i.test(lines[0]) ? lines.slice(1) : lines;
  return reasons.length > 0 && reasons.every(isAlreadyKnownMessage);
}

/** Reads a refusal from a Beacon API error body (`{code, message, failures?}`), or the raw text. */
export function parseRefusal(status: number, body: string | null, fallbackMessage: string): BeaconNodeRefusal {
  if (body) {
    try {
      const json = JSON.parse(body) as {message?: unknown; failures?: unknown};
      const failures = Array.isArray(json.failures)
        ? json.failures.flatMap((f: unknown) => {
            const {index, message} = (f ?? {}) as {index?: unknown; message?: unknown};
            return typeof message === "string" ? [{index: Number(index), message}] : [];
          })
        : null;
      if (typeof json.message === "string") return {status, message: json.message, failures};
    } catch {
      return {status, message: body, failures: null};
    }
  }
  return {status, message: fallbackMessage, failures: null};
}

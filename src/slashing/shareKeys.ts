import {InterchangeError} from "./errors.js";

/**
 * Rewrites an interchange exported by a remote signer, whose records are keyed by the key *shares* it
 * signs with, onto the validator public keys (EIP-3076 keyed by what cohort protects). `shareToValidator`
 * maps 0x-hex share keys (lowercase) to validator keys. A pubkey that is neither a known share nor a
 * cluster validator is refused, naming the entry: importing history for a stranger key is a mistake.
 */
export function mapShareKeysToValidators(doc: unknown, shareToValidator: ReadonlyMap<string, string>): unknown {
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as {data?: unknown}).data)) return doc;
  const validators = new Set(shareToValidator.values());
  const data = (doc as {data: unknown[]}).data.map((entry, i) => {
    if (typeof entry !== "object" || entry === null) return entry;
    const pubkey = String((entry as {pubkey?: unknown}).pubkey ?? "").toLowerCase();
    const validator = shareToValidator.get(pubkey) ?? (validators.has(pubkey) ? pubkey : undefined);
    if (validator === undefined) {
      throw new InterchangeError(
        {
          code: "INTERCHANGE_INVALID_FIELD",
          path: `data[${i}].pubkey`,
          reason: "is no key share or validator of the cluster",
        },
        `invalid interchange: data[${i}].pubkey ${pubkey} is no key share or validator of the cluster lock`,
      );
    }
    return {...entry, pubkey: validator};
  });
  return {...doc, data};
}

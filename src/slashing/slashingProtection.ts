import {mkdirSync} from "node:fs";
import path from "node:path";
import {fromHex, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {nullLogger} from "../util/logger.js";
import {InterchangeError, SlashingProtectionError} from "./errors.js";
import {buildInterchange, type InterchangeV5, parseInterchange} from "./interchange.js";
import type {SlashingMetrics} from "./metrics.js";
import {checkAttestation, checkBlock} from "./rules.js";
import {SCHEMA_VERSION, SlashingStore} from "./store.js";
import type {
  AttestationBatchItem,
  BlockBatchItem,
  SafeStatus,
  SignedAttestationRecord,
  SignedBlockRecord,
} from "./types.js";

export const SLASHING_DB_FILE = "slashing-protection.sqlite";

export interface SlashingProtectionOpts {
  /** Directory of the DB file (created if missing); `":memory:"` for a non-durable DB in tests. */
  dataDir: string;
  /** Required when the DB is new; when given for an existing DB it must match the stored one. */
  genesisValidatorsRoot?: Uint8Array;
}

export interface SlashingProtectionModules {
  logger?: Logger;
  metrics?: SlashingMetrics;
}

export interface ImportSummary {
  validators: number;
  blocksImported: number;
  attestationsImported: number;
  /** Records already present (importing the same file twice imports nothing). */
  duplicatesSkipped: number;
}

/**
 * The EIP-3076 slashing-protection DB that every signing decision of cohort goes through.
 *
 * `checkAndInsert*` atomically check a signing against the validator's complete history and record it:
 * when they return, the record is durable on disk; when they throw `SlashingProtectionError`, nothing
 * was written. `isSlashable*` run the same rules without writing (the consensus validity predicate).
 * Everything is synchronous (node:sqlite), so callers in this process are serialised by construction.
 */
export class SlashingProtection {
  readonly genesisValidatorsRoot: Uint8Array;
  private readonly logger: Logger;
  private readonly metrics?: SlashingMetrics;

  private constructor(
    private readonly store: SlashingStore,
    genesisValidatorsRoot: Uint8Array,
    modules: SlashingProtectionModules,
  ) {
    this.genesisValidatorsRoot = genesisValidatorsRoot;
    this.logger = modules.logger ?? nullLogger();
    this.metrics = modules.metrics;
  }

  static open(opts: SlashingProtectionOpts, modules: SlashingProtectionModules = {}): SlashingProtection {
    const file = opts.dataDir === ":memory:" ? ":memory:" : path.join(opts.dataDir, SLASHING_DB_FILE);
    if (file !== ":memory:") mkdirSync(opts.dataDir, {recursive: true});
    const store = new SlashingStore(file);
    try {
      const gvr = store.transaction(() => initMeta(store, file, opts.genesisValidatorsRoot));
      (modules.logger ?? nullLogger()).verbose("slashing protection DB open", {
        file,
        genesisValidatorsRoot: toHex(gvr),
      });
      return new SlashingProtection(store, gvr, modules);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Checks a block signing and records it durably; throws `SlashingProtectionError` when refused. */
  checkAndInsertBlock(pubkey: Uint8Array, block: SignedBlockRecord): SafeStatus {
    return this.checkAndInsertBlocks([{pubkey, block}])[0];
  }

  /** Checks an attestation signing and records it durably; throws `SlashingProtectionError` when refused. */
  checkAndInsertAttestation(pubkey: Uint8Array, attestation: SignedAttestationRecord): SafeStatus {
    return this.checkAndInsertAttestations([{pubkey, attestation}])[0];
  }

  /**
   * Many validators' attestations (one decided duty) in one durable transaction, all or nothing: if any is
   * refused, the error names it and none is recorded.
   */
  checkAndInsertAttestations(items: AttestationBatchItem[]): SafeStatus[] {
    for (const [i, item] of items.entries()) validateAttestationInput(item, i);
    return this.timed("attestation", items.length, () =>
      this.store.transaction(() =>
        items.map(({pubkey, attestation}) => {
          const id = this.store.validatorId(pubkey, true);
          const status = checkAttestation(pubkey, attestation, this.store.attestationHistory(id));
          if (status === "new") this.store.insertAttestation(id, attestation);
          return status;
        }),
      ),
    );
  }

  /** Many validators' blocks in one durable transaction, all or nothing. */
  checkAndInsertBlocks(items: BlockBatchItem[]): SafeStatus[] {
    for (const [i, item] of items.entries()) validateBlockInput(item, i);
    return this.timed("block", items.length, () =>
      this.store.transaction(() =>
        items.map(({pubkey, block}) => {
          const id = this.store.validatorId(pubkey, true);
          const status = checkBlock(pubkey, block, this.store.blockHistory(id));
          if (status === "new") this.store.insertBlock(id, block);
          return status;
        }),
      ),
    );
  }

  /** The refusal the block would get, or null when it is safe to sign; writes nothing. */
  isSlashableBlock(pubkey: Uint8Array, block: SignedBlockRecord): SlashingProtectionError | null {
    validateBlockInput({pubkey, block}, 0);
    return refusalOf(() => checkBlock(pubkey, block, this.store.blockHistory(this.store.validatorId(pubkey, false))));
  }

  /** The refusal the attestation would get, or null when it is safe to sign; writes nothing. */
  isSlashableAttestation(pubkey: Uint8Array, attestation: SignedAttestationRecord): SlashingProtectionError | null {
    validateAttestationInput({pubkey, attestation}, 0);
    return refusalOf(() =>
      checkAttestation(pubkey, attestation, this.store.attestationHistory(this.store.validatorId(pubkey, false))),
    );
  }

  /**
   * Imports an EIP-3076 interchange (v5, or v4 complete). The whole document is validated first; then
   * every record is merged in one transaction. On any error nothing changes. Records already present are
   * skipped, so importing the same file twice changes nothing. Slashable data in the file is imported as
   * history: it only makes later checks stricter.
   */
  importInterchange(doc: unknown): ImportSummary {
    const parsed = parseInterchange(doc);
    if (Buffer.compare(parsed.genesisValidatorsRoot, this.genesisValidatorsRoot) !== 0) {
      throw new InterchangeError(
        {
          code: "INTERCHANGE_GENESIS_VALIDATORS_ROOT_MISMATCH",
          expected: toHex(this.genesisValidatorsRoot),
          actual: toHex(parsed.genesisValidatorsRoot),
        },
        `interchange is for another chain: genesis_validators_root ${toHex(parsed.genesisValidatorsRoot)}, this DB is for ${toHex(this.genesisValidatorsRoot)}`,
      );
    }
    const summary = this.store.transaction(() => {
      const s: ImportSummary = {validators: 0, blocksImported: 0, attestationsImported: 0, duplicatesSkipped: 0};
      const seen = new Set<string>();
      for (const entry of parsed.entries) {
        seen.add(toHex(entry.pubkey));
        const id = this.store.validatorId(entry.pubkey, true);
        for (const block of entry.blocks) {
          if (this.store.hasBlock(id, block)) s.duplicatesSkipped++;
          else {
            this.store.insertBlock(id, block);
            s.blocksImported++;
          }
        }
        for (const att of entry.attestations) {
          if (this.store.hasAttestation(id, att)) s.duplicatesSkipped++;
          else {
            this.store.insertAttestation(id, att);
            s.attestationsImported++;
          }
        }
      }
      s.validators = seen.size;
      return s;
    });
    this.logger.info("slashing protection interchange imported", {...summary});
    return summary;
  }

  /** Exports the complete history as an EIP-3076 v5 interchange, of every validator or the given ones. */
  exportInterchange(pubkeys?: Uint8Array[]): InterchangeV5 {
    const wanted = pubkeys ? new Set(pubkeys.map((p) => toHex(p))) : null;
    const validators = this.store
      .listValidators()
      .filter((v) => wanted === null || wanted.has(toHex(v.pubkey)))
      .map((v) => ({pubkey: v.pubkey, blocks: this.store.blocks(v.id), attestations: this.store.attestations(v.id)}));
    return buildInterchange(this.genesisValidatorsRoot, validators);
  }

  close(): void {
    this.store.close();
  }

  private timed<T>(kind: "block" | "attestation", count: number, fn: () => T): T {
    const stop = this.metrics?.checkAndInsertSeconds.startTimer({kind});
    try {
      const result = fn();
      this.metrics?.records.inc({kind, result: "accepted"}, count);
      return result;
    } catch (e) {
      if (e instanceof SlashingProtectionError) {
        this.metrics?.records.inc({kind, result: "refused"}, count);
        this.logger.warn("slashing protection refused a signing", e.getMetadata());
      }
      throw e;
    } finally {
      stop?.();
    }
  }
}

function initMeta(store: SlashingStore, file: string, given: Uint8Array | undefined): Uint8Array {
  const version = store.getMeta("schema_version");
  if (version !== null && Number(version) !== SCHEMA_VERSION) {
    throw new SlashingProtectionError(
      {code: "SLASHING_DB_SCHEMA_UNSUPPORTED", path: file, version: Number(version)},
      `slashing protection DB ${file} has schema version ${version}; this cohort supports ${SCHEMA_VERSION}`,
    );
  }
  const stored = store.getMeta("genesis_validators_root");
  if (stored === null) {
    if (!given) {
      throw new SlashingProtectionError(
        {code: "SLASHING_GENESIS_VALIDATORS_ROOT_REQUIRED", path: file},
        `slashing protection DB ${file} is new: give the chain's genesis validators root`,
      );
    }
    if (given.length !== 32) {
      throw new SlashingProtectionError(
        {code: "SLASHING_INVALID_INPUT", field: "genesisValidatorsRoot", reason: "must be 32 bytes"},
        "genesis validators root must be 32 bytes",
      );
    }
    store.setMeta("schema_version", String(SCHEMA_VERSION));
    store.setMeta("genesis_validators_root", toHex(given));
    return Uint8Array.from(given);
  }
  if (given && toHex(given) !== stored) {
    throw new SlashingProtectionError(
      {code: "SLASHING_GENESIS_VALIDATORS_ROOT_MISMATCH", expected: stored, actual: toHex(given)},
      `slashing protection DB ${file} belongs to genesis validators root ${stored}, not ${toHex(given)}`,
    );
  }
  return fromHex(stored, 32);
}

function refusalOf(check: () => SafeStatus): SlashingProtectionError | null {
  try {
    check();
    return null;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return e;
    throw e;
  }
}

function validateBlockInput({pubkey, block}: BlockBatchItem, i: number): void {
  checkPubkey(pubkey, i);
  checkUint(block.slot, `[${i}].block.slot`);
  checkRoot(block.signingRoot, `[${i}].block.signingRoot`);
}

function validateAttestationInput({pubkey, attestation}: AttestationBatchItem, i: number): void {
  checkPubkey(pubkey, i);
  checkUint(attestation.sourceEpoch, `[${i}].attestation.sourceEpoch`);
  checkUint(attestation.targetEpoch, `[${i}].attestation.targetEpoch`);
  checkRoot(attestation.signingRoot, `[${i}].attestation.signingRoot`);
}

function checkPubkey(pubkey: Uint8Array, i: number): void {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 48) throw invalidInput(`[${i}].pubkey`, "must be 48 bytes");
}

function checkRoot(root: Uint8Array, field: string): void {
  if (!(root instanceof Uint8Array) || root.length !== 32) throw invalidInput(field, "must be 32 bytes");
}

function checkUint(n: number, field: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw invalidInput(field, "must be a non-negative safe integer");
}

function invalidInput(field: string, reason: string): SlashingProtectionError {
  return new SlashingProtectionError(
    {code: "SLASHING_INVALID_INPUT", field, reason},
    `invalid input: ${field} ${reason}`,
  );
}

import {DatabaseSync, type StatementSync} from "node:sqlite";
import type {AttestationHistory, BlockHistory} from "./rules.js";
import type {StoredAttestation, StoredBlock} from "./types.js";

export const SCHEMA_VERSION = 1;

type Row = Record<string, unknown>;

/**
 * The SQLite side of the slashing-protection DB: schema, prepared statements and transactions. One file,
 * WAL journal with `synchronous=FULL`, so a committed transaction is on disk (fsync) when commit returns.
 * Writers take the write lock up front (`BEGIN IMMEDIATE`), which serialises concurrent callers, in this
 * process and in others sharing the file.
 */
export class SlashingStore {
  private readonly db: DatabaseSync;
  private readonly stmts: ReturnType<typeof prepareStatements>;
  private readonly validatorIds = new Map<string, number>();

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA busy_timeout = 10000");
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA foreign_keys = ON");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS validators (id INTEGER PRIMARY KEY, pubkey BLOB NOT NULL UNIQUE);
      CREATE TABLE IF NOT EXISTS signed_blocks (
        validator_id INTEGER NOT NULL REFERENCES validators(id),
        slot INTEGER NOT NULL,
        signing_root BLOB
      );
      CREATE INDEX IF NOT EXISTS signed_blocks_by_slot ON signed_blocks (validator_id, slot);
      CREATE TABLE IF NOT EXISTS signed_attestations (
        validator_id INTEGER NOT NULL REFERENCES validators(id),
        source_epoch INTEGER NOT NULL,
        target_epoch INTEGER NOT NULL,
        signing_root BLOB
      );
      CREATE INDEX IF NOT EXISTS signed_attestations_by_target ON signed_attestations (validator_id, target_epoch);
      CREATE INDEX IF NOT EXISTS signed_attestations_by_source ON signed_attestations (validator_id, source_epoch);
    `);
    this.stmts = prepareStatements(this.db);
  }

  getMeta(key: string): string | null {
    const row = this.stmts.getMeta.get(key) as Row | undefined;
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  /** Runs `fn` in one write transaction: all of it is committed durably, or none of it. */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.db.exec("ROLLBACK");
      // Ids created in the rolled-back transaction no longer exist.
      this.validatorIds.clear();
      throw e;
    }
    this.db.exec("COMMIT");
    return result;
  }

  /** The validator's row id; with `create`, inserts it when missing (call inside a transaction). */
  validatorId(pubkey: Uint8Array, create: true): number;
  validatorId(pubkey: Uint8Array, create: false): number | null;
  validatorId(pubkey: Uint8Array, create: boolean): number | null {
    const key = Buffer.from(pubkey).toString("hex");
    const cached = this.validatorIds.get(key);
    if (cached !== undefined) return cached;
    let row = this.stmts.getValidator.get(pubkey) as Row | undefined;
    if (!row) {
      if (!create) return null;
      this.stmts.insertValidator.run(pubkey);
      row = this.stmts.getValidator.get(pubkey) as Row;
    }
    const id = Number(row.id);
    this.validatorIds.set(key, id);
    return id;
  }

  blockHistory(validatorId: number | null): BlockHistory {
    if (validatorId === null) return {blocksAtSlot: () => [], minSlot: () => null};
    return {
      blocksAtSlot: (slot) => (this.stmts.blocksAtSlot.all(validatorId, slot) as Row[]).map(toBlock),
      minSlot: () => nullableNumber((this.stmts.minSlot.get(validatorId) as Row).m),
    };
  }

  attestationHistory(validatorId: number | null): AttestationHistory {
    if (validatorId === null) {
      return {
        attestationsAtTarget: () => [],
        minEpochs: () => null,
        findSurrounding: () => null,
        findSurrounded: () => null,
      };
    }
    return {
      attestationsAtTarget: (t) => (this.stmts.attestationsAtTarget.all(validatorId, t) as Row[]).map(toAttestation),
      minEpochs: () => {
        const minSource = nullableNumber((this.stmts.minSource.get(validatorId) as Row).m);
        const minTarget = nullableNumber((this.stmts.minTarget.get(validatorId) as Row).m);
        return minSource === null || minTarget === null ? null : {minSource, minTarget};
      },
      findSurrounding: (s, t) => optionalAttestation(this.stmts.findSurrounding.get(validatorId, t, s)),
      findSurrounded: (s, t) => optionalAttestation(this.stmts.findSurrounded.get(validatorId, s, t)),
    };
  }

  insertBlock(validatorId: number, block: StoredBlock): void {
    this.stmts.insertBlock.run(validatorId, block.slot, block.signingRoot);
  }

  insertAttestation(validatorId: number, att: StoredAttestation): void {
    this.stmts.insertAttestation.run(validatorId, att.sourceEpoch, att.targetEpoch, att.signingRoot);
  }

  hasBlock(validatorId: number, block: StoredBlock): boolean {
    return this.stmts.hasBlock.get(validatorId, block.slot, block.signingRoot) !== undefined;
  }

  hasAttestation(validatorId: number, att: StoredAttestation): boolean {
    return this.stmts.hasAttestation.get(validatorId, att.sourceEpoch, att.targetEpoch, att.signingRoot) !== undefined;
  }

  listValidators(): {id: number; pubkey: Uint8Array}[] {
    return (this.stmts.listValidators.all() as Row[]).map((r) => ({id: Number(r.id), pubkey: r.pubkey as Uint8Array}));
  }

  blocks(validatorId: number): StoredBlock[] {
    return (this.stmts.allBlocks.all(validatorId) as Row[]).map(toBlock);
  }

  attestations(validatorId: number): StoredAttestation[] {
    return (this.stmts.allAttestations.all(validatorId) as Row[]).map(toAttestation);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    getMeta: p("SELECT value FROM meta WHERE key = ?"),
    setMeta: p("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    getValidator: p("SELECT id FROM validators WHERE pubkey = ?"),
    insertValidator: p("INSERT INTO validators (pubkey) VALUES (?)"),
    listValidators: p("SELECT id, pubkey FROM validators ORDER BY id"),
    blocksAtSlot: p("SELECT slot, signing_root FROM signed_blocks WHERE validator_id = ? AND slot = ?"),
    minSlot: p("SELECT MIN(slot) AS m FROM signed_blocks WHERE validator_id = ?"),
    insertBlock: p("INSERT INTO signed_blocks (validator_id, slot, signing_root) VALUES (?, ?, ?)"),
    hasBlock: p("SELECT 1 FROM signed_blocks WHERE validator_id = ? AND slot = ? AND signing_root IS ?"),
    allBlocks: p("SELECT slot, signing_root FROM signed_blocks WHERE validator_id = ? ORDER BY slot, rowid"),
    attestationsAtTarget: p(
      "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations WHERE validator_id = ? AND target_epoch = ?",
    ),
    minSource: p("SELECT MIN(source_epoch) AS m FROM signed_attestations WHERE validator_id = ?"),
    minTarget: p("SELECT MIN(target_epoch) AS m FROM signed_attestations WHERE validator_id = ?"),
    // Existing (s', t') surrounds the candidate (s, t): t' > t and s' < s. Scans targets above t: few rows.
    findSurrounding: p(
      "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations INDEXED BY signed_attestations_by_target " +
        "WHERE validator_id = ? AND target_epoch > ? AND source_epoch < ? LIMIT 1",
    ),
    // The candidate surrounds existing (s', t'): s' > s and t' < t. Scans sources above s: few rows.
    findSurrounded: p(
      "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations INDEXED BY signed_attestations_by_source " +
        "WHERE validator_id = ? AND source_epoch > ? AND target_epoch < ? LIMIT 1",
    ),
    insertAttestation: p(
      "INSERT INTO signed_attestations (validator_id, source_epoch, target_epoch, signing_root) VALUES (?, ?, ?, ?)",
    ),
    hasAttestation: p(
      "SELECT 1 FROM signed_attestations WHERE validator_id = ? AND source_epoch = ? AND target_epoch = ? AND signing_root IS ?",
    ),
    allAttestations: p(
      "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations WHERE validator_id = ? ORDER BY target_epoch, source_epoch, rowid",
    ),
  };
}

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toBlock(r: Row): StoredBlock {
  return {slot: Number(r.slot), signingRoot: (r.signing_root as Uint8Array | null) ?? null};
}

function toAttestation(r: Row): StoredAttestation {
  return {
    sourceEpoch: Number(r.source_epoch),
    targetEpoch: Number(r.target_epoch),
    signingRoot: (r.signing_root as Uint8Array | null) ?? null,
  };
}

function optionalAttestation(r: unknown): StoredAttestation | null {
  return r ? toAttestation(r as Row) : null;
}

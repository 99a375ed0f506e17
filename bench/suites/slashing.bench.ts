import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {SlashingProtection} from "../../src/slashing/index.js";
import {type BenchResult, type BenchSuite, measure} from "../harness.js";

const gvr = new Uint8Array(32).fill(1);
const pubkey = (i: number) => {
  const pk = new Uint8Array(48);
  new DataView(pk.buffer).setUint32(0, i + 1);
  return pk;
};
const root = (n: number) => {
  const r = new Uint8Array(32);
  new DataView(r.buffer).setUint32(0, n);
  return r;
};

/** Durable (WAL, synchronous=FULL, on-disk file) check-and-insert throughput and the surround check cost. */
const suite: BenchSuite = {
  name: "slashing",
  async run(): Promise<BenchResult[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cohort-bench-slashing-"));
    const results: BenchResult[] = [];
    try {
      const db = SlashingProtection.open({dataDir: dir, genesisValidatorsRoot: gvr});

      let epoch = 1;
      const single = await measure(
        () => {
          db.checkAndInsertAttestation(pubkey(0), {
            sourceEpoch: epoch - 1,
            targetEpoch: epoch,
            signingRoot: root(epoch),
          });
          epoch++;
        },
        {minTimeMs: 1500, minIterations: 50},
      );
      results.push({
        suite: "slashing",
        name: "single attestation check-and-insert (durable, fsync per call)",
        value: single.opsPerSec,
        unit: "ops/s",
        note: `median ${single.medianMs.toFixed(2)} ms`,
      });

      const validators = Array.from({length: 1000}, (_, i) => pubkey(1000 + i));
      let batchEpoch = 1;
      const batch = await measure(
        () => {
          db.checkAndInsertAttestations(
            validators.map((pk) => ({
              pubkey: pk,
              attestation: {sourceEpoch: batchEpoch - 1, targetEpoch: batchEpoch, signingRoot: root(batchEpoch)},
            })),
          );
          batchEpoch++;
        },
        {minTimeMs: 2000, minIterations: 10},
      );
      results.push({
        suite: "slashing",
        name: "batch of 1,000 validators' attestations (one durable transaction)",
        value: batch.medianMs,
        unit: "ms",
        target: "< 50 ms",
        met: batch.medianMs < 50,
        note: `p99 ${batch.p99Ms.toFixed(1)} ms; ${Math.round((1000 * 1000) / batch.medianMs)} validators/s`,
      });

      // A key with 10,000 recorded attestations, then the pure surround check on it.
      const heavy = pubkey(99_999);
      const history = Array.from({length: 10_000}, (_, e) => ({
        pubkey: heavy,
        attestation: {sourceEpoch: e, targetEpoch: e + 1, signingRoot: root(e)},
      }));
      db.checkAndInsertAttestations(history);
      const safe = {sourceEpoch: 10_000, targetEpoch: 10_001, signingRoot: root(1)};
      const surrounding = {sourceEpoch: 4_000, targetEpoch: 10_005, signingRoot: root(2)};
      const safeCheck = await measure(() => db.isSlashableAttestation(heavy, safe), {minTimeMs: 800});
      const surroundCheck = await measure(() => db.isSlashableAttestation(heavy, surrounding), {minTimeMs: 800});
      results.push({
        suite: "slashing",
        name: "slashability check on a key with 10,000 attestations (safe vote)",
        value: safeCheck.medianMs * 1000,
        unit: "µs",
      });
      results.push({
        suite: "slashing",
        name: "slashability check on a key with 10,000 attestations (surrounding vote)",
        value: surroundCheck.medianMs * 1000,
        unit: "µs",
      });
      db.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
    return results;
  },
};

export default suite;

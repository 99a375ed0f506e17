/**
 * Runs the EIP-3076 interchange test vectors, one test case per file, judged by `should_succeed_complete`
 * (cohort keeps the complete history). Reads fixtures/eip3076/ or the directory in EIP3076_VECTORS_DIR.
 * Each file starts from an empty DB (a real SQLite file in a temporary directory); signings accumulate
 * across its steps. A step with `contains_slashable_data` is imported (cohort imports such data as history).
 * Ends with the line "N passed, N failed" and exits non-zero when any file failed.
 */
import {mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {SlashingProtection, SlashingProtectionError} from "../../src/slashing/index.js";
import {fromHex} from "../../src/util/hex.js";

interface Check {
  pubkey: string;
  signing_root: string;
  should_succeed: boolean;
  should_succeed_complete: boolean;
  slot?: string;
  source_epoch?: string;
  target_epoch?: string;
}

interface VectorFile {
  name: string;
  genesis_validators_root: string;
  steps: {
    should_succeed: boolean;
    contains_slashable_data: boolean;
    interchange: unknown;
    blocks: Check[];
    attestations: Check[];
  }[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.env.EIP3076_VECTORS_DIR ?? path.join(here, "../../fixtures/eip3076");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort();

let passed = 0;
let failed = 0;
for (const file of files) {
  const failures = runFile(JSON.parse(readFileSync(path.join(dir, file), "utf8")) as VectorFile);
  if (failures.length === 0) {
    passed++;
    console.log(`  ✔ ${file}`);
  } else {
    failed++;
    console.log(`  ✖ ${file}`);
    for (const f of failures) console.log(`      ${f}`);
  }
}
if (files.length === 0) console.log(`no vector files in ${dir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;

function runFile(vector: VectorFile): string[] {
  const failures: string[] = [];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cohort-eip3076-"));
  const db = SlashingProtection.open({dataDir, genesisValidatorsRoot: fromHex(vector.genesis_validators_root, 32)});
  try {
    for (const [i, step] of vector.steps.entries()) {
      let imported = true;
      try {
        db.importInterchange(step.interchange);
      } catch (e) {
        imported = false;
        if (step.should_succeed && !step.contains_slashable_data) {
          failures.push(`step ${i}: import failed: ${(e as Error).message}`);
        }
      }
      if (imported && !step.should_succeed) failures.push(`step ${i}: import succeeded but should fail`);
      // A refused import of slashable data ends the file, as the format allows.
      if (!imported) break;
      for (const [j, b] of step.blocks.entries()) {
        const ok = attempt(() =>
          db.checkAndInsertBlock(fromHex(b.pubkey, 48), {
            slot: Number(b.slot),
            signingRoot: fromHex(b.signing_root, 32),
          }),
        );
        if (ok !== b.should_succeed_complete) {
          failures.push(`step ${i} block ${j} (slot ${b.slot}): got ${ok}, expected ${b.should_succeed_complete}`);
        }
      }
      for (const [j, a] of step.attestations.entries()) {
        const ok = attempt(() =>
          db.checkAndInsertAttestation(fromHex(a.pubkey, 48), {
            sourceEpoch: Number(a.source_epoch),
            targetEpoch: Number(a.target_epoch),
            signingRoot: fromHex(a.signing_root, 32),
          }),
        );
        if (ok !== a.should_succeed_complete) {
          failures.push(
            `step ${i} attestation ${j} (${a.source_epoch}, ${a.target_epoch}): got ${ok}, expected ${a.should_succeed_complete}`,
          );
        }
      }
    }
  } finally {
    db.close();
    rmSync(dataDir, {recursive: true, force: true});
  }
  return failures;
}

function attempt(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return false;
    throw e;
  }
}

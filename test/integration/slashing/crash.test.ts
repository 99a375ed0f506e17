import {type ChildProcess, spawn} from "node:child_process";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {useTmpDir} from "../../utils/tmpDir.js";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "crashChild.ts");
const IMPORT_TOTAL = 2000 * 60;
const BATCH_SIZE = 1000;

/** Starts the child, waits until its output matches `waitFor`, kills it after `delayMs`, returns its stdout. */
async function runAndKill(mode: string, dataDir: string, waitFor: RegExp, delayMs: number): Promise<string> {
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", child, mode, dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (waitFor.test(out)) {
        waitFor = /$^/; // only once
        setTimeout(() => proc.kill("SIGKILL"), delayMs);
      }
    });
    proc.on("exit", () => resolve());
    proc.on("error", reject);
  });
  return out;
}

function countAttestations(dataDir: string): Map<number, number> {
  const db = SlashingProtection.open({dataDir});
  const perTarget = new Map<number, number>();
  for (const v of db.exportInterchange().data) {
    for (const a of v.signed_attestations) {
      const t = Number(a.target_epoch);
      perTarget.set(t, (perTarget.get(t) ?? 0) + 1);
    }
  }
  db.close();
  return perTarget;
}

describe("slashing/crash safety (SIGKILL of a child process)", function () {
  this.timeout(120_000);
  const tmp = useTmpDir();

  it("an import killed midway leaves the DB as before, never between", async () => {
    // Kill soon after the import starts (mid-transaction) and, on a second DB, let it finish.
    const early = `${tmp.path}/early`;
    const out = await runAndKill("import", early, /importing/, 30);
    const counts = countAttestations(early);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (out.includes("imported")) expect(total).to.equal(IMPORT_TOTAL);
    else expect(total).to.equal(0);
    expect([0, IMPORT_TOTAL]).to.include(total);

    const late = `${tmp.path}/late`;
    const outLate = await runAndKill("import", late, /imported/, 0);
    expect(outLate).to.include("imported");
    const lateTotal = [...countAttestations(late).values()].reduce((a, b) => a + b, 0);
    expect(lateTotal).to.equal(IMPORT_TOTAL);
    // The early kill must really have hit the import in the middle for this test to mean anything.
    expect(out, "the kill landed after the import finished; make the import bigger").to.not.include("imported");
  });

  it("batch inserts killed at any moment are whole or absent, and every reported commit is durable", async () => {
    for (const delayMs of [5, 40, 150]) {
      const dir = `${tmp.path}/batch-${delayMs}`;
      const out = await runAndKill("batch", dir, /ready/, delayMs);
      const committed = [...out.matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
      const counts = countAttestations(dir);
      for (const [target, n] of counts) expect(n, `target epoch ${target}`).to.equal(BATCH_SIZE);
      // Everything the child saw committed is on disk; at most one more batch committed before the kill.
      const last = committed.length > 0 ? committed[committed.length - 1] : 0;
      for (let e = 1; e <= last; e++) expect(counts.get(e), `epoch ${e}`).to.equal(BATCH_SIZE);
      expect(counts.size - last).to.be.within(0, 1);
    }
  });
});

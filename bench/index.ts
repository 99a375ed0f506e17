import {mkdirSync, readdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import Table from "cli-table3";
import {type BenchResult, type BenchSuite, machineInfo} from "./harness.js";

// `npm run bench [-- name ...]` runs every suite in bench/suites (or the named ones), prints one
// table and writes bench/results/<date>.json with the machine it ran on.
const here = path.dirname(fileURLToPath(import.meta.url));
const suitesDir = path.join(here, "suites");
const only = process.argv.slice(2);

const files = readdirSync(suitesDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const results: BenchResult[] = [];
const machine = machineInfo();
process.stderr.write(`machine: ${JSON.stringify(machine)}\n`);

for (const file of files) {
  const suite = ((await import(pathToFileURL(path.join(suitesDir, file)).href)) as {default: BenchSuite}).default;
  if (only.length > 0 && !only.includes(suite.name)) continue;
  process.stderr.write(`running ${suite.name} ...\n`);
  const t0 = performance.now();
  results.push(...(await suite.run()));
  process.stderr.write(`  ${suite.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

const table = new Table({
  head: ["suite", "benchmark", "value", "unit", "target", "met", "note"],
  style: {head: [], border: []},
});
for (const r of results) {
  table.push([
    r.suite,
    r.name,
    formatValue(r.value),
    r.unit,
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "yes" : "NO",
    r.note ?? "",
  ]);
}
process.stdout.write(`${table.toString()}\n`);

const outDir = path.join(here, "results");
mkdirSync(outDir, {recursive: true});
const outFile = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(outFile, `${JSON.stringify({date: new Date().toISOString(), machine, results}, null, 2)}\n`);
process.stdout.write(`results written to ${path.relative(process.cwd(), outFile)}\n`);

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

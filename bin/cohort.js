#!/usr/bin/env node
// The `cohort` executable. npm scripts and `npx cohort` put the project's pinned Node 24
// (the `node` dev dependency) first on PATH; a global install needs Node 24 itself.
import {existsSync} from "node:fs";

const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`cohort needs Node.js 24 or later (node:sqlite); this is ${process.version}. Run it through npm/npx.`);
  process.exit(1);
}
// An installed package ships only lib/. A checkout runs lib/ when it is newer than every source file (`npm ci`
// builds it; it starts faster), otherwise the sources through tsx (never a stale build).
const sources = new URL("../src/plugin/cli/index.ts", import.meta.url);
const cliEntry = new URL("../lib/devnet/cliEntry.js", import.meta.url);
const libIsFresh = existsSync(cliEntry) && (await import(cliEntry.href)).resolveCliEntry().fallbackReason === null;
if (existsSync(sources) && !libIsFresh) {
  const {register} = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import("../lib/plugin/cli/index.js");
}

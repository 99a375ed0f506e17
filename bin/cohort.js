#!/usr/bin/env node
// The `cohort` executable. npm scripts and `npx cohort` put the project's pinned Node 24
// (the `node` dev dependency) first on PATH; a global install needs Node 24 itself.
import {existsSync} from "node:fs";
import * as nodeModule from "node:module";
import os from "node:os";
import path from "node:path";

const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`cohort needs Node.js 24 or later (node:sqlite); this is ${process.version}. Run it through npm/npx.`);
  process.exit(1);
}
// `cohort devnet` (npm start): V8's compile cache on disk, the one it gives its node processes, so that a
// second start loads faster. Only for the local devnet: an operator's `cohort run` keeps no such cache.
if (process.argv[2] === "devnet") nodeModule.enableCompileCache?.(path.join(os.tmpdir(), "cohort-node-compile-cache"));
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

#!/usr/bin/env node
// The `cohort` executable. npm scripts and `npx cohort` put the project's pinned Node 24
// (the `node` dev dependency) first on PATH; a global install needs Node 24 itself.
import {existsSync} from "node:fs";

const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`cohort needs Node.js 24 or later (node:sqlite); this is ${process.version}. Run it through npm/npx.`);
  process.exit(1);
}
// A checkout runs the sources through tsx (never a stale build); an installed package ships only lib/.
const sources = new URL("../src/plugin/cli/index.ts", import.meta.url);
if (existsSync(sources)) {
  const {register} = await import("tsx/esm/api");
  register();
  await import(sources.href);
} else {
  await import("../lib/plugin/cli/index.js");
}

#!/usr/bin/env node
// The `cohort` executable. npm scripts and `npx cohort` put the project's pinned Node 24
// (the `node` dev dependency) first on PATH; a global install needs Node 24 itself.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`cohort needs Node.js 24 or later (node:sqlite); this is ${process.version}. Run it through npm/npx.`);
  process.exit(1);
}
const {register} = await import("tsx/esm/api");
register();
await import("../src/plugin/cli/index.ts");

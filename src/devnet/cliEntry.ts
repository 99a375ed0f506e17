import {existsSync, readdirSync, statSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";

// Node builtins only: bin/cohort.js loads this module (from lib/) before anything else.

/** The package root: this module is src/devnet/processCluster.ts or lib/devnet/processCluster.js. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** How the children run the `cohort` CLI: the node arguments before the command. */
export interface CliEntry {
  nodeArgs: string[];
  /** Why the sources run through tsx, when they do (lib/ missing or older than src/). */
  fallbackReason: string | null;
}

/**
 * The compiled CLI (lib/, built by `npm ci`'s `prepare`) under plain node: a child starts in about
 * half the time tsx takes to compile the sources. A checkout whose lib/ is missing, or older than a
 * file of src/, runs the sources through tsx instead (never a stale build). `root` is for tests.
 */
export function resolveCliEntry(root: string = ROOT): CliEntry {
  const compiled = path.join(root, "lib", "plugin", "cli", "index.js");
  const sources = path.join(root, "src");
  const tsx = (fallbackReason: string | null): CliEntry => ({
    nodeArgs: ["--import", "tsx", path.join(sources, "plugin", "cli", "index.ts")],
    fallbackReason,
  });
  if (!existsSync(compiled)) {
    if (existsSync(sources)) return tsx("lib/ is not built (npm run build)");
    throw new Error(`cannot find the cohort CLI: neither ${compiled} nor the sources exist`);
  }
  // An installed package ships lib/ only.
  if (!existsSync(sources)) return {nodeArgs: [compiled], fallbackReason: null};
  const built = statSync(compiled).mtimeMs;
  const newer = newestFile(sources, built);
  return newer === null
    ? {nodeArgs: [compiled], fallbackReason: null}
    : tsx(`lib/ is older than ${path.relative(root, newer)} (npm run build)`);
}

/** The first file under `dir` modified after `sinceMs`, or null. */
function newestFile(dir: string, sinceMs: number): string | null {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newestFile(file, sinceMs);
      if (found) return found;
    } else if (statSync(file).mtimeMs > sinceMs) {
      return file;
    }
  }
  return null;
}

import {mkdtempSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh temporary directory per test, removed afterwards: `const dir = useTmpDir()` inside a describe. */
export function useTmpDir(prefix = "cohort-test-"): {readonly path: string} {
  const state = {path: ""};
  beforeEach(() => {
    state.path = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(state.path, {recursive: true, force: true});
  });
  return state;
}

/**
 * A temporary directory for a whole describe block (created in `before`, removed in `after`): for one devnet
 * run shared by several tests, which `useTmpDir`'s per-test directory would remove under it.
 */
export function useSuiteTmpDir(prefix = "cohort-test-"): {readonly path: string} {
  const state = {path: ""};
  before(() => {
    state.path = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  after(() => {
    rmSync(state.path, {recursive: true, force: true});
  });
  return state;
}

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

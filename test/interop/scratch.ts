import {mkdirSync} from "node:fs";
import os from "node:os";
import path from "node:path";

/** Where interop runs keep their logs and data (`INTEROP_RUN_DIR`, default `<tmp>/interop-run`); kept after the run. */
export function interopRunRoot(): string {
  const root = process.env.INTEROP_RUN_DIR ?? path.join(os.tmpdir(), "interop-run");
  mkdirSync(root, {recursive: true});
  return root;
}

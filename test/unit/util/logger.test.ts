import {closeSync, mkdtempSync, openSync, readFileSync, rmSync} from "node:fs";
import os from "node:os";
import path from "node:path";
import {expect} from "chai";
import {createLogger} from "../../../src/util/logger.js";

describe("util/logger", () => {
  it("writes each key once: a child re-binding a key (module) replaces the outer value", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cohort-logger-"));
    const file = path.join(dir, "log.jsonl");
    const fd = openSync(file, "w");
    try {
      const root = createLogger({level: "info", fd}, {module: "signer"});
      root.info("listening", {keys: 1});
      root.child({module: "slashing", node: 2}).child({db: "x"}).warn("refused", {slot: 3});
      closeSync(fd);
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(lines).to.have.length(2);
      for (const line of lines) expect(line.match(/"module":/g)).to.have.length(1);
      expect(JSON.parse(lines[0])).to.include({level: "info", module: "signer", keys: 1, msg: "listening"});
      expect(JSON.parse(lines[1])).to.include({level: "warn", module: "slashing", node: 2, db: "x", slot: 3});
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

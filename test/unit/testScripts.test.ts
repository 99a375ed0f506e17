import {readFileSync} from "node:fs";
import {expect} from "chai";

// The npm scripts name the test files, the mocha configs none: mocha adds a config's `spec` to the files given
// on the command line, so with a spec in .mocharc.e2e.json `npx mocha --config .mocharc.e2e.json one.test.ts`
// ran every e2e test (11 minutes of devnets) instead of one file.
const root = new URL("../../", import.meta.url);
const scripts = (JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {scripts: Record<string, string>})
  .scripts;

describe("npm test's scripts", () => {
  it("the mocha configs name no spec files: the npm scripts do (quoted, for mocha's own glob)", () => {
    for (const rc of [".mocharc.json", ".mocharc.e2e.json"]) {
      expect(JSON.parse(readFileSync(new URL(rc, root), "utf8")), rc).to.not.have.property("spec");
    }
    expect(scripts["test:unit"]).to.include("'test/unit/**/*.test.ts'").and.include("'test/integration/**/*.test.ts'");
    expect(scripts["test:e2e"]).to.include("--config .mocharc.e2e.json").and.include("'test/e2e/**/*.test.ts'");
  });
});

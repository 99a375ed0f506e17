import {mkdirSync, utimesSync, writeFileSync} from "node:fs";
import path from "node:path";
import {expect} from "chai";
import {resolveCliEntry} from "../../../src/devnet/cliEntry.js";
import {useTmpDir} from "../../utils/tmpDir.js";

/** The devnet's child processes run the compiled CLI only when lib/ is at least as new as every source. */
describe("devnet: resolveCliEntry (compiled lib/ or the sources through tsx)", () => {
  const tmp = useTmpDir();
  const compiled = () => path.join(tmp.path, "lib", "plugin", "cli", "index.js");
  const source = (name: string) => path.join(tmp.path, "src", "plugin", name);
  function write(file: string, atSec: number): void {
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, "");
    utimesSync(file, atSec, atSec);
  }

  it("runs lib/ under plain node when it is newer than every source file", () => {
    write(source("a.ts"), 1000);
    write(source("cli/index.ts"), 1500);
    write(compiled(), 2000);
    expect(resolveCliEntry(tmp.path)).to.deep.equal({nodeArgs: [compiled()], fallbackReason: null});
  });

  it("falls back to tsx, saying why, when a source file is newer than lib/", () => {
    write(compiled(), 2000);
    write(source("cli/index.ts"), 1000);
    write(source("node.ts"), 3000);
    const entry = resolveCliEntry(tmp.path);
    expect(entry.nodeArgs).to.deep.equal(["--import", "tsx", source("cli/index.ts")]);
    expect(entry.fallbackReason).to.equal("lib/ is older than src/plugin/node.ts (npm run build)");
  });

  it("falls back to tsx when lib/ is not built; an installed package (lib/ only) runs lib/", () => {
    write(source("cli/index.ts"), 1000);
    expect(resolveCliEntry(tmp.path).fallbackReason).to.equal("lib/ is not built (npm run build)");
    const installed = path.join(tmp.path, "installed");
    write(path.join(installed, "lib", "plugin", "cli", "index.js"), 1000);
    expect(resolveCliEntry(installed)).to.deep.equal({
      nodeArgs: [path.join(installed, "lib", "plugin", "cli", "index.js")],
      fallbackReason: null,
    });
    expect(() => resolveCliEntry(path.join(tmp.path, "nothing"))).to.throw(/cannot find the cohort CLI/);
  });
});

import {expect} from "chai";

describe("runtime", () => {
  it("runs on the pinned Node.js 24 (the node@24 dev dependency), which has node:sqlite", async () => {
    expect(Number(process.versions.node.split(".")[0]), `running ${process.version}`).to.equal(24);
    const sqlite = await import("node:sqlite");
    expect(sqlite.DatabaseSync).to.be.a("function");
  });
});

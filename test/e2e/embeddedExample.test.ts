import {spawn} from "node:child_process";
import {existsSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const example = path.join(root, "examples", "embedded-cluster.ts");

interface Line {
  event: "duty" | "peer" | "summary";
  [key: string]: unknown;
}

/**
 * Runs docs/embedding.md's example as a host process would: it imports `cohort`, `cohort/cluster` and
 * `cohort/devnet` through the package's exports map (the built lib/), so it cannot rot.
 */
describe("examples/embedded-cluster.ts: a host embedding four nodes on the simulated chain", function () {
  this.timeout(150_000);

  it("runs; every duty it observes is submitted and accepted by the chain, and every peer connects", async () => {
    if (!existsSync(path.join(root, "lib", "index.js"))) throw new Error("lib/ is not built: run `npm run build`");
    const child = spawn(process.execPath, ["--import", "tsx", example], {
      cwd: root,
      env: {...process.env, LODESTAR_PRESET: "minimal", SLOTS: "12"},
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code, err.slice(-2000)).to.equal(0);

    const lines = out
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Line);
    const summary = lines.at(-1) as Line & {
      slots: {from: number; to: number};
      expectedDuties: number;
      acceptedByChain: number;
      observed: number;
      submitted: number;
      failed: unknown[];
    };
    expect(summary.event).to.equal("summary");
    const inWindow = (l: Line) => (l.slot as number) >= summary.slots.from && (l.slot as number) <= summary.slots.to;
    const duties = lines.filter((l) => l.event === "duty" && inWindow(l));
    // 12 slots of 4 validators: at least one attestation each, and proposals.
    expect(summary.expectedDuties).to.be.greaterThanOrEqual(4);
    expect(summary.failed).to.deep.equal([]);
    expect(duties.filter((d) => d.status !== "submitted")).to.deep.equal([]);
    for (const d of duties) expect(d.latencyMs).to.be.a("number");
    // Every node reports every duty of the window once, and the chain accepted each.
    expect(duties).to.have.length(4 * summary.expectedDuties);
    expect(summary.observed).to.equal(duties.length);
    expect(summary.submitted).to.equal(duties.length);
    expect(summary.acceptedByChain).to.equal(summary.expectedDuties);
    for (const type of ["attester", "proposer"])
      expect(
        duties.some((d) => d.type === type),
        type,
      ).to.equal(true);

    // Peer events: each node saw each of its three co-validators connect.
    const peers = lines.filter((l) => l.event === "peer" && l.connected === true);
    for (let node = 0; node < 4; node++) {
      const seen = new Set(peers.filter((p) => p.node === node).map((p) => p.operatorIndex));
      expect([...seen].sort(), `node ${node}`).to.deep.equal([0, 1, 2, 3].filter((i) => i !== node));
    }
  });
});

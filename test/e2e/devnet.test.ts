import {spawn} from "node:child_process";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {expect} from "chai";

// The `cohort` executable, as `npm start` runs it: the compiled lib/ when it is fresh (the children too).
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../bin/cohort.js");

describe("cohort devnet (what npm start runs), as a process", function () {
  this.timeout(120_000);

  // A run still going when its test ends (a timeout) is stopped like Ctrl-C: it stops its processes.
  const running = new Set<ReturnType<typeof spawn>>();
  afterEach(async () => {
    for (const child of running) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT");
      await exited;
    }
  });

  async function devnet(...args: string[]): Promise<{code: number | null; out: string; err: string}> {
    const env = {...process.env};
    delete env.LODESTAR_PRESET; // the devnet picks the minimal preset itself
    const child = spawn(process.execPath, [bin, "devnet", "--epochs", "1", ...args], {
      env,
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
    running.add(child);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    running.delete(child);
    return {code, out, err};
  }

  it("runs one epoch with a `cohort signer` and a `cohort run` process per node (the compiled CLI), every duty accepted; with --json stdout is only the summary, and the exit code says pass", async () => {
    // 3 s slots: 8 processes share 2 cores with the test runner.
    const {code, out, err} = await devnet("--seed", "e2e-devnet", "--json", "--seconds-per-slot", "3");
    // The default: separate processes, started from lib/ (built by `npm ci`, and again by `npm test`).
    expect(err).to.match(/nodes started in [\d.]+ s/);
    expect(err, "lib/ is fresh: no tsx fallback").to.not.match(/through tsx/);
    const summary = JSON.parse(out);
    // One epoch, from genesis, or from the first slot after the start when the processes were slower.
    const {from, to} = summary.slots as {from: number; to: number};
    expect(to - from).to.equal(SLOTS_PER_EPOCH - 1);
    const proposals = from === 0 ? SLOTS_PER_EPOCH - 1 : SLOTS_PER_EPOCH; // slot 0 is the genesis block
    expect(summary.duties.proposer).to.deep.equal({expected: proposals, submitted: proposals, accepted: proposals});
    expect(summary.duties.attester.expected).to.be.greaterThan(0);
    expect(summary.duties.attester.accepted).to.equal(summary.duties.attester.expected);
    expect(summary.slashable).to.equal(0);
    expect(summary.failuresByReason).to.deep.equal({});
    expect(summary.invalidShares, "honest nodes: no share rejected").to.equal(0);
    // Every block of the cluster pays the lock's fee recipient; every registration reached the BN as the lock has it.
    expect(summary.lock.feeRecipients).to.deep.equal({proposals, payingLock: proposals, wrong: []});
    expect(summary.lock.registrations.fromLock).to.equal(summary.lock.registrations.validators);
    expect(summary.lock.registrations.validators).to.be.greaterThan(0);
    expect(summary.lock.pass).to.equal(true);
    expect(summary.verdict).to.equal("pass");
    expect(code).to.equal(0);
  });

  it("with fault flags: a node process SIGKILLed and restarted, 20 ms latency between nodes: at least 90% accepted, nothing slashable", async function () {
    this.timeout(300_000);
    // 4 s slots: under 5% loss a node process restarts and catches up on a 2-core machine. Genesis 16 s out, so
    // that the processes are up before the kill's slot.
    const {code, out, err} = await devnet(
      ...["--seed", "e2e-devnet-process-faults", "--json", "--epochs", "1", "--genesis-delay", "16"],
      ...[
        "--seconds-per-slot",
        "4",
        "--kill-node",
        "3@2",
        "--restart-node",
        "3@5",
        "--drop",
        "0.05",
        "--latency",
        "20",
      ],
    );
    expect(err).to.match(/killing node 3/);
    expect(err).to.match(/node 3 killed/);
    expect(err).to.match(/node 3 restarted/);
    const summary = JSON.parse(out);
    const {attester, proposer} = summary.duties;
    const accepted = attester.accepted + proposer.accepted;
    const expected = attester.expected + proposer.expected;
    expect(expected).to.be.greaterThan(0);
    // The fault flags' mechanics in process mode; the campaigns' own thresholds are checked in-process
    // (campaigns.test.ts), where a loaded 2-core CI box does not starve 8 processes of CPU.
    expect(accepted / expected, `${accepted}/${expected}`).to.be.at.least(0.9);
    expect(summary.slashable).to.equal(0);
    expect(code, "the exit code follows the verdict").to.equal(summary.verdict === "pass" ? 0 : 1);
  });
});

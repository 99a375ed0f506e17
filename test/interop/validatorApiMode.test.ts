/**
 * (b) Validator-API mode on a real Lodestar: four real `lodestar validator --distributed` clients, each
 * holding one operator's key shares of interop validators 4..7, each pointed at a `cohort run
 * --validator-api` node, the nodes on a `lodestar dev` chain whose own validator client runs 0..3.
 * Asserted on the chain and in the logs of the beacon node and of the four validator clients.
 */
import {mkdtempSync} from "node:fs";
import path from "node:path";
import {freePorts} from "../../src/devnet/localCluster.js";
import {expectChainVerdict, lodestarCliOrSkip} from "./expectations.js";
import {cohortCommand, forkParams, REPO, waitForHttp} from "./processes.js";
import {DEBUG_LOGS, EPOCHS, formatReport, runEpochsFromNow, runInterop, SECONDS_PER_SLOT} from "./run.js";
import {interopRunRoot} from "./scratch.js";

const NODES = 4;

describe("interop (b): real lodestar validator --distributed through cohort's validator API", function () {
  this.timeout(15 * 60_000);

  it(`4 lodestar validator + 4 cohort run --validator-api on validators 4..7 for ${EPOCHS} epochs: the chain shows their duties`, async function () {
    const cli = lodestarCliOrSkip(this);
    const dir = mkdtempSync(path.join(interopRunRoot(), "vapi-"));
    const [rest, p2p, ...ports] = await freePorts(2 + 3 * NODES);
    const vapiPorts = ports.slice(0, NODES);
    const monitoringPorts = ports.slice(NODES, 2 * NODES);
    const p2pPorts = ports.slice(2 * NODES);
    const report = await runInterop({cli, dir, ports: {rest, p2p}}, async (ctx) => {
      const genesis = (await (await fetch(`${ctx.bnUrl}/eth/v1/beacon/genesis`)).json()) as {
        data: {genesis_validators_root: string; genesis_fork_version: string};
      };
      const clusterDir = path.join(dir, "cluster");
      const create = cohortCommand([
        "create-cluster",
        ...["--nodes", String(NODES), "--threshold", "3", "--interop-indexes", "4..7"],
        ...["--network", "lodestar-dev", "--genesis-fork-version", genesis.data.genesis_fork_version],
        ...["--genesis-validators-root", genesis.data.genesis_validators_root],
        ...["--kdf", "pbkdf2", "--kdf-cost", "16", "--out", clusterDir],
        ...["--operator-addresses", ...p2pPorts.map((p) => `/ip4/127.0.0.1/tcp/${p}`)],
      ]);
      const created = ctx.procs.spawn("create-cluster", create.command, create.args, {
        cwd: REPO,
        logDir: dir,
        env: ctx.env,
      });
      if ((await created.exited) !== 0) throw new Error(`cohort create-cluster failed: see ${created.logFile}`);

      for (let i = 0; i < NODES; i++) {
        const node = path.join(clusterDir, `node${i}`);
        const run = cohortCommand([
          "run",
          ...[
            "--cluster-lock",
            path.join(node, "cluster-lock.json"),
            "--identity-key",
            path.join(node, "identity-key"),
          ],
          ...["--beacon-nodes", ctx.bnUrl, "--validator-api", `127.0.0.1:${vapiPorts[i]}`],
          ...["--data-dir", path.join(dir, `cohort${i}-data`), "--monitoring-port", String(monitoringPorts[i])],
          ...["--log-level", DEBUG_LOGS ? "debug" : "info"],
        ]);
        ctx.procs.spawn(`cohort-run${i}`, run.command, run.args, {cwd: REPO, logDir: dir, env: ctx.env});
      }
      await Promise.all(vapiPorts.map((p) => waitForHttp(`http://127.0.0.1:${p}/eth/v1/node/version`, 180_000)));
      // As an operator starts a validator client: once its node is ready (BN synced, a quorum of peers
      // connected); before that the client's first duties time out on a cluster that cannot combine yet.
      await Promise.all(monitoringPorts.map((p) => waitForHttp(`http://127.0.0.1:${p}/readyz`, 180_000)));

      const vcs = vapiPorts.map((port, i) => {
        const keys = path.join(clusterDir, `node${i}`, "validator_keys");
        return ctx.procs.spawn(
          `lodestar-validator${i}`,
          cli,
          [
            "validator",
            ...["--params.SECONDS_PER_SLOT", String(SECONDS_PER_SLOT), ...forkParams()],
            ...["--dataDir", path.join(dir, `vc${i}`), "--beaconNodes", `http://127.0.0.1:${port}`, "--distributed"],
            ...["--importKeystores", keys, "--importKeystoresPassword", path.join(keys, "password.txt")],
            ...["--suggestedFeeRecipient", `0x${"aa".repeat(20)}`],
            ...(DEBUG_LOGS ? ["--logLevel", "debug"] : []),
          ],
          {cwd: dir, logDir: dir, env: ctx.env},
        );
      });

      const {from, to} = await runEpochsFromNow(ctx);
      return {
        slots: {from, to},
        vcLogs: vcs.map((v) => v.logFile),
        lockFile: path.join(clusterDir, "cluster-lock.json"),
      };
    });
    console.log(formatReport(report).replace(/^/gm, "  "));
    expectChainVerdict(report);
  });
});

/**
 * A host process embedding four cohort nodes (a 3-of-4 cluster) against the simulated beacon chain,
 * using only the package's public entry points. Each node gets the host's own @lodestar/api client, an
 * in-process signer holding its key shares, its own prom-client registry and logger, and the host's
 * AbortSignal. The host listens to duty and peer events, watches `SLOTS` slots from the first one after
 * every node is up, stops every node, and prints one JSON line per event and a summary line last
 * (stdout; logs go to stderr).
 *
 *   npm run build && LODESTAR_PRESET=minimal npx tsx examples/embedded-cluster.ts
 */
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {getClient} from "@lodestar/api";
import {createBeaconConfig} from "@lodestar/config";
import {CohortNode, createLogger, type DutyOutcome, localShareSigner} from "cohort";
import {planCluster, seededRandom} from "cohort/cluster";
import {createSimChainConfig, freePorts, isAccepted, SimulatedBeaconNode, ValidatorSet} from "cohort/devnet";
import {Registry} from "prom-client";

const OPERATORS = 4;
const VALIDATORS = 4;
const SECONDS_PER_SLOT = 2;
/** Duties of this many slots are observed; the nodes stop once the chain is past them. */
const SLOTS = Number(process.env.SLOTS ?? 12);
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString("hex")}`;

const logger = createLogger({level: "warn"});
const chainConfig = createSimChainConfig({secondsPerSlot: SECONDS_PER_SLOT});

// The cluster, in memory: keys split 3-of-4 by a trusted dealer (seeded here, so runs repeat). The lock
// names the chain by its genesis validators root, which depends on the validator keys: plan twice.
const ports = await freePorts(OPERATORS);
const plan = (genesisValidatorsRoot: Uint8Array) =>
  planCluster(
    {
      nodes: OPERATORS,
      validators: VALIDATORS,
      network: {
        name: "devnet",
        genesisForkVersion: hex(chainConfig.GENESIS_FORK_VERSION),
        genesisValidatorsRoot: hex(genesisValidatorsRoot),
      },
      multiaddrs: ports.map((port) => [`/ip4/127.0.0.1/tcp/${port}`]),
    },
    {random: seededRandom("embedded-cluster example")},
  );
const validatorKeys = plan(new Uint8Array(32)).lock.validators.map((v) => Buffer.from(v.publicKey.slice(2), "hex"));
const gvr = new ValidatorSet(validatorKeys).genesisValidatorsRoot;
const cluster = plan(gvr);

// The simulated beacon chain, genesis a few seconds from now so the nodes are up for slot 0.
const beacon = new SimulatedBeaconNode(
  {
    host: "127.0.0.1",
    port: 0,
    validators: validatorKeys,
    secondsPerSlot: SECONDS_PER_SLOT,
    genesisTime: Math.floor(Date.now() / 1000) + 8,
  },
  {logger: logger.child({module: "simchain"})},
);
const beaconUrl = await beacon.start();
const config = createBeaconConfig(chainConfig, gvr);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "cohort-embedded-"));
const controller = new AbortController();
const outcomes: (DutyOutcome & {node: number})[] = [];
const nodes = cluster.lock.operators.map((operator, i) => {
  const node = new CohortNode(
    {
      lock: cluster.lock,
      operatorIndex: i,
      beaconNodeUrls: [], // the host's own client below instead
      dataDir: path.join(dataDir, `node${i}`),
      p2pListen: operator.multiaddrs,
      roundDurationMs: 500,
      shareRebroadcastMs: 500,
    },
    {
      identity: cluster.identities[i],
      beaconApi: getClient({baseUrl: beaconUrl}, {config}),
      signer: localShareSigner(cluster.shares.map((sharesOfValidator) => sharesOfValidator[i])),
      register: new Registry(),
      logger: logger.child({node: i}),
      signal: controller.signal,
    },
  );
  node.on("duty", (outcome) => {
    outcomes.push({...outcome, node: i});
    print({event: "duty", node: i, ...outcome});
  });
  node.on("peer", (peer) => print({event: "peer", node: i, ...peer}));
  return node;
});

let firstSlot = 0;
try {
  await Promise.all(nodes.map((node) => node.start()));
  firstSlot = beacon.chain.currentSlot() + 1;
  while (beacon.chain.currentSlot() < firstSlot + SLOTS + 1) await new Promise((r) => setTimeout(r, 250));
} finally {
  controller.abort(); // every node stops; stop() resolves once it is down
  await Promise.all(nodes.map((node) => node.stop()));
  await beacon.stop();
  await rm(dataDir, {recursive: true, force: true});
}

// What the chain expected in the window, and what the nodes reported about it.
const inWindow = (slot: number) => slot >= firstSlot && slot < firstSlot + SLOTS;
const expected = beacon.chain.records().filter((r) => inWindow(r.slot));
const observed = outcomes.filter((o) => inWindow(o.slot));
print({
  event: "summary",
  slots: {from: firstSlot, to: firstSlot + SLOTS - 1},
  expectedDuties: expected.length,
  acceptedByChain: expected.filter(isAccepted).length,
  observed: observed.length,
  submitted: observed.filter((o) => o.status === "submitted").length,
  failed: observed
    .filter((o) => o.status === "failed")
    .map(({node, type, slot, reason}) => ({node, type, slot, reason})),
});

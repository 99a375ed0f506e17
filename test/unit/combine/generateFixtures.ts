// Regenerates fixtures/combine/ (run: npx tsx test/unit/combine/generateFixtures.ts). The lock and
// expected.json are reproducible from the seed; the keystores' salts and IVs also come from the seed,
// but @chainsafe/bls-keystore draws their uuids itself, so the keystore files differ on each run.
import {rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {createCluster} from "../../../src/cluster/create.js";
import {knownNetwork} from "../../../src/cluster/networks.js";
import {seededRandom} from "../../../src/cluster/random.js";
import {buildFixture, FIXTURE} from "./fixtureData.js";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../fixtures/combine");
const network = knownNetwork("hoodi");
const {expected} = buildFixture(network);
await rm(path.join(dir, "cluster"), {recursive: true, force: true});
const lock = await createCluster(
  {
    nodes: FIXTURE.nodes,
    threshold: FIXTURE.threshold,
    validators: FIXTURE.validators,
    network,
    outDir: path.join(dir, "cluster"),
    kdf: FIXTURE.kdf,
  },
  {random: seededRandom(FIXTURE.seed), now: () => FIXTURE.createdAtMs},
);
if (lock.lockHash !== expected.lockHash) throw new Error("written lock differs from the planned one");
await writeFile(path.join(dir, "expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
process.stdout.write(`fixtures written to ${dir} (lock hash ${lock.lockHash})\n`);

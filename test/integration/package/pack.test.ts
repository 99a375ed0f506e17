import {spawnSync} from "node:child_process";
import {mkdirSync, writeFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {expect} from "chai";
import {useTmpDir} from "../../utils/tmpDir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

/** The package's entry points (package.json `exports`, without ./package.json). */
const ENTRIES = [
  "cohort",
  "cohort/cluster",
  "cohort/combine",
  "cohort/consensus",
  "cohort/slashing",
  "cohort/p2p",
  "cohort/eth",
  "cohort/devnet",
];

function run(cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, {cwd, encoding: "utf8", env: {...process.env, npm_config_update_notifier: "false"}});
  if (res.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/**
 * The package as a client team gets it: `npm pack` of a lib/ built from the current src/ (what `prepare` does
 * on `npm pack`, skipped when lib/ is already newer than src/), installed into a
 * fresh project (from the npm cache where it can: `npm ci` caches the tarballs but not the registry's package
 * documents, so a fresh machine's cache cannot resolve the dependencies alone), then every entry imported from plain ESM JavaScript and
 * type-checked from TypeScript.
 */
describe("package: npm pack, install in a fresh project, import every entry", function () {
  this.timeout(300_000);
  const tmp = useTmpDir();

  it("installs from the tarball; every entry imports in ESM JS and resolves its types in TS", () => {
    // lib/ as `prepare` builds it, built only when older than src/ (`npm ci` has just built it in CI; a second
    // full build here cost half of the unit suite's time).
    run(process.execPath, [path.join(root, "scripts", "buildIfStale.js")], root);
    const packed = JSON.parse(
      run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp.path], root),
    ) as {
      filename: string;
      files: {path: string}[];
    }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).to.include.members(["lib/index.js", "lib/index.d.ts", "bin/cohort.js", "README.md", "CHANGELOG.md"]);
    expect(files.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).to.deep.equal([]);

    const project = path.join(tmp.path, "host");
    mkdirSync(project);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({name: "host", private: true, type: "module"}));
    run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(tmp.path, packed[0].filename)],
      project,
    );

    // Plain ESM JavaScript on this Node: each entry loads and has its named exports.
    writeFileSync(
      path.join(project, "check.mjs"),
      `${ENTRIES.map((e, i) => `import * as m${i} from "${e}";`).join("\n")}
const entries = {${ENTRIES.map((e, i) => `"${e}": m${i}`).join(", ")}};
console.log(JSON.stringify(Object.fromEntries(Object.entries(entries).map(([k, m]) => [k, Object.keys(m).sort()]))));
`,
    );
    const exported = JSON.parse(run(process.execPath, ["check.mjs"], project)) as Record<string, string[]>;
    expect(Object.keys(exported)).to.deep.equal(ENTRIES);
    expect(exported.cohort).to.include.members(["CohortNode", "localShareSigner", "createLogger", "NodeError"]);
    expect(exported["cohort/cluster"]).to.include.members(["planCluster", "loadClusterLock", "decryptKeystoreDir"]);
    expect(exported["cohort/combine"]).to.include.members(["combineShares", "Combiner"]);
    expect(exported["cohort/consensus"]).to.include.members(["ConsensusService", "quorumSize"]);
    expect(exported["cohort/slashing"]).to.include.members(["SlashingProtection", "parseInterchange"]);
    expect(exported["cohort/p2p"]).to.include.members(["Libp2pNetwork", "IdentityKey", "MemoryHub"]);
    expect(exported["cohort/eth"]).to.include.members(["BeaconNodeClient", "Web3SignerClient", "LocalShareSigner"]);
    expect(exported["cohort/devnet"]).to.include.members(["SimulatedBeaconNode", "createSimChainConfig"]);
    // The installed executable runs from lib/ (no sources, no tsx).
    expect(
      run(process.execPath, [path.join("node_modules", "cohort", "bin", "cohort.js"), "--help"], project),
    ).to.match(/cohort run/);
    // Internals stay out: no deep imports past the exports map.
    const deep = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", 'await import("cohort/lib/duties/scheduler.js")'],
      {
        cwd: project,
        encoding: "utf8",
      },
    );
    expect(deep.status).to.not.equal(0);
    expect(deep.stderr).to.match(/ERR_PACKAGE_PATH_NOT_EXPORTED/);

    // TypeScript: each entry's types resolve through the exports map (a wrong type would not compile).
    writeFileSync(
      path.join(project, "check.ts"),
      `import {CohortNode, type CohortNodeModules, type CohortNodeOpts, type DutyOutcome, localShareSigner} from "cohort";
import {type ClusterLock, planCluster, seededRandom} from "cohort/cluster";
import {combineShares} from "cohort/combine";
import {ConsensusService, quorumSize} from "cohort/consensus";
import {SlashingProtection} from "cohort/slashing";
import {IdentityKey, Libp2pNetwork} from "cohort/p2p";
import {BeaconNodeClient, LocalShareSigner} from "cohort/eth";
import {createSimChainConfig, SimulatedBeaconNode} from "cohort/devnet";

export const quorum: number = quorumSize(4);
export const lock = (l: ClusterLock): number => l.threshold;
export const outcome = (o: DutyOutcome): string => (o.status === "submitted" ? String(o.latencyMs) : o.reason);
export const opts = (o: CohortNodeOpts): number => o.operatorIndex;
export const modules = (m: CohortNodeModules): AbortSignal | undefined => m.signal;
export const things = [CohortNode, localShareSigner, planCluster, seededRandom, combineShares, ConsensusService,
  SlashingProtection, IdentityKey, Libp2pNetwork, BeaconNodeClient, LocalShareSigner, createSimChainConfig,
  SimulatedBeaconNode];
export const onDuty = (node: CohortNode): CohortNode => node.on("duty", (o) => void o.slot).on("peer", (p) => void p.operatorIndex);
`,
    );
    writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          lib: ["ES2024"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          // The host's own @types/node (the repo's, as a host project would have its own).
          typeRoots: [path.join(root, "node_modules", "@types")],
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
  });
});

import {initHerumi} from "../src/combine/index.js";
import {AFTER, buildCluster, closeCluster, makePlan, runDuty, VARIANTS} from "./suites/duties.bench.js";

// Profiling driver: `npx tsx [--cpu-prof] bench/profileDuties.ts COUNT ITERATIONS [after|before|pool|solo|solo-single|solo-rs|solo-rs-pool]`:
// one cluster of that variant, warm-up, then ITERATIONS duties of COUNT validators.
const count = Number(process.argv[2] ?? 1000);
const iterations = Number(process.argv[3] ?? 2);
await initHerumi();
const variant = VARIANTS.find((v) => v.key === (process.argv[4] ?? "after")) ?? AFTER;
const c = buildCluster(makePlan(), variant);
await Promise.all(c.pools.map((p) => p.ready()));
try {
  for (let i = 0; i < 3; i++) await runDuty(c, 1);
  await runDuty(c, 100);
  for (let i = 0; i < iterations; i++) {
    const cpu0 = process.cpuUsage();
    const r = await runDuty(c, count);
    const cpu = process.cpuUsage(cpu0);
    cpu.user -= r.presignCpuMs * 1000;
    console.log(
      `count ${count}: cluster ${r.clusterLatencyMs.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, nodes ${r.nodeLatencyMs.map((x) => x.toFixed(0)).join(",")}, phases ${JSON.stringify(r.phases.map((p) => Object.values(p).map((x) => Math.round(x))))}`,
    );
  }
} finally {
  await closeCluster(c);
}

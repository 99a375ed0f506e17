import {initHerumi} from "../src/combine/index.js";
import {AFTER, buildCluster, closeCluster, makePlan, runDuty} from "./suites/duties.bench.js";

// Profiling driver: one "after" cluster, warm-up, then the duty sizes given on the command line.
const count = Number(process.argv[2] ?? 1000);
const iterations = Number(process.argv[3] ?? 2);
await initHerumi();
const c = buildCluster(makePlan(), AFTER);
try {
  for (let i = 0; i < 3; i++) await runDuty(c, 1);
  await runDuty(c, 100);
  for (let i = 0; i < iterations; i++) {
    const cpu0 = process.cpuUsage();
    const r = await runDuty(c, count);
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `count ${count}: cluster ${r.clusterLatencyMs.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, nodes ${r.nodeLatencyMs.map((x) => x.toFixed(0)).join(",")}, phases ${JSON.stringify(r.phases.map((p) => Object.values(p).map((x) => Math.round(x))))}`,
    );
  }
} finally {
  await closeCluster(c);
}

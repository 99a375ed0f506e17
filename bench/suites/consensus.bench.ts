import {identityAuth, type MessageAuth} from "../../src/consensus/auth.js";
import {signingBytes, signingDomain} from "../../src/consensus/codec.js";
import {createInstance, type Input, type InstanceState, step} from "../../src/consensus/qbft.js";
import {type Clock, ConsensusService} from "../../src/consensus/service.js";
import {type ConsensusMessage, DutyType, type SignedMsg} from "../../src/consensus/types.js";
import {IdentityKey} from "../../src/p2p/identity.js";
import {MemoryHub} from "../../src/p2p/memoryNetwork.js";
import {type BenchResult, type BenchSuite, measure} from "../harness.js";

// QBFT costs with real secp256k1 signing and verification (issue 4). All n nodes run in this one
// process, so "cluster CPU" is the work of every node together; a node's own share is that divided by n.

const domain = signingDomain(new Uint8Array(32));

function auths(n: number): MessageAuth[] {
  let seed = 1;
  const keys = Array.from({length: n}, () => IdentityKey.generate(() => new Uint8Array(32).fill(seed++)));
  return keys.map((k) =>
    identityAuth(
      k,
      keys.map((x) => x.publicKey),
    ),
  );
}

/** One instance decided by n pure engines passing messages directly; every signature is made and checked. */
function engineDecision(n: number, nodeAuth: MessageAuth[], slot: number): void {
  const value = new TextEncoder().encode(`attestation data for slot ${slot}`);
  const states: InstanceState[] = [];
  const verified: Set<string>[] = [];
  const queue: {to: number; input: Input}[] = [];
  const deps = nodeAuth.map((a) => ({sign: (d: SignedMsg["data"]) => a.sign(signingBytes(domain, d))}));
  for (let i = 0; i < n; i++) {
    states.push(
      createInstance({
        n,
        self: i,
        slot,
        dutyType: DutyType.attester,
        startMs: 0,
        roundDurationMs: 1000,
        deadlineMs: 12_000,
      }),
    );
    verified.push(new Set());
    queue.push({to: i, input: {kind: "start", now: 0}}, {to: i, input: {kind: "proposal", value}});
  }
  let decided = 0;
  const authentic = (to: number, m: ConsensusMessage): boolean => {
    for (const s of [m.signed, ...m.justification]) {
      const bytes = signingBytes(domain, s.data);
      const key = Buffer.from(s.signature).toString("base64");
      if (verified[to].has(key)) continue;
      if (!nodeAuth[to].verify(s.data.source, bytes, s.signature)) return false;
      verified[to].add(key);
    }
    return true;
  };
  while (queue.length > 0) {
    const {to, input} = queue.shift()!;
    if (input.kind === "message" && !authentic(to, input.msg)) throw new Error("bad signature");
    for (const o of step(states[to], input, deps[to])) {
      if (o.kind === "broadcast") {
        for (let j = 0; j < n; j++) if (j !== to) queue.push({to: j, input: {kind: "message", from: to, msg: o.msg}});
      } else if (o.kind === "validate") {
        queue.push({to, input: {kind: "verdict", valueHash: o.valueHash, valid: true}});
      } else if (o.kind === "decided") {
        decided++;
      }
    }
  }
  if (decided !== n) throw new Error(`only ${decided} of ${n} decided`);
}

const immediateClock: Clock = {now: () => 0, setTimer: () => () => {}};

/** Wall time for n services over the zero-delay in-memory network to all decide one instance. */
async function networkDecision(n: number, nodeAuth: MessageAuth[], slot: number): Promise<void> {
  const hub = new MemoryHub({size: n, schedule: (_from, _to, deliver) => queueMicrotask(deliver)});
  const services = nodeAuth.map(
    (auth, i) => new ConsensusService({self: i, n}, {network: hub.network(i), clock: immediateClock, auth}),
  );
  const value = new TextEncoder().encode(`attestation data for slot ${slot}`);
  await Promise.all(
    services.map((s) =>
      s.decide(slot, DutyType.attester, {
        propose: async () => value,
        isValid: () => true,
        startMs: 0,
        deadlineMs: 12_000,
      }),
    ),
  );
  for (const s of services) s.close();
}

const suite: BenchSuite = {
  name: "consensus",
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    for (const n of [4, 10]) {
      const a = auths(n);
      let slot = 0;
      const t = await measure(() => engineDecision(n, a, slot++), {warmup: 5, minIterations: 20, minTimeMs: 1200});
      // CPU time (user + system) of this process, less sensitive than wall time to the other tenants.
      const runs = n === 4 ? 200 : 40;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) engineDecision(n, a, slot++);
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
      results.push({
        suite: "consensus",
        name: `engine n=${n}: decisions per second (all ${n} nodes, signatures incl.)`,
        value: t.opsPerSec,
        unit: "decisions/s",
        note: `wall time; median ${t.medianMs.toFixed(2)} ms, p99 ${t.p99Ms.toFixed(2)} ms per decision`,
      });
      results.push({
        suite: "consensus",
        name: `engine n=${n}: CPU per node per decision`,
        value: cpuMs / n,
        unit: "ms",
        ...(n === 4 ? {target: "< 5 ms", met: cpuMs / n < 5} : {}),
        note: `process CPU over ${runs} decisions / ${n} nodes`,
      });
      if (n === 4) {
        results.push({
          suite: "consensus",
          name: "engine n=4: CPU of all 4 nodes together per decision",
          value: cpuMs,
          unit: "ms",
          target: "< 5 ms",
          met: cpuMs < 5,
        });
      }
      const l = await measure(() => networkDecision(n, a, slot++), {warmup: 3, minIterations: 10, minTimeMs: 1200});
      results.push({
        suite: "consensus",
        name: `simulated network, zero delay, n=${n}: latency of one decision`,
        value: l.medianMs,
        unit: "ms",
        note: `services + SSZ codec + signatures; mean ${l.meanMs.toFixed(2)}, p99 ${l.p99Ms.toFixed(2)}`,
      });
    }
    return results;
  },
};

export default suite;

import {expect} from "chai";
import {Registry} from "prom-client";
import {identityAuth, type MessageAuth} from "../../../src/consensus/auth.js";
import {encodeMessage, hashValue, signingBytes, signingDomain} from "../../../src/consensus/codec.js";
import {ConsensusError} from "../../../src/consensus/errors.js";
import {createConsensusMetrics} from "../../../src/consensus/metrics.js";
import {ConsensusService, type DecideResult, systemClock} from "../../../src/consensus/service.js";
import {type ConsensusMessage, DutyType, type MsgData, MsgType, ZERO_HASH} from "../../../src/consensus/types.js";
import {IdentityKey} from "../../../src/p2p/identity.js";
import {MemoryHub} from "../../../src/p2p/memoryNetwork.js";
import {VirtualTime} from "./sim/virtualTime.js";

// End-to-end over the in-memory network with real secp256k1 identity keys and a virtual clock.
const N = 4;
const DELTA = 1000;
const keys = Array.from({length: N + 1}, (_, i) => IdentityKey.generate(() => new Uint8Array(32).fill(i + 11)));
const pubkeys = keys.slice(0, N).map((k) => k.publicKey);
const domain = signingDomain(new Uint8Array(32));
const settle = () => new Promise<void>((r) => setImmediate(r));
const value = (i: number) => new TextEncoder().encode(`attestation data from ${i}`);

interface Cluster {
  vt: VirtualTime;
  hub: MemoryHub;
  services: ConsensusService[];
  registers: Registry[];
  /** Deliveries to these operators are dropped while listed. */
  offline: Set<number>;
  close(): void;
}

function cluster(opts: {maxBufferedPerPeer?: number} = {}): Cluster {
  const vt = new VirtualTime(0);
  const offline = new Set<number>();
  // One endpoint more than the cluster: index N plays a connection that is not a member.
  const hub = new MemoryHub({
    size: N + 1,
    schedule: (from, to, deliver) => {
      if (!offline.has(to) && !offline.has(from)) queueMicrotask(deliver);
    },
  });
  const registers: Registry[] = [];
  const services = Array.from({length: N}, (_, i) => {
    const register = new Registry();
    registers.push(register);
    return new ConsensusService(
      {self: i, n: N, roundDurationMs: DELTA, maxBufferedPerPeer: opts.maxBufferedPerPeer},
      {
        network: hub.network(i),
        clock: vt,
        auth: identityAuth(keys[i], pubkeys),
        metrics: createConsensusMetrics(register),
      },
    );
  });
  return {
    vt,
    hub,
    services,
    registers,
    offline,
    close: () => {
      for (const s of services) s.close();
    },
  };
}

function decideAll(c: Cluster, slot: number, who: number[] = [0, 1, 2, 3], deadlineMs = 6 * DELTA, startMs = 0) {
  return who.map((i) =>
    c.services[i].decide(slot, DutyType.attester, {
      propose: async () => value(i),
      isValid: () => true,
      startMs,
      deadlineMs,
    }),
  );
}

async function metricValue(register: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await register.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe("consensus/service (real signatures, in-memory network)", () => {
  let c: Cluster;
  afterEach(() => c?.close());

  it("four operators decide the same value in round 1", async () => {
    c = cluster();
    const pending = decideAll(c, 33);
    await settle();
    const results = await Promise.all(pending);
    // Leader of round 1 for (33, attester=1) is (33 + 1 + 1) mod 4 = 3.
    for (const r of results) expect(r).to.deep.equal({value: value(3), round: 1});
    expect(await metricValue(c.registers[0], "cohort_consensus_decisions_total", {duty: "attester"})).to.equal(1);
    // At most late votes of the decided round, which need no answer.
    expect(Object.keys(c.services[0].droppedCounts())).to.satisfy((k: string[]) =>
      k.every((r) => r === "after_decision"),
    );
  });

  it("drops malformed, non-member, badly signed and duplicate messages, counting each reason", async () => {
    c = cluster();
    const rogue = c.hub.network(N); // a connection that is not an operator of the cluster
    const target = c.services[0];
    const pending = decideAll(c, 40, [0]);
    await settle();
    const data: MsgData = {
      type: MsgType.prepare,
      slot: 40,
      dutyType: DutyType.attester,
      round: 1,
      source: 1,
      valueHash: hashValue(value(1)),
      preparedRound: 0,
      preparedValueHash: ZERO_HASH,
    };
    const signedBy = (k: IdentityKey, d: MsgData): ConsensusMessage => ({
      signed: {data: d, signature: k.sign(signingBytes(domain, d))},
      value: new Uint8Array(0),
      justification: [],
    });
    const op1 = c.hub.network(1);
    op1.send(0, "consensus", new Uint8Array([1, 2, 3]));
    rogue.send(0, "consensus", encodeMessage(signedBy(keys[N], {...data, source: N})));
    op1.send(0, "consensus", encodeMessage(signedBy(keys[N], {...data, source: 4})));
    op1.send(0, "consensus", encodeMessage(signedBy(keys[2], data))); // claims operator 1, signed by 2
    const good = encodeMessage(signedBy(keys[1], data));
    op1.send(0, "consensus", good);
    op1.send(0, "consensus", good);
    op1.send(0, "consensus", encodeMessage(signedBy(keys[1], {...data, valueHash: hashValue(value(2))})));
    await settle();
    expect(target.droppedCounts()).to.deep.equal({
      malformed: 1,
      non_member: 2,
      bad_signature: 1,
      duplicate: 1,
      equivocation: 1,
    });
    expect(
      await metricValue(c.registers[0], "cohort_consensus_messages_dropped_total", {reason: "bad_signature"}),
    ).to.equal(1);
    c.close();
    await pending[0].catch(() => {});
  });

  it("buffers messages for an instance not started yet (bounded), then uses them", async () => {
    c = cluster({maxBufferedPerPeer: 8});
    c.services[0]
      .decide(1, DutyType.attester, {propose: async () => value(0), isValid: () => true, deadlineMs: 1e9})
      .catch(() => {});
    // Leader of round 1 for (3, attester) is operator 1: the three others decide without operator 0.
    const early = decideAll(c, 3, [1, 2, 3]);
    await settle();
    // Operator 0 has not started slot 2: what it got is held, not dropped.
    expect(c.services[0].bufferedCount).to.be.greaterThan(0);
    expect(c.services[0].droppedCounts().buffer_full ?? 0).to.equal(0);
    const late = decideAll(c, 3, [0]);
    await settle();
    const results = await Promise.all([...early, ...late]);
    for (const r of results) expect(r.value).to.deep.equal(value(1));
    expect(c.services[0].bufferedCount).to.equal(0);
  });

  it("undecided instances re-send; a copy of a buffered message is not buffered twice", async () => {
    c = cluster();
    c.services[0]
      .decide(1, DutyType.attester, {propose: async () => value(0), isValid: () => true, deadlineMs: 1e9})
      .catch(() => {});
    // Leader of round 1 for (3, attester) is operator 1; operators 1 and 2 alone have no quorum and re-send
    // (every Δ/5 by default) while operator 0 has not started slot 3.
    const early = decideAll(c, 3, [1, 2]);
    await settle();
    const buffered = c.services[0].bufferedCount;
    expect(buffered).to.equal(3); // operator 1's PRE-PREPARE and PREPARE, operator 2's PREPARE
    await c.vt.advanceTo((2 * DELTA) / 5, settle);
    expect(c.services[0].bufferedCount).to.equal(buffered);
    expect(c.services[0].droppedCounts().duplicate).to.equal(2 * buffered);
    // Twice to operators 0 and 3; operator 2 PREPAREd, so it has the PRE-PREPARE.
    expect(await metricValue(c.registers[1], "cohort_consensus_messages_resent_total", {type: "prePrepare"})).to.equal(
      2 * 2,
    );
    const late = decideAll(c, 3, [0, 3]);
    await settle();
    for (const r of await Promise.all([...early, ...late])) expect(r).to.deep.equal({value: value(1), round: 1});
  });

  it("drops messages beyond the buffer bound and far-future instances", async () => {
    c = cluster({maxBufferedPerPeer: 2});
    c.services[0]
      .decide(1, DutyType.attester, {propose: async () => value(0), isValid: () => true, deadlineMs: 1e9})
      .catch(() => {});
    for (const p of decideAll(c, 3, [1, 2, 3])) p.catch(() => {});
    for (const p of decideAll(c, 51, [1, 2, 3])) p.catch(() => {});
    await settle();
    const drops = c.services[0].droppedCounts();
    expect(drops.buffer_full).to.be.greaterThan(0);
    expect(drops.future_instance).to.be.greaterThan(0);
    expect(c.services[0].bufferedCount).to.equal(2 * 3);
  });

  it("drops messages for old instances it never started", async () => {
    c = cluster();
    c.services[0]
      .decide(200, DutyType.attester, {propose: async () => value(0), isValid: () => true, deadlineMs: 1e9})
      .catch(() => {});
    // Slot 101 is more than maxPastSlots (64) behind slot 200; leader of round 1 there is operator 3.
    for (const p of decideAll(c, 101, [1, 2, 3])) p.catch(() => {});
    await settle();
    expect(c.services[0].droppedCounts().stale_instance).to.be.greaterThan(0);
    expect(c.services[0].bufferedCount).to.equal(0);
  });

  it("a lagging operator decides from the others' decision proof", async () => {
    c = cluster();
    c.offline.add(0);
    const pending = decideAll(c, 33);
    await settle();
    const [first, ...others] = pending;
    for (const r of await Promise.all(others)) expect(r.round).to.equal(1);
    c.offline.delete(0);
    let lagging: DecideResult | null = null;
    first.then((r) => {
      lagging = r;
    });
    await settle();
    expect(lagging).to.equal(null);
    // At its round-1 timeout it sends ROUND-CHANGE; a decided peer answers with the proof.
    await c.vt.advanceTo(DELTA, settle);
    expect(lagging).to.deep.equal({value: value(3), round: 1});
  });

  it("rejects with CONSENSUS_DEADLINE and a reason, prunes, and counts later messages as stale", async () => {
    c = cluster();
    const pending = decideAll(c, 33, [0, 1], 3 * DELTA);
    const errors = pending.map((p) =>
      p.then(
        () => null,
        (e: unknown) => e,
      ),
    );
    await c.vt.advanceTo(3 * DELTA, settle);
    for (const e of await Promise.all(errors)) {
      expect(e).to.be.instanceOf(ConsensusError);
      const err = e as ConsensusError;
      expect(err.type).to.include({code: "CONSENSUS_DEADLINE", slot: 33, round: 3});
      expect(err.type).to.have.property("reason").that.is.oneOf(["no_pre_prepare", "no_prepare_quorum"]);
    }
    expect(c.services[0].instanceCount).to.equal(0);
    expect(await metricValue(c.registers[0], "cohort_consensus_gave_up_total")).to.equal(1);
    // A late starter's messages for the pruned instance are dropped as stale.
    for (const p of decideAll(c, 33, [2], 10 * DELTA)) p.catch(() => {});
    await c.vt.advanceTo(4 * DELTA + 1, settle);
    expect(c.services[0].droppedCounts().stale_instance).to.be.greaterThan(0);
    const again = await c.services[0]
      .decide(33, DutyType.attester, {propose: async () => value(0), isValid: () => true, deadlineMs: 1e9})
      .catch((e: ConsensusError) => e.type.code);
    expect(again).to.equal("CONSENSUS_DUPLICATE_INSTANCE");
  });

  it("keeps a decided instance until its deadline, then prunes it; old-instance replays are dropped", async () => {
    c = cluster();
    const recorded: Uint8Array[] = [];
    c.hub.network(1).onMessage("consensus", (m) => recorded.push(m.payload));
    await Promise.all(decideAll(c, 33, [0, 1, 2, 3], 2 * DELTA));
    expect(c.services[0].instanceCount).to.equal(1);
    await c.vt.advanceTo(2 * DELTA, settle);
    expect(c.services[0].instanceCount).to.equal(0);
    const next = decideAll(c, 34, [0, 1, 2, 3], 6 * DELTA, 2 * DELTA);
    const replay = [...recorded];
    for (const p of replay) c.hub.network(2).send(1, "consensus", p);
    await settle();
    const results = await Promise.all(next);
    // Leader of round 1 for (34, 1) is operator 0.
    for (const r of results) expect(r.value).to.deep.equal(value(0));
    expect(replay.length).to.equal(7); // PRE-PREPARE, 3 PREPAREs, 3 COMMITs
    expect(c.services[1].droppedCounts().stale_instance).to.equal(replay.length);
  });

  it("treats a throwing predicate as a rejection and rejects pending decisions on close", async () => {
    c = cluster();
    const pending = c.services.map((s, i) =>
      s
        .decide(33, DutyType.attester, {
          propose: async () => value(i),
          isValid: () => {
            throw new Error("slashing DB unavailable");
          },
          deadlineMs: 1e9,
        })
        .then(
          () => "decided",
          (e: ConsensusError) => e.type.code,
        ),
    );
    await settle();
    expect(c.services[0].droppedCounts().invalid_value).to.equal(1);
    c.close();
    expect(await Promise.all(pending)).to.deep.equal(Array(N).fill("CONSENSUS_STOPPED"));
  });

  describe("proposeLazily (a block: costly for the BN)", () => {
    function decideLazily(cl: Cluster, slot: number, who: number[], calls: number[], failing: number[] = []) {
      return who.map((i) =>
        cl.services[i].decide(slot, DutyType.proposer, {
          propose: async () => {
            calls.push(i);
            if (failing.includes(i)) throw new Error("the BN failed to produce the block");
            return value(i);
          },
          isValid: () => true,
          startMs: 0,
          deadlineMs: 6 * DELTA,
          proposeLazily: true,
        }),
      );
    }

    it("only the leaders of rounds 1 and 2 ask for a value; when round 1 decides, no other node ever does", async () => {
      c = cluster();
      const calls: number[] = [];
      // Leader of round r for (33, proposer=0) is (33 + 0 + r) mod 4: 2, then 3.
      const results = await Promise.all(decideLazily(c, 33, [0, 1, 2, 3], calls));
      for (const r of results) expect(r).to.deep.equal({value: value(2), round: 1});
      await c.vt.advanceTo(6 * DELTA, settle);
      expect([...calls].sort()).to.deep.equal([2, 3]);
    });

    it("round 1's leader down: round 2's leader has its value at once, and its value is decided in round 2", async () => {
      c = cluster();
      c.offline.add(2);
      const calls: number[] = [];
      const pending = decideLazily(c, 33, [0, 1, 3], calls);
      await c.vt.advanceTo(DELTA - 1, settle);
      expect(calls).to.deep.equal([3]);
      await c.vt.advanceTo(3 * DELTA, settle);
      // Nodes 0 and 1 asked at round 1's timeout unless round 2 had decided in that same instant.
      expect(calls[0]).to.equal(3);
      expect(calls.every((i) => [0, 1, 3].includes(i))).to.equal(true);
      // Round 2's leader is (33 + 0 + 2) mod 4 = 3.
      for (const r of await Promise.all(pending)) expect(r).to.deep.equal({value: value(3), round: 2});
    });
    it("rounds 1 and 2 without a value (leader down, BN failing): round 3's leader asked at round 1's timeout", async () => {
      c = cluster();
      c.offline.add(2);
      const calls: number[] = [];
      const pending = decideLazily(c, 33, [0, 1, 3], calls, [3]);
      await c.vt.advanceTo(DELTA - 1, settle);
      expect(calls).to.deep.equal([3]);
      await c.vt.advanceTo(5 * DELTA, settle);
      expect([...calls].sort()).to.deep.equal([0, 1, 3]);
      // Round 3's leader is (33 + 0 + 3) mod 4 = 0.
      for (const r of await Promise.all(pending)) expect(r).to.deep.equal({value: value(0), round: 3});
    });
  });

  it("runs on the system clock: round 1's leader is down, the others decide in a later round", async () => {
    const hub = new MemoryHub({size: N, schedule: (_from, _to, deliver) => queueMicrotask(deliver)});
    const services = [1, 2, 3].map(
      (i) =>
        new ConsensusService(
          {self: i, n: N, roundDurationMs: 300},
          {network: hub.network(i), clock: systemClock, auth: identityAuth(keys[i], pubkeys)},
        ),
    );
    const start = Date.now();
    try {
      // Leader of round 1 for (34, attester) is operator 0, which never runs.
      const results = await Promise.all(
        services.map((s, k) =>
          s.decide(34, DutyType.attester, {
            propose: async () => value(k + 1),
            isValid: () => true,
            startMs: start,
            deadlineMs: start + 10_000,
          }),
        ),
      );
      expect(results[0].round).to.be.at.least(2);
      for (const r of results) expect(r).to.deep.equal(results[0]);
    } finally {
      for (const s of services) s.close();
    }
  });

  it("refuses invalid options with a typed error", () => {
    const hub = new MemoryHub({size: 2, schedule: (_from, _to, deliver) => queueMicrotask(deliver)});
    const auth: MessageAuth = identityAuth(keys[0], pubkeys);
    const make = (o: {self: number; n: number; roundDurationMs?: number}) => () =>
      new ConsensusService(o, {network: hub.network(0), clock: new VirtualTime(), auth});
    for (const bad of [
      {self: 0, n: 0},
      {self: 2, n: 2},
      {self: 0, n: 65},
      {self: 0, n: 2, roundDurationMs: 0},
    ]) {
      expect(make(bad)).to.throw(ConsensusError).with.property("code", "CONSENSUS_INVALID_OPTIONS");
    }
  });
});

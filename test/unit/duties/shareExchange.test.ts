import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {expect} from "chai";
import {planCluster, seededRandom, validatorKeysFromLock} from "../../../src/cluster/index.js";
import {Combiner, initHerumi} from "../../../src/combine/index.js";
import {ManualClock} from "../../../src/duties/clock.js";
import {ShareExchange} from "../../../src/duties/shareExchange.js";
import {MemoryHub} from "../../../src/p2p/memoryNetwork.js";
import {nullLogger} from "../../../src/util/logger.js";

const plan = planCluster(
  {
    nodes: 4,
    validators: 1,
    network: {name: "test", genesisForkVersion: "0x00000000", genesisValidatorsRoot: `0x${"00".repeat(32)}`},
  },
  {random: seededRandom("share-exchange")},
);
const validator = plan.lock.validators[0].publicKey;
const root = new Uint8Array(32).fill(5);
const shareSig = (operator: number) => SecretKey.fromBytes(plan.shares[0][operator]).sign(root).toBytes();
const ref = {slot: 10, dutyType: 1};

async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

describe("duties/shareExchange", () => {
  let clock: ManualClock;
  let hub: MemoryHub;
  let exchanges: ShareExchange[];

  before(async () => initHerumi());
  beforeEach(() => {
    clock = new ManualClock(1_000);
    hub = new MemoryHub({size: 4});
    exchanges = [0, 1, 2, 3].map(
      (i) =>
        new ShareExchange(
          {self: i, rebroadcastIntervalMs: 500},
          {
            network: hub.network(i),
            combiner: new Combiner({threshold: 3}, {validators: validatorKeysFromLock(plan.lock)}),
            clock,
            logger: nullLogger(),
          },
        ),
    );
  });
  afterEach(() => {
    for (const e of exchanges) e.stop();
  });

  it("re-broadcasts own shares until combined (safety rule 6), and the result verifies", async () => {
    // The network loses every share message until t = 1,500 ms.
    hub.setFilter(() => clock.now() >= 1_500);
    const results = exchanges.map((e) => e.awaitCombined(ref, validator, 10_000));
    for (const [i, e] of exchanges.entries())
      e.publish(ref, [{validator, signingRoot: root, signature: shareSig(i)}], 10_000);
    await flush();
    clock.advance(500); // first re-broadcast, still lost
    await flush();
    clock.advance(500); // second re-broadcast gets through
    await flush();
    const signatures = await Promise.all(results);
    const pk = PublicKey.fromBytes(Buffer.from(validator.slice(2), "hex"));
    for (const s of signatures) expect(verify(root, pk, Signature.fromBytes(s))).to.equal(true);
  });

  it("re-sends at a quarter of the duty's remaining time when that is shorter than the interval", async () => {
    // Published at t = 1,000 ms with 1 s left: re-sends every 250 ms, not every 500 ms.
    hub.setFilter(() => clock.now() >= 1_250);
    const result = exchanges[0].awaitCombined(ref, validator, 2_000);
    let combined = false;
    void result.then(() => {
      combined = true;
    });
    for (const [i, e] of exchanges.entries())
      e.publish(ref, [{validator, signingRoot: root, signature: shareSig(i)}], 2_000);
    await flush();
    expect(combined).to.equal(false);
    clock.advance(250);
    await flush();
    expect(combined).to.equal(true);
  });

  it("answers a peer that lost the shares once the others combined (they no longer re-send), straight to it", async () => {
    // Operator 3 hears nothing until t = 1,500 ms; the others combine among themselves meanwhile.
    hub.setFilter((_from, to) => to !== 3 || clock.now() >= 1_500);
    const lagging = exchanges[3].awaitCombined(ref, validator, 10_000);
    for (const i of [0, 1, 2])
      exchanges[i].publish(ref, [{validator, signingRoot: root, signature: shareSig(i)}], 10_000);
    await flush();
    for (const i of [0, 1, 2]) {
      // Combined: they stop re-sending, so only an answer can reach operator 3.
      expect(await exchanges[i].awaitCombined(ref, validator, 10_000)).to.have.length(96);
    }
    exchanges[3].publish(ref, [{validator, signingRoot: root, signature: shareSig(3)}], 10_000);
    await flush();
    let done = false;
    void lagging.then(() => {
      done = true;
    });
    clock.advance(500); // operator 3 re-sends its own share; the answers get through
    await flush();
    expect(done).to.equal(true);
    const answers = hub.sent.filter((m) => m.to === 3 && m.topic === "shares");
    expect(answers.map((m) => m.from).sort()).to.deep.equal([0, 1, 2]);
  });

  it("a merely late share gets no answer; a re-sent one gets one per peer and re-send interval", async () => {
    for (const [i, e] of exchanges.entries())
      if (i !== 3) e.publish(ref, [{validator, signingRoot: root, signature: shareSig(i)}], 10_000);
    await flush();
    const before = hub.sent.length;
    const share3 = {validator, signingRoot: root, signature: shareSig(3)};
    // First copy of operator 3's share, after the others combined: without loss, nothing more is sent.
    exchanges[3].publish(ref, [share3], 10_000);
    await flush();
    expect(hub.sent.slice(before).filter((m) => m.from !== 3)).to.have.length(0);
    // A second copy (operator 3 still waiting): each peer answers it once...
    exchanges[3].publish(ref, [share3], 10_000);
    await flush();
    expect(hub.sent.slice(before).filter((m) => m.from !== 3 && m.to === 3)).to.have.length(3);
    // ...and not again within the re-send interval.
    exchanges[3].publish(ref, [share3], 10_000);
    await flush();
    expect(hub.sent.slice(before).filter((m) => m.from !== 3)).to.have.length(3);
  });

  it("drops an operator's invalid share and combines from the valid ones", async () => {
    const forged = SecretKey.fromKeygen(new Uint8Array(32).fill(3)).sign(root).toBytes();
    const result = exchanges[0].awaitCombined(ref, validator, 10_000);
    exchanges[1].publish(ref, [{validator, signingRoot: root, signature: forged}], 10_000);
    exchanges[0].publish(ref, [{validator, signingRoot: root, signature: shareSig(0)}], 10_000);
    exchanges[2].publish(ref, [{validator, signingRoot: root, signature: shareSig(2)}], 10_000);
    await flush();
    let settled = false;
    void result.then(() => {
      settled = true;
    });
    await flush();
    expect(settled, "two valid shares are not enough for t = 3").to.equal(false);
    exchanges[3].publish(ref, [{validator, signingRoot: root, signature: shareSig(3)}], 10_000);
    await flush();
    expect((await result).length).to.equal(96);
  });

  it("rejects waiters when the duty expires first, and forgets it", async () => {
    let error: Error | null = null;
    exchanges[0].awaitCombined(ref, validator, 3_000).catch((e: Error) => {
      error = e;
    });
    clock.advance(1_500);
    await flush();
    expect(error).to.equal(null);
    clock.advance(1_000);
    await flush();
    expect((error as Error | null)?.message).to.match(/expired/);
  });

  it("holds peers' shares of a past duty it has not started unverified, and combines them once it starts it", async () => {
    // Operator 3 is back from a restart in slot 10: peers' shares of slot 5 (their catch-up) must not
    // cost it any verification unless it runs that duty itself; slot 10's are combined on arrival.
    exchanges[3].stop();
    const combiner = new Combiner({threshold: 3}, {validators: validatorKeysFromLock(plan.lock)});
    const submitted: number[] = [];
    const submitManyAsync = combiner.submitManyAsync.bind(combiner);
    combiner.submitManyAsync = (subs) => {
      submitted.push(...subs.map((x) => x.shareIndex));
      return submitManyAsync(subs);
    };
    exchanges[3] = new ShareExchange(
      {self: 3, rebroadcastIntervalMs: 500},
      {network: hub.network(3), combiner, clock, logger: nullLogger(), isCurrentSlot: (slot) => slot >= 9},
    );
    const past = {slot: 5, dutyType: 1};
    for (const i of [0, 1, 2]) {
      exchanges[i].publish(past, [{validator, signingRoot: root, signature: shareSig(i)}], 10_000);
      exchanges[i].publish(ref, [{validator, signingRoot: root, signature: shareSig(i)}], 10_000);
    }
    await flush();
    // Slot 10's three shares were verified and combined; slot 5's were only held.
    expect(submitted.sort()).to.deep.equal([1, 2, 3]);
    expect(await exchanges[3].awaitCombined(ref, validator, 10_000)).to.have.length(96);
    const combined = await exchanges[3].awaitCombined(past, validator, 10_000);
    const pk = PublicKey.fromBytes(Buffer.from(validator.slice(2), "hex"));
    expect(verify(root, pk, Signature.fromBytes(combined))).to.equal(true);
    expect(submitted).to.have.length(6);
  });

  it('refuses to publish once stopped (the duty then ends as "stopped"), and a failing send never throws', () => {
    exchanges[0].stop();
    expect(() => exchanges[0].publish(ref, [{validator, signingRoot: root, signature: shareSig(0)}], 10_000))
      .to.throw()
      .with.property("code", "SHARES_STOPPED");
    hub.setConnected(2, false);
    expect(() =>
      exchanges[1].publish(ref, [{validator, signingRoot: root, signature: shareSig(1)}], 10_000),
    ).to.not.throw();
  });
});

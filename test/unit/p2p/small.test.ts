import {expect} from "chai";
import {backoffDelayMs} from "../../../src/p2p/backoff.js";
import {MisbehaviourTracker} from "../../../src/p2p/misbehaviour.js";
import {RecentShares} from "../../../src/p2p/shareCache.js";

describe("p2p/backoff", () => {
  const opts = {baseMs: 100, maxMs: 5000};
  it("doubles per attempt, is capped, and jitters within [half, full] of the capped delay", () => {
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, opts, () => 0.999999))).to.deep.equal([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, opts, () => 0))).to.deep.equal([50, 100, 200, 400]);
    expect(backoffDelayMs(10, opts, () => 0.999999)).to.equal(5000);
    expect(backoffDelayMs(1000, opts, () => 0)).to.equal(2500);
    expect(backoffDelayMs(3, opts, () => 0.5)).to.equal(600);
  });
});

describe("p2p/MisbehaviourTracker", () => {
  it("bans at the threshold within the window, for banMs, then forgives", () => {
    let now = 0;
    const t = new MisbehaviourTracker({threshold: 3, windowMs: 1000, banMs: 5000}, {now: () => now});
    expect(t.record(1)).to.equal(false);
    expect(t.record(1)).to.equal(false);
    now = 1000; // window restarts: the count begins again
    expect(t.record(1)).to.equal(false);
    expect(t.record(1)).to.equal(false);
    expect(t.isBanned(1)).to.equal(false);
    expect(t.record(1)).to.equal(true);
    expect(t.isBanned(1)).to.equal(true);
    expect(t.isBanned(2)).to.equal(false);
    expect(t.banRemainingMs(1)).to.equal(5000);
    expect(t.record(1)).to.equal(false); // already banned: no second ban
    now = 6000;
    expect(t.isBanned(1)).to.equal(false);
    expect(t.banRemainingMs(1)).to.equal(0);
  });
});

describe("p2p/RecentShares", () => {
  const p = (n: number, size = 10) => new Uint8Array(size).fill(n);
  it("keeps the newest within count, bytes and age", () => {
    const c = new RecentShares({maxMessages: 3, maxBytes: 35, ttlMs: 100});
    for (let i = 0; i < 5; i++) c.add(p(i), i);
    expect(c.recent(10).map((x) => x[0])).to.deep.equal([2, 3, 4]);
    c.add(p(5, 20), 20);
    expect(c.recent(20).map((x) => x[0])).to.deep.equal([4, 5]);
    expect(c.recent(110).map((x) => x[0])).to.deep.equal([5]);
    expect(c.recent(200)).to.have.length(0);
    c.add(p(9, 36), 200);
    expect(c.size).to.equal(0);
  });

  it("filters by sequence: only what was added before a peer's connection", () => {
    const c = new RecentShares({maxMessages: 10, maxBytes: 1000, ttlMs: 1000});
    c.add(p(1), 0);
    const mark = c.nextSeq;
    c.add(p(2), 0);
    expect(c.recent(0, mark).map((x) => x[0])).to.deep.equal([1]);
    expect(c.recent(0).map((x) => x[0])).to.deep.equal([1, 2]);
  });
});

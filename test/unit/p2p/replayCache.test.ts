import {expect} from "chai";
import fc from "fast-check";
import {ReplayCache} from "../../../src/p2p/replayCache.js";

describe("p2p/ReplayCache", () => {
  it("accepts each (timestamp, nonce) once per sender, independently per sender", () => {
    const c = new ReplayCache({windowMs: 1000, maxEntriesPerSender: 10});
    expect(c.check(0, 500, 1n, 500)).to.equal("fresh");
    expect(c.check(0, 500, 1n, 501)).to.equal("replayed");
    expect(c.check(1, 500, 1n, 501)).to.equal("fresh");
    expect(c.check(0, 500, 2n, 501)).to.equal("fresh");
  });

  it("refuses timestamps outside the window either way, and forgets entries past it", () => {
    const c = new ReplayCache({windowMs: 1000, maxEntriesPerSender: 10});
    expect(c.check(0, 0, 1n, 1001)).to.equal("stale");
    expect(c.check(0, 2002, 1n, 1001)).to.equal("stale");
    expect(c.check(0, 1000, 1n, 1001)).to.equal("fresh");
    expect(c.check(0, 3000, 2n, 3000)).to.equal("fresh");
    expect(c.size(0)).to.equal(1);
    // The forgotten entry is refused by the window instead.
    expect(c.check(0, 1000, 1n, 3000)).to.equal("stale");
  });

  it("stays bounded, and a replay is never accepted even after its entry was evicted", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({min: 0, max: 50}), fc.integer({min: 0, max: 5})), {minLength: 1, maxLength: 200}),
        (events) => {
          const c = new ReplayCache({windowMs: 10_000, maxEntriesPerSender: 8});
          const accepted = new Set<string>();
          for (const [ts, nonce] of events) {
            const r = c.check(0, ts, BigInt(nonce), 100);
            const key = `${ts}:${nonce}`;
            if (r === "fresh") {
              expect(accepted.has(key), `replay of ${key} accepted`).to.equal(false);
              accepted.add(key);
            }
            expect(c.size(0)).to.be.at.most(8);
          }
        },
      ),
      {seed: 3, numRuns: 500},
    );
  });
});

import {expect} from "chai";
import type {NetworkMessage} from "../../../src/duties/interfaces.js";
import {MemoryHub} from "../../../src/p2p/memoryNetwork.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("p2p/MemoryHub", () => {
  it("auto mode: broadcast reaches every other operator asynchronously, tagged with the sender", async () => {
    const hub = new MemoryHub({size: 3});
    const got: [number, NetworkMessage][] = [];
    for (let i = 0; i < 3; i++) hub.network(i).onMessage("consensus", (m) => got.push([i, m]));
    const payload = bytes(1, 2);
    hub.network(0).broadcast("consensus", payload);
    payload[0] = 9; // the hub copied it
    expect(got).to.have.length(0);
    await new Promise((r) => setImmediate(r));
    expect(got.map(([to, m]) => [to, m.from, [...m.payload]])).to.deep.equal([
      [1, 0, [1, 2]],
      [2, 0, [1, 2]],
    ]);
    hub.close();
  });

  it("manual mode: send, topics, unsubscribe, disconnect and filters", () => {
    const hub = new MemoryHub({size: 4, delivery: "manual"});
    const got: string[] = [];
    const unsub = hub.network(1).onMessage("shares", (m) => got.push(`1<-${m.from}:${m.payload[0]}`));
    hub.network(2).onMessage("shares", (m) => got.push(`2<-${m.from}:${m.payload[0]}`));
    hub.network(3).send(1, "shares", bytes(7));
    hub.network(3).broadcast("consensus", bytes(8)); // nobody listens on consensus
    expect(hub.pendingCount).to.equal(4);
    hub.deliverAll();
    expect(got).to.deep.equal(["1<-3:7"]);

    hub.setConnected(2, false);
    expect(
      hub
        .network(0)
        .peers()
        .find((p) => p.index === 2)?.connected,
    ).to.equal(false);
    hub.setFilter((from, to) => !(from === 0 && to === 1));
    hub.network(0).broadcast("shares", bytes(5));
    hub.network(3).broadcast("shares", bytes(6));
    hub.deliverAll();
    expect(got).to.deep.equal(["1<-3:7", "1<-3:6"]);

    unsub();
    hub.setFilter(null);
    hub.setConnected(2, true);
    hub.network(0).broadcast("shares", bytes(4));
    hub.deliverAll();
    expect(got).to.deep.equal(["1<-3:7", "1<-3:6", "2<-0:4"]);
    expect(() => hub.network(4)).to.throw(RangeError);
  });

  it("deliverRandom reorders deterministically from the injected random", () => {
    const order = (seq: number[]) => {
      const hub = new MemoryHub({size: 2, delivery: "manual"});
      const got: number[] = [];
      hub.network(1).onMessage("consensus", (m) => got.push(m.payload[0]));
      for (let i = 0; i < 4; i++) hub.network(0).send(1, "consensus", bytes(i));
      let k = 0;
      while (hub.deliverRandom(() => seq[k++ % seq.length])) {}
      return got;
    };
    expect(order([0])).to.deep.equal([0, 1, 2, 3]);
    expect(order([0.99])).to.deep.equal([3, 2, 1, 0]);
    expect(order([0.5, 0])).to.deep.equal([2, 0, 3, 1]);
  });

  it("messages sent by handlers are delivered in later turns (no unbounded recursion)", async () => {
    const hub = new MemoryHub({size: 2});
    let count = 0;
    for (const i of [0, 1]) {
      hub.network(i).onMessage("consensus", (m) => {
        count++;
        if (m.payload[0] < 50) hub.network(i).broadcast("consensus", bytes(m.payload[0] + 1));
      });
    }
    hub.network(0).broadcast("consensus", bytes(0));
    while (hub.pendingCount > 0) await new Promise((r) => setImmediate(r));
    expect(count).to.equal(51);
    hub.close();
  });
});

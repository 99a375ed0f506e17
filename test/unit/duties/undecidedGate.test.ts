import {expect} from "chai";
import {UndecidedGate} from "../../../src/duties/undecidedGate.js";

describe("duties/undecidedGate (safety rule 2)", () => {
  it("queues a duty behind an undecided one that shares a validator, not one that shares none", async () => {
    const gate = new UndecidedGate();
    const order: string[] = [];
    const releaseA = await gate.enter(["v1", "v2"]);
    order.push("A in");
    const b = gate.enter(["v2", "v3"]).then((release) => {
      order.push("B in");
      return release;
    });
    const c = gate.enter(["v4"]).then((release) => {
      order.push("C in");
      return release;
    });
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal(["A in", "C in"]);
    releaseA();
    const releaseB = await b;
    expect(order).to.deep.equal(["A in", "C in", "B in"]);
    releaseB();
    (await c)();
    expect(gate.held).to.equal(0);
  });
});

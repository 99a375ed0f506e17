import {expect} from "chai";
import {describeForkSchedule, ForkSpecError, parseForkSchedule} from "../../../src/devnet/forkSpec.js";

describe("devnet: --fork / --fork-epoch", () => {
  it("defaults to Fulu from genesis; --fork electra runs Electra only; fulu:N forks from Electra at N", () => {
    expect(parseForkSchedule({})).to.deep.equal({fuluForkEpoch: 0});
    expect(parseForkSchedule({fork: "fulu"})).to.deep.equal({fuluForkEpoch: 0});
    expect(parseForkSchedule({fork: "electra"})).to.deep.equal({fuluForkEpoch: Number.POSITIVE_INFINITY});
    expect(parseForkSchedule({forkEpoch: ["fulu:2"]})).to.deep.equal({fuluForkEpoch: 2});
    expect(parseForkSchedule({fork: "electra", forkEpoch: "fulu:3"})).to.deep.equal({fuluForkEpoch: 3});
    expect(parseForkSchedule({forkEpoch: "fulu:0"})).to.deep.equal({fuluForkEpoch: 0});
    expect(describeForkSchedule({fuluForkEpoch: 0})).to.equal("Fulu from genesis");
    expect(describeForkSchedule({fuluForkEpoch: 2})).to.equal("Electra, Fulu from epoch 2");
    expect(describeForkSchedule({fuluForkEpoch: Number.POSITIVE_INFINITY})).to.equal("Electra");
  });

  const refused: [string, {fork?: string; forkEpoch?: string | string[]}, "fork" | "fork-epoch", RegExp][] = [
    ["an unknown fork", {fork: "gloas"}, "fork", /starts at electra or fulu/],
    ["a fork other than fulu to schedule", {forkEpoch: "gloas:3"}, "fork-epoch", /expected fulu:N/],
    ["a malformed epoch", {forkEpoch: "fulu:-1"}, "fork-epoch", /expected fulu:N/],
    ["no epoch", {forkEpoch: "fulu"}, "fork-epoch", /expected fulu:N/],
    ["a fractional epoch", {forkEpoch: "fulu:1.5"}, "fork-epoch", /expected fulu:N/],
    ["an epoch beyond the limit", {forkEpoch: "fulu:9999999"}, "fork-epoch", /expected fulu:N/],
    ["two schedules", {forkEpoch: ["fulu:2", "fulu:3"]}, "fork-epoch", /more than once/],
    ["a transition from Fulu", {fork: "fulu", forkEpoch: "fulu:2"}, "fork-epoch", /--fork fulu starts at Fulu/],
    ["Electra that never runs", {fork: "electra", forkEpoch: "fulu:0"}, "fork-epoch", /never run Electra/],
  ];
  for (const [what, flags, flag, message] of refused) {
    it(`refuses ${what} with a ForkSpecError naming --${flag}`, () => {
      let error: unknown;
      try {
        parseForkSchedule(flags);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ForkSpecError);
      expect((error as ForkSpecError).type.flag).to.equal(flag);
      expect((error as ForkSpecError).code).to.equal("FORK_SPEC_INVALID");
      expect((error as Error).message).to.match(message);
    });
  }
});

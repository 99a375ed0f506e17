import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {expect} from "chai";
import {createSimChainConfig, getSpecJson} from "../../../../src/devnet/beacon/chainConfig.js";
import {DutySchedule} from "../../../../src/devnet/beacon/duties.js";
import {SimChainError} from "../../../../src/devnet/beacon/errors.js";
import {interopPublicKeys, parseValidatorPubkeys, ValidatorSet} from "../../../../src/devnet/beacon/validators.js";
import {toHex} from "../../../../src/util/hex.js";

const seed = (s: string) => new TextEncoder().encode(s);

describe("devnet/beacon: duty schedule, validators, config", () => {
  it("gives every validator exactly one attester duty per epoch, consistent with the committees", () => {
    const schedule = new DutySchedule(100, seed("a"));
    for (const epoch of [0, 1, 7]) {
      const duties = schedule.attesterDuties(epoch);
      expect(duties.map((d) => d.validatorIndex).sort((a, b) => a - b)).to.deep.equal([...Array(100).keys()]);
      for (const d of duties) {
        expect(Math.floor(d.slot / SLOTS_PER_EPOCH)).to.equal(epoch);
        const committee = schedule.committee(d.slot, d.committeeIndex);
        expect(committee[d.validatorCommitteeIndex]).to.equal(d.validatorIndex);
        expect(d.committeeLength).to.equal(committee.length);
        expect(schedule.attesterDuty(epoch, d.validatorIndex)).to.deep.equal(d);
      }
    }
  });

  it("is deterministic for a seed and changes with it", () => {
    const a = new DutySchedule(16, seed("a"));
    const a2 = new DutySchedule(16, seed("a"));
    const b = new DutySchedule(16, seed("b"));
    const proposers = (s: DutySchedule) => Array.from({length: 64}, (_, i) => s.proposer(i + 1));
    expect(proposers(a)).to.deep.equal(proposers(a2));
    expect(a.attesterDuties(3)).to.deep.equal(a2.attesterDuties(3));
    expect(proposers(a)).to.not.deep.equal(proposers(b));
    for (const p of proposers(a)) expect(p).to.be.within(0, 15);
    expect(a.proposer(0)).to.equal(null);
  });

  it("derives the interop keys of the consensus specs", () => {
    // Validator 0 of every interop / `lodestar dev` chain.
    expect(toHex(interopPublicKeys(1)[0])).to.equal(
      "0xa99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
    );
  });

  it("resolves validator ids by index and public key, and refuses bad sets", () => {
    const keys = interopPublicKeys(3);
    const set = new ValidatorSet(keys);
    expect(set.resolve(toHex(keys[2]))).to.equal(2);
    expect(set.resolve("1")).to.equal(1);
    expect(set.resolve(7)).to.equal(undefined);
    expect(() => set.resolve("nonsense")).to.throw(SimChainError);
    expect(() => new ValidatorSet([keys[0], keys[0]])).to.throw(/twice/);
    expect(() => new ValidatorSet([new Uint8Array(48)])).to.throw(/not a valid BLS public key/);
    expect(() => new ValidatorSet([])).to.throw(/empty/);
    expect(parseValidatorPubkeys([toHex(keys[0]), {pubkey: toHex(keys[1])}])).to.have.length(2);
    expect(() => parseValidatorPubkeys(["0x12"])).to.throw(/entry 0/);
  });

  it("builds a Fulu-from-genesis config whose spec names the preset, slot time and blob schedule", () => {
    const config = createSimChainConfig({secondsPerSlot: 3});
    expect(config.getForkName(0)).to.equal("fulu");
    expect(config.getForkName(10_000_000)).to.equal("fulu");
    const spec = getSpecJson(config);
    expect(spec.PRESET_BASE).to.equal(process.env.LODESTAR_PRESET ?? "mainnet");
    expect(spec.SECONDS_PER_SLOT).to.equal("3");
    expect(spec.SLOTS_PER_EPOCH).to.equal(String(SLOTS_PER_EPOCH));
    expect(spec.ELECTRA_FORK_EPOCH).to.equal("0");
    expect(spec.FULU_FORK_EPOCH).to.equal("0");
    // EIP-7892: Electra's limit at the Fulu fork, the devnet's BPO fork one epoch later.
    expect(spec.BLOB_SCHEDULE).to.deep.equal([{EPOCH: "1", MAX_BLOBS_PER_BLOCK: "15"}]);
    expect(config.getMaxBlobsPerBlock(0)).to.equal(config.MAX_BLOBS_PER_BLOCK_ELECTRA);
    expect(config.getMaxBlobsPerBlock(1)).to.equal(15);
    expect(spec.DOMAIN_BEACON_ATTESTER).to.equal("0x01000000");
    expect(() => createSimChainConfig({secondsPerSlot: 0})).to.throw(SimChainError);
    expect(() => createSimChainConfig({overrides: {ELECTRA_FORK_EPOCH: 5}})).to.throw(/starts at Electra or Fulu/);
    expect(() => createSimChainConfig({overrides: {GLOAS_FORK_EPOCH: 5}})).to.throw(/stops at Fulu/);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => createSimChainConfig({fuluForkEpoch: bad})).to.throw(SimChainError, /Fulu fork epoch/);
    }
  });

  it("runs Electra until the chosen Fulu epoch (or forever), with the blob schedule from there", () => {
    const transition = createSimChainConfig({fuluForkEpoch: 2});
    expect(transition.getForkName(2 * SLOTS_PER_EPOCH - 1)).to.equal("electra");
    expect(transition.getForkName(2 * SLOTS_PER_EPOCH)).to.equal("fulu");
    expect(getSpecJson(transition).BLOB_SCHEDULE).to.deep.equal([{EPOCH: "3", MAX_BLOBS_PER_BLOCK: "15"}]);
    expect(transition.getMaxBlobsPerBlock(1)).to.equal(transition.MAX_BLOBS_PER_BLOCK_ELECTRA);
    const electraOnly = createSimChainConfig({fuluForkEpoch: Number.POSITIVE_INFINITY});
    expect(electraOnly.getForkName(10_000_000)).to.equal("electra");
    expect(getSpecJson(electraOnly).BLOB_SCHEDULE).to.deep.equal([]);
  });
});

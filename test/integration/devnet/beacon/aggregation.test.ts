import {BitArray} from "@chainsafe/ssz";
import {type ApiClient, getClient} from "@lodestar/api";
import {type electra, ssz} from "@lodestar/types";
import {expect} from "chai";
import {aggregateAndProofRoot, selectionProofRoot} from "../../../../src/devnet/beacon/aggregation.js";
import {ManualClock} from "../../../../src/devnet/beacon/clock.js";
import {SimulatedBeaconNode} from "../../../../src/devnet/beacon/server.js";
import {interopPublicKeys} from "../../../../src/devnet/beacon/validators.js";
import {InteropSigner} from "../../../unit/devnet/beacon/interopSigner.js";

const GENESIS = 1_700_000_000;
const pubkeys = interopPublicKeys(4);

describe("devnet/beacon: aggregation endpoints (aggregate_attestation v2, aggregate_and_proofs v2, committee subscriptions)", function () {
  this.timeout(20_000);
  let clock: ManualClock;
  let node: SimulatedBeaconNode;
  let api: ApiClient;
  let signer: InteropSigner;

  beforeEach(async () => {
    clock = new ManualClock(GENESIS * 1000);
    node = new SimulatedBeaconNode({port: 0, validators: pubkeys, genesisTime: GENESIS, seed: "agg"}, {clock});
    const url = await node.start();
    api = getClient({baseUrl: url}, {config: node.chain.config});
    signer = new InteropSigner(node.chain.config);
  });
  afterEach(async () => node.stop());

  function toSlot(slot: number, fraction = 0.1): void {
    clock.advance(node.chain.slotStartMs(slot) + Math.floor(fraction * node.chain.slotMs) - clock.now());
  }

  /** An attester duty after genesis, its attestation pooled; returns the pooled aggregate. */
  async function pooledAggregate() {
    const duties = (await api.validator.getAttesterDuties({epoch: 0, indices: [0, 1, 2, 3]})).value();
    const d = duties.filter((x) => x.slot > 0).sort((a, b) => a.slot - b.slot)[0];
    toSlot(d.slot, 1 / 3);
    const data = (await api.validator.produceAttestationData({slot: d.slot, committeeIndex: d.committeeIndex})).value();
    const att = {committeeIndex: d.committeeIndex, attesterIndex: d.validatorIndex, data};
    const res = await api.beacon.submitPoolAttestationsV2({
      signedAttestations: [{...att, signature: signer.attestation(d.validatorIndex, data)}],
    });
    expect(res.status).to.equal(200);
    toSlot(d.slot, 2 / 3);
    const aggregate = (
      await api.validator.getAggregatedAttestationV2({
        attestationDataRoot: ssz.phase0.AttestationData.hashTreeRoot(data),
        slot: d.slot,
        committeeIndex: d.committeeIndex,
      })
    ).value() as electra.Attestation;
    return {d, data, aggregate};
  }

  function signedAggregate(
    aggregatorIndex: number,
    aggregate: electra.Attestation,
    keys: {proof?: number; outer?: number} = {},
  ): electra.SignedAggregateAndProof {
    const config = node.chain.config;
    const slot = aggregate.data.slot;
    const selectionProof = signer
      .key(keys.proof ?? aggregatorIndex)
      .sign(selectionProofRoot(config, slot))
      .toBytes();
    const message = {aggregatorIndex, aggregate, selectionProof};
    const signature = signer
      .key(keys.outer ?? aggregatorIndex)
      .sign(aggregateAndProofRoot(config, message))
      .toBytes();
    return {message, signature};
  }

  async function publish(signed: electra.SignedAggregateAndProof) {
    return api.validator.publishAggregateAndProofsV2({signedAggregateAndProofs: [signed]});
  }

  it("accepts a valid SignedAggregateAndProof once (a resubmission is fine) and records the aggregator duty", async () => {
    const {d, aggregate} = await pooledAggregate();
    const record = () => node.chain.book.find("aggregator", d.slot, d.validatorIndex);
    // Committees of one (4 validators): modulo 1, so the chain expects the member to aggregate.
    expect(record()?.expected).to.equal(true);
    expect(record()?.acceptedAtMs).to.equal(null);
    const ok = await publish(signedAggregate(d.validatorIndex, aggregate));
    expect(ok.status, ok.ok ? "" : ok.error()?.message).to.equal(200);
    expect(record()?.acceptedAtMs).to.equal(clock.now());
    expect((await publish(signedAggregate(d.validatorIndex, aggregate))).status).to.equal(200);
    expect(record()?.submissions).to.equal(2);
    expect(node.chain.stats().duties.aggregator.accepted).to.equal(1);
  });

  it("rejects a wrong selection proof, a wrong outer signature, a bad aggregate signature, bad bits and an outsider", async () => {
    const {d, data, aggregate} = await pooledAggregate();
    const other = (d.validatorIndex + 1) % 4;
    const cases: [string, electra.SignedAggregateAndProof, RegExp][] = [
      [
        "selection proof by another key",
        signedAggregate(d.validatorIndex, aggregate, {proof: other}),
        /selection proof/,
      ],
      [
        "outer signature by another key",
        signedAggregate(d.validatorIndex, aggregate, {outer: other}),
        /aggregate-and-proof signature/,
      ],
      [
        "aggregate signed by a non-participant",
        signedAggregate(d.validatorIndex, {...aggregate, signature: signer.attestation(other, data)}),
        /invalid aggregate signature/,
      ],
      [
        "aggregation bits of the wrong length",
        signedAggregate(d.validatorIndex, {...aggregate, aggregationBits: BitArray.fromSingleBit(5, 0)}),
        /aggregation bits for a committee/,
      ],
      [
        "no committee bit",
        signedAggregate(d.validatorIndex, {...aggregate, committeeBits: BitArray.fromBitLen(64)}),
        /exactly one committee bit/,
      ],
      ["an aggregator outside the committee", signedAggregate(other, aggregate), /not in committee/],
    ];
    for (const [what, signed, message] of cases) {
      const res = await publish(signed);
      expect(res.status, what).to.equal(400);
      expect(res.error()?.message, what).to.match(message);
    }
    const rec = node.chain.book.find("aggregator", d.slot, d.validatorIndex);
    expect(rec?.rejections.map((r) => r.code)).to.deep.equal([
      "SIMCHAIN_INVALID_SIGNATURE",
      "SIMCHAIN_INVALID_SIGNATURE",
      "SIMCHAIN_INVALID_SIGNATURE",
      "SIMCHAIN_INVALID_AGGREGATE",
      "SIMCHAIN_INVALID_AGGREGATE",
    ]);
    expect(rec?.acceptedAtMs).to.equal(null);
    expect(node.chain.book.find("aggregator", d.slot, other)?.rejections[0]?.code).to.equal("SIMCHAIN_NOT_AGGREGATOR");
  });

  it("takes beacon committee subscriptions for coming slots; refuses unknown validators, committees, past slots", async () => {
    const duties = (await api.validator.getAttesterDuties({epoch: 0, indices: [0, 1, 2, 3]})).value();
    const d = duties.filter((x) => x.slot > 2).sort((a, b) => a.slot - b.slot)[0];
    toSlot(2);
    const sub = {
      validatorIndex: d.validatorIndex,
      committeeIndex: d.committeeIndex,
      committeesAtSlot: d.committeesAtSlot,
      slot: d.slot,
      isAggregator: true,
    };
    const ok = await api.validator.prepareBeaconCommitteeSubnet({subscriptions: [sub]});
    expect(ok.status, ok.ok ? "" : ok.error()?.message).to.equal(200);
    expect(node.chain.committeeSubscription(d.slot, d.validatorIndex)).to.deep.include({
      isAggregator: true,
      committeeIndex: d.committeeIndex,
      atMs: clock.now(),
    });
    for (const bad of [{validatorIndex: 9}, {committeeIndex: 3}, {slot: 1}]) {
      const res = await api.validator.prepareBeaconCommitteeSubnet({subscriptions: [{...sub, ...bad}]});
      expect(res.status, JSON.stringify(bad)).to.equal(400);
    }
  });
});

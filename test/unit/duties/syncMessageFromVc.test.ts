import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import type {altair} from "@lodestar/types";
import {expect} from "chai";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import type {Decider} from "../../../src/duties/attester.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome, DutyOutcomeType} from "../../../src/duties/outcome.js";
import type {Combined, DutyRef, OwnShare, ShareExchange} from "../../../src/duties/shareExchange.js";
import type {SyncDuty, SyncRootResult} from "../../../src/duties/syncCommitteeMessage.js";
import {runVcSyncMessageDuty} from "../../../src/duties/syncMessageFromVc.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {VcSyncMessageStore} from "../../../src/vapi/syncMessages.js";

const config = createBeaconConfig(createSimChainConfig(), new Uint8Array(32).fill(9));
const slot = 70;
const keys = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)));
const pubkeys = keys.map((k) => k.toPublicKey().toBytes());
const duties: SyncDuty[] = [
  {pubkey: pubkeys[0], validatorIndex: 10, validatorSyncCommitteeIndices: [3]},
  {pubkey: pubkeys[1], validatorIndex: 11, validatorSyncCommitteeIndices: [40]},
];
const vcRoot = new Uint8Array(32).fill(0xaa);
const decidedRoot = new Uint8Array(32).fill(0xbb);
const headRoot = new Uint8Array(32).fill(0xcc);
const msgOf = (root: Uint8Array): SignableMessage => ({
  type: "SYNC_COMMITTEE_MESSAGE",
  data: {slot, beaconBlockRoot: root},
});

/**
 * One node in validator-API mode: its VC's partials come through the store; the share exchange "combines" over
 * the signing root `combinedOver` says (the root t operators' partials agreed on), with the node's own share.
 */
function harness(combinedOver: (own: OwnShare) => Uint8Array = (own) => own.signingRoot) {
  const clock = new ManualClock(slot * 12_000 + 4_000);
  const outcomes: DutyOutcome[] = [];
  const published: {ref: DutyRef; shares: OwnShare[]}[] = [];
  const own = new Map<string, OwnShare>();
  const shares = {
    publish: (ref: DutyRef, list: OwnShare[]) => {
      published.push({ref, shares: list});
      for (const s of list) own.set(s.validator, s);
    },
    awaitCombinedRoot: async (_ref: DutyRef, validator: string): Promise<Combined> => {
      await new Promise((r) => setImmediate(r));
      const s = own.get(validator);
      if (!s) throw Object.assign(new Error("expired"), {code: "SHARES_EXPIRED"});
      return {signature: s.signature, signingRoot: combinedOver(s)};
    },
  } as unknown as ShareExchange;
  const store = new VcSyncMessageStore(clock);
  const submitted: altair.SyncCommitteeMessage[] = [];
  const modules = {
    config,
    consensus: {decide: async () => ({value: decidedRoot, round: 0})} as unknown as Decider,
    signer: {sign: async () => new Uint8Array(96)},
    shares,
    slotClock: new SlotClock({genesisTimeSec: 0, secondsPerSlot: 12, slotsPerEpoch: 32}, clock),
    logger: nullLogger(),
    shareKeys: new Map(pubkeys.map((p) => [toHex(p), p])),
    onOutcome: (o: DutyOutcome) => outcomes.push(o),
    beaconNode: {
      getHeadBlockRoot: async () => headRoot,
      submitSyncCommitteeMessages: async (m: altair.SyncCommitteeMessage[]) => void submitted.push(...m),
    },
    vcMessages: store,
  };
  const offer = (i: number, root: Uint8Array) =>
    store.offer(toHex(pubkeys[i]), slot, {
      beaconBlockRoot: root,
      signature: keys[i].sign(signingRootOnNetwork(config, msgOf(root))).toBytes(),
    });
  return {clock, outcomes, published, submitted, modules, offer};
}

const statuses = (outcomes: DutyOutcome[]) =>
  outcomes.map((o) => `${o.type as DutyOutcomeType}:${o.status}${o.status === "failed" ? `:${o.reason}` : ""}`);

describe("duties/syncMessageFromVc (validator-API mode: the VC's partials over its own head, combined per root)", () => {
  it("publishes the VC's partials over the root it chose, in one message, and submits the combined root; the contribution follows it", async () => {
    const h = harness();
    h.offer(0, vcRoot);
    h.offer(1, vcRoot);
    let decided: SyncRootResult | null = null;
    const result = await runVcSyncMessageDuty(slot, duties, h.modules, (r) => {
      decided = r;
    });
    expect(h.published).to.have.length(1);
    expect(h.published[0].ref).to.deep.equal({slot, dutyType: 3});
    const signingRoot = toHex(signingRootOnNetwork(config, msgOf(vcRoot)));
    expect(h.published[0].shares.map((s) => toHex(s.signingRoot))).to.deep.equal([signingRoot, signingRoot]);
    expect(h.submitted.map((m) => [m.validatorIndex, toHex(m.beaconBlockRoot)])).to.deep.equal([
      [10, toHex(vcRoot)],
      [11, toHex(vcRoot)],
    ]);
    expect(decided).to.deep.equal({root: vcRoot, round: 0});
    expect(result).to.deep.equal({root: vcRoot, round: 0});
    expect(statuses(h.outcomes)).to.deep.equal(["syncMessage:submitted", "syncMessage:submitted"]);
  });

  it("names a combined root this node's VC did not sign from the cluster's decision or its BN's head; an unknown one is left to the peers", async () => {
    const overDecided = harness(() => signingRootOnNetwork(config, msgOf(decidedRoot)));
    overDecided.offer(0, vcRoot);
    overDecided.offer(1, vcRoot);
    await runVcSyncMessageDuty(slot, duties, overDecided.modules);
    expect(overDecided.submitted.map((m) => toHex(m.beaconBlockRoot))).to.deep.equal([
      toHex(decidedRoot),
      toHex(decidedRoot),
    ]);

    const unknown = harness(() => signingRootOnNetwork(config, msgOf(new Uint8Array(32).fill(0xdd))));
    unknown.offer(0, vcRoot);
    unknown.offer(1, vcRoot);
    const result = await runVcSyncMessageDuty(slot, duties, unknown.modules);
    expect(unknown.submitted).to.deep.equal([]);
    expect(statuses(unknown.outcomes)).to.deep.equal(["syncMessage:failed:no_data", "syncMessage:failed:no_data"]);
    // Nothing combined over a known root: the contribution gets the cluster's decided root.
    expect(result).to.deep.equal({root: decidedRoot, round: 0});
  });

  it("a validator whose VC sends no partial by the deadline fails (signer_refused); the other is submitted", async () => {
    const h = harness();
    h.offer(1, headRoot);
    const run = runVcSyncMessageDuty(slot, duties, h.modules);
    await new Promise((r) => setImmediate(r));
    h.clock.advance(20_000);
    await run;
    expect(h.submitted.map((m) => m.validatorIndex)).to.deep.equal([11]);
    expect(statuses(h.outcomes).sort()).to.deep.equal(["syncMessage:failed:signer_refused", "syncMessage:submitted"]);
  });
});

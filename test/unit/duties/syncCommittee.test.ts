import {SecretKey, Signature, verify} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {createBeaconConfig} from "@lodestar/config";
import type {altair} from "@lodestar/types";
import {expect} from "chai";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import type {Decider, ShareSigner} from "../../../src/duties/attester.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import type {DutyRef, OwnShare, ShareExchange} from "../../../src/duties/shareExchange.js";
import {
  encodeSyncContributionValue,
  isValidSyncContributionValue,
  runSyncContributionDuty,
  runSyncSelectionProofs,
  type SyncAggregatorRole,
  type SyncMessageProgress,
} from "../../../src/duties/syncCommitteeContribution.js";
import {isValidSyncMessageValue, runSyncMessageDuty, type SyncDuty} from "../../../src/duties/syncCommitteeMessage.js";
import {SYNC_SUBCOMMITTEE_SIZE, syncShareDutyType} from "../../../src/duties/syncCommitteeSelection.js";
import {signingRootOnNetwork} from "../../../src/eth/signing.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

const config = createBeaconConfig(createSimChainConfig(), new Uint8Array(32).fill(9));
const slot = 70;
const keys = [1, 2].map((i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i)));
const pubkeys = keys.map((k) => k.toPublicKey().toBytes());
/** Validator 0 sits in subcommittees 0 and 2, validator 1 in subcommittee 1. */
const duties: SyncDuty[] = [
  {pubkey: pubkeys[0], validatorIndex: 10, validatorSyncCommitteeIndices: [3, 2 * SYNC_SUBCOMMITTEE_SIZE + 1]},
  {pubkey: pubkeys[1], validatorIndex: 11, validatorSyncCommitteeIndices: [SYNC_SUBCOMMITTEE_SIZE + 4]},
];
const headRoot = new Uint8Array(32).fill(0xaa);
const otherRoot = new Uint8Array(32).fill(0xbb);

/**
 * A one-node cluster (threshold 1): the signer signs with the validator key itself, and the exchange's
 * "combined" signature is the node's own share, so every signature the duty submits must verify under
 * the validator key for the duty's signing root.
 */
function harness(opts: {decide?: Decider["decide"]; signer?: ShareSigner; combined?: (ref: DutyRef) => Uint8Array}) {
  const outcomes: DutyOutcome[] = [];
  const published: {ref: DutyRef; shares: OwnShare[]}[] = [];
  const own = new Map<string, Uint8Array>();
  const shares = {
    publish: (ref: DutyRef, list: OwnShare[]) => {
      published.push({ref, shares: list});
      for (const s of list) own.set(`${ref.dutyType}/${ref.slot}/${s.validator}`, s.signature);
    },
    awaitCombined: async (ref: DutyRef, validator: string) => {
      const forced = opts.combined?.(ref);
      if (forced) return forced;
      const sig = own.get(`${ref.dutyType}/${ref.slot}/${validator}`);
      if (!sig) throw Object.assign(new Error("expired"), {code: "SHARES_EXPIRED"});
      return sig;
    },
  } as unknown as ShareExchange;
  const keyOf = (share: Uint8Array) => keys[pubkeys.findIndex((p) => toHex(p) === toHex(share))];
  const signer: ShareSigner = opts.signer ?? {
    sign: async (share, msg) => keyOf(share).sign(signingRootOnNetwork(config, msg)).toBytes(),
  };
  const modules = {
    config,
    consensus: {decide: opts.decide ?? (async (_s, _t, o) => ({value: await o.propose(), round: 0}))} as Decider,
    signer,
    shares,
    slotClock: new SlotClock(
      {genesisTimeSec: 0, secondsPerSlot: 12, slotsPerEpoch: 32},
      new ManualClock(slot * 12_000),
    ),
    logger: nullLogger(),
    shareKeys: new Map(pubkeys.map((p) => [toHex(p), p])),
    onOutcome: (o: DutyOutcome) => outcomes.push(o),
  };
  return {outcomes, published, modules};
}

/** The slot's message duty, decided on `root` with every message submitted. */
function decidedRoot(root: Uint8Array): SyncMessageProgress {
  return {decided: Promise.resolve({root, round: 0}), done: Promise.resolve()};
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function verifies(pubkey: Uint8Array, signingRoot: Uint8Array, signature: Uint8Array): boolean {
  return verify(signingRoot, keys[pubkeys.indexOf(pubkey)].toPublicKey(), Signature.fromBytes(signature));
}

function contribution(sub: number, root = headRoot, bits = [0]): altair.SyncCommitteeContribution {
  return {
    slot,
    beaconBlockRoot: root,
    subcommitteeIndex: sub,
    aggregationBits: BitArray.fromBoolArray(Array.from({length: SYNC_SUBCOMMITTEE_SIZE}, (_, i) => bits.includes(i))),
    signature: new Uint8Array(96),
  };
}

describe("duties/syncCommittee", () => {
  describe("message duty", () => {
    it("signs the decided root for every member and submits messages that verify with the sync committee domain", async () => {
      const {outcomes, published, modules} = harness({});
      const submitted: altair.SyncCommitteeMessage[] = [];
      const result = await runSyncMessageDuty(slot, duties, {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          submitSyncCommitteeMessages: async (m) => void submitted.push(...m),
        },
      });
      expect(result).to.deep.equal({root: headRoot, round: 0});
      expect(published).to.have.length(1);
      expect(published[0].ref).to.deep.equal({slot, dutyType: 3});
      expect(submitted.map((m) => m.validatorIndex)).to.have.members([10, 11]);
      const signingRoot = signingRootOnNetwork(config, {
        type: "SYNC_COMMITTEE_MESSAGE",
        data: {beaconBlockRoot: headRoot, slot},
      });
      for (const m of submitted) {
        expect(toHex(m.beaconBlockRoot)).to.equal(toHex(headRoot));
        expect(verifies(pubkeys[m.validatorIndex - 10], signingRoot, m.signature)).to.equal(true);
      }
      expect(outcomes.map((o) => `${o.type}:${o.status}`)).to.deep.equal([
        "syncMessage:submitted",
        "syncMessage:submitted",
      ]);
    });

    it("signs the root the cluster decided, not its own BN's different head", async () => {
      const {modules} = harness({decide: async () => ({value: otherRoot, round: 1})});
      const submitted: altair.SyncCommitteeMessage[] = [];
      await runSyncMessageDuty(slot, duties, {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          submitSyncCommitteeMessages: async (m) => void submitted.push(...m),
        },
      });
      expect(submitted.map((m) => toHex(m.beaconBlockRoot))).to.deep.equal([toHex(otherRoot), toHex(otherRoot)]);
    });

    it("the predicate takes a non-zero 32-byte root only", () => {
      expect(isValidSyncMessageValue(headRoot)).to.equal(true);
      expect(isValidSyncMessageValue(new Uint8Array(32))).to.equal(false);
      expect(isValidSyncMessageValue(new Uint8Array(31).fill(1))).to.equal(false);
      expect(isValidSyncMessageValue(new Uint8Array(33).fill(1))).to.equal(false);
    });

    it("without a decision: one failed outcome per member, nothing signed, and no root for the contribution", async () => {
      let signed = 0;
      const {outcomes, modules} = harness({
        decide: async () => {
          throw Object.assign(new Error("no decision"), {code: "CONSENSUS_TIMEOUT"});
        },
        signer: {
          sign: async () => {
            signed++;
            return new Uint8Array(96);
          },
        },
      });
      const result = await runSyncMessageDuty(slot, duties, {
        ...modules,
        beaconNode: {getHeadBlockRoot: async () => headRoot, submitSyncCommitteeMessages: async () => {}},
      });
      expect(result.root).to.equal(null);
      expect(signed).to.equal(0);
      expect(outcomes.map((o) => (o.status === "failed" ? o.reason : o.status))).to.deep.equal([
        "consensus_timeout",
        "consensus_timeout",
      ]);
    });

    it("a BN refusal is that validator's bn_rejected outcome", async () => {
      const {outcomes, modules} = harness({});
      await runSyncMessageDuty(slot, duties, {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          submitSyncCommitteeMessages: async (m) => {
            if (m[0].validatorIndex === 11) throw new Error("400");
          },
        },
      });
      const byValidator = Object.fromEntries(
        outcomes.map((o) => [o.validator, o.status === "failed" ? o.reason : o.status]),
      );
      expect(byValidator).to.deep.equal({[toHex(pubkeys[0])]: "submitted", [toHex(pubkeys[1])]: "bn_rejected"});
    });
  });

  describe("selection proofs", () => {
    it("signs one proof per (member, subcommittee), a member's k-th subcommittee in exchange duty k, proofs that verify", async () => {
      const {published, modules} = harness({});
      const roles = await runSyncSelectionProofs(slot, duties, modules);
      // Rank 0: validator 0's subcommittee 0 and validator 1's subcommittee 1, together; rank 1: validator 0's 2.
      expect(published.map((p) => [p.ref.dutyType, p.shares.length])).to.deep.equal([
        [syncShareDutyType(7, 0), 2],
        [syncShareDutyType(7, 1), 1],
      ]);
      const subOf = (validator: string, rank: number) => (validator === toHex(pubkeys[1]) ? 1 : rank === 0 ? 0 : 2);
      for (const p of published) {
        for (const s of p.shares) {
          const root = signingRootOnNetwork(config, {
            type: "SYNC_COMMITTEE_SELECTION_PROOF",
            data: {slot, subcommitteeIndex: subOf(s.validator, p.ref.dutyType - syncShareDutyType(7, 0))},
          });
          expect(toHex(s.signingRoot)).to.equal(toHex(root));
          const pubkey = pubkeys.find((k) => toHex(k) === s.validator) as Uint8Array;
          expect(verifies(pubkey, root, s.signature)).to.equal(true);
        }
      }
      // Mainnet preset (modulo 8): whichever roles came out, each is an aggregator by its proof.
      for (const r of roles) expect(r.selectionProof).to.have.length(96);
    });

    it("keeps exactly the roles whose combined proof makes them aggregators", async () => {
      // Fixed proofs: sha256 prefix ≡ 0 mod 8 (aggregator) and ≡ 4 mod 8 (not), from the vectors test.
      const aggregator = Buffer.from(
        "aed2151e2f528060f26f6a4a803adff9c3cba0da120d8a939c109e0ac94d0edba01814cbabb8d771e04528501764924e0fbb5e644981fe374452671f1a4084ff440ca48a83d58b72ddb9e8bb0b985a3b4be064f408c2017c0be1dd49243c3f8e",
        "hex",
      );
      const notAggregator = Buffer.from(
        "a0d0928e0e137b1d3146c002a8de4d6971ca7f34d4d9f06e96c2bcc5c5401fdaaebb45e660b67322270122c8584e32fd0366db55577df1cbbd5cbf67eae8038d619e04298ee4cb0745678c007dcc4af010e07463f73571405df52db04f74f134",
        "hex",
      );
      const {outcomes, modules} = harness({
        combined: (ref) => (ref.dutyType === syncShareDutyType(7, 1) ? aggregator : notAggregator),
      });
      const roles = await runSyncSelectionProofs(slot, duties, modules);
      expect(roles.map((r) => [r.duty.validatorIndex, r.subcommitteeIndex])).to.deep.equal([[10, 2]]);
      expect(outcomes).to.deep.equal([]);
    });
  });

  describe("contribution duty", () => {
    const roles = (): SyncAggregatorRole[] => [
      {
        duty: duties[0],
        validator: toHex(pubkeys[0]),
        subcommitteeIndex: 0,
        rank: 0,
        selectionProof: new Uint8Array(96).fill(1),
      },
      {
        duty: duties[0],
        validator: toHex(pubkeys[0]),
        subcommitteeIndex: 2,
        rank: 1,
        selectionProof: new Uint8Array(96).fill(2),
      },
      {
        duty: duties[1],
        validator: toHex(pubkeys[1]),
        subcommitteeIndex: 1,
        rank: 0,
        selectionProof: new Uint8Array(96).fill(3),
      },
    ];

    it("agrees on the BN's contributions for the decided root and submits signed ContributionAndProofs that verify", async () => {
      const {outcomes, modules} = harness({});
      const asked: number[] = [];
      const submitted: altair.SignedContributionAndProof[] = [];
      await runSyncContributionDuty(slot, roles(), decidedRoot(headRoot), {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          produceSyncCommitteeContribution: async (s, sub, root) => {
            asked.push(sub);
            expect(s).to.equal(slot);
            expect(toHex(root)).to.equal(toHex(headRoot));
            return contribution(sub);
          },
          publishContributionAndProofs: async (list) => void submitted.push(...list),
        },
      });
      expect(asked.sort()).to.deep.equal([0, 1, 2]);
      expect(submitted).to.have.length(3);
      for (const s of submitted) {
        const role = roles().find((r) => r.subcommitteeIndex === s.message.contribution.subcommitteeIndex);
        expect(s.message.aggregatorIndex).to.equal(role?.duty.validatorIndex);
        expect(toHex(s.message.selectionProof)).to.equal(toHex(role?.selectionProof as Uint8Array));
        const root = signingRootOnNetwork(config, {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: s.message});
        expect(verifies(role?.duty.pubkey as Uint8Array, root, s.signature)).to.equal(true);
      }
      expect(outcomes.filter((o) => o.status === "submitted")).to.have.length(3);
    });

    it("a rank goes on once its own shares are signed: it does not wait for a later rank's signature", async () => {
      // The validator client signs subcommittee 2 (rank 1) only after rank 0's contributions are out.
      let rank0Submitted: () => void = () => {};
      const rank0Out = new Promise<void>((r) => {
        rank0Submitted = r;
      });
      const base = harness({});
      const {outcomes, modules} = harness({
        signer: {
          sign: async (share, msg) => {
            if (msg.type === "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF" && msg.data.contribution.subcommitteeIndex === 2) {
              await rank0Out;
            }
            return base.modules.signer.sign(share, msg);
          },
        },
      });
      const submitted: number[] = [];
      const done = runSyncContributionDuty(slot, roles(), decidedRoot(headRoot), {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          produceSyncCommitteeContribution: async (_s, sub) => contribution(sub),
          publishContributionAndProofs: async (list) => {
            for (const c of list) submitted.push(c.message.contribution.subcommitteeIndex);
            if (submitted.includes(0) && submitted.includes(1)) rank0Submitted();
          },
        },
      });
      // Waiting for every signature first, the duty would never end: rank 1's waits on rank 0's publication.
      await Promise.race([done, flush().then(flush)]);
      expect(submitted).to.have.length(3);
      expect(submitted[2]).to.equal(2);
      expect(outcomes.filter((o) => o.status === "submitted")).to.have.length(3);
    });

    it("a subcommittee the BN has no contribution for ends its role as no_data; the others go on", async () => {
      const {outcomes, modules} = harness({});
      await runSyncContributionDuty(slot, roles(), decidedRoot(headRoot), {
        ...modules,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          produceSyncCommitteeContribution: async (_s, sub) => {
            if (sub === 2) throw new Error("404 no contribution");
            return contribution(sub);
          },
          publishContributionAndProofs: async () => {},
        },
      });
      const bySub = Object.fromEntries(
        outcomes.map((o) => [o.subcommitteeIndex, o.status === "failed" ? o.reason : o.status]),
      );
      expect(bySub).to.deep.equal({0: "submitted", 1: "submitted", 2: "no_data"});
    });

    it("without a root decided here by 2/3 + 1/12 of the slot, the leader proposes for its BN's head", async () => {
      // Its message consensus lags (or failed here): the peers' predicates take the head only if it is
      // the root they decided.
      const {outcomes, modules} = harness({});
      const clock = modules.slotClock.clock as ManualClock;
      const roots: string[] = [];
      const run = runSyncContributionDuty(
        slot,
        roles(),
        {decided: new Promise(() => {}), done: new Promise(() => {})},
        {
          ...modules,
          beaconNode: {
            getHeadBlockRoot: async () => otherRoot,
            produceSyncCommitteeContribution: async (_s, sub, root) => {
              roots.push(toHex(root));
              return contribution(sub, otherRoot);
            },
            publishContributionAndProofs: async () => {},
          },
        },
      );
      await flush();
      expect(roots).to.deep.equal([]);
      clock.advance(modules.slotClock.timeInSlot(slot, 2 / 3 + 1 / 12) - clock.now());
      await flush();
      clock.advance(0); // the manual clock fires a timer set for the present on the next advance
      await run;
      expect(roots).to.deep.equal([toHex(otherRoot), toHex(otherRoot), toHex(otherRoot)]);
      expect(outcomes.filter((o) => o.status === "submitted")).to.have.length(3);
    });

    it("when neither the message step nor the contribution decides, every role fails with the message step's reason", async () => {
      const {outcomes, modules} = harness({
        decide: async () => {
          throw new Error("no decision by the deadline");
        },
      });
      await runSyncContributionDuty(
        slot,
        roles(),
        {decided: Promise.resolve({root: null, reason: "no_data", detail: "x"}), done: Promise.resolve()},
        {
          ...modules,
          beaconNode: {
            getHeadBlockRoot: async () => headRoot,
            produceSyncCommitteeContribution: async () => contribution(0),
            publishContributionAndProofs: async () => {},
          },
        },
      );
      expect(outcomes.map((o) => (o.status === "failed" ? o.reason : o.status))).to.deep.equal([
        "no_data",
        "no_data",
        "no_data",
      ]);
    });

    it("joins the consensus before its own root is decided, and submits a peer's value", async () => {
      // Under loss a node's message consensus or shares may lag: it must still take part in the
      // contribution consensus, or the cluster is one node short of a quorum.
      const never = new Promise<never>(() => {});
      const submitted: altair.SignedContributionAndProof[] = [];
      let started = 0;
      const peerValue = encodeSyncContributionValue([contribution(0), contribution(1)]);
      const {outcomes, modules} = harness({
        decide: async (_s, _t, o) => {
          started++;
          expect(o.isValid(peerValue)).to.equal(true);
          return {value: peerValue, round: 1};
        },
      });
      await runSyncContributionDuty(
        slot,
        roles(),
        {decided: never, done: never},
        {
          ...modules,
          beaconNode: {
            getHeadBlockRoot: async () => headRoot,
            produceSyncCommitteeContribution: async () => {
              throw new Error("not the leader: must not be asked");
            },
            publishContributionAndProofs: async (list) => void submitted.push(...list),
          },
        },
      );
      expect(started).to.equal(1);
      expect(submitted.map((s) => s.message.contribution.subcommitteeIndex).sort()).to.deep.equal([0, 1]);
      const bySub = Object.fromEntries(
        outcomes.map((o) => [o.subcommitteeIndex, o.status === "failed" ? o.reason : o.status]),
      );
      expect(bySub).to.deep.equal({0: "submitted", 1: "submitted", 2: "no_data"});
    });

    it("as leader, asks its BN once its own messages are submitted, or a twelfth of a slot after 2/3 at the latest", async () => {
      for (const finish of ["messages", "time"] as const) {
        const {modules} = harness({});
        const clock = modules.slotClock.clock as ManualClock;
        let asked = 0;
        let messagesDone: () => void = () => {};
        const done = new Promise<void>((resolve) => {
          messagesDone = resolve;
        });
        const run = runSyncContributionDuty(
          slot,
          roles(),
          {decided: Promise.resolve({root: headRoot, round: 1}), done},
          {
            ...modules,
            beaconNode: {
              getHeadBlockRoot: async () => headRoot,
              produceSyncCommitteeContribution: async (_s, sub) => {
                asked++;
                return contribution(sub);
              },
              publishContributionAndProofs: async () => {},
            },
          },
        );
        await flush();
        expect(asked, finish).to.equal(0);
        if (finish === "messages") messagesDone();
        else clock.advance(modules.slotClock.timeInSlot(slot, 2 / 3 + 1 / 12) - clock.now());
        await run;
        expect(asked, finish).to.equal(3);
      }
    });

    it("ends at the slot's end (a BN refuses a past slot's contribution): consensus, exchange and combine", async () => {
      const deadlines: number[] = [];
      const {modules} = harness({
        decide: async (_s, _t, o) => {
          deadlines.push(o.deadlineMs);
          return {value: await o.propose(), round: 0};
        },
      });
      const shares = modules.shares;
      await runSyncContributionDuty(slot, roles(), decidedRoot(headRoot), {
        ...modules,
        shares: {
          publish: (ref: DutyRef, list: OwnShare[], expiresAtMs: number) => {
            deadlines.push(expiresAtMs);
            shares.publish(ref, list, expiresAtMs);
          },
          awaitCombined: (ref: DutyRef, validator: string, deadlineMs: number) => {
            deadlines.push(deadlineMs);
            return shares.awaitCombined(ref, validator, deadlineMs);
          },
        } as unknown as ShareExchange,
        beaconNode: {
          getHeadBlockRoot: async () => headRoot,
          produceSyncCommitteeContribution: async (_s, sub) => contribution(sub),
          publishContributionAndProofs: async () => {},
        },
      });
      expect(deadlines.length).to.be.greaterThan(3);
      expect(new Set(deadlines)).to.deep.equal(new Set([modules.slotClock.timeInSlot(slot + 1)]));
    });

    it("as leader with an empty BN pool, asks again once its own messages are in", async () => {
      const {outcomes, modules} = harness({});
      const clock = modules.slotClock.clock as ManualClock;
      let pooled = false;
      let messagesDone: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        messagesDone = resolve;
      });
      const run = runSyncContributionDuty(
        slot,
        roles(),
        {decided: Promise.resolve({root: headRoot, round: 1}), done},
        {
          ...modules,
          beaconNode: {
            getHeadBlockRoot: async () => headRoot,
            produceSyncCommitteeContribution: async (_s, sub) => {
              if (!pooled) throw new Error("404 no messages pooled");
              return contribution(sub);
            },
            publishContributionAndProofs: async () => {},
          },
        },
      );
      clock.advance(modules.slotClock.timeInSlot(slot, 2 / 3 + 1 / 12) - clock.now());
      await flush();
      pooled = true;
      messagesDone();
      await run;
      expect(outcomes.filter((o) => o.status === "submitted")).to.have.length(3);
    });

    it("the predicate refuses another slot or root, a subcommittee not aggregated, no participants, disorder, garbage", () => {
      const ok = (list: altair.SyncCommitteeContribution[]) =>
        isValidSyncContributionValue(encodeSyncContributionValue(list), slot, headRoot, [0, 2]);
      expect(ok([contribution(0), contribution(2)])).to.equal(true);
      expect(ok([contribution(2)])).to.equal(true);
      expect(ok([])).to.equal(false);
      expect(ok([contribution(1)])).to.equal(false);
      expect(ok([contribution(0, otherRoot)])).to.equal(false);
      expect(ok([{...contribution(0), slot: slot + 1}])).to.equal(false);
      expect(ok([contribution(0, headRoot, [])])).to.equal(false);
      expect(ok([contribution(2), contribution(0)])).to.equal(false);
      expect(ok([contribution(0), contribution(0)])).to.equal(false);
      expect(isValidSyncContributionValue(new Uint8Array([1, 2, 3]), slot, headRoot, [0])).to.equal(false);
      // Before this node decided a root of its own: any non-zero root, the other checks unchanged.
      const early = (list: altair.SyncCommitteeContribution[]) =>
        isValidSyncContributionValue(encodeSyncContributionValue(list), slot, null, [0, 2]);
      expect(early([contribution(0, otherRoot)])).to.equal(true);
      expect(early([contribution(0, new Uint8Array(32))])).to.equal(false);
      expect(early([contribution(1, otherRoot)])).to.equal(false);
      expect(early([contribution(0, otherRoot, [])])).to.equal(false);
    });
  });
});

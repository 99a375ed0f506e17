import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {CELLS_PER_EXT_BLOB} from "@lodestar/params";
import {
  type BlockContents,
  type fulu,
  type SignedBeaconBlock,
  type SignedBlindedBeaconBlock,
  type SignedBlockContents,
  ssz,
} from "@lodestar/types";
import {expect} from "chai";
import {Registry} from "prom-client";
import {planCluster, seededRandom, validatorKeysFromLock} from "../../../src/cluster/index.js";
import {Combiner, initHerumi} from "../../../src/combine/index.js";
import {createSimChainConfig, SimBlobs} from "../../../src/devnet/beacon/index.js";
import type {Decider, ShareSigner} from "../../../src/duties/attester.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {ValidatorSettings} from "../../../src/duties/interfaces.js";
import {createDutyMetrics} from "../../../src/duties/metrics.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import {
  isValidBlockValue,
  PROPOSER_DUTY_TYPE,
  type ProposerBeaconNode,
  RANDAO_DUTY_TYPE,
  runProposerDuty,
} from "../../../src/duties/proposer.js";
import {encodeProposerValue} from "../../../src/duties/proposerValue.js";
import type {ProposerDuty} from "../../../src/duties/scheduler.js";
import {ShareExchange} from "../../../src/duties/shareExchange.js";
import type {ProducedBlock} from "../../../src/eth/beaconNode.js";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {MemoryHub} from "../../../src/p2p/memoryNetwork.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {fromHex, toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

const gvr = new Uint8Array(32).fill(9);
const config = createBeaconConfig(createSimChainConfig(), gvr);
const SLOTS_PER_EPOCH = 8;
const slot = 3 * SLOTS_PER_EPOCH + 2; // epoch 3 (Fulu on the simulated chain)
const NODES = 4;
const plan = planCluster(
  {
    nodes: NODES,
    validators: 1,
    network: {name: "test", genesisForkVersion: toHex(config.GENESIS_FORK_VERSION), genesisValidatorsRoot: toHex(gvr)},
  },
  {random: seededRandom("proposer-duty")},
);
const validator = plan.lock.validators[0].publicKey;
const validatorKey = fromHex(validator, 48);
const shareSecret = (i: number) => SecretKey.fromBytes(plan.shares[0][i]);
const duty: ProposerDuty = {pubkey: validatorKey, validatorIndex: 7, slot};
const randaoMsg: SignableMessage = {type: "RANDAO_REVEAL", data: {epoch: 3}};

function blockContents(
  overrides: {slot?: number; proposerIndex?: number; reveal?: Uint8Array; graffiti?: number} = {},
) {
  const contents = config.getPostDenebForkTypes(slot).BlockContents.defaultValue() as BlockContents;
  contents.block.slot = overrides.slot ?? slot;
  contents.block.proposerIndex = overrides.proposerIndex ?? duty.validatorIndex;
  contents.block.body.randaoReveal = overrides.reveal ?? new Uint8Array(96);
  contents.block.body.graffiti = new Uint8Array(32).fill(overrides.graffiti ?? 0);
  return contents;
}

const encode = (contents: BlockContents) =>
  encodeProposerValue(config, slot, {blinded: false, block: contents.block, contents});

const blockSigningRoot = (contents: BlockContents) =>
  signingRootOnNetwork(config, {type: "BLOCK_V2", data: blockToSignable(config, contents.block, false)});

describe("duties/proposer", () => {
  let dbs: SlashingProtection[];
  let exchanges: ShareExchange[];
  let hub: MemoryHub;
  let clock: ManualClock;
  let slotClock: SlotClock;

  before(async () => initHerumi());
  beforeEach(() => {
    clock = new ManualClock(0);
    slotClock = new SlotClock({genesisTimeSec: 0, secondsPerSlot: 2, slotsPerEpoch: SLOTS_PER_EPOCH}, clock);
    dbs = Array.from({length: NODES}, () => SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: gvr}));
    hub = new MemoryHub({size: NODES});
    exchanges = Array.from(
      {length: NODES},
      (_, i) =>
        new ShareExchange(
          {self: i, rebroadcastIntervalMs: 500},
          {
            network: hub.network(i),
            combiner: new Combiner({threshold: plan.lock.threshold}, {validators: validatorKeysFromLock(plan.lock)}),
            clock,
            logger: nullLogger(),
          },
        ),
    );
  });
  afterEach(() => {
    for (const e of exchanges) e.stop();
    for (const db of dbs) db.close();
  });

  describe("validity predicate (safety rule 1)", () => {
    const reveal = new Uint8Array(96).fill(3);
    const valid = (v: Uint8Array) =>
      isValidBlockValue(v, slot, duty, reveal, {config, slashing: dbs[0], logger: nullLogger()});

    it("accepts the duty's block carrying the combined reveal", () => {
      expect(valid(encode(blockContents({reveal})))).to.equal(true);
    });

    it("refuses another slot, another proposer index, another reveal, garbage", () => {
      expect(valid(encode(blockContents({reveal, slot: slot + 1})))).to.equal(false);
      expect(valid(encode(blockContents({reveal, proposerIndex: duty.validatorIndex + 1})))).to.equal(false);
      expect(valid(encode(blockContents({reveal: new Uint8Array(96).fill(4)})))).to.equal(false);
      expect(valid(encode(blockContents()))).to.equal(false); // the zero reveal
      expect(valid(new Uint8Array([1, 2, 3]))).to.equal(false);
    });

    it("refuses a block slashable against the node's DB, accepts the identical block again", () => {
      const signed = blockContents({reveal, graffiti: 1});
      dbs[0].checkAndInsertBlock(validatorKey, {slot, signingRoot: blockSigningRoot(signed)});
      expect(valid(encode(blockContents({reveal, graffiti: 2})))).to.equal(false); // double proposal
      expect(valid(encode(signed))).to.equal(true);
    });
  });

  describe("validity predicate: the lock's fee recipient (issue #17)", () => {
    const reveal = new Uint8Array(96).fill(3);
    const LOCK_FEE = `0x${"1f".repeat(20)}`;
    const settings: ValidatorSettings = {
      feeRecipientOf: (pubkey) => (pubkey === validator ? LOCK_FEE : undefined),
      registrationOf: () => undefined,
    };
    const paying = (feeRecipient: string) => {
      const contents = blockContents({reveal});
      (contents.block.body as {executionPayload: {feeRecipient: Uint8Array}}).executionPayload.feeRecipient = fromHex(
        feeRecipient,
        20,
      );
      return encode(contents);
    };
    let register: Registry;
    let metrics: ReturnType<typeof createDutyMetrics>;
    beforeEach(() => {
      register = new Registry();
      metrics = createDutyMetrics(register);
    });
    const check = (v: Uint8Array, s: ValidatorSettings | undefined) =>
      isValidBlockValue(v, slot, duty, reveal, {config, slashing: dbs[0], logger: nullLogger(), settings: s, metrics});

    it("accepts a locally built block paying the lock's fee recipient (any hex case)", () => {
      expect(check(paying(LOCK_FEE), settings)).to.equal(true);
      expect(check(paying(LOCK_FEE.toUpperCase().replace("0X", "0x")), settings)).to.equal(true);
    });

    it("refuses a locally built block paying anyone else (the BN's default, the zero address), and counts it", async () => {
      expect(check(paying(`0x${"ee".repeat(20)}`), settings)).to.equal(false);
      expect(check(paying(`0x${"00".repeat(20)}`), settings)).to.equal(false);
      const counted = await register.getSingleMetric("cohort_block_proposals_refused_total")?.get();
      expect(counted?.values.find((x) => x.labels.reason === "wrong_fee_recipient")?.value).to.equal(2);
    });

    it("checks nothing when the lock names no fee recipient (v1 lock), nor a blinded block's (the builder's) fee recipient", () => {
      expect(check(paying(`0x${"ee".repeat(20)}`), undefined)).to.equal(true);
      const blinded = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.defaultValue();
      blinded.slot = slot;
      blinded.proposerIndex = duty.validatorIndex;
      blinded.body.randaoReveal = reveal;
      blinded.body.executionPayloadHeader.feeRecipient = new Uint8Array(20).fill(0xbb);
      expect(check(encodeProposerValue(config, slot, {blinded: true, block: blinded}), settings)).to.equal(true);
    });
  });

  /**
   * Waits for the duties; if they are still pending after many event-loop turns (they finish in far fewer
   * when the flow is right), moves the clock past the duty's deadline so waiters expire, and the test fails
   * on its assertions rather than on a mocha timeout.
   */
  async function settle<T>(runs: Promise<T>): Promise<T> {
    let done = false;
    const result = runs.finally(() => {
      done = true;
    });
    for (let i = 0; i < 500 && !done; i++) await new Promise((r) => setImmediate(r));
    if (!done) clock.advance(slotClock.timeInSlot(slot + 2));
    return result;
  }

  describe("the flow (rule 7: RANDAO first; rule 3: durable record before signing)", () => {
    type Event = string;

    /**
     * One QBFT instance shared by the cluster: the first caller leads, every node checks the value. A node
     * of `outvoted` refuses it yet learns the quorum's decision (as QBFT delivers it by commit messages).
     */
    function sharedDecider(log: Event[], outvoted: ReadonlySet<number> = new Set()): (node: number) => Decider {
      let value: Promise<Uint8Array> | null = null;
      return (node) => ({
        decide: async (s, type, opts) => {
          log.push(`decide:${node}:${type}`);
          expect(s).to.equal(slot);
          value ??= opts.propose();
          const v = await value;
          if (!opts.isValid(v)) {
            log.push(`refused:${node}`);
            if (!outvoted.has(node)) throw new Error(`node ${node} refuses the proposal`);
          }
          return {value: v, round: 1};
        },
      });
    }

    function honestSigner(node: number, log: Event[]): ShareSigner {
      return {
        sign: async (_key, msg) => {
          log.push(`sign:${node}:${msg.type}`);
          return shareSecret(node).sign(signingRootOnNetwork(config, msg)).toBytes();
        },
      };
    }

    function loggingShares(node: number, log: Event[]): ShareExchange {
      const ex = exchanges[node];
      return {
        publish: (...args: Parameters<ShareExchange["publish"]>) => ex.publish(...args),
        awaitCombined: async (...args: Parameters<ShareExchange["awaitCombined"]>) => {
          const sig = await ex.awaitCombined(...args);
          log.push(`combined:${node}:${args[0].dutyType}`);
          return sig;
        },
      } as unknown as ShareExchange;
    }

    interface NodeOverrides {
      signer?: ShareSigner;
      decider?: Decider;
      settings?: ValidatorSettings;
    }

    /** Runs the duty on every node of the cluster (real share exchange over the memory network). */
    async function runCluster(
      log: Event[],
      overrides: (node: number) => NodeOverrides = () => ({}),
      outvoted: ReadonlySet<number> = new Set(),
      builder: {blinded: boolean} = {blinded: false},
      produce: (s: number, reveal: Uint8Array) => BlockContents = (s, reveal) => blockContents({slot: s, reveal}),
    ) {
      const decider = sharedDecider(log, outvoted);
      const outcomes: DutyOutcome[][] = dbs.map(() => []);
      const produced: {node: number; reveal: Uint8Array}[] = [];
      const published: {node: number; blinded: boolean; block: SignedBeaconBlock | SignedBlindedBeaconBlock}[] = [];
      const publishedContents: {node: number; contents: SignedBlockContents}[] = [];
      const runs = dbs.map((db, node) => {
        const beaconNode: ProposerBeaconNode = {
          produceBlockV3: async (s, reveal): Promise<ProducedBlock> => {
            log.push(`produce:${node}`);
            produced.push({node, reveal});
            if (builder.blinded) {
              const block = config.getPostBellatrixForkTypes(s).BlindedBeaconBlock.defaultValue();
              block.slot = s;
              block.proposerIndex = duty.validatorIndex;
              block.body.randaoReveal = reveal;
              return {
                blinded: true,
                version: config.getForkName(s),
                block,
                executionPayloadValue: 0n,
                consensusBlockValue: 0n,
              };
            }
            return {
              blinded: false,
              version: config.getForkName(s),
              contents: produce(s, reveal),
              executionPayloadValue: 0n,
              consensusBlockValue: 0n,
            };
          },
          publishBlock: async (contents) => {
            log.push(`publish:${node}`);
            const {signedBlock} = contents as unknown as {signedBlock: SignedBeaconBlock};
            published.push({node, blinded: false, block: signedBlock});
            publishedContents.push({node, contents});
          },
          publishBlindedBlock: async (block) => {
            log.push(`publish:${node}`);
            published.push({node, blinded: true, block});
          },
        };
        const o = overrides(node);
        return runProposerDuty(slot, duty, {
          config,
          slashing: db,
          logger: nullLogger(),
          slotClock,
          beaconNode,
          consensus: o.decider ?? decider(node),
          signer: o.signer ?? honestSigner(node, log),
          shares: loggingShares(node, log),
          settings: o.settings,
          shareKeys: new Map([[validator, fromHex(plan.lock.validators[0].publicKeyShares[node], 48)]]),
          onOutcome: (outcome) => outcomes[node].push(outcome),
        });
      });
      await settle(Promise.all(runs));
      return {outcomes, produced, published, publishedContents};
    }

    const validatorPk = () => PublicKey.fromBytes(validatorKey);

    it("combines the RANDAO reveal before producing the block and before block consensus; submits once", async () => {
      const log: Event[] = [];
      const {outcomes, produced, published} = await runCluster(log);
      // The BN was given the recombined reveal (valid under the validator key), not a share.
      expect(produced).to.have.length(1);
      const randaoRoot = signingRootOnNetwork(config, randaoMsg);
      expect(verify(randaoRoot, validatorPk(), Signature.fromBytes(produced[0].reveal))).to.equal(true);
      for (let node = 0; node < NODES; node++) {
        const combinedRandao = log.indexOf(`combined:${node}:${RANDAO_DUTY_TYPE}`);
        const decide = log.indexOf(`decide:${node}:${PROPOSER_DUTY_TYPE}`);
        expect(combinedRandao, `node ${node} combined the reveal`).to.be.greaterThan(-1);
        expect(decide, `node ${node} started block consensus after combining`).to.be.greaterThan(combinedRandao);
        expect(log.indexOf(`sign:${node}:RANDAO_REVEAL`)).to.be.lessThan(combinedRandao);
      }
      expect(log.indexOf(`produce:${produced[0].node}`)).to.be.greaterThan(
        log.indexOf(`combined:${produced[0].node}:${RANDAO_DUTY_TYPE}`),
      );
      // Each node: exactly one outcome, submitted; the published block carries a valid block signature.
      for (const o of outcomes) expect(o.map((x) => x.status)).to.deep.equal(["submitted"]);
      expect(published).to.have.length(NODES);
      expect(published.every((p) => !p.blinded)).to.equal(true);
      const block = published[0].block;
      expect(block.message.body.randaoReveal).to.deep.equal(produced[0].reveal);
      const root = signingRootOnNetwork(config, {
        type: "BLOCK_V2",
        data: blockToSignable(config, block.message, false),
      });
      expect(verify(root, validatorPk(), Signature.fromBytes(block.signature))).to.equal(true);
    });

    it("a Fulu block with blobs is published by every node with its blobs and cell KZG proofs byte for byte", async function () {
      // The KZG blob pool takes a few seconds the first time in the process.
      this.timeout(60_000);
      expect(config.getForkName(slot)).to.equal("fulu");
      // Real blobs, commitments and cell proofs (the simulated chain's pool, made by the KZG library).
      const pool = await SimBlobs.load();
      const blobs = pool.pool.slice(0, 2);
      const {blobs: blobBytes, kzgProofs} = SimBlobs.contents(blobs, true);
      expect(kzgProofs).to.have.length(2 * CELLS_PER_EXT_BLOB);
      let producedContents: BlockContents | null = null;
      const log: Event[] = [];
      const {outcomes, publishedContents} = await runCluster(
        log,
        () => ({}),
        new Set(),
        {blinded: false},
        (s, reveal) => {
          const contents = blockContents({slot: s, reveal}) as fulu.BlockContents;
          contents.block.body.blobKzgCommitments = blobs.map((b) => b.commitment);
          // Copies: what the BN handed over must not share memory with what the test compares against.
          contents.blobs = blobBytes.map((b) => Uint8Array.from(b));
          contents.kzgProofs = kzgProofs.map((p) => Uint8Array.from(p));
          producedContents = contents;
          return contents;
        },
      );
      for (const o of outcomes) expect(o.map((x) => x.status)).to.deep.equal(["submitted"]);
      expect(producedContents).to.not.equal(null);
      const produced = producedContents as unknown as fulu.BlockContents;
      expect(publishedContents.map((p) => p.node).sort()).to.deep.equal([0, 1, 2, 3]);
      for (const {node, contents} of publishedContents) {
        const {signedBlock, blobs: outBlobs, kzgProofs: outProofs} = contents as fulu.SignedBlockContents;
        expect(ssz.fulu.BeaconBlock.equals(signedBlock.message, produced.block), `node ${node}: block`).to.equal(true);
        expect(outBlobs.map(toHex), `node ${node}: blobs`).to.deep.equal(blobBytes.map(toHex));
        expect(outProofs.map(toHex), `node ${node}: cell proofs`).to.deep.equal(kzgProofs.map(toHex));
        expect(signedBlock.message.body.blobKzgCommitments.map(toHex)).to.deep.equal(
          blobs.map((b) => toHex(b.commitment)),
        );
        // What the node sends is exactly the SSZ the BN's types define for Fulu block contents.
        const bytes = ssz.fulu.SignedBlockContents.serialize(contents as fulu.SignedBlockContents);
        expect(ssz.fulu.SignedBlockContents.deserialize(bytes).kzgProofs).to.have.length(2 * CELLS_PER_EXT_BLOB);
      }
    });

    it("a blinded (builder) block is decided, signed over its header and published blinded", async () => {
      const log: Event[] = [];
      const {outcomes, produced, published} = await runCluster(log, () => ({}), new Set(), {blinded: true});
      for (const o of outcomes) expect(o.map((x) => x.status)).to.deep.equal(["submitted"]);
      expect(published).to.have.length(NODES);
      expect(published.every((p) => p.blinded)).to.equal(true);
      const block = published[0].block as SignedBlindedBeaconBlock;
      expect(block.message.body.randaoReveal).to.deep.equal(produced[0].reveal);
      const root = signingRootOnNetwork(config, {type: "BLOCK_V2", data: blockToSignable(config, block.message, true)});
      expect(verify(root, validatorPk(), Signature.fromBytes(block.signature))).to.equal(true);
      // The record is of the blinded block's signing root: any other block at this slot is refused.
      expect(dbs[0].isSlashableBlock(validatorKey, {slot, signingRoot: root})).to.equal(null);
      expect(dbs[0].isSlashableBlock(validatorKey, {slot, signingRoot: new Uint8Array(32).fill(0xee)})).to.not.equal(
        null,
      );
    });

    it("records the decided block durably before the signer is asked for its share", async () => {
      const log: Event[] = [];
      const recordedBeforeSign: boolean[] = [];
      await runCluster(log, (node) => ({
        signer: {
          sign: async (key, msg) => {
            if (msg.type === "BLOCK_V2") {
              // At signing time the DB must already refuse any other block at this slot.
              const other = {slot, signingRoot: new Uint8Array(32).fill(0xee)};
              recordedBeforeSign[node] = dbs[node].isSlashableBlock(validatorKey, other) !== null;
            }
            return honestSigner(node, log).sign(key, msg);
          },
        },
      }));
      expect(recordedBeforeSign).to.deep.equal([true, true, true, true]);
    });

    it("never asks for the block share when the DB refuses the decided block (slashing_refused)", async () => {
      const log: Event[] = [];
      dbs[0].checkAndInsertBlock(validatorKey, {slot, signingRoot: new Uint8Array(32).fill(0xee)});
      // Node 0's predicate refuses the block too; the others decide it (a quorum of 3) and node 0 learns it.
      const {outcomes} = await runCluster(log, () => ({}), new Set([0]));
      expect(log).to.include("refused:0");
      expect(log).to.not.include("sign:0:BLOCK_V2");
      expect(outcomes[0]).to.have.length(1);
      expect(outcomes[0][0]).to.include({status: "failed", reason: "slashing_refused"});
      for (const o of outcomes.slice(1)) expect(o.map((x) => x.status)).to.deep.equal(["submitted"]);
    });

    it("a refused RANDAO share ends the duty as signer_refused: no block produced, no consensus", async () => {
      const log: Event[] = [];
      const outcomes: DutyOutcome[] = [];
      let produced = 0;
      await settle(
        runProposerDuty(slot, duty, {
          config,
          slashing: dbs[0],
          logger: nullLogger(),
          slotClock,
          beaconNode: {
            produceBlockV3: async () => {
              produced++;
              throw new Error("not reached");
            },
            publishBlock: async () => {},
            publishBlindedBlock: async () => {},
          },
          consensus: sharedDecider(log)(0),
          signer: {
            sign: async () => {
              throw new Error("refused by the RS");
            },
          },
          shares: loggingShares(0, log),
          shareKeys: new Map([[validator, fromHex(plan.lock.validators[0].publicKeyShares[0], 48)]]),
          onOutcome: (o) => outcomes.push(o),
        }),
      );
      expect(produced).to.equal(0);
      expect(log.filter((e) => e.startsWith("decide"))).to.deep.equal([]);
      expect(outcomes).to.have.length(1);
      expect(outcomes[0]).to.include({status: "failed", type: "proposer", reason: "signer_refused"});
    });

    it("a refused block share ends the duty as signer_refused, once; the others still submit", async () => {
      const log: Event[] = [];
      const {outcomes} = await runCluster(log, (node) =>
        node === 0
          ? {
              signer: {
                sign: async (key, msg) => {
                  if (msg.type === "BLOCK_V2") throw new Error("refused by the RS");
                  return honestSigner(0, log).sign(key, msg);
                },
              },
            }
          : {},
      );
      expect(outcomes[0]).to.have.length(1);
      expect(outcomes[0][0]).to.include({status: "failed", reason: "signer_refused"});
      for (const o of outcomes.slice(1)) expect(o.map((x) => x.status)).to.deep.equal(["submitted"]);
    });

    it("a consensus timeout ends the duty as consensus_timeout, once: nothing recorded, no block share", async () => {
      const log: Event[] = [];
      const {outcomes} = await runCluster(log, (node) => ({
        decider: {
          decide: async () => {
            log.push(`decide:${node}:${PROPOSER_DUTY_TYPE}`);
            throw new Error("no decision before the deadline");
          },
        },
      }));
      for (const [node, o] of outcomes.entries()) {
        expect(o).to.have.length(1);
        expect(o[0]).to.include({status: "failed", reason: "consensus_timeout"});
        expect(dbs[node].isSlashableBlock(validatorKey, {slot, signingRoot: new Uint8Array(32).fill(1)})).to.equal(
          null,
        );
      }
      expect(log.filter((e) => e.endsWith("BLOCK_V2"))).to.deep.equal([]);
    });

    it("a leader whose BN builds a block paying another fee recipient than the lock's: no node votes for it, nothing is signed or published", async () => {
      const lockFee = `0x${"1f".repeat(20)}`;
      const settings: ValidatorSettings = {
        feeRecipientOf: (pubkey) => (pubkey === validator ? lockFee : undefined),
        registrationOf: () => undefined,
      };
      const produce = (feeRecipient: Uint8Array) => (s: number, reveal: Uint8Array) => {
        const contents = blockContents({slot: s, reveal});
        (contents.block.body as {executionPayload: {feeRecipient: Uint8Array}}).executionPayload.feeRecipient =
          feeRecipient;
        return contents;
      };
      const log: Event[] = [];
      const wrong = await runCluster(log, () => ({settings}), new Set(), {blinded: false}, produce(new Uint8Array(20)));
      expect(log.filter((e) => e.startsWith("refused:"))).to.have.length(NODES);
      expect(log.filter((e) => e.endsWith("BLOCK_V2"))).to.deep.equal([]);
      expect(wrong.published).to.deep.equal([]);
      for (const o of wrong.outcomes) expect(o[0]).to.include({status: "failed"});
    });

    it("the same cluster decides, signs and publishes the block paying the lock's fee recipient", async () => {
      const lockFee = `0x${"1f".repeat(20)}`;
      const settings: ValidatorSettings = {
        feeRecipientOf: (pubkey) => (pubkey === validator ? lockFee : undefined),
        registrationOf: () => undefined,
      };
      const log: Event[] = [];
      const right = await runCluster(
        log,
        () => ({settings}),
        new Set(),
        {blinded: false},
        (s, reveal) => {
          const contents = blockContents({slot: s, reveal});
          (contents.block.body as {executionPayload: {feeRecipient: Uint8Array}}).executionPayload.feeRecipient =
            fromHex(lockFee, 20);
          return contents;
        },
      );
      expect(log.filter((e) => e.startsWith("refused:"))).to.deep.equal([]);
      expect(right.published.length).to.be.greaterThan(0);
      for (const o of right.outcomes) expect(o[0]).to.include({status: "submitted"});
    });
  });
});

import {type ApiClient, routes} from "@lodestar/api";
import {type BeaconApiMethods, registerRoutes} from "@lodestar/api/beacon/server";
import {ApiError, addSszContentTypeParser} from "@lodestar/api/server";
import {chainConfigToJson} from "@lodestar/config";
import {ForkName} from "@lodestar/params";
import {ssz, sszTypesFor} from "@lodestar/types";
import {expect} from "chai";
import Fastify, {type FastifyInstance} from "fastify";
import {Registry} from "prom-client";
import type {DutiesSource} from "../../../src/duties/scheduler.js";
import {BeaconNodeClient, fetchBeaconConfig} from "../../../src/eth/beaconNode.js";
import {BeaconNodeError} from "../../../src/eth/errors.js";
import {createEthMetrics} from "../../../src/eth/metrics.js";
import {customChainConfig} from "../../../src/eth/network.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {slotInFork, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "../../unit/eth/sampleMessages.js";

const config = testConfig();
const DEPENDENT_ROOT = new Uint8Array(32).fill(0xd1);
const PUBKEY_A = new Uint8Array(48).fill(0xaa);
const PUBKEY_B = new Uint8Array(48).fill(0xbb);
const electraSlot = slotInFork(ForkName.electra);
const altairSlot = slotInFork(ForkName.altair);

type Received = {route: string; value: unknown; fork?: string};

/** Beacon API methods for the test server; records every submission it receives. */
function testMethods(received: Received[], opts: {syncing?: boolean} = {}): BeaconApiMethods {
  const meta = {executionOptimistic: false, finalized: false};
  const beacon: Partial<ApiClient["beacon"]> | Record<string, unknown> = {
    getGenesis: async () => ({
      data: {
        genesisTime: 1_600_000_000,
        genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT,
        genesisForkVersion: config.GENESIS_FORK_VERSION,
      },
    }),
    getStateFork: async () => ({
      data: {previousVersion: config.forks.deneb.version, currentVersion: config.forks.electra.version, epoch: 5},
      meta,
    }),
    postStateValidators: async ({validatorIds}: {validatorIds?: (string | number)[]}) => {
      const known = [toHex(PUBKEY_A), toHex(PUBKEY_B)];
      return {
        data: (validatorIds ?? [])
          .filter((id) => known.includes(String(id)))
          .map((id) => {
            const validator = ssz.phase0.Validator.defaultValue();
            validator.pubkey = id === toHex(PUBKEY_A) ? PUBKEY_A : PUBKEY_B;
            return {index: id === toHex(PUBKEY_A) ? 3 : 4, balance: 32e9, status: "active_ongoing", validator};
          }),
        meta,
      };
    },
    submitPoolAttestationsV2: async ({signedAttestations}: {signedAttestations: unknown[]}) => {
      received.push({route: "attestations", value: signedAttestations});
    },
    publishBlockV2: async ({signedBlockContents}: {signedBlockContents: unknown}) => {
      received.push({route: "block", value: signedBlockContents});
    },
    publishBlindedBlockV2: async ({signedBlindedBlock}: {signedBlindedBlock: unknown}) => {
      received.push({route: "blindedBlock", value: signedBlindedBlock});
    },
    submitPoolSyncCommitteeSignatures: async ({signatures}: {signatures: unknown}) => {
      received.push({route: "syncMessages", value: signatures});
    },
    submitPoolVoluntaryExit: async ({signedVoluntaryExit}: {signedVoluntaryExit: unknown}) => {
      received.push({route: "exit", value: signedVoluntaryExit});
    },
  };
  const validator: Record<string, unknown> = {
    getAttesterDuties: async ({epoch, indices}: {epoch: number; indices: number[]}) => ({
      data: indices.map((validatorIndex) => ({
        pubkey: PUBKEY_A,
        validatorIndex,
        committeeIndex: 1,
        committeeLength: 64,
        committeesAtSlot: 2,
        validatorCommitteeIndex: 5,
        slot: epoch * 32 + 3,
      })),
      meta: {dependentRoot: toHex(DEPENDENT_ROOT), executionOptimistic: false},
    }),
    getProposerDuties: async ({epoch}: {epoch: number}) => {
      if (opts.syncing) throw new ApiError(503, "node is syncing");
      return {
        data: [{slot: epoch * 32 + 1, validatorIndex: 3, pubkey: PUBKEY_A}],
        meta: {dependentRoot: toHex(DEPENDENT_ROOT), executionOptimistic: false},
      };
    },
    getSyncCommitteeDuties: async ({indices}: {indices: number[]}) => ({
      data: indices.map((validatorIndex) => ({
        pubkey: PUBKEY_A,
        validatorIndex,
        validatorSyncCommitteeIndices: [1, 7],
      })),
      meta: {executionOptimistic: false},
    }),
    produceAttestationData: async ({slot, committeeIndex}: {slot: number; committeeIndex: number}) => {
      const data = ssz.phase0.AttestationData.defaultValue();
      data.slot = slot;
      data.index = committeeIndex;
      data.beaconBlockRoot = new Uint8Array(32).fill(7);
      return {data};
    },
    produceBlockV3: async ({slot}: {slot: number}) => {
      const fork = config.getForkName(slot);
      const blockMeta = {
        version: fork,
        executionPayloadValue: 5n,
        consensusBlockValue: 6n,
        executionPayloadSource: "engine",
      };
      if (slot % 2 === 1) {
        const block = config.getPostBellatrixForkTypes(slot).BlindedBeaconBlock.defaultValue();
        block.slot = slot;
        return {data: block, meta: {...blockMeta, executionPayloadBlinded: true, executionPayloadSource: "builder"}};
      }
      const contents = sszTypesFor(ForkName.electra).BlockContents.defaultValue();
      contents.block.slot = slot;
      contents.block.proposerIndex = 3;
      return {data: contents, meta: {...blockMeta, executionPayloadBlinded: false}};
    },
    getAggregatedAttestationV2: async ({slot, committeeIndex}: {slot: number; committeeIndex: number}) => {
      const attestation = ssz.electra.Attestation.defaultValue();
      attestation.data.slot = slot;
      attestation.committeeBits.set(committeeIndex, true);
      return {data: attestation, meta: {version: config.getForkName(slot)}};
    },
    produceSyncCommitteeContribution: async ({
      slot,
      subcommitteeIndex,
      beaconBlockRoot,
    }: {
      slot: number;
      subcommitteeIndex: number;
      beaconBlockRoot: Uint8Array;
    }) => {
      const contribution = ssz.altair.SyncCommitteeContribution.defaultValue();
      contribution.slot = slot;
      contribution.subcommitteeIndex = subcommitteeIndex;
      contribution.beaconBlockRoot = beaconBlockRoot;
      return {data: contribution};
    },
    publishAggregateAndProofsV2: async ({signedAggregateAndProofs}: {signedAggregateAndProofs: unknown}) => {
      received.push({route: "aggregates", value: signedAggregateAndProofs});
    },
    publishContributionAndProofs: async ({contributionAndProofs}: {contributionAndProofs: unknown}) => {
      received.push({route: "contributions", value: contributionAndProofs});
    },
    prepareBeaconCommitteeSubnet: async ({subscriptions}: {subscriptions: unknown}) => {
      received.push({route: "subscriptions", value: subscriptions});
    },
  };
  const methods = {
    beacon,
    validator,
    config: {
      getSpec: async () => ({data: chainConfigToJson(config)}),
      getForkSchedule: async () => ({
        data: config.forksAscendingEpochOrder
          .filter((f) => Number.isFinite(f.epoch))
          .map((f) => ({
            previousVersion: f.prevVersion,
            currentVersion: f.version,
            epoch: f.epoch,
          })),
      }),
    },
    node: {
      getSyncingStatus: async () => ({
        data: {
          headSlot: 100,
          syncDistance: opts.syncing ? 50 : 0,
          isSyncing: opts.syncing === true,
          isOptimistic: false,
          elOffline: false,
        },
      }),
    },
    events: {
      eventstream: async ({
        signal,
        onEvent,
      }: {
        signal: AbortSignal;
        onEvent: (e: routes.events.BeaconEvent) => void;
      }) => {
        onEvent({
          type: routes.events.EventType.head,
          message: {
            slot: 64,
            block: toHex(new Uint8Array(32).fill(1)),
            state: toHex(new Uint8Array(32).fill(2)),
            epochTransition: true,
            previousDutyDependentRoot: toHex(DEPENDENT_ROOT),
            currentDutyDependentRoot: toHex(new Uint8Array(32).fill(0xd2)),
            executionOptimistic: false,
          },
        } as routes.events.BeaconEvent);
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), {once: true}));
      },
    },
  };
  // Only the routes cohort calls are implemented; the rest are never reached in these tests.
  return methods as unknown as BeaconApiMethods;
}

async function startBeaconServer(methods: BeaconApiMethods): Promise<{url: string; app: FastifyInstance}> {
  const app = Fastify({forceCloseConnections: true});
  addSszContentTypeParser(app);
  registerRoutes(app, config, methods, ["beacon", "config", "node", "validator", "events"]);
  await app.listen({host: "127.0.0.1", port: 0});
  return {url: serverUrl(app), app};
}

function serverUrl(app: FastifyInstance): string {
  const addr = app.server.address();
  return `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
}

async function expectBnError(p: Promise<unknown>, code: string): Promise<BeaconNodeError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(BeaconNodeError);
    expect((e as BeaconNodeError).code, (e as Error).message).to.equal(code);
    return e as BeaconNodeError;
  }
  throw new Error(`expected ${code}`);
}

for (const wireFormat of ["json", "ssz"] as const) {
  describe(`eth/beaconNode against a @lodestar/api Beacon API server (${wireFormat})`, () => {
    let app: FastifyInstance;
    let client: BeaconNodeClient;
    const received: Received[] = [];

    before(async () => {
      const server = await startBeaconServer(testMethods(received));
      app = server.app;
      client = new BeaconNodeClient({urls: [server.url], timeoutMs: 5000, wireFormat}, {config, logger: nullLogger()});
    });
    after(async () => {
      await app.close();
    });
    beforeEach(() => {
      received.length = 0;
    });

    it("reads genesis, fork, fork schedule, spec and syncing status", async () => {
      const genesis = await client.getGenesis();
      expect(toHex(genesis.genesisValidatorsRoot)).to.equal(toHex(TEST_GENESIS_VALIDATORS_ROOT));
      expect((await client.getStateFork()).epoch).to.equal(5);
      expect((await client.getForkSchedule()).map((f) => f.epoch)).to.include.members([0, 1, 5]);
      const spec = await client.getSpec();
      const chain = customChainConfig(spec);
      expect(chain.ELECTRA_FORK_EPOCH).to.equal(config.ELECTRA_FORK_EPOCH);
      expect((await client.getSyncingStatus()).isSyncing).to.equal(false);
      const health = await client.checkNodes();
      expect(health).to.deep.equal([{endpoint: client.endpoints[0], state: "synced", headSlot: 100, syncDistance: 0}]);
    });

    it("maps public keys to validator indices, omitting unknown keys", async () => {
      const indices = await client.getValidatorIndices([PUBKEY_A, PUBKEY_B, new Uint8Array(48).fill(0xcc)]);
      expect([...indices.entries()]).to.deep.equal([
        [toHex(PUBKEY_A), 3],
        [toHex(PUBKEY_B), 4],
      ]);
    });

    it("fetches attester, proposer and sync duties with their dependent root", async () => {
      const attester = await client.getAttesterDuties(6, [3, 4]);
      expect(attester.duties.map((d) => d.validatorIndex)).to.deep.equal([3, 4]);
      expect(attester.duties[0].slot).to.equal(6 * 32 + 3);
      expect(attester.dependentRoot).to.equal(toHex(DEPENDENT_ROOT));
      const proposer = await client.getProposerDuties(6);
      expect(proposer.duties[0]).to.include({slot: 6 * 32 + 1, validatorIndex: 3});
      expect(proposer.dependentRoot).to.equal(toHex(DEPENDENT_ROOT));
      // The shapes the duty scheduler consumes (src/duties).
      const source: DutiesSource = {
        attesterDuties: (epoch, indices) => client.getAttesterDuties(epoch, indices),
        proposerDuties: (epoch) => client.getProposerDuties(epoch),
      };
      expect((await source.proposerDuties(6)).dependentRoot).to.equal(toHex(DEPENDENT_ROOT));
      const sync = await client.getSyncCommitteeDuties(6, [3]);
      expect(sync[0].validatorSyncCommitteeIndices).to.deep.equal([1, 7]);
    });

    it("fetches attestation data, full and blinded blocks (v3), aggregates and sync contributions", async () => {
      const data = await client.produceAttestationData(electraSlot, 0);
      expect(data.slot).to.equal(electraSlot);
      const full = await client.produceBlockV3(electraSlot + 1 - (electraSlot % 2) + 1, new Uint8Array(96));
      expect(full.blinded).to.equal(false);
      if (!full.blinded) expect(full.contents.block.proposerIndex).to.equal(3);
      expect(full.executionPayloadValue).to.equal(5n);
      const blinded = await client.produceBlockV3(electraSlot + (electraSlot % 2 === 1 ? 0 : 1), new Uint8Array(96));
      expect(blinded.blinded).to.equal(true);
      expect(blinded.version).to.equal(ForkName.electra);
      const aggregate = await client.getAggregatedAttestation(
        electraSlot,
        ssz.phase0.AttestationData.hashTreeRoot(data),
        2,
      );
      expect(aggregate.data.slot).to.equal(electraSlot);
      expect((aggregate as {committeeBits: {get(i: number): boolean}}).committeeBits.get(2)).to.equal(true);
      const contribution = await client.produceSyncCommitteeContribution(altairSlot, 2, new Uint8Array(32).fill(9));
      expect(contribution.subcommitteeIndex).to.equal(2);
      expect(toHex(contribution.beaconBlockRoot)).to.equal(toHex(new Uint8Array(32).fill(9)));
    });

    it("submits attestations in the fork's format: Attestation before Electra, SingleAttestation from Electra", async () => {
      const phase0Att = ssz.phase0.Attestation.defaultValue();
      phase0Att.data.slot = altairSlot;
      phase0Att.aggregationBits = ssz.phase0.CommitteeBits.defaultValue();
      await client.submitAttestations([phase0Att]);
      const single = ssz.electra.SingleAttestation.defaultValue();
      single.data.slot = electraSlot;
      single.attesterIndex = 42;
      single.committeeIndex = 1;
      await client.submitAttestations([single]);
      expect(received.map((r) => r.route)).to.deep.equal(["attestations", "attestations"]);
      const [pre, post] = received.map((r) => (r.value as Record<string, unknown>[])[0]);
      expect(pre).to.have.property("aggregationBits");
      expect(pre).to.not.have.property("attesterIndex");
      expect(post).to.include({attesterIndex: 42, committeeIndex: 1});
    });

    it("publishes blocks, blinded blocks, aggregates, sync messages, contributions, exits and subscriptions", async () => {
      const contents = sszTypesFor(ForkName.electra).SignedBlockContents.defaultValue();
      contents.signedBlock.message.slot = electraSlot;
      await client.publishBlock(contents);
      const blinded = ssz.electra.SignedBlindedBeaconBlock.defaultValue();
      blinded.message.slot = electraSlot;
      await client.publishBlindedBlock(blinded);
      const aggregate = ssz.electra.SignedAggregateAndProof.defaultValue();
      aggregate.message.aggregate.data.slot = electraSlot;
      await client.publishAggregateAndProofs([aggregate]);
      const syncMessage = ssz.altair.SyncCommitteeMessage.defaultValue();
      syncMessage.slot = altairSlot;
      await client.submitSyncCommitteeMessages([syncMessage]);
      const contribution = ssz.altair.SignedContributionAndProof.defaultValue();
      contribution.message.contribution.slot = altairSlot;
      await client.publishContributionAndProofs([contribution]);
      await client.submitVoluntaryExit({message: {epoch: 5, validatorIndex: 3}, signature: new Uint8Array(96)});
      await client.prepareBeaconCommitteeSubnets([
        {validatorIndex: 3, committeeIndex: 1, committeesAtSlot: 2, slot: electraSlot, isAggregator: true},
      ]);
      expect(received.map((r) => r.route)).to.deep.equal([
        "block",
        "blindedBlock",
        "aggregates",
        "syncMessages",
        "contributions",
        "exit",
        "subscriptions",
      ]);
      const block = received[0].value as {signedBlock: {message: {slot: number}}};
      expect(block.signedBlock.message.slot).to.equal(electraSlot);
      expect((received[5].value as {message: {validatorIndex: number}}).message.validatorIndex).to.equal(3);
    });
  });
}

describe("eth/beaconNode network config from the BN", () => {
  it("builds the devnet's BeaconConfig from config/spec and genesis", async () => {
    const {app, url} = await startBeaconServer(testMethods([]));
    try {
      const fetched = await fetchBeaconConfig({urls: [url]}, {logger: nullLogger()});
      expect(fetched.ELECTRA_FORK_EPOCH).to.equal(config.ELECTRA_FORK_EPOCH);
      expect(toHex(fetched.genesisValidatorsRoot)).to.equal(toHex(TEST_GENESIS_VALIDATORS_ROOT));
      expect(toHex(fetched.forks.electra.version)).to.equal(toHex(config.forks.electra.version));
    } finally {
      await app.close();
    }
  });
});

describe("eth/beaconNode head events", () => {
  it("delivers head events with their dependent roots and stops on unsubscribe", async () => {
    const {app, url} = await startBeaconServer(testMethods([]));
    const client = new BeaconNodeClient({urls: [url]}, {config, logger: nullLogger()});
    try {
      const head = await new Promise<routes.events.EventData["head"]>((resolve, reject) => {
        const unsubscribe = client.subscribeHeadEvents(
          (h) => {
            unsubscribe();
            resolve(h);
          },
          (e) => reject(e),
        );
      });
      expect(head.slot).to.equal(64);
      expect(head.previousDutyDependentRoot).to.equal(toHex(DEPENDENT_ROOT));
    } finally {
      await app.close();
    }
  });
});

describe("eth/beaconNode head events fail-over", () => {
  it("moves the stream to the next BN when the first stays silent", async () => {
    const silent = testMethods([]);
    (silent as unknown as {events: {eventstream: (a: {signal: AbortSignal}) => Promise<void>}}).events.eventstream = ({
      signal,
    }) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), {once: true}));
    const first = await startBeaconServer(silent);
    const second = await startBeaconServer(testMethods([]));
    const client = new BeaconNodeClient({urls: [first.url, second.url]}, {config, logger: nullLogger()});
    try {
      const head = await new Promise<routes.events.EventData["head"]>((resolve) => {
        const unsubscribe = client.subscribeHeadEvents(
          (h) => {
            unsubscribe();
            resolve(h);
          },
          undefined,
          {silenceTimeoutMs: 300},
        );
      });
      expect(head.slot).to.equal(64);
      expect((await client.checkNodes()).map((h) => h.state)).to.deep.equal(["synced", "synced"]);
    } finally {
      await Promise.all([first.app.close(), second.app.close()]);
    }
  });
});

describe("eth/beaconNode fallback and errors", () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps.length = 0;
  });

  async function start(methods: BeaconApiMethods): Promise<string> {
    const s = await startBeaconServer(methods);
    apps.push(s.app);
    return s.url;
  }

  /** A server answering every request with the handler's reply, counting calls. */
  async function startRaw(
    handler: (reply: import("fastify").FastifyReply) => unknown,
  ): Promise<{url: string; calls: () => number}> {
    let calls = 0;
    const app = Fastify({forceCloseConnections: true});
    app.all("/*", async (_req, reply) => {
      calls++;
      return handler(reply);
    });
    await app.listen({host: "127.0.0.1", port: 0});
    apps.push(app);
    return {url: serverUrl(app), calls: () => calls};
  }

  async function deadUrl(): Promise<string> {
    const app = Fastify();
    await app.listen({host: "127.0.0.1", port: 0});
    const url = serverUrl(app);
    await app.close();
    return url;
  }

  it("falls over from an unreachable BN to the next healthy one, and prefers it afterwards", async () => {
    const dead = await deadUrl();
    const good = await start(testMethods([]));
    const register = new Registry();
    const metrics = createEthMetrics(register);
    const client = new BeaconNodeClient({urls: [dead, good]}, {config, logger: nullLogger(), metrics});
    expect((await client.getGenesis()).genesisTime).to.equal(1_600_000_000);
    const errors = await metrics.bnRequestErrors.get();
    expect(errors.values).to.deep.equal([
      {value: 1, labels: {operation: "getGenesis", endpoint: dead, status: "none"}},
    ]);
    const health = await client.checkNodes();
    expect(health.map((h) => h.state)).to.deep.equal(["failing", "synced"]);
    expect((await client.getStateFork()).epoch).to.equal(5);
  });

  it("reports a syncing BN (503) without throwing and falls over to a synced one", async () => {
    const syncing = await start(testMethods([], {syncing: true}));
    const good = await start(testMethods([]));
    const client = new BeaconNodeClient({urls: [syncing, good]}, {config, logger: nullLogger()});
    expect((await client.getProposerDuties(2)).duties[0].validatorIndex).to.equal(3);
    const health = await client.checkNodes();
    expect(health[0]).to.include({state: "syncing", endpoint: syncing, syncDistance: 50});
    expect(health[1]).to.include({state: "synced", syncDistance: 0});
    // Synced nodes are preferred from now on: the syncing BN is not asked first any more.
    expect((await client.getProposerDuties(2)).duties).to.have.length(1);
  });

  it("BN_UNAVAILABLE lists every endpoint tried with its status when all fail", async () => {
    const dead = await deadUrl();
    const down = await startRaw((reply) => reply.code(500).send({code: 500, message: "internal"}));
    const client = new BeaconNodeClient({urls: [dead, down.url]}, {config, logger: nullLogger()});
    const err = await expectBnError(client.getGenesis(), "BN_UNAVAILABLE");
    if (err.type.code !== "BN_UNAVAILABLE") throw err;
    expect(err.type.attempts.map((a) => [a.endpoint, a.status])).to.deep.equal([
      [dead, null],
      [down.url, 500],
    ]);
  });

  it("BN_REQUEST_REJECTED for a 4xx, with endpoint and status, not repeated on the other BN", async () => {
    const bad = await startRaw((reply) => reply.code(400).send({code: 400, message: "invalid epoch"}));
    const other = await startRaw((reply) => reply.code(200).send({data: []}));
    const client = new BeaconNodeClient({urls: [bad.url, other.url]}, {config, logger: nullLogger()});
    const err = await expectBnError(client.getProposerDuties(1), "BN_REQUEST_REJECTED");
    expect(err.type).to.include({endpoint: bad.url, status: 400, operationId: "getProposerDuties"});
    expect(err.message).to.match(/invalid epoch/);
    expect(other.calls()).to.equal(0);
  });

  it("falls over on a timeout and on an answer that does not decode", async () => {
    const hang = await startRaw(() => new Promise(() => {}));
    const garbage = await startRaw((reply) => reply.type("application/json").send('{"data": {"genesis_time": "x"}}'));
    const good = await start(testMethods([]));
    const client = new BeaconNodeClient(
      {urls: [hang.url, garbage.url, good], timeoutMs: 200},
      {config, logger: nullLogger()},
    );
    expect((await client.getGenesis()).genesisTime).to.equal(1_600_000_000);
    expect(hang.calls()).to.equal(1);
    expect(garbage.calls()).to.equal(1);

    const onlyBad = new BeaconNodeClient(
      {urls: [hang.url, garbage.url], timeoutMs: 200},
      {config, logger: nullLogger()},
    );
    const err = await expectBnError(onlyBad.getGenesis(), "BN_UNAVAILABLE");
    // A per-operation timeout overrides the default one.
    const shortGenesisTimeout = new BeaconNodeClient(
      {urls: [hang.url], timeoutMs: 60_000, timeouts: {getGenesis: 100}},
      {config, logger: nullLogger()},
    );
    await expectBnError(shortGenesisTimeout.getGenesis(), "BN_UNAVAILABLE");
    if (err.type.code !== "BN_UNAVAILABLE") throw err;
    expect(err.type.attempts.map((a) => a.reason).join(" ")).to.match(/timeout|Timeout/);
    expect(err.type.attempts.map((a) => a.reason).join(" ")).to.match(/invalid response/);
  });
});

import {type BeaconApiMethods, registerRoutes} from "@lodestar/api/beacon/server";
import {ApiError, addSszContentTypeParser} from "@lodestar/api/server";
import {ForkName} from "@lodestar/params";
import {ssz, sszTypesFor} from "@lodestar/types";
import {expect} from "chai";
import Fastify, {type FastifyError, type FastifyInstance} from "fastify";
import {Registry} from "prom-client";
import {BeaconNodeClient, type SubmitResult} from "../../../src/eth/beaconNode.js";
import {BeaconNodeError} from "../../../src/eth/errors.js";
import {createEthMetrics} from "../../../src/eth/metrics.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {slotInFork, testConfig} from "../../unit/eth/sampleMessages.js";

const config = testConfig();
const electraSlot = slotInFork(ForkName.electra);
const altairSlot = slotInFork(ForkName.altair);

/** A pool route's refusal with per-item failures, as the Beacon API specifies (400 `{code, message, failures}`). */
class IndexedRefusal extends ApiError {
  constructor(
    message: string,
    readonly failures: {index: number; message: string}[],
  ) {
    super(400, message);
  }
}

/**
 * How a BN answers a submission it already has:
 * - `lodestar`: as Lodestar v1.22 (blocks it produced: 500 `BLOCK_ERROR_ALREADY_KNOWN`; pool items: the
 *   error's code as message, 500; several: "Multiple errors on …" and one line each);
 * - `indexed`: 400 with the per-item `failures` list saying "already known" / "duplicate";
 * - `ambiguous`: blocks only: 500 with an unrelated message, the BN having imported the block all the same.
 */
type Style = "lodestar" | "indexed" | "ambiguous";

/** A BN that remembers each submitted item (by SSZ root) and refuses a second one in `style`. */
function knowingMethods(
  style: Style,
  seen: Set<string>,
  blocks: {published: Set<string>; imported: Set<string>},
): BeaconApiMethods {
  const lodestarCodes = {
    attestations: "ATTESTATION_ERROR_ATTESTATION_ALREADY_KNOWN",
    aggregates: "ATTESTATION_ERROR_AGGREGATOR_ALREADY_KNOWN",
    syncMessages: "PublishError.Duplicate",
    contributions: "SYNC_COMMITTEE_ERROR_SYNC_COMMITTEE_AGGREGATOR_ALREADY_KNOWN",
  };
  const indexedWords = {
    attestations: "Attestation already known",
    aggregates: "PriorAttestationKnown: aggregator already known",
    syncMessages: "duplicate sync committee message",
    contributions: "SyncContributionSupersetKnown",
  };
  const pool = (route: keyof typeof lodestarCodes, roots: string[]): void => {
    const known = roots.map((r, index) => ({index, known: seen.has(`${route}:${r}`)})).filter((x) => x.known);
    for (const r of roots) seen.add(`${route}:${r}`);
    if (known.length === 0) return;
    if (style === "indexed") {
      throw new IndexedRefusal(
        "some items failed",
        known.map(({index}) => ({index, message: indexedWords[route]})),
      );
    }
    if (known.length === 1) throw new Error(lodestarCodes[route]);
    throw new Error(`Multiple errors on ${route}\n${known.map(() => lodestarCodes[route]).join("\n")}`);
  };
  const block = (root: string): void => {
    const known = blocks.published.has(root);
    blocks.published.add(root);
    if (!known) {
      blocks.imported.add(root);
      return;
    }
    if (style === "ambiguous") throw new Error("Timeout importing block");
    if (style === "indexed") throw new ApiError(400, "block already known");
    throw new Error("BLOCK_ERROR_ALREADY_KNOWN");
  };
  const methods = {
    beacon: {
      submitPoolAttestationsV2: async ({signedAttestations}: {signedAttestations: {signature: Uint8Array}[]}) =>
        pool(
          "attestations",
          signedAttestations.map((a) => toHex(a.signature)),
        ),
      publishBlockV2: async ({signedBlockContents}: {signedBlockContents: {signedBlock: {message: unknown}}}) =>
        block(
          toHex(
            ssz.electra.BeaconBlock.hashTreeRoot(
              signedBlockContents.signedBlock.message as Parameters<typeof ssz.electra.BeaconBlock.hashTreeRoot>[0],
            ),
          ),
        ),
      publishBlindedBlockV2: async ({signedBlindedBlock}: {signedBlindedBlock: {message: unknown}}) =>
        block(
          toHex(
            ssz.electra.BlindedBeaconBlock.hashTreeRoot(
              signedBlindedBlock.message as Parameters<typeof ssz.electra.BlindedBeaconBlock.hashTreeRoot>[0],
            ),
          ),
        ),
      getBlockRoot: async ({blockId}: {blockId: string}) => {
        if (!blocks.imported.has(String(blockId))) throw new ApiError(404, "Block not found");
        return {
          data: {root: Buffer.from(String(blockId).slice(2), "hex")},
          meta: {executionOptimistic: false, finalized: false},
        };
      },
      submitPoolSyncCommitteeSignatures: async ({signatures}: {signatures: {signature: Uint8Array}[]}) =>
        pool(
          "syncMessages",
          signatures.map((s) => toHex(s.signature)),
        ),
    },
    validator: {
      publishAggregateAndProofsV2: async ({signedAggregateAndProofs}: {signedAggregateAndProofs: unknown[]}) =>
        pool(
          "aggregates",
          signedAggregateAndProofs.map((a) =>
            toHex(
              ssz.electra.SignedAggregateAndProof.hashTreeRoot(
                a as Parameters<typeof ssz.electra.SignedAggregateAndProof.hashTreeRoot>[0],
              ),
            ),
          ),
        ),
      publishContributionAndProofs: async ({contributionAndProofs}: {contributionAndProofs: unknown[]}) =>
        pool(
          "contributions",
          contributionAndProofs.map((c) =>
            toHex(
              ssz.altair.SignedContributionAndProof.hashTreeRoot(
                c as Parameters<typeof ssz.altair.SignedContributionAndProof.hashTreeRoot>[0],
              ),
            ),
          ),
        ),
    },
    config: {},
    node: {},
    events: {},
  };
  // Only the submission routes are implemented; the rest are never reached in these tests.
  return methods as unknown as BeaconApiMethods;
}

async function startKnowingBeacon(
  style: Style,
): Promise<{url: string; app: FastifyInstance; calls: () => number; imported: Set<string>}> {
  const app = Fastify({forceCloseConnections: true});
  let calls = 0;
  app.addHook("onRequest", async () => {
    calls++;
  });
  addSszContentTypeParser(app);
  app.setErrorHandler((err: FastifyError, _req, res) => {
    const status = err instanceof ApiError ? err.statusCode : 500;
    const failures = err instanceof IndexedRefusal ? {failures: err.failures} : {};
    void res.status(status).send({code: status, message: err.message, ...failures});
  });
  // Blocks the publish route has seen, and blocks the BN has imported (found by root).
  const blocks = {published: new Set<string>(), imported: new Set<string>()};
  registerRoutes(app, config, knowingMethods(style, new Set(), blocks), ["beacon", "config", "node", "validator"]);
  await app.listen({host: "127.0.0.1", port: 0});
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  return {url, app, calls: () => calls, imported: blocks.imported};
}

function samples() {
  const attestation = ssz.electra.SingleAttestation.defaultValue();
  attestation.data.slot = electraSlot;
  attestation.signature = new Uint8Array(96).fill(1);
  const otherAttestation = ssz.electra.SingleAttestation.clone(attestation);
  otherAttestation.signature = new Uint8Array(96).fill(2);
  const contents = sszTypesFor(ForkName.electra).SignedBlockContents.defaultValue();
  contents.signedBlock.message.slot = electraSlot;
  const blinded = ssz.electra.SignedBlindedBeaconBlock.defaultValue();
  blinded.message.slot = electraSlot + 1;
  const aggregate = ssz.electra.SignedAggregateAndProof.defaultValue();
  aggregate.message.aggregate.data.slot = electraSlot;
  const syncMessage = ssz.altair.SyncCommitteeMessage.defaultValue();
  syncMessage.slot = altairSlot;
  syncMessage.signature = new Uint8Array(96).fill(3);
  const contribution = ssz.altair.SignedContributionAndProof.defaultValue();
  contribution.message.contribution.slot = altairSlot;
  return {attestation, otherAttestation, contents, blinded, aggregate, syncMessage, contribution};
}

/** Each message type's submission, twice: the second must count as done. */
function submissions(client: BeaconNodeClient): Record<string, () => Promise<SubmitResult>> {
  const s = samples();
  return {
    attestation: () => client.submitAttestations([s.attestation]),
    block: () => client.publishBlock(s.contents),
    blindedBlock: () => client.publishBlindedBlock(s.blinded),
    aggregate: () => client.publishAggregateAndProofs([s.aggregate]),
    syncMessage: () => client.submitSyncCommitteeMessages([s.syncMessage]),
    contribution: () => client.publishContributionAndProofs([s.contribution]),
  };
}

describe("eth/beaconNode: a submission the BN already has is done, not failed", () => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps.length = 0;
  });

  async function clientFor(style: Style) {
    const bn = await startKnowingBeacon(style);
    apps.push(bn.app);
    const register = new Registry();
    const metrics = createEthMetrics(register);
    const client = new BeaconNodeClient({urls: [bn.url], timeoutMs: 5000}, {config, logger: nullLogger(), metrics});
    return {client, bn, register};
  }

  for (const style of ["lodestar", "indexed"] as const) {
    for (const type of ["attestation", "block", "blindedBlock", "aggregate", "syncMessage", "contribution"]) {
      it(`${type}: a second submission answered "already known" (${style} style)`, async () => {
        const {client, register} = await clientFor(style);
        const submit = submissions(client)[type];
        expect(await submit()).to.equal("accepted");
        expect(await submit()).to.equal("already_known");
        const counted = await register.getSingleMetric("cohort_bn_already_known_total")?.get();
        expect(counted?.values.reduce((a, v) => a + v.value, 0)).to.equal(1);
      });
    }
  }

  it("Lodestar's 'Multiple errors' of known items only is done; the failures list must be all known", async () => {
    const {client} = await clientFor("lodestar");
    const s = samples();
    await client.submitAttestations([s.attestation, s.otherAttestation]);
    expect(await client.submitAttestations([s.attestation, s.otherAttestation])).to.equal("already_known");
  });

  it("an ambiguous block refusal counts as done only when the BN has the block's root", async () => {
    const {client, bn} = await clientFor("ambiguous");
    const s = samples();
    expect(await client.publishBlock(s.contents)).to.equal("accepted");
    expect(await client.publishBlock(s.contents)).to.equal("already_known");
    // The same refusal when the BN has no block of that root (`blocks/{root}/root` 404) is a failure.
    bn.imported.clear();
    await expectRejected(client.publishBlock(s.contents), /Timeout importing block/);
  });

  it("a refusal for another reason still fails, also when mixed with known items", async () => {
    const bad = Fastify({forceCloseConnections: true});
    apps.push(bad);
    bad.post("/eth/v2/beacon/pool/attestations", async (_req, reply) =>
      reply.status(400).send({
        code: 400,
        message: "some failed",
        failures: [
          {index: 0, message: "already known"},
          {index: 1, message: "ATTESTATION_ERROR_INVALID_SIGNATURE"},
        ],
      }),
    );
    bad.post("/eth/v1/beacon/pool/sync_committees", async (_req, reply) =>
      reply.status(500).send({code: 500, message: "Multiple errors\nPublishError.Duplicate\nNOT_IN_SYNC_COMMITTEE"}),
    );
    await bad.listen({host: "127.0.0.1", port: 0});
    const addr = bad.server.address();
    const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
    const client = new BeaconNodeClient({urls: [url], timeoutMs: 5000}, {config, logger: nullLogger()});
    const s = samples();
    await expectRejected(client.submitAttestations([s.attestation, s.otherAttestation]), /INVALID_SIGNATURE/);
    await expectRejected(client.submitSyncCommitteeMessages([s.syncMessage]), /NOT_IN_SYNC_COMMITTEE/);
  });

  it("an 'already known' 500 is settled at that BN: no fall-over to the next, the BN not counted failing", async () => {
    const first = await startKnowingBeacon("lodestar");
    const second = await startKnowingBeacon("lodestar");
    apps.push(first.app, second.app);
    const client = new BeaconNodeClient(
      {urls: [first.url, second.url], timeoutMs: 5000},
      {config, logger: nullLogger()},
    );
    const s = samples();
    expect(await client.publishBlock(s.contents)).to.equal("accepted");
    expect(await client.publishBlock(s.contents)).to.equal("already_known");
    expect(second.calls()).to.equal(0);
    expect(await client.submitAttestations([s.attestation])).to.equal("accepted");
    expect(second.calls()).to.equal(0);
  });
});

async function expectRejected(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(BeaconNodeError);
    expect((e as Error).message).to.match(message);
    return;
  }
  throw new Error(`expected a rejection matching ${message}`);
}

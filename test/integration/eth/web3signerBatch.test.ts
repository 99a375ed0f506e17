import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import Fastify, {type FastifyInstance} from "fastify";
import {Registry} from "prom-client";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {runAttesterDuty} from "../../../src/duties/attester.js";
import {ManualClock, SlotClock} from "../../../src/duties/clock.js";
import type {DutyOutcome} from "../../../src/duties/outcome.js";
import type {AttesterDuty} from "../../../src/duties/scheduler.js";
import type {OwnShare, ShareExchange} from "../../../src/duties/shareExchange.js";
import {UndecidedGate} from "../../../src/duties/undecidedGate.js";
import {SignerError} from "../../../src/eth/errors.js";
import {createEthMetrics} from "../../../src/eth/metrics.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {SignatureBatchChecker} from "../../../src/eth/signingCheck.js";
import {verifies, Web3SignerClient} from "../../../src/eth/web3signer.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {fromHex, toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";

// The Web3Signer client checks the answers of concurrent sign requests in batches: a bad answer among
// many is named and fails only its own request, and the duty never publishes it.

const SLOTS_PER_EPOCH = 8;
const slot = 3 * SLOTS_PER_EPOCH + 2;
const genesisValidatorsRoot = new Uint8Array(32).fill(9);
const config = createBeaconConfig(createSimChainConfig(), genesisValidatorsRoot);
const COUNT = 16;
const shareSecrets = Array.from({length: COUNT}, (_, i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)));
const shareKeys = shareSecrets.map((sk) => sk.toPublicKey().toBytes());
const validatorKeys = Array.from({length: COUNT}, (_, i) =>
  SecretKey.fromKeygen(new Uint8Array(32).fill(i + 101))
    .toPublicKey()
    .toBytes(),
);

function attestationData() {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = slot;
  data.beaconBlockRoot = new Uint8Array(32).fill(1);
  data.source = {epoch: 2, root: new Uint8Array(32).fill(2)};
  data.target = {epoch: 3, root: new Uint8Array(32).fill(3)};
  return data;
}
const msg: SignableMessage = {type: "ATTESTATION", data: attestationData()};

describe("eth/web3signer client: answers checked in batches", () => {
  let app: FastifyInstance;
  let url: string;
  /** Share keys (0x-hex) whose answers the signer corrupts: signed with the next key. */
  let corrupt: Set<string>;

  beforeEach(async () => {
    corrupt = new Set();
    app = Fastify({forceCloseConnections: true});
    app.post<{Params: {pubkey: string}; Body: {signingRoot: string}}>(
      "/api/v1/eth2/sign/:pubkey",
      async (req, reply) => {
        const k = shareKeys.findIndex((pk) => toHex(pk) === req.params.pubkey);
        if (k < 0) return reply.code(404).send("unknown key");
        const signer = corrupt.has(req.params.pubkey) ? shareSecrets[(k + 1) % COUNT] : shareSecrets[k];
        return {signature: toHex(signer.sign(fromHex(req.body.signingRoot, 32)).toBytes())};
      },
    );
    await app.listen({host: "127.0.0.1", port: 0});
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  });
  afterEach(async () => {
    await app.close();
  });

  function newClient() {
    const metrics = createEthMetrics(new Registry());
    const answerChecker = new SignatureBatchChecker();
    const client = new Web3SignerClient({url, retries: 0}, {config, logger: nullLogger(), metrics, answerChecker});
    return {client, metrics, answerChecker};
  }

  async function signAll(client: Web3SignerClient): Promise<(Uint8Array | SignerError)[]> {
    return Promise.all(
      shareKeys.map((pk) =>
        client.sign(pk, msg).catch((e: unknown) => {
          if (e instanceof SignerError) return e;
          throw e;
        }),
      ),
    );
  }

  it("a bad answer among many fails only its own request (SIGNER_INVALID_SIGNATURE, counted)", async () => {
    const {client, metrics, answerChecker} = newClient();
    corrupt.add(toHex(shareKeys[5]));
    const results = await signAll(client);
    for (const [i, r] of results.entries()) {
      if (i === 5) {
        expect(r).to.be.instanceOf(SignerError);
        expect((r as SignerError).type).to.include({code: "SIGNER_INVALID_SIGNATURE", pubkey: toHex(shareKeys[5])});
      } else {
        expect(r, `request ${i}`).to.be.instanceOf(Uint8Array);
        expect(verifies(shareKeys[i], signingRootOnNetwork(config, msg), r as Uint8Array)).to.equal(true);
      }
    }
    expect((await metrics.signerErrors.get()).values).to.deep.include({
      labels: {code: "SIGNER_INVALID_SIGNATURE"},
      value: 1,
    });
    expect(answerChecker.stats.answers).to.equal(COUNT);
    expect(answerChecker.stats.batches).to.be.lessThan(COUNT);
  });

  it("every answer bad: every request fails", async () => {
    const {client, metrics} = newClient();
    for (const pk of shareKeys) corrupt.add(toHex(pk));
    const results = await signAll(client);
    for (const r of results)
      expect(r).to.be.instanceOf(SignerError).and.to.have.property("code", "SIGNER_INVALID_SIGNATURE");
    expect((await metrics.signerErrors.get()).values).to.deep.include({
      labels: {code: "SIGNER_INVALID_SIGNATURE"},
      value: COUNT,
    });
  });

  it("an attester duty never publishes a bad RS answer: that validator ends signer_refused, the others go out", async () => {
    const {client} = newClient();
    corrupt.add(toHex(shareKeys[3]));
    corrupt.add(toHex(shareKeys[11]));
    const db = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot});
    const published: OwnShare[] = [];
    const outcomes: DutyOutcome[] = [];
    const duties: AttesterDuty[] = validatorKeys.map((pubkey, i) => ({
      pubkey,
      validatorIndex: i,
      committeeIndex: 0,
      committeeLength: COUNT,
      committeesAtSlot: 1,
      validatorCommitteeIndex: i,
      slot,
    }));
    // Stands for the exchange: a validator "combines" once its own share is published.
    const waiters = new Map<string, (signature: Uint8Array) => void>();
    const shares = {
      publish: (_ref: unknown, own: OwnShare[]) => {
        published.push(...own);
        for (const s of own) waiters.get(s.validator)?.(s.signature);
      },
      awaitCombined: (_ref: unknown, validator: string) =>
        new Promise<Uint8Array>((resolve) => waiters.set(validator, resolve)),
    } as unknown as ShareExchange;
    try {
      await runAttesterDuty(slot, duties, {
        config,
        slashing: db,
        logger: nullLogger(),
        slotClock: new SlotClock(
          {genesisTimeSec: 0, secondsPerSlot: 2, slotsPerEpoch: SLOTS_PER_EPOCH},
          new ManualClock(slot * 2000),
        ),
        gate: new UndecidedGate(),
        beaconNode: {produceAttestationData: async () => attestationData(), submitAttestations: async () => {}},
        consensus: {decide: async (_s, _t, opts) => ({value: await opts.propose(), round: 1})},
        signer: client,
        shares,
        shareKeys: new Map(validatorKeys.map((v, i) => [toHex(v), shareKeys[i]])),
        onOutcome: (o) => outcomes.push(o),
      });
    } finally {
      db.close();
    }
    expect(published.map((s) => s.validator).sort()).to.deep.equal(
      validatorKeys
        .filter((_, i) => i !== 3 && i !== 11)
        .map((v) => toHex(v))
        .sort(),
    );
    for (const s of published) {
      const i = validatorKeys.findIndex((v) => toHex(v) === s.validator);
      expect(verifies(shareKeys[i], s.signingRoot, s.signature), s.validator).to.equal(true);
    }
    expect(outcomes.filter((o) => o.status === "submitted")).to.have.length(COUNT - 2);
    const refused = outcomes.filter((o) => o.status === "failed" && o.reason === "signer_refused");
    expect(refused.map((o) => o.validator).sort()).to.deep.equal(
      [toHex(validatorKeys[3]), toHex(validatorKeys[11])].sort(),
    );
  });
});

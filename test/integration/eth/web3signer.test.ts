import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {ForkName} from "@lodestar/params";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import Fastify, {type FastifyInstance} from "fastify";
import {Registry} from "prom-client";
import {SignerError} from "../../../src/eth/errors.js";
import {createEthMetrics} from "../../../src/eth/metrics.js";
import {SignerServer} from "../../../src/eth/signerServer.js";
import {forkInfoForMessage, type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {verifies, Web3SignerClient} from "../../../src/eth/web3signer.js";
import {toSignRequestBody} from "../../../src/eth/web3signerFormat.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {sampleMessages, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "../../unit/eth/sampleMessages.js";

const config = testConfig();
const KEY_COUNT = 16;
const secretKeys = Array.from({length: KEY_COUNT}, (_, i) => SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)));
const pubkeys = secretKeys.map((sk) => sk.toPublicKey().toBytes());

async function expectSignerError(p: Promise<unknown>, code: string): Promise<SignerError> {
  try {
    await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(SignerError);
    expect((e as SignerError).code, (e as Error).message).to.equal(code);
    expect((e as SignerError).code).to.equal(code);
    return e as SignerError;
  }
  throw new Error(`expected ${code}`);
}

function attestation(source: number, target: number, rootByte: number): SignableMessage {
  const data = ssz.phase0.AttestationData.defaultValue();
  data.slot = target * 32;
  data.source.epoch = source;
  data.target.epoch = target;
  data.beaconBlockRoot = new Uint8Array(32).fill(rootByte);
  return {type: "ATTESTATION", data};
}

describe("eth/web3signer client against cohort signer over loopback HTTP", () => {
  let server: SignerServer;
  let url: string;
  let slashing: SlashingProtection;
  let client: Web3SignerClient;
  let metrics: ReturnType<typeof createEthMetrics>;

  beforeEach(async () => {
    metrics = createEthMetrics(new Registry());
    slashing = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT});
    server = new SignerServer(
      {
        address: "127.0.0.1",
        port: 0,
        genesisForkVersion: config.GENESIS_FORK_VERSION,
        genesisValidatorsRoot: TEST_GENESIS_VALIDATORS_ROOT,
      },
      {
        keys: secretKeys.map((secretKey, i) => ({secretKey, pubkey: pubkeys[i]})),
        slashingProtection: slashing,
        logger: nullLogger(),
        metrics,
      },
    );
    url = await server.listen();
    client = new Web3SignerClient({url, retryDelayMs: 0}, {config, logger: nullLogger(), metrics});
  });
  afterEach(async () => {
    await server.close();
    slashing.close();
  });

  /** Attestations the signer's slashing DB recorded for a key. */
  function recordedAttestations(pubkey: Uint8Array): number {
    return slashing.exportInterchange([pubkey]).data.reduce((n, v) => n + v.signed_attestations.length, 0);
  }

  it("answers upcheck (JSON and text) and lists its public keys", async () => {
    expect(await client.upcheck()).to.equal(true);
    const text = await fetch(`${url}/upcheck`);
    expect(await text.text()).to.equal("OK");
    const keys = await client.publicKeys();
    expect(keys.map(toHex)).to.have.members(pubkeys.map(toHex));
  });

  for (const fork of [
    ForkName.phase0,
    ForkName.altair,
    ForkName.bellatrix,
    ForkName.capella,
    ForkName.deneb,
    ForkName.electra,
    ForkName.fulu,
  ]) {
    it(`signs every message type at ${fork}; each signature verifies against the key with blst`, async () => {
      const msgs = sampleMessages(config, fork);
      for (const [i, msg] of msgs.entries()) {
        const signature = await client.sign(pubkeys[i], msg);
        expect(verifies(pubkeys[i], signingRootOnNetwork(config, msg), signature), `${msg.type} at ${fork}`).to.equal(
          true,
        );
        expect(verifies(pubkeys[(i + 1) % KEY_COUNT], signingRootOnNetwork(config, msg), signature)).to.equal(false);
      }
    });
  }

  it("answers plain text to a sign request that does not ask for JSON", async () => {
    const msg: SignableMessage = {type: "RANDAO_REVEAL", data: {epoch: 3}};
    const root = signingRootOnNetwork(config, msg);
    const res = await fetch(`${url}/api/v1/eth2/sign/${toHex(pubkeys[0])}`, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify(toSignRequestBody(msg, forkInfoForMessage(config, msg), root)),
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/text\/plain/);
    expect(await res.text()).to.equal(toHex(secretKeys[0].sign(root).toBytes()));
  });

  it("refuses (400) a request whose signingRoot does not match its payload, and signs nothing", async () => {
    const msg = attestation(1, 2, 1);
    const body = toSignRequestBody(msg, forkInfoForMessage(config, msg), new Uint8Array(32).fill(7));
    const res = await fetch(`${url}/api/v1/eth2/sign/${toHex(pubkeys[0])}`, {
      method: "POST",
      headers: {"content-type": "application/json", accept: "application/json"},
      body: JSON.stringify(body),
    });
    expect(res.status).to.equal(400);
    expect(await res.text()).to.match(/signingRoot does not match/);
    expect(recordedAttestations(pubkeys[0])).to.equal(0);
  });

  it("refuses (400) malformed bodies: unknown type, bad payload, bad fork_info", async () => {
    const msg = attestation(1, 2, 1);
    const good = toSignRequestBody(msg, forkInfoForMessage(config, msg), signingRootOnNetwork(config, msg));
    const bodies: unknown[] = [
      {...good, type: "DEPOSIT_X"},
      {...good, attestation: {slot: "x"}},
      {...good, attestation: undefined},
      {...good, fork_info: {fork: {previous_version: "0x00", current_version: "0x00000000", epoch: "1"}}},
      {...good, fork_info: undefined},
      {...good, signingRoot: "0x1234"},
      [],
    ];
    for (const body of bodies) {
      const res = await fetch(`${url}/api/v1/eth2/sign/${toHex(pubkeys[0])}`, {
        method: "POST",
        headers: {"content-type": "application/json"},
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
    }
    expect(recordedAttestations(pubkeys[0])).to.equal(0);
  });

  it("gives SIGNER_BAD_REQUEST for a request on another chain (genesis validators root)", async () => {
    const otherChain = createBeaconConfig(config, new Uint8Array(32).fill(1));
    const other = new Web3SignerClient({url}, {config: otherChain, logger: nullLogger()});
    const err = await expectSignerError(other.sign(pubkeys[0], attestation(1, 2, 1)), "SIGNER_BAD_REQUEST");
    expect(err.type).to.include({endpoint: url, status: 400});
  });

  it("gives SIGNER_UNKNOWN_KEY (404) for a key it does not hold", async () => {
    const unknown = SecretKey.fromKeygen(new Uint8Array(32).fill(99)).toPublicKey().toBytes();
    const err = await expectSignerError(client.sign(unknown, attestation(1, 2, 1)), "SIGNER_UNKNOWN_KEY");
    expect(err.type).to.include({status: 404, pubkey: toHex(unknown)});
  });

  it("refuses (412) a double vote, a surround vote and a double proposal; re-signing the same is fine", async () => {
    await client.sign(pubkeys[0], attestation(2, 3, 1));
    await client.sign(pubkeys[0], attestation(2, 3, 1));
    const err = await expectSignerError(client.sign(pubkeys[0], attestation(2, 3, 2)), "SIGNER_SLASHING_REFUSED");
    expect(err.type).to.include({status: 412, messageType: "ATTESTATION"});
    await expectSignerError(client.sign(pubkeys[0], attestation(1, 4, 1)), "SIGNER_SLASHING_REFUSED");
    expect((await metrics.signerErrors.get()).values).to.deep.equal([
      {value: 2, labels: {code: "SIGNER_SLASHING_REFUSED"}},
    ]);
    const served = (await metrics.signerServerRequests.get()).values;
    expect(served.find((v) => String(v.labels.status) === "412")?.value).to.equal(2);
    expect(served.find((v) => String(v.labels.status) === "200")?.value).to.equal(2);
    // Other keys are not affected.
    await client.sign(pubkeys[1], attestation(2, 3, 2));

    const header = ssz.phase0.BeaconBlockHeader.defaultValue();
    header.slot = 100;
    await client.sign(pubkeys[0], {type: "BLOCK_V2", data: {version: ForkName.deneb, blockHeader: header}});
    // A fresh object: ssz caches hash roots on the object, so a spread copy would carry the old root.
    const other = ssz.phase0.BeaconBlockHeader.defaultValue();
    other.slot = 100;
    other.proposerIndex = 5;
    await expectSignerError(
      client.sign(pubkeys[0], {type: "BLOCK_V2", data: {version: ForkName.deneb, blockHeader: other}}),
      "SIGNER_SLASHING_REFUSED",
    );
  });
});

describe("eth/web3signer client against a misbehaving signer", () => {
  let app: FastifyInstance;
  let url: string;
  let calls: number;
  let handler: (reply: import("fastify").FastifyReply) => unknown;
  const msg = attestation(1, 2, 1);
  const root = signingRootOnNetwork(config, msg);

  beforeEach(async () => {
    calls = 0;
    app = Fastify({forceCloseConnections: true});
    app.all("/*", async (_req, reply) => {
      calls++;
      return handler(reply);
    });
    await app.listen({host: "127.0.0.1", port: 0});
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  });
  afterEach(async () => {
    await app.close();
  });

  function newClient(opts: {timeoutMs?: number; retries?: number} = {}): Web3SignerClient {
    return new Web3SignerClient({url, retryDelayMs: 0, ...opts}, {config, logger: nullLogger()});
  }

  it("SIGNER_INVALID_RESPONSE for a body that is not JSON or has no signature", async () => {
    handler = (reply) => reply.type("application/json").send("{not json");
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_INVALID_RESPONSE");
    handler = (reply) => reply.send({sig: "0x00"});
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_INVALID_RESPONSE");
    handler = (reply) => reply.send({foo: 1});
    await expectSignerError(newClient().publicKeys(), "SIGNER_INVALID_RESPONSE");
  });

  it("SIGNER_INVALID_SIGNATURE for a signature by another key, or over another root", async () => {
    handler = (reply) => reply.send({signature: toHex(secretKeys[1].sign(root).toBytes())});
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_INVALID_SIGNATURE");
    handler = (reply) => reply.send({signature: toHex(secretKeys[0].sign(new Uint8Array(32)).toBytes())});
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_INVALID_SIGNATURE");
    handler = (reply) => reply.send({signature: `0x${"11".repeat(96)}`});
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_INVALID_SIGNATURE");
  });

  it("accepts a valid signature as JSON or as plain text", async () => {
    const good = toHex(secretKeys[0].sign(root).toBytes());
    handler = (reply) => reply.send({signature: good});
    expect(toHex(await newClient().sign(pubkeys[0], msg))).to.equal(good);
    handler = (reply) => reply.type("text/plain").send(good);
    expect(toHex(await newClient().sign(pubkeys[0], msg))).to.equal(good);
  });

  it("retries a 5xx a bounded number of times, then SIGNER_SERVER_ERROR; recovers if a retry succeeds", async () => {
    handler = (reply) => reply.code(503).send("busy");
    const err = await expectSignerError(newClient({retries: 2}).sign(pubkeys[0], msg), "SIGNER_SERVER_ERROR");
    expect(calls).to.equal(3);
    expect(err.type).to.include({status: 503, attempts: 3, endpoint: url});

    calls = 0;
    const good = toHex(secretKeys[0].sign(root).toBytes());
    handler = (reply) => (calls < 2 ? reply.code(500).send("oops") : reply.send({signature: good}));
    expect(toHex(await newClient({retries: 2}).sign(pubkeys[0], msg))).to.equal(good);
    expect(calls).to.equal(2);
  });

  it("never retries a 412, a 404 or a 400", async () => {
    for (const [status, code] of [
      [412, "SIGNER_SLASHING_REFUSED"],
      [404, "SIGNER_UNKNOWN_KEY"],
      [400, "SIGNER_BAD_REQUEST"],
    ] as const) {
      calls = 0;
      handler = (reply) => reply.code(status).send("no");
      await expectSignerError(newClient({retries: 3}).sign(pubkeys[0], msg), code);
      expect(calls, String(status)).to.equal(1);
    }
  });

  it("SIGNER_TIMEOUT when the signer does not answer in time", async () => {
    handler = () => new Promise(() => {});
    const err = await expectSignerError(newClient({timeoutMs: 50}).sign(pubkeys[0], msg), "SIGNER_TIMEOUT");
    expect(err.type).to.include({timeoutMs: 50, endpoint: url});
  });

  it("SIGNER_UNREACHABLE when nothing listens; upcheck is false on a non-OK answer", async () => {
    handler = (reply) => reply.code(503).send("down");
    expect(await newClient({retries: 0}).upcheck()).to.equal(false);
    handler = (reply) => reply.send({status: "OK"});
    expect(await newClient().upcheck()).to.equal(true);
    await app.close();
    await expectSignerError(newClient().sign(pubkeys[0], msg), "SIGNER_UNREACHABLE");
  });
});

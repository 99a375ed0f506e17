import {SecretKey} from "@chainsafe/blst";
import {createBeaconConfig} from "@lodestar/config";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {Registry} from "prom-client";
import {seededRandom} from "../../../src/cluster/index.js";
import {createSimChainConfig} from "../../../src/devnet/beacon/index.js";
import {ManualClock} from "../../../src/duties/clock.js";
import {type SignableMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {VapiError} from "../../../src/vapi/errors.js";
import {createVapiMetrics} from "../../../src/vapi/metrics.js";
import {ValidatorClientSigner} from "../../../src/vapi/vcSigner.js";

const config = createBeaconConfig(createSimChainConfig({secondsPerSlot: 12}), new Uint8Array(32).fill(3));
const random = seededRandom("vc-signer");
const secret = SecretKey.fromKeygen(random(32));
const shareKey = secret.toPublicKey().toBytes();
const otherSecret = SecretKey.fromKeygen(random(32));

const attestation = (slot: number, root = 1): SignableMessage => ({
  type: "ATTESTATION",
  data: {...ssz.phase0.AttestationData.defaultValue(), slot, beaconBlockRoot: new Uint8Array(32).fill(root)},
});
const sign = (sk: SecretKey, msg: SignableMessage) => sk.sign(signingRootOnNetwork(config, msg)).toBytes();

async function rejection(p: Promise<unknown>): Promise<VapiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof VapiError) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

describe("vapi: ValidatorClientSigner", () => {
  let clock: ManualClock;
  let signer: ValidatorClientSigner;
  let register: Registry;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    register = new Registry();
    signer = new ValidatorClientSigner(
      {requestTimeoutMs: () => 5000},
      {config, clock, metrics: createVapiMetrics(register)},
    );
  });
  afterEach(() => signer.stop());

  it("a signing request waits for the VC's partial signature and returns it once it verifies", async () => {
    const msg = attestation(5);
    const signing = signer.sign(shareKey, msg);
    const [request] = signer.pending((p) => p.msg.type === "ATTESTATION");
    expect(request.msg).to.equal(msg);
    const signature = sign(secret, msg);
    signer.provide(request, signature);
    expect(await signing).to.deep.equal(signature);
    expect(signer.pending(() => true)).to.deep.equal([]);
  });

  it("a partial signature that does not verify is refused and never used; the request keeps waiting", async () => {
    const msg = attestation(5);
    const signing = signer.sign(shareKey, msg);
    const [request] = signer.pending(() => true);
    const wrongKey = sign(otherSecret, msg);
    const wrongData = sign(secret, attestation(5, 2));
    for (const bad of [wrongKey, wrongData, new Uint8Array(96), new Uint8Array(95)]) {
      expect(() => signer.provide(request, bad))
        .to.throw(VapiError)
        .with.property("code", "VAPI_INVALID_SIGNATURE");
    }
    expect(signer.pending(() => true)).to.have.length(1);
    const good = sign(secret, msg);
    signer.provide(request, good);
    expect(await signing).to.deep.equal(good);
    const metrics = await register.getSingleMetricAsString("cohort_vapi_partial_signatures_total");
    expect(metrics).to.include('type="ATTESTATION",result="invalid"} 4');
    expect(metrics).to.include('type="ATTESTATION",result="accepted"} 1');
  });

  it("one signature answers every waiting request for the same message and key share", async () => {
    const msg: SignableMessage = {type: "RANDAO_REVEAL", data: {epoch: 3}};
    const first = signer.sign(shareKey, msg);
    const second = signer.sign(shareKey, msg);
    const reveal = sign(secret, msg);
    signer.provide(signer.pending(() => true)[1], reveal);
    expect(await first).to.deep.equal(reveal);
    expect(await second).to.deep.equal(reveal);
  });

  it("a request nobody answers fails with VAPI_TIMEOUT at its deadline", async () => {
    const signing = signer.sign(shareKey, attestation(7));
    clock.advance(4999);
    expect(signer.pending(() => true)).to.have.length(1);
    clock.advance(1);
    expect((await rejection(signing)).code).to.equal("VAPI_TIMEOUT");
    expect(signer.pending(() => true)).to.deep.equal([]);
  });

  it("awaitRequest resolves when the pipeline makes a matching request later, or times out", async () => {
    const waiting = signer.awaitRequest((p) => p.msg.type === "ATTESTATION" && p.msg.data.slot === 9, 1000, {
      type: "ATTESTATION",
      slot: 9,
    });
    void signer.sign(shareKey, attestation(8)).catch(() => {});
    const signing = signer.sign(shareKey, attestation(9));
    const request = await waiting;
    expect(request.msg.type === "ATTESTATION" && request.msg.data.slot).to.equal(9);
    signer.provide(request, sign(secret, attestation(9)));
    await signing;

    const late = signer.awaitRequest(() => false, 1000, {type: "ATTESTATION", slot: 10});
    clock.advance(1000);
    expect((await rejection(late)).code).to.equal("VAPI_TIMEOUT");
  });

  it("stop fails every waiting request and waiter, and refuses new requests", async () => {
    const signing = signer.sign(shareKey, attestation(5));
    const waiting = signer.awaitRequest(() => false, 1000, {type: "ATTESTATION", slot: 6});
    signer.stop();
    expect((await rejection(signing)).code).to.equal("VAPI_STOPPED");
    expect((await rejection(waiting)).code).to.equal("VAPI_STOPPED");
    expect((await rejection(signer.sign(shareKey, attestation(6)))).code).to.equal("VAPI_STOPPED");
    expect(clock.pendingTimers()).to.equal(0);
  });
});

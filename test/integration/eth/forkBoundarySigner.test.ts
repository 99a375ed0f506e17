/**
 * The Web3Signer path at an Electra → Fulu boundary: the requests cohort sends (`fork_info`, BLOCK_V2
 * with `block_header`), what `cohort signer` signs for them, and its slashing protection across the
 * boundary. Every signature is checked against the root Lodestar computes (test/unit/eth/forkBoundary.ts),
 * and every `fork_info` by a spec `get_domain` recomputed here with Lodestar's `computeDomain`.
 */
import {SecretKey} from "@chainsafe/blst";
import {ForkName} from "@lodestar/params";
import {getBlockProposerSignatureSet, computeDomain as stComputeDomain} from "@lodestar/state-transition";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {SignerError} from "../../../src/eth/errors.js";
import {SignerServer} from "../../../src/eth/signerServer.js";
import {
  blockToSignable,
  forkInfoForMessage,
  type SignableMessage,
  type SigningForkInfo,
  signingRootOnNetwork,
} from "../../../src/eth/signing.js";
import {verifies, Web3SignerClient} from "../../../src/eth/web3signer.js";
import {type SignRequestBody, toSignRequestBody} from "../../../src/eth/web3signerFormat.js";
import {SlashingProtection} from "../../../src/slashing/index.js";
import {fromHex, toHex} from "../../../src/util/hex.js";
import {nullLogger} from "../../../src/util/logger.js";
import {
  BOUNDARY_GENESIS_VALIDATORS_ROOT,
  type BoundaryCase,
  boundaryAttestationData,
  boundaryBlock,
  boundaryCases,
  boundaryConfig,
  FIRST_FULU_SLOT,
  FULU_EPOCH,
  LAST_ELECTRA_SLOT,
  STATE_AFTER_BOUNDARY,
} from "../../unit/eth/forkBoundary.js";

const config = boundaryConfig();
const cases = boundaryCases(config);
// One key per case and path (raw HTTP, cohort's client), so no two requests share a slashing history.
const secretKeys = Array.from({length: 2 * cases.length + 1}, (_, i) =>
  SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1)),
);
const pubkeys = secretKeys.map((sk) => sk.toPublicKey().toBytes());

/** The request body cohort's Web3Signer client sends for `msg`, as it goes over the wire. */
function wireBody(msg: SignableMessage, forkInfo: SigningForkInfo | null = forkInfoForMessage(config, msg)) {
  const body = toSignRequestBody(msg, forkInfo, signingRootOnNetwork(config, msg));
  return JSON.parse(JSON.stringify(body)) as SignRequestBody;
}

/**
 * The domain a Web3Signer that follows the specs derives from the request: get_domain over a state
 * whose fork is `fork_info.fork`, for the message's epoch (the builder domain when there is no fork_info).
 */
function specSignerDomain(body: SignRequestBody, c: BoundaryCase): Uint8Array {
  if (body.fork_info === undefined) {
    return stComputeDomain(c.domainType, config.GENESIS_FORK_VERSION, new Uint8Array(32));
  }
  const {fork, genesis_validators_root} = body.fork_info;
  if (c.specEpoch === null) throw new Error(`${c.label}: fork_info for a message without an epoch`);
  const version = c.specEpoch < Number(fork.epoch) ? fork.previous_version : fork.current_version;
  return stComputeDomain(c.domainType, fromHex(version, 4), fromHex(genesis_validators_root, 32));
}

describe("eth: Web3Signer requests and cohort signer at an Electra → Fulu boundary", () => {
  let server: SignerServer;
  let url: string;
  let slashing: SlashingProtection;
  let client: Web3SignerClient;

  beforeEach(async () => {
    slashing = SlashingProtection.open({dataDir: ":memory:", genesisValidatorsRoot: BOUNDARY_GENESIS_VALIDATORS_ROOT});
    server = new SignerServer(
      {
        address: "127.0.0.1",
        port: 0,
        genesisForkVersion: config.GENESIS_FORK_VERSION,
        genesisValidatorsRoot: BOUNDARY_GENESIS_VALIDATORS_ROOT,
      },
      {
        keys: secretKeys.map((secretKey, i) => ({secretKey, pubkey: pubkeys[i]})),
        slashingProtection: slashing,
        logger: nullLogger(),
      },
    );
    url = await server.listen();
    client = new Web3SignerClient({url, retryDelayMs: 0}, {config, logger: nullLogger()});
  });
  afterEach(async () => {
    await server.close();
    slashing.close();
  });

  async function post(pubkey: Uint8Array, body: unknown): Promise<{status: number; signature: Uint8Array | null}> {
    const res = await fetch(`${url}/api/v1/eth2/sign/${toHex(pubkey)}`, {
      method: "POST",
      headers: {"content-type": "application/json", accept: "application/json"},
      body: JSON.stringify(body),
    });
    if (res.status !== 200) return {status: res.status, signature: null};
    const {signature} = (await res.json()) as {signature: string};
    return {status: 200, signature: fromHex(signature, 96)};
  }

  it("every request's fork_info makes a spec get_domain pick the fork Lodestar verifies with, on both sides", () => {
    for (const c of cases) {
      const body = wireBody(c.msg);
      const where = `${c.label} at ${c.side}`;
      expect(toHex(specSignerDomain(body, c)), where).to.equal(toHex(c.referenceDomain(c.slot)));
      expect(toHex(specSignerDomain(body, c)), where).to.equal(toHex(c.referenceDomain(STATE_AFTER_BOUNDARY)));
      // The fork_info as docs/forks.md lists it; the last Electra slot never goes out with Fulu's version.
      const {forks} = config;
      const expected = {
        [ForkName.electra]: [forks.deneb.version, forks.electra.version, FULU_EPOCH - 1],
        [ForkName.fulu]: [forks.electra.version, forks.fulu.version, FULU_EPOCH],
        [ForkName.capella]: [forks.bellatrix.version, forks.capella.version, c.specEpoch],
      }[c.signedWith as string];
      if (expected === undefined) {
        expect(body.fork_info, where).to.equal(undefined);
      } else {
        expect(body.fork_info?.fork, where).to.deep.equal({
          previous_version: toHex(expected[0] as Uint8Array),
          current_version: toHex(expected[1] as Uint8Array),
          epoch: String(expected[2]),
        });
      }
    }
  });

  it("cohort signer signs every request on both sides over the root Lodestar verifies (raw HTTP)", async () => {
    for (const [i, c] of cases.entries()) {
      const {status, signature} = await post(pubkeys[i], wireBody(c.msg));
      const where = `${c.label} at ${c.side}`;
      expect(status, where).to.equal(200);
      expect(verifies(pubkeys[i], c.referenceRoot(STATE_AFTER_BOUNDARY), signature as Uint8Array), where).to.equal(
        true,
      );
    }
  });

  it("cohort's Web3Signer client gets signatures over the Lodestar roots on both sides", async () => {
    for (const [i, c] of cases.entries()) {
      const key = pubkeys[cases.length + i];
      const signature = await client.sign(key, c.msg);
      expect(verifies(key, c.referenceRoot(STATE_AFTER_BOUNDARY), signature), `${c.label} at ${c.side}`).to.equal(true);
    }
  });

  it("a fork_info naming Fulu for the last Electra slot is refused when its signingRoot is Electra's, and otherwise signs a root Lodestar rejects", async () => {
    const data = boundaryAttestationData(ForkName.electra);
    const msg: SignableMessage = {type: "ATTESTATION", data};
    const wrong: SigningForkInfo = {
      previousVersion: config.forks.electra.version,
      currentVersion: config.forks.fulu.version,
      epoch: data.target.epoch,
      genesisValidatorsRoot: BOUNDARY_GENESIS_VALIDATORS_ROOT,
    };
    const body = wireBody(msg, wrong);
    expect((await post(pubkeys[0], body)).status).to.equal(400);
    const {signingRoot: _omitted, ...noRoot} = body;
    const {status, signature} = await post(pubkeys[0], noRoot);
    expect(status).to.equal(200);
    const electra = cases.find((c) => c.side === ForkName.electra && c.msg.type === "ATTESTATION") as BoundaryCase;
    expect(verifies(pubkeys[0], electra.referenceRoot(STATE_AFTER_BOUNDARY), signature as Uint8Array)).to.equal(false);
  });

  it("sends a Fulu block as BLOCK_V2 {version: FULU, block_header} and cohort signer signs it", async () => {
    for (const [slot, version] of [
      [LAST_ELECTRA_SLOT, "ELECTRA"],
      [FIRST_FULU_SLOT, "FULU"],
    ] as const) {
      const block = boundaryBlock(config, slot, 3);
      const msg: SignableMessage = {type: "BLOCK_V2", data: blockToSignable(config, block, false)};
      const body = wireBody(msg);
      const beaconBlock = body.beacon_block as {version: string; block_header?: unknown; block?: unknown};
      expect(beaconBlock.version).to.equal(version);
      expect(beaconBlock.block).to.equal(undefined);
      const header = ssz.phase0.BeaconBlockHeader.fromJson(beaconBlock.block_header);
      expect(header.slot).to.equal(slot);
      expect(toHex(header.bodyRoot)).to.equal(
        toHex(config.getForkTypes(slot).BeaconBlockBody.hashTreeRoot(block.body)),
      );
      const {status, signature} = await post(pubkeys[0], body);
      expect(status).to.equal(200);
      const c = cases.find((x) => x.slot === slot && x.label === "BLOCK_V2") as BoundaryCase;
      // A different block than the case's (graffiti): check against Lodestar's root of this one.
      const root = getBlockProposerSignatureSet(config, {message: block, signature: new Uint8Array(96)}).signingRoot;
      expect(verifies(pubkeys[0], root, signature as Uint8Array)).to.equal(true);
      expect(toHex(root)).to.not.equal(toHex(c.referenceRoot(slot)));
    }
  });

  it("keeps slashing protection across the boundary: blocks and attestations on both sides", async () => {
    const key = pubkeys[1];
    const blockMsg = (slot: number, graffiti: number): SignableMessage => ({
      type: "BLOCK_V2",
      data: blockToSignable(config, boundaryBlock(config, slot, graffiti), false),
    });
    expect((await post(key, wireBody(blockMsg(LAST_ELECTRA_SLOT, 1)))).status).to.equal(200);
    expect((await post(key, wireBody(blockMsg(LAST_ELECTRA_SLOT, 2)))).status, "second Electra block").to.equal(412);
    expect((await post(key, wireBody(blockMsg(FIRST_FULU_SLOT, 1)))).status).to.equal(200);
    expect((await post(key, wireBody(blockMsg(FIRST_FULU_SLOT, 1)))).status, "same Fulu block again").to.equal(200);
    expect((await post(key, wireBody(blockMsg(FIRST_FULU_SLOT, 2)))).status, "second Fulu block").to.equal(412);

    const attestation = (source: number, target: number, rootByte: number): SignableMessage => {
      const data = ssz.phase0.AttestationData.defaultValue();
      data.slot = target * (FIRST_FULU_SLOT / FULU_EPOCH);
      data.source.epoch = source;
      data.target.epoch = target;
      data.beaconBlockRoot = new Uint8Array(32).fill(rootByte);
      return {type: "ATTESTATION", data};
    };
    const electraAtt = {type: "ATTESTATION", data: boundaryAttestationData(ForkName.electra)} as SignableMessage;
    const fuluAtt = {type: "ATTESTATION", data: boundaryAttestationData(ForkName.fulu)} as SignableMessage;
    expect((await post(key, wireBody(electraAtt))).status).to.equal(200);
    expect((await post(key, wireBody(fuluAtt))).status).to.equal(200);
    expect((await post(key, wireBody(attestation(0, FULU_EPOCH + 1, 9)))).status, "surrounds (1, 2)").to.equal(412);
    expect((await post(key, wireBody(attestation(1, FULU_EPOCH, 9)))).status, "double vote at 2").to.equal(412);
    // The same Fulu attestation signed under Electra's fork is another signing root at the same
    // target: a double vote, refused.
    const electraInfo: SigningForkInfo = {
      previousVersion: config.forks.deneb.version,
      currentVersion: config.forks.electra.version,
      epoch: FULU_EPOCH,
      genesisValidatorsRoot: BOUNDARY_GENESIS_VALIDATORS_ROOT,
    };
    const underElectra = toSignRequestBody(fuluAtt, electraInfo, new Uint8Array(32));
    const {signingRoot: _none, ...withoutRoot} = underElectra;
    expect((await post(key, withoutRoot)).status, "Fulu attestation under Electra's fork").to.equal(412);

    // What the signer recorded are the roots Lodestar verifies.
    const [record] = slashing.exportInterchange([key]).data;
    const byCase = (side: ForkName, label: string) =>
      cases.find((c) => c.side === side && c.label === label) as BoundaryCase;
    const blocks = record.signed_blocks.map((b) => Number(b.slot));
    expect(blocks).to.have.members([LAST_ELECTRA_SLOT, FIRST_FULU_SLOT]);
    const targets = record.signed_attestations.map((a) => [Number(a.target_epoch), a.signing_root]);
    expect(targets).to.deep.include.members([
      [FULU_EPOCH - 1, toHex(byCase(ForkName.electra, "ATTESTATION").referenceRoot(STATE_AFTER_BOUNDARY))],
      [FULU_EPOCH, toHex(byCase(ForkName.fulu, "ATTESTATION").referenceRoot(STATE_AFTER_BOUNDARY))],
    ]);
  });

  it("cohort's client reports the signer's refusal at the boundary as SIGNER_SLASHING_REFUSED", async () => {
    const key = pubkeys[2];
    const first: SignableMessage = {
      type: "BLOCK_V2",
      data: blockToSignable(config, boundaryBlock(config, FIRST_FULU_SLOT, 1), false),
    };
    const second: SignableMessage = {
      type: "BLOCK_V2",
      data: blockToSignable(config, boundaryBlock(config, FIRST_FULU_SLOT, 2), false),
    };
    await client.sign(key, first);
    try {
      await client.sign(key, second);
      expect.fail("signed a second Fulu block at the same slot");
    } catch (e) {
      expect(e).to.be.instanceOf(SignerError);
      expect((e as SignerError).code).to.equal("SIGNER_SLASHING_REFUSED");
    }
  });
});

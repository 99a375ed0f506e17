import {readFileSync} from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";
import {routes} from "@lodestar/api";
import {createBeaconConfig, createChainForkConfig} from "@lodestar/config";
import {minimalChainConfig} from "@lodestar/config/configs";
import {ssz} from "@lodestar/types";
import {expect} from "chai";
import {Registry} from "prom-client";
import type {ClusterLock} from "../../src/cluster/index.js";
import {parseClusterLock} from "../../src/cluster/index.js";
import {lockValidatorSettings} from "../../src/cluster/validatorSettings.js";
import {DutyType} from "../../src/consensus/types.js";
import {ManualClock} from "../../src/duties/clock.js";
import {PROPOSER_DUTY_TYPE} from "../../src/duties/proposer.js";
import {encodeProposerValue} from "../../src/duties/proposerValue.js";
import type {DutyRef} from "../../src/duties/shareExchange.js";
import {SYNC_SELECTION_DUTY_TYPE} from "../../src/duties/syncCommitteeContribution.js";
import {syncShareDutyType} from "../../src/duties/syncCommitteeSelection.js";
import {blockToSignable, type SignableMessage} from "../../src/eth/signing.js";
import {fromHex, toHex} from "../../src/util/hex.js";
import {DecidedBlocks} from "../../src/vapi/decidedBlocks.js";
import {ShareKeyMap} from "../../src/vapi/keyMap.js";
import type {CombinedShares} from "../../src/vapi/methods.js";
import {createVapiMetrics} from "../../src/vapi/metrics.js";
import {ValidatorApiServer} from "../../src/vapi/server.js";
import {VcSyncMessageStore} from "../../src/vapi/syncMessages.js";
import {ValidatorClientSigner} from "../../src/vapi/vcSigner.js";

/** One HTTP exchange as the recording proxy wrote it (fixtures/lodestar-vc-v1.22/README.md). */
interface Exchange {
  atMs: number;
  slot: number;
  inSlot: number;
  method: string;
  url: string;
  reqHeaders: Record<string, string>;
  reqBody: {json: unknown} | {ssz: string} | {text: string} | null;
  status: number;
  resHeaders: Record<string, string>;
  resBody: {json: unknown} | {ssz: string} | {text: string} | {stream: true} | null;
}

interface Recording {
  recordedWith: {
    chain: {
      SECONDS_PER_SLOT: number;
      genesisTime: number;
      genesisValidatorsRoot: string;
    };
    window: {fromSlot: number; toSlot: number};
  };
  clusterLock: unknown;
  vc: Exchange[];
  bn: Exchange[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/lodestar-vc-v1.22/recording.json", import.meta.url), "utf8"),
) as Recording;

const bodyBytes = (b: Exchange["reqBody"] | Exchange["resBody"]): Buffer | undefined => {
  if (b === null) return undefined;
  if ("ssz" in b) return Buffer.from(b.ssz, "hex");
  if ("json" in b) return Buffer.from(JSON.stringify(b.json));
  if ("text" in b) return Buffer.from(b.text);
  return undefined;
};
const path = (url: string) => url.split("?")[0];
/** Routes cohort proxies to its BN: the recorded BN answered them at another moment than the VC's request. */
const PROXIED = new Set(["GET /eth/v1/node/syncing", "GET /eth/v1/config/spec", "GET /eth/v1/beacon/genesis"]);
const routeOf = (e: Exchange) => `${e.method} ${path(e.url).replace(/\/\d+$/, "/{n}")}`;

/**
 * The beacon node as recorded behind operator 0's cohort node: it answers each request with the recorded
 * answer to the same method, URL and body (the recorded data, not made-up data).
 */
async function startRecordedBeaconNode(exchanges: Exchange[]): Promise<{url: string; close(): Promise<void>}> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const sameBody = (e: Exchange) => {
        const recorded = bodyBytes(e.reqBody);
        if (recorded === undefined) return body.length === 0;
        if (e.reqBody !== null && "json" in e.reqBody && body.length > 0) {
          try {
            return JSON.stringify(JSON.parse(body.toString())) === JSON.stringify(e.reqBody.json);
          } catch {
            return false;
          }
        }
        return recorded.equals(body);
      };
      const found =
        exchanges.find((e) => e.method === req.method && e.url === req.url && sameBody(e)) ??
        exchanges.find((e) => e.method === req.method && e.url === req.url);
      if (!found) {
        res.writeHead(404, {"content-type": "application/json"});
        res.end(JSON.stringify({code: 404, message: `not recorded: ${req.method} ${req.url}`}));
        return;
      }
      res.writeHead(found.status, found.resHeaders);
      res.end(bodyBytes(found.resBody));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r()))};
}

describe("replay of Lodestar v1.22's `validator --distributed` (recorded on a Deneb dev chain) against cohort's validator API", function () {
  this.timeout(60_000);
  const {chain, window} = fixture.recordedWith;
  const config = createBeaconConfig(
    createChainForkConfig({
      ...minimalChainConfig,
      SECONDS_PER_SLOT: chain.SECONDS_PER_SLOT,
      ALTAIR_FORK_EPOCH: 0,
      BELLATRIX_FORK_EPOCH: 0,
      CAPELLA_FORK_EPOCH: 0,
      DENEB_FORK_EPOCH: 0,
      ELECTRA_FORK_EPOCH: Number.POSITIVE_INFINITY,
      FULU_FORK_EPOCH: Number.POSITIVE_INFINITY,
    }),
    fromHex(chain.genesisValidatorsRoot, 32),
  );
  let lock: ClusterLock;
  let keys: ShareKeyMap;
  const defs = routes.validator.getDefinitions(config);
  const clock = new ManualClock(fixture.vc[0].atMs);
  let bn: {url: string; close(): Promise<void>};
  let server: ValidatorApiServer;
  let signer: ValidatorClientSigner;
  let syncMessages: VcSyncMessageStore;
  let blocks: DecidedBlocks;
  let url: string;
  /** What the share exchange was asked: the recorded combined selection proofs answer it. */
  const combinedProofs = new Map<string, Uint8Array>();
  const shares: CombinedShares = {
    publish: () => {},
    awaitCombined: async (ref: DutyRef, validator: string) => {
      const proof = combinedProofs.get(`${ref.slot}/${ref.dutyType}/${validator}`);
      if (!proof) throw new Error(`no recorded combined proof for ${validator} at ${ref.slot}`);
      return proof;
    },
  };

  before(async () => {
    lock = await parseClusterLock(fixture.clusterLock);
    keys = new ShareKeyMap(lock, 0);
    bn = await startRecordedBeaconNode(fixture.bn);
    const register = new Registry();
    const metrics = createVapiMetrics(register);
    signer = new ValidatorClientSigner({requestTimeoutMs: () => 60_000}, {config, clock, metrics});
    syncMessages = new VcSyncMessageStore(clock);
    blocks = new DecidedBlocks(config, clock);
    server = new ValidatorApiServer(
      {port: 0, beaconNodeUrls: [bn.url], waitMs: chain.SECONDS_PER_SLOT * 1000},
      {config, signer, keys, settings: lockValidatorSettings(lock), blocks, syncMessages, clock, shares, metrics},
    );
    url = await server.start();
  });
  after(async () => {
    signer.stop();
    syncMessages.stop();
    await server.stop();
    await bn.close();
  });

  /** Sends a recorded request byte for byte (method, URL, content type, accept, version header, body). */
  const replay = async (e: Exchange): Promise<{status: number; body: Buffer}> => {
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "accept", "eth-consensus-version"]) {
      if (e.reqHeaders[name]) headers[name] = e.reqHeaders[name];
    }
    const res = await fetch(url + e.url, {method: e.method, headers, body: bodyBytes(e.reqBody)});
    return {status: res.status, body: Buffer.from(await res.arrayBuffer())};
  };
  const ssz_ = (b: Exchange["resBody"] | Exchange["reqBody"]): Uint8Array => {
    if (b === null || !("ssz" in b)) throw new Error("expected an SSZ body");
    return new Uint8Array(Buffer.from(b.ssz, "hex"));
  };
  const json = <T>(b: Exchange["reqBody"]): T => {
    if (b === null || !("json" in b)) throw new Error("expected a JSON body");
    return b.json as T;
  };
  const shareOf = (validatorIndex: number): Uint8Array => {
    const validator = lock.validators[validatorIndex - 4].publicKey;
    return fromHex(keys.shareOf(validator) as string, 48);
  };
  const validatorKeyOf = (validatorIndex: number) => lock.validators[validatorIndex - 4].publicKey.toLowerCase();
  const inWindow = (e: Exchange) => e.slot >= window.fromSlot && e.slot <= window.toSlot;
  const next = (from: Exchange, route: string) =>
    fixture.vc.slice(fixture.vc.indexOf(from) + 1).find((e) => routeOf(e) === route && e.slot === from.slot);

  it("covers every duty of the --distributed flow, with the v1 routes of Deneb", () => {
    const routes = new Set(fixture.vc.filter(inWindow).map(routeOf));
    for (const r of [
      "GET /eth/v3/validator/blocks/{n}",
      "POST /eth/v2/beacon/blocks",
      "POST /eth/v1/validator/beacon_committee_selections",
      "GET /eth/v1/validator/attestation_data",
      "POST /eth/v1/beacon/pool/attestations",
      "GET /eth/v1/validator/aggregate_attestation",
      "POST /eth/v1/validator/aggregate_and_proofs",
      "POST /eth/v1/validator/sync_committee_selections",
      "POST /eth/v1/beacon/pool/sync_committees",
      "GET /eth/v1/validator/sync_committee_contribution",
      "POST /eth/v1/validator/contribution_and_proofs",
    ]) {
      expect(routes.has(r), r).to.equal(true);
    }
    const all = new Set(fixture.vc.map(routeOf));
    for (const r of ["POST /eth/v1/validator/register_validator", "POST /eth/v1/validator/prepare_beacon_proposer"]) {
      expect(all.has(r), r).to.equal(true);
    }
    // The block goes out as SSZ with its fork in Eth-Consensus-Version; v2 of Electra is not used on Deneb.
    const publish = fixture.vc.find((e) => routeOf(e) === "POST /eth/v2/beacon/blocks");
    expect(publish?.reqHeaders["eth-consensus-version"]).to.equal("deneb");
    expect(fixture.vc.some((e) => path(e.url) === "/eth/v2/beacon/pool/attestations")).to.equal(false);
  });

  it("every recorded request, replayed in order, gets the recorded status; decided data is answered byte for byte; every partial signature verifies against the share and answers the pipeline's request", async () => {
    const answered: {route: string; signature: Promise<Uint8Array>; expected: Uint8Array}[] = [];
    for (const e of fixture.vc) {
      if (e.resBody !== null && "stream" in e.resBody) continue;
      clock.advance(Math.max(0, e.atMs - clock.now()));
      const route = routeOf(e);
      const slot = e.slot;
      // The pipeline's side, as it stood when the VC asked: the decided values are what cohort answered.
      if (route === "GET /eth/v1/validator/attestation_data") {
        const data = ssz.phase0.AttestationData.deserialize(ssz_(e.resBody));
        const post = next(e, "POST /eth/v1/beacon/pool/attestations");
        for (const att of json<{aggregation_bits: string; signature: string}[]>(post?.reqBody ?? null)) {
          const duty = attesterDutyAt(slot, data.index);
          const msg: SignableMessage = {type: "ATTESTATION", data};
          answered.push({route, signature: signer.sign(shareOf(duty), msg), expected: fromHex(att.signature)});
        }
      } else if (route === "POST /eth/v1/validator/beacon_committee_selections") {
        for (const sel of json<{validator_index: string; slot: string; selection_proof: string}[]>(e.reqBody)) {
          const v = Number(sel.validator_index);
          combinedProofs.set(`${slot}/${DutyType.prepareAggregator}/${validatorKeyOf(v)}`, combinedSelectionOf(e, v));
          answered.push({
            route,
            signature: signer.sign(shareOf(v), {type: "AGGREGATION_SLOT", data: {slot}}),
            expected: fromHex(sel.selection_proof),
          });
        }
      } else if (route === "POST /eth/v1/validator/sync_committee_selections") {
        const selections = json<{validator_index: string; subcommittee_index: string; selection_proof: string}[]>(
          e.reqBody,
        );
        for (const sel of selections) {
          const v = Number(sel.validator_index);
          const subcommitteeIndex = Number(sel.subcommittee_index);
          // The k-th subcommittee of a validator is exchanged as duty type syncShareDutyType(7, k).
          const rank = selections
            .filter((x) => x.validator_index === sel.validator_index)
            .map((x) => Number(x.subcommittee_index))
            .sort((a, b) => a - b)
            .indexOf(subcommitteeIndex);
          const dutyType = syncShareDutyType(SYNC_SELECTION_DUTY_TYPE, rank);
          combinedProofs.set(
            `${slot}/${dutyType}/${validatorKeyOf(v)}`,
            combinedSyncSelectionOf(e, v, subcommitteeIndex),
          );
          answered.push({
            route,
            signature: signer.sign(shareOf(v), {
              type: "SYNC_COMMITTEE_SELECTION_PROOF",
              data: {slot, subcommitteeIndex},
            }),
            expected: fromHex(sel.selection_proof),
          });
        }
      } else if (route === "GET /eth/v1/validator/aggregate_attestation") {
        const aggregate = ssz.phase0.Attestation.deserialize(ssz_(e.resBody));
        const post = next(e, "POST /eth/v1/validator/aggregate_and_proofs");
        for (const signed of json<unknown[]>(post?.reqBody ?? null)) {
          const sent = ssz.phase0.SignedAggregateAndProof.fromJson(signed);
          const message = {
            aggregatorIndex: sent.message.aggregatorIndex,
            aggregate,
            selectionProof: combinedProofs.get(
              `${slot}/${DutyType.prepareAggregator}/${validatorKeyOf(sent.message.aggregatorIndex)}`,
            ) as Uint8Array,
          };
          // The VC signs exactly the decided aggregate with the combined proof cohort handed it.
          expect(ssz.phase0.AggregateAndProof.equals(sent.message, message)).to.equal(true);
          answered.push({
            route,
            signature: signer.sign(shareOf(message.aggregatorIndex), {type: "AGGREGATE_AND_PROOF", data: message}),
            expected: sent.signature,
          });
        }
      } else if (route === "GET /eth/v1/validator/sync_committee_contribution") {
        const contribution = ssz.altair.SyncCommitteeContribution.deserialize(ssz_(e.resBody));
        const posts = fixture.vc.filter(
          (p) => routeOf(p) === "POST /eth/v1/validator/contribution_and_proofs" && p.slot === slot,
        );
        for (const post of posts) {
          for (const signed of json<unknown[]>(post.reqBody)) {
            const sent = ssz.altair.SignedContributionAndProof.fromJson(signed);
            if (sent.message.contribution.subcommitteeIndex !== contribution.subcommitteeIndex) continue;
            expect(ssz.altair.SyncCommitteeContribution.equals(sent.message.contribution, contribution)).to.equal(true);
            answered.push({
              route,
              signature: signer.sign(shareOf(sent.message.aggregatorIndex), {
                type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
                data: sent.message,
              }),
              expected: sent.signature,
            });
          }
        }
      } else if (route === "GET /eth/v3/validator/blocks/{n}") {
        const proposer = proposerAt(slot);
        const randao = new URL(e.url, url).searchParams.get("randao_reveal") as string;
        answered.push({
          route,
          signature: signer.sign(shareOf(proposer), {
            type: "RANDAO_REVEAL",
            data: {epoch: Math.floor(slot / 8)},
          }),
          expected: fromHex(randao),
        });
        const contents = config.getPostDenebForkTypes(slot).BlockContents.deserialize(ssz_(e.resBody));
        const value = encodeProposerValue(config, slot, {blinded: false, block: contents.block, contents});
        await blocks
          .observe({decide: async () => ({value, round: 0})})
          .decide(slot, PROPOSER_DUTY_TYPE, {propose: async () => value, isValid: () => true, deadlineMs: 0});
        const post = next(e, "POST /eth/v2/beacon/blocks");
        const signed = config.getPostDenebForkTypes(slot).SignedBlockContents.deserialize(ssz_(post?.reqBody ?? null));
        answered.push({
          route: "POST /eth/v2/beacon/blocks",
          signature: signer.sign(shareOf(proposer), {
            type: "BLOCK_V2",
            data: blockToSignable(config, contents.block, false),
          }),
          expected: signed.signedBlock.signature,
        });
        // Blobs and proofs go out exactly as cohort handed them.
        expect(toHex(config.getPostDenebForkTypes(slot).BlockContents.serialize(contents))).to.equal(
          toHex(
            config.getPostDenebForkTypes(slot).BlockContents.serialize({
              block: signed.signedBlock.message,
              kzgProofs: signed.kzgProofs,
              blobs: signed.blobs,
            }),
          ),
        );
      }

      const res = await replay(e);
      expect(res.status, `${route} at slot ${slot}: ${res.body.toString().slice(0, 200)}`).to.equal(e.status);
      // Data cohort decides or maps (duties, validators, decided data, combined proofs): the same bytes.
      if (e.status === 200 && e.resBody !== null && "ssz" in e.resBody && !PROXIED.has(route)) {
        expect(toHex(res.body), route).to.equal(`0x${e.resBody.ssz}`);
      }
      if (route === "POST /eth/v1/beacon/pool/sync_committees") {
        for (const m of json<{validator_index: string; beacon_block_root: string; signature: string}[]>(e.reqBody)) {
          const kept = await syncMessages.awaitPartial(shareOf(Number(m.validator_index)), slot, clock.now() + 1000);
          expect(toHex(kept.beaconBlockRoot)).to.equal(m.beacon_block_root);
          expect(toHex(kept.signature)).to.equal(m.signature);
        }
      }
    }
    // Every pipeline request got the VC's partial signature, and only that one.
    expect(answered.length).to.be.greaterThan(10);
    for (const a of answered) expect(toHex(await a.signature), a.route).to.equal(toHex(a.expected));
    expect(new Set(answered.map((a) => a.route))).to.deep.equal(
      new Set([
        "GET /eth/v1/validator/attestation_data",
        "POST /eth/v1/validator/beacon_committee_selections",
        "POST /eth/v1/validator/sync_committee_selections",
        "GET /eth/v1/validator/aggregate_attestation",
        "GET /eth/v1/validator/sync_committee_contribution",
        "GET /eth/v3/validator/blocks/{n}",
        "POST /eth/v2/beacon/blocks",
      ]),
    );
  });

  /** The attester of the recorded duties (as cohort answered the VC) at `slot` in committee `index`. */
  function attesterDutyAt(slot: number, index: number): number {
    for (const e of fixture.vc.filter((x) => routeOf(x) === "POST /eth/v1/validator/duties/attester/{n}")) {
      const duties = defs.getAttesterDuties.resp.data.deserialize(ssz_(e.resBody), {} as never);
      const d = duties.find((x) => x.slot === slot && x.committeeIndex === index);
      if (d) return d.validatorIndex;
    }
    throw new Error(`no recorded attester duty at slot ${slot}`);
  }

  function proposerAt(slot: number): number {
    for (const e of fixture.vc.filter((x) => routeOf(x) === "GET /eth/v1/validator/duties/proposer/{n}")) {
      const d = defs.getProposerDuties.resp.data.deserialize(ssz_(e.resBody), {} as never).find((x) => x.slot === slot);
      if (d) return d.validatorIndex;
    }
    throw new Error(`no recorded proposer duty at slot ${slot}`);
  }

  /** The combined proof of validator `v` cohort answered in a recorded selections exchange. */
  function combinedSelectionOf(e: Exchange, v: number): Uint8Array {
    const answer = defs.submitBeaconCommitteeSelections.resp.data.deserialize(ssz_(e.resBody), {} as never);
    const found = answer.find((s) => s.validatorIndex === v);
    if (!found) throw new Error(`no combined selection of ${v}`);
    return found.selectionProof;
  }

  function combinedSyncSelectionOf(e: Exchange, v: number, subcommitteeIndex: number): Uint8Array {
    const answer = defs.submitSyncCommitteeSelections.resp.data.deserialize(ssz_(e.resBody), {} as never);
    const found = answer.find((s) => s.validatorIndex === v && s.subcommitteeIndex === subcommitteeIndex);
    if (!found) throw new Error(`no combined sync selection of ${v}`);
    return found.selectionProof;
  }
});

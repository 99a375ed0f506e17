import {ForkName} from "@lodestar/params";
import {expect} from "chai";
import {forkInfoForMessage, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {parseSignRequestBody, toSignRequestBody} from "../../../src/eth/web3signerFormat.js";
import {toHex} from "../../../src/util/hex.js";
import {FORK_EPOCHS, sampleMessages, TEST_GENESIS_VALIDATORS_ROOT, testConfig} from "./sampleMessages.js";

const config = testConfig();

function bodyOf(fork: ForkName, type: string, nth = 0): Record<string, unknown> {
  const msg = sampleMessages(config, fork).filter((m) => m.type === type)[nth];
  return JSON.parse(
    JSON.stringify(toSignRequestBody(msg, forkInfoForMessage(config, msg), signingRootOnNetwork(config, msg))),
  );
}

describe("eth/web3signerFormat", () => {
  for (const fork of [
    ForkName.phase0,
    ForkName.altair,
    ForkName.bellatrix,
    ForkName.deneb,
    ForkName.electra,
    ForkName.fulu,
  ]) {
    it(`round-trips every message type at ${fork} through JSON to the same signing root`, () => {
      for (const msg of sampleMessages(config, fork)) {
        const root = signingRootOnNetwork(config, msg);
        const json = JSON.parse(JSON.stringify(toSignRequestBody(msg, forkInfoForMessage(config, msg), root)));
        const parsed = parseSignRequestBody(json);
        expect(parsed.message.type).to.equal(msg.type);
        expect(toHex(parsed.signingRoot ?? new Uint8Array())).to.equal(toHex(root));
        expect(toHex(signingRootOnNetwork(config, parsed.message)), msg.type).to.equal(toHex(root));
      }
    });
  }

  it("writes Web3Signer's field names: signingRoot camelCase, snake_case payloads, decimal strings", () => {
    const att = bodyOf(ForkName.altair, "ATTESTATION");
    expect(Object.keys(att).sort()).to.deep.equal(["attestation", "fork_info", "signingRoot", "type"]);
    expect(att.fork_info).to.deep.equal({
      fork: {
        previous_version: toHex(config.forks.phase0.version),
        current_version: toHex(config.forks.altair.version),
        epoch: String(FORK_EPOCHS.altair),
      },
      genesis_validators_root: toHex(TEST_GENESIS_VALIDATORS_ROOT),
    });
    expect(att.attestation).to.have.keys(["slot", "index", "beacon_block_root", "source", "target"]);
    expect((att.attestation as {slot: unknown}).slot).to.be.a("string");

    expect(bodyOf(ForkName.altair, "SYNC_COMMITTEE_MESSAGE").sync_committee_message).to.have.keys([
      "beacon_block_root",
      "slot",
    ]);
    expect(bodyOf(ForkName.altair, "SYNC_COMMITTEE_SELECTION_PROOF").sync_aggregator_selection_data).to.have.keys([
      "slot",
      "subcommittee_index",
    ]);
    expect(bodyOf(ForkName.altair, "RANDAO_REVEAL").randao_reveal).to.have.keys(["epoch"]);
    expect(bodyOf(ForkName.altair, "AGGREGATION_SLOT").aggregation_slot).to.have.keys(["slot"]);
    expect(bodyOf(ForkName.altair, "VOLUNTARY_EXIT").voluntary_exit).to.have.keys(["epoch", "validator_index"]);
    expect(bodyOf(ForkName.altair, "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF").contribution_and_proof).to.have.keys([
      "aggregator_index",
      "contribution",
      "selection_proof",
    ]);
    const registration = bodyOf(ForkName.altair, "VALIDATOR_REGISTRATION");
    expect(registration).to.not.have.property("fork_info");
    expect(registration.validator_registration).to.have.keys(["fee_recipient", "gas_limit", "timestamp", "pubkey"]);
  });

  it("sends BLOCK_V2 as a full block before Bellatrix and as block_header from Bellatrix, upper-case version", () => {
    const phase0 = bodyOf(ForkName.phase0, "BLOCK_V2").beacon_block as Record<string, unknown>;
    expect(phase0.version).to.equal("PHASE0");
    expect(phase0).to.have.property("block");
    expect(phase0).to.not.have.property("block_header");
    const deneb = bodyOf(ForkName.deneb, "BLOCK_V2").beacon_block as Record<string, unknown>;
    expect(deneb.version).to.equal("DENEB");
    expect(deneb.block_header).to.have.keys(["slot", "proposer_index", "parent_root", "state_root", "body_root"]);
  });

  it("sends AGGREGATE_AND_PROOF_V2 as {version, data} with Electra's aggregate (committee_bits)", () => {
    const v2 = bodyOf(ForkName.electra, "AGGREGATE_AND_PROOF_V2").aggregate_and_proof as Record<string, unknown>;
    expect(v2.version).to.equal("ELECTRA");
    expect((v2.data as {aggregate: Record<string, unknown>}).aggregate).to.have.property("committee_bits");
    const v1 = bodyOf(ForkName.deneb, "AGGREGATE_AND_PROOF").aggregate_and_proof as Record<string, unknown>;
    expect(v1).to.have.keys(["aggregator_index", "aggregate", "selection_proof"]);
  });

  it("refuses malformed bodies with SIGNING_INVALID_MESSAGE", () => {
    const good = bodyOf(ForkName.altair, "ATTESTATION");
    const bad: unknown[] = [
      null,
      "ATTESTATION",
      {...good, type: "BLOCK"},
      {...good, signingRoot: "0x12"},
      {...good, attestation: {slot: "1"}},
      {...good, fork_info: {fork: {previous_version: "0x00000000", current_version: "0x01000000", epoch: "-1"}}},
      {...good, fork_info: {...(good.fork_info as object), genesis_validators_root: "0x00"}},
      {...bodyOf(ForkName.deneb, "BLOCK_V2"), beacon_block: {version: "NOPE", block_header: {}}},
      {...bodyOf(ForkName.phase0, "BLOCK_V2"), beacon_block: {version: "DENEB", block: {}}},
    ];
    for (const body of bad) {
      expect(() => parseSignRequestBody(body), JSON.stringify(body)?.slice(0, 60))
        .to.throw()
        .with.property("code", "SIGNING_INVALID_MESSAGE");
    }
  });
});

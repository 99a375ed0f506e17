import {expect} from "chai";
import {isAlreadyKnownMessage, isAlreadyKnownRefusal, parseRefusal} from "../../../src/eth/alreadyKnown.js";

describe("eth/alreadyKnown", () => {
  it("reads every client's wording of 'already known' and nothing else", () => {
    for (const known of [
      "BLOCK_ERROR_ALREADY_KNOWN",
      "ATTESTATION_ERROR_ATTESTATION_ALREADY_KNOWN",
      "ATTESTATION_ERROR_AGGREGATOR_ALREADY_KNOWN",
      "SYNC_COMMITTEE_ERROR_SYNC_COMMITTEE_MESSAGE_KNOWN",
      "SYNC_COMMITTEE_ERROR_SYNC_COMMITTEE_AGGREGATOR_ALREADY_KNOWN",
      "PublishError.Duplicate",
      "Verification: PriorAttestationKnown { validator_index: 4, epoch: 3 }",
      "AttestationSupersetKnown(0xab)",
      "AggregatorAlreadyKnown(5)",
      "PriorSyncCommitteeMessageKnown",
      "SyncContributionSupersetKnown",
      "block already known",
      "duplicate attestation",
      "Block already imported",
    ]) {
      expect(isAlreadyKnownMessage(known), known).to.equal(true);
    }
    for (const other of [
      "BLOCK_ERROR_INVALID_SIGNATURE",
      "ATTESTATION_ERROR_INVALID_SIGNATURE",
      "ATTESTATION_ERROR_UNKNOWN_BEACON_BLOCK_ROOT",
      "NOT_IN_SYNC_COMMITTEE",
      "Node is syncing",
      "",
    ]) {
      expect(isAlreadyKnownMessage(other), other).to.equal(false);
    }
  });

  it("a refusal is 'already known' only when every refused item is", () => {
    const r = (message: string, failures: {index: number; message: string}[] | null = null) =>
      isAlreadyKnownRefusal({status: 400, message, failures});
    expect(r("BLOCK_ERROR_ALREADY_KNOWN")).to.equal(true);
    expect(r("some failed", [{index: 1, message: "already known"}])).to.equal(true);
    expect(
      r("some failed", [
        {index: 0, message: "already known"},
        {index: 1, message: "invalid signature"},
      ]),
    ).to.equal(false);
    expect(
      r(
        "Multiple errors on submitPoolAttestations\nATTESTATION_ERROR_ATTESTATION_ALREADY_KNOWN\nPublishError.Duplicate",
      ),
    ).to.equal(true);
    expect(r("Multiple errors on submitPoolAttestations\nPublishError.Duplicate\nINVALID_SIGNATURE")).to.equal(false);
    // The header alone says nothing of the items.
    expect(r("Multiple errors on submitPoolAttestations")).to.equal(false);
    expect(r("")).to.equal(false);
  });

  it("parses the Beacon API error body, or keeps the raw text", () => {
    expect(
      parseRefusal(400, '{"code":400,"message":"x","failures":[{"index":"2","message":"duplicate"}]}', "f"),
    ).to.deep.equal({
      status: 400,
      message: "x",
      failures: [{index: 2, message: "duplicate"}],
    });
    expect(parseRefusal(500, '{"code":500,"message":"BLOCK_ERROR_ALREADY_KNOWN"}', "f")).to.deep.equal({
      status: 500,
      message: "BLOCK_ERROR_ALREADY_KNOWN",
      failures: null,
    });
    expect(parseRefusal(502, "Bad Gateway", "f")).to.deep.equal({status: 502, message: "Bad Gateway", failures: null});
    expect(parseRefusal(504, null, "timeout")).to.deep.equal({status: 504, message: "timeout", failures: null});
  });
});

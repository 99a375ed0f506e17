import {expect} from "chai";
import {type AuditBlock, auditChain, onChainRatio} from "../../../test/interop/chainAudit.js";
import {scanLodestarLog} from "../../../test/interop/logScan.js";

/** Canned chain data: 8 validators, 4-slot epochs, epochs 1..2 audited for validators 4..7. */
const SLOTS_PER_EPOCH = 4;
const committees = [
  // epoch 1: slots 4..7, one committee of two per slot
  {slot: 4, index: 0, validators: [4, 0]},
  {slot: 5, index: 0, validators: [1, 5]},
  {slot: 6, index: 0, validators: [6, 2]},
  {slot: 7, index: 0, validators: [3, 7]},
  // epoch 2: slots 8..11, two committees in slot 8
  {slot: 8, index: 0, validators: [4, 5]},
  {slot: 8, index: 1, validators: [6, 0]},
  {slot: 9, index: 0, validators: [1, 2]},
  {slot: 10, index: 0, validators: [3, 7]},
  {slot: 11, index: 0, validators: [0, 1]},
];
const syncCommittee = [4, 5, 0, 1, 6, 7, 2, 4];

function block(slot: number, proposerIndex: number, over: Partial<AuditBlock> = {}): AuditBlock {
  return {
    slot,
    proposerIndex,
    attestations: [],
    syncCommitteeBits: syncCommittee.map(() => true),
    proposerSlashings: 0,
    attesterSlashings: 0,
    feeRecipient: null,
    ...over,
  };
}

const att = (slot: number, index: number, bits: boolean[], committeeBits: boolean[] | null = null) => ({
  slot,
  index,
  aggregationBits: bits,
  committeeBits,
});

describe("interop/chainAudit on canned chain data", () => {
  const proposers = [4, 5, 6, 7, 8, 9, 10, 11].map((slot) => ({slot, validatorIndex: slot % 8}));

  it("counts attestations (pre-Electra and Electra), sync participation and proposals of the validators", () => {
    const blocks = [
      block(5, 5, {attestations: [att(4, 0, [true, true])]}), // v4 of slot 4
      block(6, 6, {attestations: [att(5, 0, [false, true])]}), // v5
      // slot 7 empty: the sync messages of slot 6 have no block to go in; proposer 7 missed
      block(8, 0, {attestations: [att(6, 0, [true, false]), att(7, 0, [false, false])]}), // v6; v7's bit unset
      // Electra form: committees 0 and 1 of slot 8 concatenated
      block(9, 1, {attestations: [att(8, 0, [true, false, true, false], [true, true])]}), // v4, v6; v5 unset
      block(11, 3, {
        attestations: [att(10, 0, [false, true])], // v7 of slot 10
        // sync bits of slot 10: v4's seats 0 and 7 — one set is enough; v5 (seat 1) unset
        syncCommitteeBits: [false, false, true, true, true, true, true, true],
      }),
      block(12, 4, {attestations: [att(11, 0, [true, true])]}), // nobody of ours
    ];
    const audit = auditChain({
      validators: [4, 5, 6, 7],
      slotsPerEpoch: SLOTS_PER_EPOCH,
      epochs: {from: 1, to: 2},
      committees,
      proposers,
      syncCommittees: new Map([1, 2, 3].map((e) => [e, syncCommittee])),
      blocks,
    });
    expect(audit.attestations).to.deep.equal({
      duties: 8,
      onChain: 6,
      missing: ["v7@slot 7", "v5@slot 8"],
    });
    // Blocks 5, 6, 8, 9, 11 carry slots 4, 5, 7, 8, 10 (block 12's slot 11 is in range too): 6 × 4 duties.
    expect(audit.syncMessages.duties).to.equal(24);
    expect(audit.syncMessages.missing).to.deep.equal(["v5@slot 10"]);
    expect(audit.proposals).to.deep.equal({duties: 4, onChain: 2, missing: ["v4@slot 4", "v7@slot 7"]});
    expect(audit.slashings).to.deep.equal({proposer: 0, attester: 0});
    expect(onChainRatio(audit.attestations)).to.equal(0.75);
  });

  it("audits the fee recipient of the validators' blocks in range against the lock's (none without a lock)", () => {
    const lockFee = `0x${"aa".repeat(20)}`;
    const blocks = [
      block(5, 5, {feeRecipient: lockFee}),
      block(6, 6, {feeRecipient: `0x${"00".repeat(20)}`}), // the BN's default: not prepared
      block(8, 0, {feeRecipient: `0x${"00".repeat(20)}`}), // not ours
      block(12, 4, {feeRecipient: `0x${"00".repeat(20)}`}), // ours, after the audited epochs
    ];
    const input = {
      validators: [4, 5, 6, 7],
      slotsPerEpoch: SLOTS_PER_EPOCH,
      epochs: {from: 1, to: 2},
      committees,
      proposers,
      syncCommittees: new Map<number, number[]>(),
      blocks,
    };
    const fees = new Map([4, 5, 6, 7].map((v) => [v, lockFee.toUpperCase().replace("0X", "0x")]));
    expect(auditChain({...input, feeRecipients: fees}).feeRecipients).to.deep.equal({
      duties: 2,
      onChain: 1,
      missing: [`v6@slot 6 paid 0x${"00".repeat(20)}`],
    });
    expect(auditChain(input).feeRecipients).to.deep.equal({duties: 0, onChain: 0, missing: []});
  });

  it("reports slashings in any block read and a ratio of 1 without duties", () => {
    const audit = auditChain({
      validators: [9],
      slotsPerEpoch: SLOTS_PER_EPOCH,
      epochs: {from: 1, to: 1},
      committees,
      proposers,
      syncCommittees: new Map(),
      blocks: [block(5, 5, {attesterSlashings: 1}), block(6, 6, {proposerSlashings: 2})],
    });
    expect(audit.slashings).to.deep.equal({proposer: 2, attester: 1});
    expect(audit.attestations.duties).to.equal(0);
    expect(onChainRatio(audit.attestations)).to.equal(1);
  });
});

describe("interop/logScan on canned Lodestar logs", () => {
  it("finds error lines (colours stripped), separating Lodestar's own known ones", () => {
    const esc = String.fromCharCode(27);
    const log = [
      `Dec-07 19:12:00.123[network]         ${esc}[31merror${esc}[39m: PeerDiscovery: discv5 has no boot enr`,
      "Eph 0/1 0.617[api]             error: Error on publishContributionAndProofs [0] slot=0, code=SYNC_COMMITTEE_ERROR_NOT_CURRENT_SLOT",
      "Eph 0/1 0.700[rest]             info: Publishing block slot=3",
      "Eph 0/1 0.800[chain]            warn: something slow",
      "Eph 1/2 1.012[rest]            error: Req req-5k publishBlockV2 error code=BLOCK_ERROR_ALREADY_KNOWN, root=0xf158",
      "Eph 2/1 1.0[]                  error: Error signing SyncCommitteeContribution slot=9, index=3, validatorIndex=2 - 404",
      "",
    ].join("\n");
    const scanned = scanLodestarLog(log);
    expect(scanned.errors).to.deep.equal([
      "Eph 0/1 0.617[api]             error: Error on publishContributionAndProofs [0] slot=0, code=SYNC_COMMITTEE_ERROR_NOT_CURRENT_SLOT",
    ]);
    expect(scanned.known.map((k) => k.why)).to.deep.equal([
      "the dev chain has no boot nodes (printed at start)",
      "four nodes share one BN that produced the block: the copies after the first are already known",
      "Lodestar's own validator client (interop validators 0..3)",
    ]);
    expect(
      scanLodestarLog("Eph 2/1 1.0[]  error: Error proposing block slot=9, validator=0x88c1…532e - Timeout").known
        .length,
    ).to.equal(1);
    // A block the BN could not build, engine only or with a builder that made no bid: the same known failure.
    for (const failed of ["Engine failed", "Builder and engine both failed"]) {
      const line = `Eph 6/6 1.293[rest]            error: Req req-5lj produceBlockV3 error - ${failed} to produce the block`;
      expect(scanLodestarLog(line).errors).to.deep.equal([]);
    }
    // The own validator client's failures in the dev chain's log; in a validator client's own log they count.
    const vcLine = "Eph 0/6 0.637[]                error: Error on attestation routine slot=5 - 404";
    expect(scanLodestarLog(vcLine).known.length).to.equal(1);
    expect(scanLodestarLog(vcLine, "validator").errors).to.deep.equal([vcLine]);
    // In a validator client's log, a validator of the cluster named in such a line is cohort's to answer for.
    expect(
      scanLodestarLog("Eph 2/1 1.0[]  error: Error proposing block slot=9, validatorIndex=5", "validator").errors
        .length,
    ).to.equal(1);
  });
});

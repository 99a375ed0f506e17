import {SecretKey} from "@chainsafe/blst";
import {ForkName} from "@lodestar/params";
import {computeDomain as stComputeDomain} from "@lodestar/state-transition";
import {expect} from "chai";
import {LocalShareSigner} from "../../../src/eth/localSigner.js";
import {forkInfoForMessage, messageDomain, signingRootOnNetwork} from "../../../src/eth/signing.js";
import {verifies} from "../../../src/eth/web3signer.js";
import {toHex} from "../../../src/util/hex.js";
import {
  boundaryAttestationData,
  boundaryCases,
  boundaryConfig,
  FIRST_FULU_SLOT,
  FULU_EPOCH,
  inclusionRoots,
  LAST_ELECTRA_SLOT,
  POST_ELECTRA_TYPES,
  STATE_AFTER_BOUNDARY,
  versionOf,
} from "./forkBoundary.js";

const config = boundaryConfig();
const cases = boundaryCases(config);

describe("eth/signing at an Electra → Fulu boundary (checked against @lodestar/state-transition)", () => {
  it("has the boundary where the test says: slot before is Electra, slot after is Fulu", () => {
    expect(config.getForkName(LAST_ELECTRA_SLOT)).to.equal(ForkName.electra);
    expect(config.getForkName(FIRST_FULU_SLOT)).to.equal(ForkName.fulu);
    expect(toHex(config.forks.electra.version)).to.not.equal(toHex(config.forks.fulu.version));
  });

  it("covers every post-Electra message type on both sides", () => {
    for (const side of [ForkName.electra, ForkName.fulu]) {
      const types = new Set(cases.filter((c) => c.side === side).map((c) => c.msg.type));
      expect([...types]).to.have.members([...POST_ELECTRA_TYPES]);
    }
  });

  for (const c of cases) {
    const slotName = c.side === ForkName.electra ? "the last Electra slot" : "the first Fulu slot";
    it(`${c.label} at ${slotName}: signed with ${c.signedWith}, the root Lodestar verifies`, () => {
      const got = signingRootOnNetwork(config, c.msg);
      // The root the node checking it computes: with its state at the message's slot, and with a head
      // state already past the boundary (Fulu, previous version Electra).
      expect(toHex(got), "state at the message").to.equal(toHex(c.referenceRoot(c.slot)));
      expect(toHex(got), "state past the boundary").to.equal(toHex(c.referenceRoot(STATE_AFTER_BOUNDARY)));
      // And the fork is the one the specs name, spelled out (not only "whatever Lodestar does").
      const domain = messageDomain(c.msg, forkInfoForMessage(config, c.msg), config.GENESIS_FORK_VERSION);
      expect(toHex(domain)).to.equal(toHex(c.referenceDomain(STATE_AFTER_BOUNDARY)));
      const gvr = c.signedWith === "genesis" ? new Uint8Array(32) : config.genesisValidatorsRoot;
      expect(toHex(domain)).to.equal(toHex(stComputeDomain(c.domainType, versionOf(config, c), gvr)));
    });
  }

  it("signs the two sides of each fork-bound type under different fork versions", () => {
    for (const type of POST_ELECTRA_TYPES) {
      if (type === "VOLUNTARY_EXIT" || type === "VALIDATOR_REGISTRATION") continue;
      const [electra, fulu] = [ForkName.electra, ForkName.fulu].map((side) => {
        const c = cases.find((x) => x.side === side && x.label === type);
        if (!c) throw new Error(`no ${type} at ${side}`);
        return messageDomain(c.msg, forkInfoForMessage(config, c.msg), null);
      });
      expect(toHex(electra.subarray(4)), type).to.not.equal(toHex(fulu.subarray(4)));
    }
  });

  it("gives a Web3Signer fork_info that names the message's own fork (never Fulu for the last Electra slot)", () => {
    for (const c of cases) {
      const info = forkInfoForMessage(config, c.msg);
      if (c.signedWith === "genesis") {
        expect(info, c.label).to.equal(null);
        continue;
      }
      if (info === null) throw new Error(`${c.label}: no fork_info`);
      expect(toHex(info.currentVersion), `${c.label} at ${c.side}`).to.equal(toHex(versionOf(config, c)));
      // get_domain picks current_version only if the message's epoch is not before fork_info's epoch.
      expect(c.specEpoch, c.label).to.not.equal(null);
      expect(c.specEpoch as number, `${c.label} at ${c.side}`).to.be.gte(info.epoch);
    }
  });

  it("a Fulu block verifies the Electra-side messages it includes (sync aggregate and attestation) under Electra", () => {
    // The first Fulu block carries the sync committee messages of the last Electra slot and an
    // attestation whose target is epoch 1: the state transition checks both with the previous version.
    const electraSync = cases.find((c) => c.side === ForkName.electra && c.msg.type === "SYNC_COMMITTEE_MESSAGE");
    const electraAtt = cases.find((c) => c.side === ForkName.electra && c.msg.type === "ATTESTATION");
    if (!electraSync || !electraAtt || electraSync.msg.type !== "SYNC_COMMITTEE_MESSAGE") throw new Error("fixtures");
    const included = inclusionRoots(
      config,
      FIRST_FULU_SLOT,
      electraSync.msg.data.beaconBlockRoot,
      boundaryAttestationData(ForkName.electra),
    );
    expect(toHex(signingRootOnNetwork(config, electraSync.msg))).to.equal(toHex(included.syncAggregate));
    expect(toHex(signingRootOnNetwork(config, electraAtt.msg))).to.equal(toHex(included.attestation));
    expect(toHex(signingRootOnNetwork(config, {type: "RANDAO_REVEAL", data: {epoch: FULU_EPOCH}}))).to.equal(
      toHex(included.randao),
    );
  });

  it("the in-process signer signs each case over the Lodestar root on both sides", async () => {
    const secret = SecretKey.fromKeygen(new Uint8Array(32).fill(7));
    const pubkey = secret.toPublicKey().toBytes();
    const signer = new LocalShareSigner({secretKeys: [secret.toBytes()]}, {config});
    for (const c of cases) {
      const signature = await signer.sign(pubkey, c.msg);
      expect(verifies(pubkey, c.referenceRoot(STATE_AFTER_BOUNDARY), signature), `${c.label} at ${c.side}`).to.equal(
        true,
      );
    }
  });
});

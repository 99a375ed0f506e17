/**
 * A minimal in-memory stand-in for src/slashing in these tests only (double proposals, double and
 * surround votes), so the signer's 412 path is exercised independently of the DB's own tests.
 */

import type {SignerSlashingProtection} from "../../../src/eth/signerServer.js";
import {CohortError} from "../../../src/util/errors.js";
import {bytesEqual, toHex} from "../../../src/util/hex.js";

class TestSlashingError extends CohortError<{code: "SLASHING_TEST_REFUSED"}> {}

export class MemorySlashingProtection implements SignerSlashingProtection {
  readonly blocks = new Map<string, {slot: number; signingRoot: Uint8Array}[]>();
  readonly attestations = new Map<string, {sourceEpoch: number; targetEpoch: number; signingRoot: Uint8Array}[]>();

  checkAndInsertBlock(pubkey: Uint8Array, block: {slot: number; signingRoot: Uint8Array}): void {
    const list = this.blocks.get(toHex(pubkey)) ?? [];
    const same = list.find((b) => b.slot === block.slot);
    if (same && !bytesEqual(same.signingRoot, block.signingRoot)) throw refused("double proposal");
    if (!same) list.push(block);
    this.blocks.set(toHex(pubkey), list);
  }

  checkAndInsertAttestation(
    pubkey: Uint8Array,
    att: {sourceEpoch: number; targetEpoch: number; signingRoot: Uint8Array},
  ): void {
    const list = this.attestations.get(toHex(pubkey)) ?? [];
    for (const a of list) {
      if (a.targetEpoch === att.targetEpoch && !bytesEqual(a.signingRoot, att.signingRoot))
        throw refused("double vote");
      if (
        (a.sourceEpoch < att.sourceEpoch && att.targetEpoch < a.targetEpoch) ||
        (att.sourceEpoch < a.sourceEpoch && a.targetEpoch < att.targetEpoch)
      ) {
        throw refused("surround vote");
      }
    }
    list.push(att);
    this.attestations.set(toHex(pubkey), list);
  }
}

function refused(reason: string): TestSlashingError {
  return new TestSlashingError({code: "SLASHING_TEST_REFUSED"}, reason);
}

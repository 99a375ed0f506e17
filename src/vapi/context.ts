import {ApiError} from "@lodestar/api/server";
import {type SignableMessage, signingRootOnNetwork} from "../eth/signing.js";
import {bytesEqual, fromHex, toHex} from "../util/hex.js";
import {VapiError} from "./errors.js";
import type {CombinedShares, InterceptModules} from "./methods.js";
import {isValidPartialSignature, type PendingSignature} from "./vcSigner.js";

/** What every group of intercepted routes shares: the modules, the index → share map, partial-signature intake. */
export interface InterceptContext {
  m: InterceptModules;
  /** Notes the share key of a validator index seen in the BN's answers (narrows whose partial a submission is). */
  noteIndex(index: number, shareKey: Uint8Array): void;
  /** This node's share key (0x-hex) of a cluster validator index, once seen. */
  shareOfIndex(index: number): string | undefined;
  /**
   * How long a VC's request for `slot`'s decided data may wait: `maxMs`, but never past the last twelfth of
   * the slot. Lodestar's VC runs each slot's tasks one after the other (its `runEverySlot` skips a slot whose
   * predecessor's task overran it), so a request held into the next slot costs the VC that whole slot.
   */
  waitWithinSlot(slot: number, maxMs: number): Promise<number>;
  /**
   * Feeds a partial signature to the pending request it answers (one of `candidates`: the requests over the
   * same signing root); VAPI_NOT_DECIDED when none (`anyForSlot`: the VC signed other data than decided),
   * VAPI_INVALID_SIGNATURE when it does not verify. A repeated, already taken signature is no error.
   */
  accept(
    type: SignableMessage["type"],
    slot: number,
    candidates: PendingSignature[],
    anyForSlot: boolean,
    signature: Uint8Array,
  ): void;
  /**
   * Waits (up to `waitMs`) for the pipeline's request `isFor` accepts that `signature` verifies for, and
   * hands the signature to it. VAPI_INVALID_SIGNATURE when such requests wait but none verifies it.
   */
  takeAwaited(
    type: SignableMessage["type"],
    slot: number,
    isFor: (p: PendingSignature) => boolean,
    signature: Uint8Array,
    describe: string,
    waitMs?: number,
  ): Promise<PendingSignature>;
  /**
   * `accept` for a partial signature over `msg`: the candidates are the pending requests `isForSlot` picks
   * (those of this node's share of `validatorIndex`, once known) over the same signing root.
   */
  acceptOverDecided(
    msg: SignableMessage,
    slot: number,
    validatorIndex: number,
    isForSlot: (p: PendingSignature) => boolean,
    signature: Uint8Array,
  ): void;
  /**
   * A VC's partial selection proof: taken by the pipeline's request (`takeAwaited`: `isFor`, narrowed to this
   * node's share of `validatorIndex` once known), then the cluster's combined proof of that validator for
   * the duty `dutyTypeOf(request)` of `slot`.
   */
  combineSelectionProof(
    shares: CombinedShares,
    sel: {
      type: SignableMessage["type"];
      slot: number;
      validatorIndex: number;
      selectionProof: Uint8Array;
      isFor: (p: PendingSignature) => boolean;
      describe: string;
      dutyTypeOf: () => number | Promise<number>;
    },
  ): Promise<Uint8Array>;
  /**
   * Runs `take` on every item of a batch of partial signatures: valid ones are taken even when others fail;
   * any failure answers 400 listing them (by index), as the Beacon API does for batches.
   */
  eachPartial<T>(items: readonly T[], what: string, take: (item: T) => void): void;
  /**
   * Checks a partial signature no pipeline request asked for (exits, registrations) against this node's key
   * share over `msg`; VAPI_INVALID_SIGNATURE (counted) when it does not verify. Returns the signing root.
   */
  verifyUnrequested(shareKeyHex: string, msg: SignableMessage, signature: Uint8Array, what: string): Uint8Array;
}

export function createInterceptContext(m: InterceptModules): InterceptContext {
  const shareByIndex = new Map<number, string>();
  const accept: InterceptContext["accept"] = (type, slot, candidates, anyForSlot, signature) => {
    // The VC sent a signature it already sent (a retry): it was taken then.
    if (candidates.length === 0 && m.signer.wasTaken(signature)) return;
    if (candidates.length === 0) {
      m.metrics?.partialSignatures.inc({type, result: "not_decided"});
      throw new VapiError(
        {code: "VAPI_NOT_DECIDED", type, slot},
        anyForSlot
          ? `the ${type} for slot ${slot} signs data other than the value the cluster decided`
          : `no ${type} of slot ${slot} awaits a partial signature (not decided here, or already signed)`,
      );
    }
    const match = candidates.find((c) => isValidPartialSignature(c, signature)) ?? candidates[0];
    m.signer.provide(match, signature);
  };

  const takeAwaited: InterceptContext["takeAwaited"] = async (
    type,
    slot,
    isFor,
    signature,
    describe,
    waitMs = m.waitMs,
  ) => {
    const invalid = (sharePubkey: string) => {
      m.metrics?.partialSignatures.inc({type, result: "invalid"});
      return new VapiError(
        {code: "VAPI_INVALID_SIGNATURE", sharePubkey, type},
        `${describe} does not verify against this node's key share`,
      );
    };
    // Requests for it wait already and none takes this signature: refused at once.
    const waiting = m.signer.pending(isFor);
    if (waiting.length > 0 && !waiting.some((p) => isValidPartialSignature(p, signature))) {
      throw invalid(waiting[0].shareKeyHex);
    }
    let request: PendingSignature;
    try {
      request = await m.signer.awaitRequest((p) => isFor(p) && isValidPartialSignature(p, signature), waitMs, {
        type,
        slot,
      });
    } catch (e) {
      const late = m.signer.pending(isFor);
      if (late.length > 0) throw invalid(late[0].shareKeyHex);
      throw e;
    }
    m.signer.provide(request, signature);
    return request;
  };
  return {
    m,
    async waitWithinSlot(slot, maxMs) {
      const slotMs = m.config.SECONDS_PER_SLOT * 1000;
      const lastMs = (await m.genesisTime()) * 1000 + (slot + 1) * slotMs - slotMs / 12;
      return Math.max(0, Math.min(maxMs, lastMs - m.clock.now()));
    },
    noteIndex: (index, shareKey) => shareByIndex.set(index, toHex(shareKey)),
    shareOfIndex: (index) => shareByIndex.get(index),

    verifyUnrequested(shareKeyHex, msg, signature, what) {
      const request: PendingSignature = {
        shareKey: fromHex(shareKeyHex, 48),
        shareKeyHex,
        msg,
        signingRoot: signingRootOnNetwork(m.config, msg),
      };
      if (!isValidPartialSignature(request, signature)) {
        m.metrics?.partialSignatures.inc({type: msg.type, result: "invalid"});
        throw new VapiError(
          {code: "VAPI_INVALID_SIGNATURE", sharePubkey: shareKeyHex, type: msg.type},
          `${what} does not verify against this node's key share`,
        );
      }
      return request.signingRoot;
    },

    accept,
    takeAwaited,

    acceptOverDecided(msg, slot, validatorIndex, isForSlot, signature) {
      const signingRoot = signingRootOnNetwork(m.config, msg);
      const share = shareByIndex.get(validatorIndex);
      const forSlot = m.signer.pending((p) => isForSlot(p) && (share === undefined || p.shareKeyHex === share));
      accept(
        msg.type,
        slot,
        forSlot.filter((p) => bytesEqual(p.signingRoot, signingRoot)),
        forSlot.length > 0,
        signature,
      );
    },

    async combineSelectionProof(shares, sel) {
      const share = shareByIndex.get(sel.validatorIndex);
      const request = await takeAwaited(
        sel.type,
        sel.slot,
        (p) => sel.isFor(p) && (share === undefined || p.shareKeyHex === share),
        sel.selectionProof,
        sel.describe,
      );
      const dutyType = await sel.dutyTypeOf();
      return shares.awaitCombined(
        {slot: sel.slot, dutyType},
        m.keys.validatorOf(request.shareKeyHex) as string,
        m.clock.now() + 2 * m.waitMs,
      );
    },

    eachPartial(items, what, take) {
      const failures: {index: number; message: string}[] = [];
      items.forEach((item, index) => {
        try {
          take(item);
        } catch (e) {
          if (!(e instanceof VapiError)) throw e;
          m.logger.warn(`validator client ${what} refused`, {index, ...e.getMetadata()});
          failures.push({index, message: e.message});
        }
      });
      if (failures.length > 0) {
        throw new ApiError(400, failures.map((f) => `${what} ${f.index}: ${f.message}`).join("; "));
      }
    },
  };
}

import {type DutyFailureReason, failureReason} from "./outcome.js";
import type {DutyRef, OwnShare, ShareExchange} from "./shareExchange.js";

export interface ExchangeAndSubmitHandlers<T> {
  fail(validator: string, reason: DutyFailureReason, detail: string): void;
  /** Sends the validator's combined signature to the BN; a throw ends its duty as `bn_rejected`. */
  submit(item: T, signature: Uint8Array): Promise<unknown>;
  /** Reports the `submitted` outcome once the BN took it. */
  submitted(item: T): void;
}

/**
 * The common end of a duty signed for several validators: publish this node's shares under one exchange
 * duty, then per validator wait for the combined (verified) signature and submit it. Every share ends in
 * exactly one outcome: submitted, or failed (`combine_expired` / `stopped`, `bn_rejected`).
 */
export async function exchangeAndSubmit<T extends {share: OwnShare}>(
  shares: Pick<ShareExchange, "publish" | "awaitCombined">,
  ref: DutyRef,
  own: T[],
  deadlineMs: number,
  h: ExchangeAndSubmitHandlers<T>,
): Promise<void> {
  try {
    shares.publish(
      ref,
      own.map((s) => s.share),
      deadlineMs,
    );
  } catch (e) {
    for (const {share} of own) h.fail(share.validator, failureReason(e, "combine_expired"), (e as Error).message);
    return;
  }
  await Promise.all(
    own.map(async (item) => {
      let signature: Uint8Array;
      try {
        signature = await shares.awaitCombined(ref, item.share.validator, deadlineMs);
      } catch (e) {
        return h.fail(item.share.validator, failureReason(e, "combine_expired"), (e as Error).message);
      }
      try {
        await h.submit(item, signature);
      } catch (e) {
        return h.fail(item.share.validator, "bn_rejected", (e as Error).message);
      }
      h.submitted(item);
    }),
  );
}

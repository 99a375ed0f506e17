import {PublicKey, Signature, verify} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import type {ShareSigner} from "../duties/attester.js";
import type {Clock} from "../duties/clock.js";
import {type SignableMessage, signingRootOnNetwork, signingSlot} from "../eth/signing.js";
import {bytesEqual, toHex} from "../util/hex.js";
import {type Logger, nullLogger} from "../util/logger.js";
import {VapiError} from "./errors.js";
import type {VapiMetrics} from "./metrics.js";

/** A signing request of the pipeline that waits for the validator client's partial signature. */
export interface PendingSignature {
  readonly shareKey: Uint8Array;
  readonly shareKeyHex: string;
  readonly msg: SignableMessage;
  readonly signingRoot: Uint8Array;
}

interface PendingEntry extends PendingSignature {
  resolve(signature: Uint8Array): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

interface Waiter {
  match(p: PendingSignature): boolean;
  resolve(p: PendingSignature): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

export interface ValidatorClientSignerOpts {
  /** How long a signing request waits for the VC before the duty gives up on it (ms). */
  requestTimeoutMs(msg: SignableMessage): number;
}

export interface ValidatorClientSignerModules {
  config: BeaconConfig;
  clock: Clock;
  logger?: Logger;
  metrics?: VapiMetrics;
}

/**
 * The share signer of validator-API mode: the key share lives in the validator client (VC), so a signing
 * request of the pipeline is parked until the VC hands in its partial signature over the same message
 * (through the Beacon API the VC calls). A partial signature is only taken after it verifies against the
 * request's key share over the request's signing root: data other than the decided value never matches.
 */
export class ValidatorClientSigner implements ShareSigner {
  private readonly pendingRequests: PendingEntry[] = [];
  private readonly waiters: Waiter[] = [];
  /** Recently taken partial signatures (0x-hex), oldest first: a VC sending one again is not an error. */
  private readonly taken = new Set<string>();
  private readonly logger: Logger;
  private stopped = false;

  constructor(
    private readonly opts: ValidatorClientSignerOpts,
    private readonly modules: ValidatorClientSignerModules,
  ) {
    this.logger = modules.logger ?? nullLogger();
  }

  sign(shareKey: Uint8Array, msg: SignableMessage): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new VapiError({code: "VAPI_STOPPED"}));
    const signingRoot = signingRootOnNetwork(this.modules.config, msg);
    return new Promise<Uint8Array>((resolve, reject) => {
      const entry: PendingEntry = {
        shareKey,
        shareKeyHex: toHex(shareKey),
        msg,
        signingRoot,
        resolve,
        reject,
        cancelTimer: () => {},
      };
      const deadline = this.modules.clock.now() + this.opts.requestTimeoutMs(msg);
      entry.cancelTimer = this.modules.clock.setTimer(deadline, () => {
        this.remove(entry);
        this.modules.metrics?.partialSignatures.inc({type: msg.type, result: "timeout"});
        this.logger.warn("no partial signature from the validator client in time", {
          type: msg.type,
          share: entry.shareKeyHex,
        });
        reject(
          new VapiError(
            {code: "VAPI_TIMEOUT", type: msg.type, slot: slotOf(msg)},
            `no ${msg.type} partial signature from the validator client in time`,
          ),
        );
      });
      this.pendingRequests.push(entry);
      for (const waiter of this.waiters.slice()) {
        if (this.pendingRequests.includes(entry) && waiter.match(entry)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.cancelTimer();
          waiter.resolve(entry);
        }
      }
    });
  }

  /** The requests waiting now that `match` accepts. */
  pending(match: (p: PendingSignature) => boolean): PendingSignature[] {
    return this.pendingRequests.filter(match);
  }

  /**
   * The first request `match` accepts, now or when the pipeline makes it; VAPI_TIMEOUT after `timeoutMs`.
   * The VC may ask before the pipeline is ready (its clock runs a little ahead, or consensus is not done).
   */
  awaitRequest(
    match: (p: PendingSignature) => boolean,
    timeoutMs: number,
    context: {type: string; slot: number},
  ): Promise<PendingSignature> {
    const found = this.pendingRequests.find(match);
    if (found) return Promise.resolve(found);
    if (this.stopped) return Promise.reject(new VapiError({code: "VAPI_STOPPED"}));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {match, resolve, reject, cancelTimer: () => {}};
      waiter.cancelTimer = this.modules.clock.setTimer(this.modules.clock.now() + timeoutMs, () => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new VapiError(
            {code: "VAPI_TIMEOUT", ...context},
            `no decided ${context.type} for slot ${context.slot} in time`,
          ),
        );
      });
      this.waiters.push(waiter);
    });
  }

  /**
   * Hands the VC's partial signature to the request it answers; throws VAPI_INVALID_SIGNATURE (and the
   * request keeps waiting) unless it verifies against the request's key share over its signing root.
   */
  provide(request: PendingSignature, signature: Uint8Array): void {
    if (!isValidPartialSignature(request, signature)) {
      this.modules.metrics?.partialSignatures.inc({type: request.msg.type, result: "invalid"});
      throw new VapiError(
        {code: "VAPI_INVALID_SIGNATURE", sharePubkey: request.shareKeyHex, type: request.msg.type},
        `the ${request.msg.type} partial signature does not verify against key share ${request.shareKeyHex}`,
      );
    }
    // Every request for the same message under the same key share takes the same signature (e.g. a
    // proposer duty still waiting for the epoch's RANDAO reveal while the next slot's asks for it too).
    const answered = this.pendingRequests.filter(
      (p) => p.shareKeyHex === request.shareKeyHex && bytesEqual(p.signingRoot, request.signingRoot),
    );
    // None: already answered (e.g. the VC sent the same signature twice), nothing more to do.
    this.taken.add(toHex(signature));
    if (this.taken.size > MAX_REMEMBERED_SIGNATURES) this.taken.delete(this.taken.values().next().value as string);
    for (const entry of answered) {
      this.remove(entry);
      entry.cancelTimer();
      this.modules.metrics?.partialSignatures.inc({type: request.msg.type, result: "accepted"});
      entry.resolve(signature);
    }
  }

  /** Whether this exact partial signature was already taken (a repeated submission). */
  wasTaken(signature: Uint8Array): boolean {
    return this.taken.has(toHex(signature));
  }

  /** Fails every waiting request and waiter (the node stops). */
  stop(): void {
    this.stopped = true;
    for (const entry of this.pendingRequests.splice(0)) {
      entry.cancelTimer();
      entry.reject(new VapiError({code: "VAPI_STOPPED"}));
    }
    for (const waiter of this.waiters.splice(0)) {
      waiter.cancelTimer();
      waiter.reject(new VapiError({code: "VAPI_STOPPED"}));
    }
  }

  private remove(entry: PendingEntry): void {
    const i = this.pendingRequests.indexOf(entry);
    if (i >= 0) this.pendingRequests.splice(i, 1);
  }
}

const MAX_REMEMBERED_SIGNATURES = 4096;

/** Whether `signature` is a valid BLS signature of the request's key share over its signing root. */
export function isValidPartialSignature(request: PendingSignature, signature: Uint8Array): boolean {
  if (signature.length !== 96) return false;
  try {
    return verify(
      request.signingRoot,
      PublicKey.fromBytes(request.shareKey, true),
      Signature.fromBytes(signature, true),
    );
  } catch {
    return false;
  }
}

function slotOf(msg: SignableMessage): number {
  switch (msg.type) {
    case "ATTESTATION":
      return msg.data.slot;
    case "BLOCK_V2":
      return "block" in msg.data ? msg.data.block.slot : msg.data.blockHeader.slot;
    case "RANDAO_REVEAL":
      return msg.data.epoch;
    default:
      // Aggregation and sync committee messages: their slot; a builder registration has none.
      return signingSlot(msg) ?? -1;
  }
}

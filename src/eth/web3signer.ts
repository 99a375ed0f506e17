/**
 * Client of a remote signer's Web3Signer eth2 API: upcheck, public keys, and signing with the exact
 * request bodies of the spec. Every returned signature is verified against the key share's public key
 * (blst) before it is handed back, so a wrong or corrupted signature never reaches the cluster; the
 * answers that come back together are verified in one batch (`SignatureBatchChecker`), a bad one named
 * and failed alone.
 * 5xx answers are retried a bounded number of times; 400, 404 and 412 never are (a 412 is the
 * signer's slashing protection refusing, and retrying could only ever sign something else).
 */
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import {fromHex, isHex, toHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import {SignerError} from "./errors.js";
import type {EthMetrics} from "./metrics.js";
import {computeMessageSigningRoot, forkInfoForMessage, type SignableMessage} from "./signing.js";
import {SignatureBatchChecker} from "./signingCheck.js";
import {toSignRequestBody} from "./web3signerFormat.js";

export interface Web3SignerClientOpts {
  /** Base URL of the signer, e.g. http://127.0.0.1:9000 */
  url: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Extra attempts after a 5xx answer. */
  retries?: number;
  retryDelayMs?: number;
}

export interface Web3SignerClientModules {
  config: BeaconConfig;
  logger: Logger;
  metrics?: EthMetrics;
  sleep?: (ms: number) => Promise<void>;
  /** Verifies the answers in batches; a checker of its own (main thread) when absent. */
  answerChecker?: SignatureBatchChecker;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 200;

export class Web3SignerClient {
  private readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly config: BeaconConfig;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly metrics: EthMetrics | undefined;
  private readonly answerChecker: SignatureBatchChecker;

  constructor(opts: Web3SignerClientOpts, modules: Web3SignerClientModules) {
    this.endpoint = opts.url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retries = opts.retries ?? DEFAULT_RETRIES;
    this.retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.config = modules.config;
    this.logger = modules.logger;
    this.metrics = modules.metrics;
    this.sleep = modules.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.answerChecker = modules.answerChecker ?? new SignatureBatchChecker();
  }

  /** True when the signer answers its upcheck with OK (Web3Signer's text `OK` or JSON `{status:"OK"}`). */
  async upcheck(): Promise<boolean> {
    const res = await this.request("GET", "/upcheck", undefined, "application/json, text/plain");
    if (res.status !== 200) return false;
    const text = res.body.trim();
    if (text === "OK") return true;
    try {
      return (JSON.parse(text) as {status?: unknown}).status === "OK";
    } catch {
      return false;
    }
  }

  /** The BLS public keys the signer holds. */
  async publicKeys(): Promise<Uint8Array[]> {
    const res = await this.request("GET", "/api/v1/eth2/publicKeys", undefined, "application/json");
    this.expectOk(res);
    const keys = this.parseJson(res);
    if (!Array.isArray(keys) || !keys.every((k) => isHex(k, 48))) {
      throw this.invalidResponse(res.status, "expected a JSON array of 48-byte 0x-hex public keys");
    }
    return keys.map((k: string) => fromHex(k, 48));
  }

  /**
   * Asks the signer to sign `msg` with the key `pubkey` (a key share's public key); returns the
   * 96-byte signature, verified against `pubkey` over the message's signing root.
   */
  async sign(pubkey: Uint8Array, msg: SignableMessage): Promise<Uint8Array> {
    const timer = this.metrics?.signerRequestSeconds.startTimer({type: msg.type});
    try {
      const signature = await this.signUnmetered(pubkey, msg);
      timer?.();
      return signature;
    } catch (e) {
      if (e instanceof SignerError) this.metrics?.signerErrors.inc({code: e.code});
      throw e;
    }
  }

  private async signUnmetered(pubkey: Uint8Array, msg: SignableMessage): Promise<Uint8Array> {
    const forkInfo = forkInfoForMessage(this.config, msg);
    const signingRoot = computeMessageSigningRoot(msg, forkInfo, this.config.GENESIS_FORK_VERSION);
    const body = JSON.stringify(toSignRequestBody(msg, forkInfo, signingRoot));
    const pubkeyHex = toHex(pubkey);
    const answered = this.answerChecker.requestStarted();
    let res: HttpResult;
    try {
      res = await this.request("POST", `/api/v1/eth2/sign/${pubkeyHex}`, body, "application/json");
    } finally {
      answered();
    }
    if (res.status === 404) {
      throw new SignerError(
        {code: "SIGNER_UNKNOWN_KEY", endpoint: this.endpoint, status: 404, pubkey: pubkeyHex},
        `remote signer ${this.endpoint} does not hold key ${pubkeyHex}`,
      );
    }
    if (res.status === 412) {
      throw new SignerError(
        {
          code: "SIGNER_SLASHING_REFUSED",
          endpoint: this.endpoint,
          status: 412,
          pubkey: pubkeyHex,
          messageType: msg.type,
        },
        `remote signer ${this.endpoint} refused ${msg.type} for ${pubkeyHex}: its slashing protection`,
      );
    }
    this.expectOk(res);
    const signature = this.parseSignature(res);
    if (!(await this.answerChecker.check(pubkey, signingRoot, signature))) {
      throw new SignerError(
        {code: "SIGNER_INVALID_SIGNATURE", endpoint: this.endpoint, pubkey: pubkeyHex, messageType: msg.type},
        `remote signer ${this.endpoint} returned a ${msg.type} signature that does not verify against ${pubkeyHex}`,
      );
    }
    this.logger.debug("Remote signer signed", {type: msg.type, pubkey: pubkeyHex, signingRoot: toHex(signingRoot)});
    return signature;
  }

  private parseSignature(res: HttpResult): Uint8Array {
    const text = res.body.trim();
    if (isHex(text, 96)) return fromHex(text, 96);
    const json = this.parseJson(res);
    const signature = (json as {signature?: unknown} | null)?.signature;
    if (!isHex(signature, 96)) throw this.invalidResponse(res.status, "expected {signature: 96-byte 0x-hex}");
    return fromHex(signature, 96);
  }

  private parseJson(res: HttpResult): unknown {
    try {
      return JSON.parse(res.body);
    } catch {
      throw this.invalidResponse(res.status, "the body is not JSON");
    }
  }

  private expectOk(res: HttpResult): void {
    if (res.status === 200) return;
    if (res.status === 400) {
      throw new SignerError(
        {code: "SIGNER_BAD_REQUEST", endpoint: this.endpoint, status: 400, reason: res.body.slice(0, 200)},
        `remote signer ${this.endpoint} rejected the request (400): ${res.body.slice(0, 200)}`,
      );
    }
    if (res.status >= 500) {
      throw new SignerError(
        {code: "SIGNER_SERVER_ERROR", endpoint: this.endpoint, status: res.status, attempts: res.attempts},
        `remote signer ${this.endpoint} failed with ${res.status} after ${res.attempts} attempt(s)`,
      );
    }
    throw new SignerError(
      {code: "SIGNER_UNEXPECTED_STATUS", endpoint: this.endpoint, status: res.status},
      `remote signer ${this.endpoint} answered with unexpected status ${res.status}`,
    );
  }

  private invalidResponse(status: number, reason: string): SignerError {
    return new SignerError(
      {code: "SIGNER_INVALID_RESPONSE", endpoint: this.endpoint, status, reason},
      `remote signer ${this.endpoint} answered badly: ${reason}`,
    );
  }

  /** One call with bounded retries on 5xx only. */
  private async request(method: string, path: string, body: string | undefined, accept: string): Promise<HttpResult> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.requestOnce(method, path, body, accept);
      if (res.status < 500 || attempt > this.retries) return {...res, attempts: attempt};
      this.logger.warn("Remote signer server error, retrying", {
        endpoint: this.endpoint,
        path,
        status: res.status,
        attempt,
      });
      await this.sleep(this.retryDelayMs);
    }
  }

  private async requestOnce(
    method: string,
    path: string,
    body: string | undefined,
    accept: string,
  ): Promise<Omit<HttpResult, "attempts">> {
    const headers: Record<string, string> = {accept};
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      const res = await fetch(`${this.endpoint}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return {status: res.status, body: await res.text()};
    } catch (e) {
      if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) {
        throw new SignerError(
          {code: "SIGNER_TIMEOUT", endpoint: this.endpoint, timeoutMs: this.timeoutMs},
          `remote signer ${this.endpoint} did not answer ${method} ${path} within ${this.timeoutMs} ms`,
        );
      }
      const reason = e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e);
      throw new SignerError(
        {code: "SIGNER_UNREACHABLE", endpoint: this.endpoint, reason},
        `remote signer ${this.endpoint} is unreachable: ${reason}`,
      );
    }
  }
}

interface HttpResult {
  status: number;
  body: string;
  attempts: number;
}

/**
 * BLS verification of one signature over the signing root (false for malformed points, never throws).
 * The signers check their answers in batches (`SignatureBatchChecker`); this is for a single check.
 */
export function verifies(pubkey: Uint8Array, signingRoot: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(signingRoot, PublicKey.fromBytes(pubkey, true), Signature.fromBytes(signature, true));
  } catch {
    return false;
  }
}

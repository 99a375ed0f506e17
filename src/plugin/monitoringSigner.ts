import {toHex} from "../util/hex.js";

/** What the readiness check asks of the node's signer (the remote signer, or a host's signer). */
export interface ReadinessSigner {
  publicKeys(): Promise<Uint8Array[]>;
  upcheck?(): Promise<boolean>;
}

export interface SignerReadinessOpts {
  /** This node's key-share public keys (0x-hex), one per validator: the signer must serve them all. */
  shareKeys: string[];
  /** A result is reused this long, so scrapes of /readyz do not each cost two RS requests. */
  ttlMs?: number;
}

export interface SignerReadinessModules {
  signer: ReadinessSigner;
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

const DEFAULT_TTL_MS = 5_000;

/**
 * `/readyz`'s remote-signer check: the signer answers its upcheck AND still serves this node's key shares
 * (its publicKeys list), as it did at start-up. The answer is cached for `ttlMs`.
 */
export class SignerReadinessCheck {
  private cached: {atMs: number; result: Promise<true | string>} | null = null;

  constructor(
    private readonly opts: SignerReadinessOpts,
    private readonly modules: SignerReadinessModules,
  ) {}

  /** True, or why the signer is not ready. Never throws. */
  check(): Promise<true | string> {
    const now = this.modules.now();
    if (this.cached && now - this.cached.atMs < (this.opts.ttlMs ?? DEFAULT_TTL_MS)) return this.cached.result;
    const result = this.probe();
    this.cached = {atMs: now, result};
    return result;
  }

  private async probe(): Promise<true | string> {
    const {signer} = this.modules;
    try {
      if (signer.upcheck && !(await signer.upcheck())) return "remote signer does not answer its upcheck";
      const served = new Set((await signer.publicKeys()).map((k) => toHex(k)));
      const missing = this.opts.shareKeys.filter((k) => !served.has(k));
      if (missing.length > 0) {
        return `remote signer does not serve ${missing.length} of this node's ${this.opts.shareKeys.length} key shares (first: ${missing[0]})`;
      }
      return true;
    } catch (e) {
      return `remote signer unreachable: ${(e as Error).message}`;
    }
  }
}

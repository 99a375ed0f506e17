/**
 * An in-process share signer: the node's key shares held as BLS secret keys in the host's memory, for
 * hosts that keep their keys themselves (and for tests and devnets). It signs what the pipeline asks,
 * after the node's own slashing-protection DB has recorded it; unlike a Web3Signer, it keeps no second
 * slashing DB of its own.
 */
import {SecretKey} from "@chainsafe/blst";
import type {BeaconConfig} from "@lodestar/config";
import {toHex} from "../util/hex.js";
import {SignerError} from "./errors.js";
import {type SignableMessage, signingRootOnNetwork} from "./signing.js";
import {SignatureBatchChecker} from "./signingCheck.js";

export interface LocalShareSignerOpts {
  /** The node's 32-byte key-share secrets (one per cluster validator). */
  secretKeys: Uint8Array[];
}

export interface LocalShareSignerModules {
  /** The chain's config: signing domains come from its fork schedule and genesis validators root. */
  config: BeaconConfig;
  /** Verifies the signatures in batches; a checker of its own (main thread) when absent. */
  answerChecker?: SignatureBatchChecker;
}

/** Stands for the endpoint in errors: there is none. */
const LOCAL_ENDPOINT = "in-process";

export class LocalShareSigner {
  private readonly keys = new Map<string, {secretKey: SecretKey; publicKey: Uint8Array}>();
  private readonly config: BeaconConfig;
  private readonly answerChecker: SignatureBatchChecker;

  constructor(opts: LocalShareSignerOpts, modules: LocalShareSignerModules) {
    for (const secret of opts.secretKeys) {
      const secretKey = SecretKey.fromBytes(secret);
      const publicKey = secretKey.toPublicKey().toBytes();
      this.keys.set(toHex(publicKey), {secretKey, publicKey});
    }
    this.config = modules.config;
    this.answerChecker = modules.answerChecker ?? new SignatureBatchChecker();
  }

  async upcheck(): Promise<boolean> {
    return true;
  }

  async publicKeys(): Promise<Uint8Array[]> {
    return [...this.keys.values()].map((k) => k.publicKey);
  }

  /**
   * Signs `msg` with the share `pubkey`; the signature is verified before it returns, as a remote one
   * is (the signatures made in the same tick, a duty's validators, in one batch).
   */
  async sign(pubkey: Uint8Array, msg: SignableMessage): Promise<Uint8Array> {
    const pubkeyHex = toHex(pubkey);
    const key = this.keys.get(pubkeyHex);
    if (key === undefined) {
      throw new SignerError(
        {code: "SIGNER_UNKNOWN_KEY", endpoint: LOCAL_ENDPOINT, status: 404, pubkey: pubkeyHex},
        `the in-process signer does not hold key ${pubkeyHex}`,
      );
    }
    const signingRoot = signingRootOnNetwork(this.config, msg);
    const signature = key.secretKey.sign(signingRoot).toBytes();
    if (!(await this.answerChecker.check(key.publicKey, signingRoot, signature))) {
      throw new SignerError(
        {code: "SIGNER_INVALID_SIGNATURE", endpoint: LOCAL_ENDPOINT, pubkey: pubkeyHex, messageType: msg.type},
        `the in-process signature of ${msg.type} does not verify against ${pubkeyHex}`,
      );
    }
    return signature;
  }
}

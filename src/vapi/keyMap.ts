import {type ClusterLock, publicKeySharesOf} from "../cluster/index.js";
import {fromHex, toHex} from "../util/hex.js";

/**
 * This node's key shares and the validators they belong to, both ways (lowercase 0x-hex). The VC knows
 * only its share keys; the BN knows only the validator keys.
 */
export class ShareKeyMap {
  private readonly validatorByShare = new Map<string, string>();
  private readonly shareByValidator = new Map<string, string>();

  constructor(lock: ClusterLock, operatorIndex: number) {
    for (const {validator, publicKeyShare} of publicKeySharesOf(lock, operatorIndex)) {
      this.validatorByShare.set(publicKeyShare.toLowerCase(), validator.toLowerCase());
      this.shareByValidator.set(validator.toLowerCase(), publicKeyShare.toLowerCase());
    }
  }

  validatorOf(shareKey: string): string | undefined {
    return this.validatorByShare.get(shareKey.toLowerCase());
  }

  shareOf(validatorKey: string): string | undefined {
    return this.shareByValidator.get(validatorKey.toLowerCase());
  }

  /** The share key for a cluster validator, the key unchanged otherwise (the BN's duties name every validator). */
  toShareKey(validatorKey: Uint8Array | string): Uint8Array {
    const hex = typeof validatorKey === "string" ? validatorKey : toHex(validatorKey);
    const share = this.shareOf(hex);
    return share ? fromHex(share, 48) : typeof validatorKey === "string" ? fromHex(validatorKey, 48) : validatorKey;
  }

  /** The map of validator key → share key bytes the duty pipeline takes. */
  shareKeysByValidator(): Map<string, Uint8Array> {
    return new Map([...this.shareByValidator].map(([v, s]) => [v, fromHex(s, 48)]));
  }
}

import {createHash} from "node:crypto";
import {PublicKey, SecretKey} from "@chainsafe/blst";
import {FAR_FUTURE_EPOCH, MAX_EFFECTIVE_BALANCE} from "@lodestar/params";
import {type phase0, ssz} from "@lodestar/types";
import {fromHex, isHex, toHex} from "../../util/hex.js";
import {SimChainError} from "./errors.js";

/** BLS12-381 group order r. */
const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/**
 * Interop (dev chain) secret key i, as in the consensus specs' mocked start:
 * int.from_bytes(sha256(i as 32-byte little-endian), "little") mod r.
 */
export function interopSecretKey(index: number): SecretKey {
  const input = Buffer.alloc(32);
  input.writeUInt32LE(index, 0);
  const digest = createHash("sha256").update(input).digest();
  const scalar = BigInt(`0x${Buffer.from(digest).reverse().toString("hex")}`) % CURVE_ORDER;
  return SecretKey.fromBytes(Buffer.from(scalar.toString(16).padStart(64, "0"), "hex"));
}

export function interopPublicKeys(count: number): Uint8Array[] {
  return Array.from({length: count}, (_, i) => interopSecretKey(i).toPublicKey().toBytes());
}

/** The genesis validator registry: every validator active from epoch 0 with 32 ETH, never exiting. */
export class ValidatorSet {
  readonly pubkeys: readonly Uint8Array[];
  /** Deserialized once: signature checks reuse them. */
  readonly publicKeys: readonly PublicKey[];
  readonly validators: readonly phase0.Validator[];
  readonly genesisValidatorsRoot: Uint8Array;
  private readonly indexByPubkey = new Map<string, number>();

  constructor(pubkeys: Uint8Array[]) {
    if (pubkeys.length === 0) {
      throw new SimChainError({code: "SIMCHAIN_INVALID_OPTIONS", field: "validators"}, "the validator set is empty");
    }
    this.publicKeys = pubkeys.map((pk, i) => {
      try {
        return PublicKey.fromBytes(pk, true);
      } catch {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_OPTIONS", field: "validators"},
          `validator ${i}: not a valid BLS public key: ${toHex(pk).slice(0, 20)}…`,
        );
      }
    });
    pubkeys.forEach((pk, i) => {
      const hex = toHex(pk);
      if (this.indexByPubkey.has(hex)) {
        throw new SimChainError(
          {code: "SIMCHAIN_INVALID_OPTIONS", field: "validators"},
          `validator ${i}: public key ${hex.slice(0, 20)}… appears twice`,
        );
      }
      this.indexByPubkey.set(hex, i);
    });
    this.pubkeys = pubkeys;
    this.validators = pubkeys.map((pubkey) => ({
      pubkey,
      withdrawalCredentials: blsWithdrawalCredentials(pubkey),
      effectiveBalance: MAX_EFFECTIVE_BALANCE,
      slashed: false,
      activationEligibilityEpoch: 0,
      activationEpoch: 0,
      exitEpoch: FAR_FUTURE_EPOCH,
      withdrawableEpoch: FAR_FUTURE_EPOCH,
    }));
    this.genesisValidatorsRoot = ssz.phase0.Validators.hashTreeRoot([...this.validators]);
  }

  get size(): number {
    return this.pubkeys.length;
  }

  /** Index for a Beacon API validator id (decimal index or 0x public key), or undefined if unknown. */
  resolve(id: string | number): number | undefined {
    if (typeof id === "number" || /^\d+$/.test(id)) {
      const index = Number(id);
      return Number.isSafeInteger(index) && index < this.size ? index : undefined;
    }
    if (isHex(id, 48)) return this.indexByPubkey.get(id.toLowerCase());
    throw new SimChainError(
      {code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(id)},
      `invalid validator id: ${String(id).slice(0, 20)}`,
    );
  }

  publicKey(index: number): PublicKey {
    const pk = this.publicKeys[index];
    if (pk === undefined) {
      throw new SimChainError({code: "SIMCHAIN_UNKNOWN_VALIDATOR", id: String(index)}, `no validator ${index}`);
    }
    return pk;
  }
}

/** 0x00 ‖ sha256(pubkey)[1:]: BLS withdrawal credentials, as interop genesis uses. */
function blsWithdrawalCredentials(pubkey: Uint8Array): Uint8Array {
  const creds = new Uint8Array(createHash("sha256").update(pubkey).digest());
  creds[0] = 0;
  return creds;
}

/** Parses a validators file: a JSON array of 0x public keys, or of objects with a `pubkey` field. */
export function parseValidatorPubkeys(doc: unknown): Uint8Array[] {
  const list = Array.isArray(doc) ? doc : (doc as {validators?: unknown} | null)?.validators;
  if (!Array.isArray(list)) {
    throw new SimChainError(
      {code: "SIMCHAIN_INVALID_OPTIONS", field: "validators"},
      "expected a JSON array of public keys (or {validators: [...]})",
    );
  }
  return list.map((entry, i) => {
    const hex = typeof entry === "string" ? entry : (entry as {pubkey?: unknown} | null)?.pubkey;
    if (!isHex(hex, 48)) {
      throw new SimChainError(
        {code: "SIMCHAIN_INVALID_OPTIONS", field: "validators"},
        `entry ${i} is not a BLS public key (0x + 96 hex)`,
      );
    }
    return fromHex(hex, 48);
  });
}

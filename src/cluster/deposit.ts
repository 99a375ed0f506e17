/**
 * Deposit data in the format of the staking-deposit-cli and the launchpad: building it (signed by the
 * validator key) and checking it independently of who made it.
 */
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {DOMAIN_DEPOSIT} from "@lodestar/params";
import {ssz} from "@lodestar/types";
import {computeDomain, computeSigningRootFromObjectRoot} from "../eth/signing.js";
import {bytesEqual, isHex} from "../util/hex.js";
import {DepositError} from "./errors.js";

/** The `deposit_cli_version` written: the staking-deposit-cli release whose file format this is (the launchpad reads the field). */
export const DEPOSIT_CLI_VERSION = "2.7.0";

export const GWEI_PER_ETH = 1_000_000_000;
/** MIN_DEPOSIT_AMOUNT of the consensus specs: 1 ETH. */
export const MIN_DEPOSIT_GWEI = GWEI_PER_ETH;
/** MAX_EFFECTIVE_BALANCE: a 0x01 validator's balance above 32 ETH does not count. */
export const MAX_DEPOSIT_GWEI = 32 * GWEI_PER_ETH;
/** MAX_EFFECTIVE_BALANCE_ELECTRA: the ceiling of a 0x02 (compounding) validator. */
export const MAX_COMPOUNDING_DEPOSIT_GWEI = 2048 * GWEI_PER_ETH;

/** One entry of a deposit data file (hex without 0x, as the deposit CLI writes it). */
export interface DepositDataJson {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version: string;
  network_name: string;
  deposit_cli_version: string;
}

const ZERO_ROOT = new Uint8Array(32);

/** compute_domain(DOMAIN_DEPOSIT, genesis fork version, zero root): deposits are valid across forks. */
export function depositDomain(genesisForkVersion: Uint8Array): Uint8Array {
  return computeDomain(DOMAIN_DEPOSIT, genesisForkVersion, ZERO_ROOT);
}

/**
 * Parses an execution address: 0x + 40 hex in any case (EIP-55 checksums are not required, since a
 * typo'd checksum still names 20 bytes the user typed); returns it lowercase.
 */
export function parseExecutionAddress(value: string, field: string): string {
  const v = value.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) {
    throw new DepositError(
      {code: "DEPOSIT_INVALID_ADDRESS", field, value: v},
      `${field}: ${JSON.stringify(v)} is not an execution address (0x + 40 hex characters)`,
    );
  }
  return v.toLowerCase();
}

/**
 * One address for every validator, or a comma-separated list with one per validator, in order.
 */
export function parseAddressList(value: string, count: number, field: string): string[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length !== 1 && parts.length !== count) {
    throw new DepositError(
      {code: "DEPOSIT_COUNT_MISMATCH", field, given: parts.length, expected: count},
      `${field}: ${parts.length} addresses given for ${count} validators; give one for all or one per validator`,
    );
  }
  const addresses = parts.map((p) => parseExecutionAddress(p, field));
  return parts.length === 1 ? Array.from({length: count}, () => addresses[0]) : addresses;
}

/**
 * Parses a deposit amount. Unit rule: a number ending in `gwei` is gwei (an integer); any other number,
 * with or without an `eth` suffix, is ETH (up to 9 decimals). `32`, `32eth` and `32000000000gwei` are
 * the same. Refused below 1 ETH, and above 32 ETH (0x01) or 2048 ETH (0x02, compounding).
 */
export function parseDepositAmount(value: string, compounding: boolean): number {
  const v = value.trim().toLowerCase();
  let gwei: number;
  const gweiMatch = /^(\d+)\s*gwei$/.exec(v);
  const ethMatch = /^(\d+)(?:\.(\d{1,9}))?\s*(?:eth)?$/.exec(v);
  if (gweiMatch) {
    gwei = Number(gweiMatch[1]);
  } else if (ethMatch) {
    gwei = Number(ethMatch[1]) * GWEI_PER_ETH + Number((ethMatch[2] ?? "").padEnd(9, "0"));
  } else {
    throw new DepositError(
      {code: "DEPOSIT_INVALID_AMOUNT", value},
      `--deposit-amount ${JSON.stringify(value)}: expected ETH (e.g. 32 or 32eth, up to 9 decimals) or gwei (e.g. 32000000000gwei)`,
    );
  }
  const max = compounding ? MAX_COMPOUNDING_DEPOSIT_GWEI : MAX_DEPOSIT_GWEI;
  if (!Number.isSafeInteger(gwei) || gwei < MIN_DEPOSIT_GWEI || gwei > max) {
    throw new DepositError(
      {code: "DEPOSIT_INVALID_AMOUNT", value},
      `--deposit-amount ${value}: must be between 1 and ${max / GWEI_PER_ETH} ETH${compounding ? "" : " (up to 2048 ETH needs --compounding)"}`,
    );
  }
  return gwei;
}

/** 0x01 (or 0x02 when compounding) ‖ 11 zero bytes ‖ the 20-byte execution address. */
export function executionWithdrawalCredentials(address: string, compounding: boolean): Uint8Array {
  const credentials = new Uint8Array(32);
  credentials[0] = compounding ? 0x02 : 0x01;
  credentials.set(Buffer.from(address.slice(2), "hex"), 12);
  return credentials;
}

export interface DepositNetwork {
  /** The network name the launchpad knows (mainnet, hoodi, …) or a custom chain's name. */
  name: string;
  genesisForkVersion: Uint8Array;
}

/** Signs a DepositMessage with the validator key and returns the deposit data entry. */
export function buildDepositData(
  secretKey: Uint8Array,
  withdrawalCredentials: Uint8Array,
  amountGwei: number,
  network: DepositNetwork,
): DepositDataJson {
  const sk = SecretKey.fromBytes(secretKey);
  const pubkey = sk.toPublicKey().toBytes();
  const message = {pubkey, withdrawalCredentials, amount: amountGwei};
  const messageRoot = ssz.phase0.DepositMessage.hashTreeRoot(message);
  const signature = sk.sign(computeSigningRootFromObjectRoot(messageRoot, depositDomain(network.genesisForkVersion)));
  const dataRoot = ssz.phase0.DepositData.hashTreeRoot({...message, signature: signature.toBytes()});
  return {
    pubkey: plainHex(pubkey),
    withdrawal_credentials: plainHex(withdrawalCredentials),
    amount: amountGwei,
    signature: plainHex(signature.toBytes()),
    deposit_message_root: plainHex(messageRoot),
    deposit_data_root: plainHex(dataRoot),
    fork_version: plainHex(network.genesisForkVersion),
    network_name: network.name,
    deposit_cli_version: DEPOSIT_CLI_VERSION,
  };
}

export interface VerifyDepositOpts {
  /** The network's genesis fork version; every entry's fork_version must be it. */
  genesisForkVersion: Uint8Array;
  /** When given, every entry's network_name must be it. */
  networkName?: string;
}

/**
 * Checks a parsed deposit data file as the launchpad would, and more: every field well-formed, the fork
 * version the network's, the deposit message root recomputed, the BLS signature verified against the
 * pubkey over the deposit domain, the deposit data root recomputed, the amount within bounds for its
 * withdrawal credential type, and no pubkey twice. Errors name the entry and field.
 */
export function verifyDepositData(json: unknown, opts: VerifyDepositOpts): DepositDataJson[] {
  if (!Array.isArray(json) || json.length === 0) throw invalid("", "must be a non-empty JSON array");
  const domain = depositDomain(opts.genesisForkVersion);
  const seen = new Set<string>();
  return json.map((value, i) => {
    const f = (name: string): string => `[${i}].${name}`;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw invalid(`[${i}]`, "is not an object");
    const e = value as Record<string, unknown>;
    const pubkey = hexField(e.pubkey, f("pubkey"), 48);
    const withdrawalCredentials = hexField(e.withdrawal_credentials, f("withdrawal_credentials"), 32);
    const signature = hexField(e.signature, f("signature"), 96);
    const messageRoot = hexField(e.deposit_message_root, f("deposit_message_root"), 32);
    const dataRoot = hexField(e.deposit_data_root, f("deposit_data_root"), 32);
    const forkVersion = hexField(e.fork_version, f("fork_version"), 4);
    if (typeof e.network_name !== "string") throw invalid(f("network_name"), "must be a string");
    if (typeof e.deposit_cli_version !== "string") throw invalid(f("deposit_cli_version"), "must be a string");
    const amount = e.amount;
    const prefix = withdrawalCredentials[0];
    const max = prefix === 0x02 ? MAX_COMPOUNDING_DEPOSIT_GWEI : MAX_DEPOSIT_GWEI;
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount < MIN_DEPOSIT_GWEI || amount > max) {
      throw invalid(f("amount"), `must be an integer number of gwei between ${MIN_DEPOSIT_GWEI} and ${max}`);
    }
    if (!bytesEqual(forkVersion, opts.genesisForkVersion)) {
      throw invalid(
        f("fork_version"),
        `is not the network's genesis fork version ${plainHex(opts.genesisForkVersion)}`,
      );
    }
    if (opts.networkName !== undefined && e.network_name !== opts.networkName) {
      throw invalid(f("network_name"), `is ${JSON.stringify(e.network_name)}, not ${opts.networkName}`);
    }
    const key = plainHex(pubkey);
    if (seen.has(key)) throw invalid(f("pubkey"), "appears twice");
    seen.add(key);
    const message = {pubkey, withdrawalCredentials, amount};
    if (!bytesEqual(ssz.phase0.DepositMessage.hashTreeRoot(message), messageRoot)) {
      throw invalid(f("deposit_message_root"), "is not the hash tree root of the deposit message");
    }
    let pk: PublicKey;
    let sig: Signature;
    try {
      pk = PublicKey.fromBytes(pubkey, true);
      sig = Signature.fromBytes(signature, true);
    } catch {
      throw invalid(f("pubkey"), "or its signature is not a valid BLS12-381 point");
    }
    if (!verify(computeSigningRootFromObjectRoot(messageRoot, domain), pk, sig)) {
      throw invalid(f("signature"), "does not verify against the pubkey over the deposit domain of this network");
    }
    if (!bytesEqual(ssz.phase0.DepositData.hashTreeRoot({...message, signature}), dataRoot)) {
      throw invalid(f("deposit_data_root"), "is not the hash tree root of the deposit data");
    }
    return e as unknown as DepositDataJson;
  });
}

/** The file name the deposit CLI family uses, with the creation time in Unix seconds. */
export function depositDataFileName(nowMs: number): string {
  return `deposit-data-${Math.floor(nowMs / 1000)}.json`;
}

function plainHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Hex with or without 0x, as deposit files from different tools carry it. */
function hexField(value: unknown, field: string, bytes: number): Uint8Array {
  const v = typeof value === "string" && !value.startsWith("0x") ? `0x${value}` : value;
  if (!isHex(v, bytes)) throw invalid(field, `must be ${bytes} bytes of hex`);
  return new Uint8Array(Buffer.from(v.slice(2), "hex"));
}

function invalid(field: string, reason: string): DepositError {
  return new DepositError({code: "DEPOSIT_INVALID_FIELD", field, reason}, `deposit data ${field} ${reason}`.trim());
}

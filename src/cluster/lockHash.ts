/**
 * The canonical lock hash: SSZ hash_tree_root of the lock's contents (docs/cluster-lock.md gives the
 * schema), so it does not depend on JSON formatting, field order or hex case.
 */
import {ByteListType, ByteVectorType, ContainerType, ListCompositeType, UintNumberType} from "@chainsafe/ssz";
import {ssz} from "@lodestar/types";
import {fromHex, toHex} from "../util/hex.js";
import type {ClusterLockBody} from "./lock.js";
import {toSignedValidatorRegistration} from "./registration.js";

/** List limits of the schema (part of the hash: another implementation must use the same). */
export const MAX_LOCK_OPERATORS = 256;
export const MAX_LOCK_VALIDATORS = 65536;
export const MAX_OPERATOR_MULTIADDRS = 16;
export const MAX_LOCK_STRING_BYTES = 256;

const Uint64 = new UintNumberType(8);
const Text = new ByteListType(MAX_LOCK_STRING_BYTES);
const BlsPubkey = new ByteVectorType(48);

export const LockNetworkSsz = new ContainerType({
  name: Text,
  genesisForkVersion: new ByteVectorType(4),
  genesisValidatorsRoot: new ByteVectorType(32),
});

export const LockOperatorSsz = new ContainerType({
  identityPublicKey: new ByteVectorType(33),
  peerId: Text,
  multiaddrs: new ListCompositeType(Text, MAX_OPERATOR_MULTIADDRS),
});

export const LockValidatorSsz = new ContainerType({
  publicKey: BlsPubkey,
  publicKeyShares: new ListCompositeType(BlsPubkey, MAX_LOCK_OPERATORS),
  feeRecipient: new ByteVectorType(20),
  withdrawalCredentials: new ByteVectorType(32),
  depositAmountGwei: Uint64,
  builderRegistration: ssz.bellatrix.SignedValidatorRegistrationV1,
});

export const LockSsz = new ContainerType({
  version: Text,
  network: LockNetworkSsz,
  threshold: Uint64,
  operators: new ListCompositeType(LockOperatorSsz, MAX_LOCK_OPERATORS),
  validators: new ListCompositeType(LockValidatorSsz, MAX_LOCK_VALIDATORS),
});

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** hash_tree_root(LockSsz) of everything but the hash and the operator signatures (which sign it). */
export function computeLockHash(body: ClusterLockBody): string {
  return toHex(
    LockSsz.hashTreeRoot({
      version: utf8(body.version),
      network: {
        name: utf8(body.network.name),
        genesisForkVersion: fromHex(body.network.genesisForkVersion, 4),
        genesisValidatorsRoot: fromHex(body.network.genesisValidatorsRoot, 32),
      },
      threshold: body.threshold,
      operators: body.operators.map((o) => ({
        identityPublicKey: fromHex(o.identityPublicKey, 33),
        peerId: utf8(o.peerId),
        multiaddrs: o.multiaddrs.map(utf8),
      })),
      validators: body.validators.map((v) => ({
        publicKey: fromHex(v.publicKey, 48),
        publicKeyShares: v.publicKeyShares.map((s) => fromHex(s, 48)),
        feeRecipient: fromHex(v.feeRecipient, 20),
        withdrawalCredentials: fromHex(v.withdrawalCredentials, 32),
        depositAmountGwei: v.depositAmountGwei,
        builderRegistration: toSignedValidatorRegistration(v.builderRegistration),
      })),
    }),
  );
}

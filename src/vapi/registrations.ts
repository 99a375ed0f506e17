import type {routes} from "@lodestar/api";
import type {ApplicationMethods} from "@lodestar/api/server";
import type {bellatrix} from "@lodestar/types";
import {toSignedValidatorRegistration} from "../cluster/registration.js";
import {toHex} from "../util/hex.js";
import type {InterceptContext} from "./context.js";
import {VapiError} from "./errors.js";

export type RegistrationIntercepts = Pick<
  ApplicationMethods<routes.validator.Endpoints>,
  "registerValidator" | "prepareBeaconProposer"
>;

/**
 * Builder registrations and proposer preparation, answered from the cluster lock.
 *
 * `register_validator`: a VC in `--distributed` mode signs a registration with its key SHARE (naming the
 * share key or the validator key, with its own fee recipient and a timestamp of its own clock), which no
 * builder could verify and which never combines (the operators' VCs sign different timestamps). The
 * cluster signed one registration per validator with the validator key when it was created, and the lock
 * keeps it: the partial is verified against this node's share (400 otherwise, as for every partial) and
 * the lock's registration of that validator goes to the BN instead. The VC is answered 200 whatever the BN
 * says (logged and counted): its other work must go on.
 *
 * `prepare_beacon_proposer`: forwarded with the lock's fee recipient for the cluster's validators (a VC
 * asking for another one is warned about once per validator), since the cluster refuses to decide a
 * locally built block paying anyone else (src/duties/proposer.ts); other indices pass unchanged.
 */
export function registrationIntercepts(ctx: InterceptContext): RegistrationIntercepts {
  const {m} = ctx;
  /** Validators whose VC was already told (at warn) that its fee recipient is not the lock's. */
  const warned = new Set<string>();
  /** Validator (0x-hex key) of each index, from the BN, for the VC's `prepare_beacon_proposer`. */
  const validatorByIndex = new Map<number, string | null>();

  const warnOnce = (kind: string, validator: string, asked: string, lock: string) => {
    const key = `${kind}:${validator}`;
    if (warned.has(key)) return;
    warned.add(key);
    m.logger.warn(
      `the validator client's ${kind} names another fee recipient than the cluster lock: the lock's is used`,
      {
        validator,
        vcFeeRecipient: asked,
        lockFeeRecipient: lock,
      },
    );
  };

  /** The partial's validator (0x-hex key), once its signature verified against this node's share. */
  const verifyPartial = (signed: bellatrix.SignedValidatorRegistrationV1): string => {
    const named = toHex(signed.message.pubkey);
    const validator = m.keys.validatorOf(named) ?? (m.keys.shareOf(named) ? named : undefined);
    const shareKeyHex = validator === undefined ? undefined : m.keys.shareOf(validator);
    if (validator === undefined || shareKeyHex === undefined) {
      throw new VapiError({code: "VAPI_UNKNOWN_SHARE", pubkey: named}, `${named} is not a validator of the cluster`);
    }
    ctx.verifyUnrequested(
      shareKeyHex,
      {type: "VALIDATOR_REGISTRATION", data: signed.message},
      signed.signature,
      `the builder registration of ${named}`,
    );
    return validator;
  };

  /** The validators of `indices`: those seen in the BN's answers to the VC first, the BN asked for the rest. */
  const resolveIndices = async (indices: number[]): Promise<void> => {
    for (const i of indices) {
      const share = ctx.shareOfIndex(i);
      const validator = share === undefined ? undefined : m.keys.validatorOf(share);
      if (validator !== undefined) validatorByIndex.set(i, validator);
    }
    const unknown = indices.filter((i) => !validatorByIndex.has(i));
    if (unknown.length === 0) return;
    const res = await m.api.beacon.postStateValidators({stateId: "head", validatorIds: unknown});
    // An index the BN does not know yet (not deposited) is asked again next time.
    for (const v of res.value()) {
      const key = toHex(v.validator.pubkey);
      validatorByIndex.set(v.index, m.keys.shareOf(key) ? key : null);
    }
  };

  return {
    async registerValidator({registrations}) {
      const fromLock: bellatrix.SignedValidatorRegistrationV1[] = [];
      ctx.eachPartial(registrations, "registration", (signed: bellatrix.SignedValidatorRegistrationV1) => {
        const validator = verifyPartial(signed);
        m.metrics?.partialSignatures.inc({type: "VALIDATOR_REGISTRATION", result: "accepted"});
        const lock = m.settings.registrationOf(validator);
        if (lock === undefined) {
          m.metrics?.partialSignatures.inc({type: "VALIDATOR_REGISTRATION", result: "no_lock_registration"});
          m.logger.warn("the cluster lock has no builder registration of this validator (a v1 lock): none sent", {
            validator,
          });
          return;
        }
        const asked = toHex(signed.message.feeRecipient);
        if (asked !== lock.message.feeRecipient.toLowerCase()) {
          warnOnce("builder registration", validator, asked, lock.message.feeRecipient);
        }
        if (!fromLock.some((r) => toHex(r.message.pubkey) === validator))
          fromLock.push(toSignedValidatorRegistration(lock));
      });
      if (fromLock.length === 0) return;
      try {
        (await m.api.validator.registerValidator({registrations: fromLock})).assertOk();
        m.metrics?.lockRegistrations.inc({result: "ok"}, fromLock.length);
        m.logger.debug("the lock's builder registrations sent to the beacon node", {validators: fromLock.length});
      } catch (e) {
        m.metrics?.lockRegistrations.inc({result: "error"}, fromLock.length);
        m.logger.warn("the beacon node refused the lock's builder registrations", {reason: (e as Error).message});
      }
    },

    async prepareBeaconProposer({proposers}) {
      await resolveIndices(proposers.map((p) => p.validatorIndex));
      const forwarded = proposers.map((p) => {
        const validator = validatorByIndex.get(p.validatorIndex);
        const lockFee = validator ? m.settings.feeRecipientOf(validator) : undefined;
        if (!validator || lockFee === undefined) return p;
        if (p.feeRecipient.toLowerCase() !== lockFee) {
          warnOnce("proposer preparation", validator, p.feeRecipient, lockFee);
        }
        return {validatorIndex: p.validatorIndex, feeRecipient: lockFee};
      });
      (await m.api.validator.prepareBeaconProposer({proposers: forwarded})).assertOk();
    },
  };
}

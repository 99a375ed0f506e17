import type {routes} from "@lodestar/api";
import {ApiError, type ApplicationMethods} from "@lodestar/api/server";
import {SLOTS_PER_EPOCH} from "@lodestar/params";
import type {bellatrix} from "@lodestar/types";
import {DutyType} from "../consensus/types.js";
import {toHex} from "../util/hex.js";
import type {InterceptContext} from "./context.js";
import {VapiError} from "./errors.js";

export type RegistrationIntercepts = Pick<ApplicationMethods<routes.validator.Endpoints>, "registerValidator">;

/**
 * Builder registrations (`register_validator`), partial signatures combined. A registration only combines
 * when every operator's VC signs the SAME message: the validator's (group) public key, and the same fee
 * recipient, gas limit and timestamp (a fixed timestamp, e.g. the genesis time, as VCs' registration
 * timestamp overrides do for distributed validators). Each partial is verified against this node's key
 * share, exchanged under the current epoch (VCs register again every epoch), combined and verified, and the
 * combined registration goes to the BN. A registration naming this node's key SHARE (a VC that knows only
 * its keystore's public key) can never combine: it is skipped and logged, as Charon does.
 */
export function registrationIntercepts(ctx: InterceptContext): RegistrationIntercepts {
  const {m} = ctx;

  const take = (signed: bellatrix.SignedValidatorRegistrationV1, epoch: number): void => {
    const {message, signature} = signed;
    const pubkey = toHex(message.pubkey);
    if (m.keys.validatorOf(pubkey)) {
      m.metrics?.partialSignatures.inc({type: "VALIDATOR_REGISTRATION", result: "share_key"});
      m.logger.warn("builder registration names a key share, not the validator: not combinable, skipped", {pubkey});
      return;
    }
    const shareKeyHex = m.keys.shareOf(pubkey);
    if (!shareKeyHex) {
      throw new VapiError({code: "VAPI_UNKNOWN_SHARE", pubkey}, `${pubkey} is not a validator of the cluster`);
    }
    const signingRoot = ctx.verifyUnrequested(
      shareKeyHex,
      {type: "VALIDATOR_REGISTRATION", data: message},
      signature,
      `the builder registration of ${pubkey}`,
    );
    const {shares} = m;
    if (!shares) throw new ApiError(501, "builder registrations are not combined by this node");
    m.metrics?.partialSignatures.inc({type: "VALIDATOR_REGISTRATION", result: "accepted"});
    const ref = {slot: epoch * SLOTS_PER_EPOCH, dutyType: DutyType.builderRegistration};
    const expiresAtMs = m.clock.now() + SLOTS_PER_EPOCH * m.waitMs;
    shares.publish(ref, [{validator: pubkey, signingRoot, signature}], expiresAtMs);
    void shares
      .awaitCombined(ref, pubkey, expiresAtMs)
      .then(async (combined) => {
        (await m.api.validator.registerValidator({registrations: [{message, signature: combined}]})).assertOk();
        m.logger.info("builder registration submitted", {pubkey, epoch});
      })
      .catch((e: Error) => m.logger.warn("builder registration not submitted", {pubkey, reason: e.message}));
  };

  return {
    async registerValidator({registrations}) {
      const slotMs = m.config.SECONDS_PER_SLOT * 1000;
      const slot = Math.floor((m.clock.now() - (await m.genesisTime()) * 1000) / slotMs);
      const epoch = Math.max(0, Math.floor(slot / SLOTS_PER_EPOCH));
      ctx.eachPartial(registrations, "registration", (signed: bellatrix.SignedValidatorRegistrationV1) =>
        take(signed, epoch),
      );
    },
  };
}

import type {routes} from "@lodestar/api";
import type {bellatrix} from "@lodestar/types";
import {Counter, type Registry} from "prom-client";
import {toSignedValidatorRegistration} from "../cluster/registration.js";
import {fromHex} from "../util/hex.js";
import type {Logger} from "../util/logger.js";
import type {SlotClock} from "./clock.js";
import type {ValidatorSettings} from "./interfaces.js";

/** The BN calls proposer preparation makes (the Beacon API client implements them). */
export interface PreparationBeaconNode {
  /** Indices of the keys the BN knows (a validator not yet deposited is absent). */
  getValidatorIndices(pubkeys: Uint8Array[]): Promise<Map<string, number>>;
  prepareBeaconProposer(proposers: routes.validator.ProposerPreparationData[]): Promise<void>;
  registerValidator(registrations: bellatrix.SignedValidatorRegistrationV1[]): Promise<void>;
}

export interface ProposerPreparationOpts {
  /** The cluster's validators (0x-hex public keys). */
  validators: string[];
  /** Indices the node already knows (it looked them up at start); the others are looked up each epoch. */
  knownIndices?: ReadonlyMap<string, number>;
  /** Nothing is sent before this epoch (Lodestar's VC: BELLATRIX_FORK_EPOCH − 1, when fee recipients start to matter). */
  firstEpoch?: number;
}

export interface ProposerPreparationModules {
  slotClock: SlotClock;
  beaconNode: PreparationBeaconNode;
  settings: ValidatorSettings;
  logger: Logger;
  metrics?: PreparationMetrics;
}

export type PreparationMetrics = ReturnType<typeof createPreparationMetrics>;

export function createPreparationMetrics(register: Registry) {
  return {
    calls: new Counter<"call" | "result">({
      name: "cohort_proposer_preparation_calls_total",
      help: "prepare_beacon_proposer and register_validator calls to the beacon node, by call and result (ok, error)",
      labelNames: ["call", "result"],
      registers: [register],
    }),
  };
}

/**
 * Signer mode's proposer preparation, as validator clients do it (Lodestar's `pollPrepareBeaconProposer`
 * and `pollBuilderValidatorRegistration`): at start and at every epoch start, `prepare_beacon_proposer`
 * with each cluster validator's index and the lock's fee recipient (BNs forget it after about two epochs),
 * then `register_validator` with the lock's pre-signed builder registrations (no signing: the
 * registration was signed with the validator key when the cluster was created). Validators the BN does
 * not know yet (not deposited) are skipped and looked up again next epoch. A BN error is logged and
 * counted, never fatal: the next epoch tries again.
 */
export class ProposerPreparation {
  private readonly indices = new Map<string, number>();
  private cancel: (() => void) | null = null;
  private running = false;
  /** The epoch runs in flight (awaited by `stop` callers through `idle`). */
  private current: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: ProposerPreparationOpts,
    private readonly modules: ProposerPreparationModules,
  ) {
    for (const [key, index] of opts.knownIndices ?? []) this.indices.set(key.toLowerCase(), index);
  }

  /** Runs the current epoch at once, then every epoch start. */
  start(): void {
    this.running = true;
    const epoch = this.modules.slotClock.currentEpoch();
    this.runEpoch(epoch);
    this.schedule(epoch + 1);
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    this.cancel = null;
  }

  /** Resolves when the epoch run in flight (if any) is done. */
  idle(): Promise<void> {
    return this.current;
  }

  private schedule(epoch: number): void {
    if (!this.running) return;
    const {slotClock} = this.modules;
    this.cancel = slotClock.clock.setTimer(slotClock.timeInSlot(slotClock.startSlotOf(epoch), 0), () => {
      // After a stall, run the epoch it is now, once.
      const now = Math.max(epoch, slotClock.currentEpoch());
      this.runEpoch(now);
      this.schedule(now + 1);
    });
  }

  private runEpoch(epoch: number): void {
    if (epoch < (this.opts.firstEpoch ?? 0)) return;
    this.current = this.current.then(() => this.prepare(epoch));
  }

  /** One epoch's calls; every failure is logged and counted here. */
  async prepare(epoch: number): Promise<void> {
    const {logger, settings, beaconNode} = this.modules;
    await this.lookUpIndices(epoch);
    const known = this.opts.validators.filter((v) => this.indices.has(v.toLowerCase()));
    const proposers: routes.validator.ProposerPreparationData[] = [];
    const registrations: bellatrix.SignedValidatorRegistrationV1[] = [];
    for (const pubkey of known) {
      const feeRecipient = settings.feeRecipientOf(pubkey);
      const index = this.indices.get(pubkey.toLowerCase()) as number;
      if (feeRecipient !== undefined) proposers.push({validatorIndex: index, feeRecipient});
      const registration = settings.registrationOf(pubkey);
      if (registration !== undefined) registrations.push(toSignedValidatorRegistration(registration));
    }
    if (proposers.length > 0) {
      await this.call("prepare_beacon_proposer", epoch, proposers.length, () =>
        beaconNode.prepareBeaconProposer(proposers),
      );
    }
    if (registrations.length > 0) {
      await this.call("register_validator", epoch, registrations.length, () =>
        beaconNode.registerValidator(registrations),
      );
    }
    if (proposers.length === 0 && registrations.length === 0 && known.length > 0) {
      logger.debug("the cluster lock names no fee recipient or builder registration: nothing to prepare", {epoch});
    }
  }

  private async lookUpIndices(epoch: number): Promise<void> {
    const missing = this.opts.validators.filter((v) => !this.indices.has(v.toLowerCase()));
    if (missing.length === 0) return;
    try {
      const found = await this.modules.beaconNode.getValidatorIndices(missing.map((v) => fromHex(v, 48)));
      for (const [key, index] of found) this.indices.set(key.toLowerCase(), index);
    } catch (e) {
      this.modules.logger.warn("validator index lookup failed, will retry next epoch", {
        epoch,
        reason: (e as Error).message,
      });
    }
    const unknown = this.opts.validators.filter((v) => !this.indices.has(v.toLowerCase()));
    if (unknown.length > 0) {
      this.modules.logger.verbose("validators unknown to the beacon node (not deposited yet?) skipped", {
        epoch,
        unknown: unknown.length,
      });
    }
  }

  private async call(
    call: "prepare_beacon_proposer" | "register_validator",
    epoch: number,
    count: number,
    fn: () => Promise<void>,
  ): Promise<void> {
    try {
      await fn();
      this.modules.metrics?.calls.inc({call, result: "ok"});
      this.modules.logger.debug(`${call} accepted by the beacon node`, {epoch, validators: count});
    } catch (e) {
      this.modules.metrics?.calls.inc({call, result: "error"});
      this.modules.logger.warn(`${call} failed, will retry next epoch`, {epoch, reason: (e as Error).message});
    }
  }
}

import type {Logger} from "../util/logger.js";
import {
  runSyncContributionDuty,
  runSyncSelectionProofs,
  type SyncAggregatorRole,
  type SyncContributionBeaconNode,
  type SyncMessageProgress,
} from "./syncCommitteeContribution.js";
import {
  runSyncMessageDuty,
  type SyncDutyModules,
  type SyncMessageBeaconNode,
  type SyncRootResult,
} from "./syncCommitteeMessage.js";
import {runVcSyncMessageDuty, type VcSyncMessages} from "./syncMessageFromVc.js";
import {type SyncDutiesSource, SyncDutyScheduler, type SyncDutyTrigger} from "./syncScheduler.js";

export type SyncBeaconNode = SyncMessageBeaconNode & SyncContributionBeaconNode & SyncDutiesSource;

export interface SyncCommitteeDutiesOpts {
  validatorIndices: number[];
}

export interface SyncCommitteeDutiesModules extends SyncDutyModules {
  beaconNode: SyncBeaconNode;
  /** Registers a running duty so that the node waits for it when it stops. */
  track(run: Promise<void>): void;
  /** Validator-API mode: the VC's partial messages, over the root it chose (see runVcSyncMessageDuty). */
  vcMessages?: VcSyncMessages;
}

interface SlotWork {
  roles: Promise<SyncAggregatorRole[]>;
  /** The message duty's decided root (at its decision), and its end. */
  message: SyncMessageProgress;
}

/**
 * The sync committee half of the pipeline, wired from its scheduler: per slot, the selection proofs
 * (a slot ahead), the message (1/3) and the contribution (2/3). The contribution waits for the selection
 * proofs (its roles); its consensus does not wait for the message duty, only its proposal does (see
 * runSyncContributionDuty). Returns the started scheduler; `stop()` it with the node.
 */
export async function startSyncCommitteeDuties(
  opts: SyncCommitteeDutiesOpts,
  m: SyncCommitteeDutiesModules,
): Promise<SyncDutyScheduler> {
  const work = new Map<number, SlotWork>();
  const workOf = (slot: number): SlotWork => {
    let w = work.get(slot);
    if (w === undefined) {
      const none = Promise.resolve(noRoot("the slot's message duty did not run"));
      w = {roles: Promise.resolve([]), message: {decided: none, done: none}};
      work.set(slot, w);
      for (const s of work.keys()) if (s < slot - 4) work.delete(s);
    }
    return w;
  };
  const logFor = (type: string, slot: number): Logger => m.logger.child({duty: type, slot});

  const onDuty = (trigger: SyncDutyTrigger): void => {
    const {slot, duties} = trigger;
    const w = workOf(slot);
    let run: Promise<void>;
    if (trigger.type === "syncSelection") {
      w.roles = runSyncSelectionProofs(slot, duties, {...m, logger: logFor(trigger.type, slot)});
      run = w.roles.then(() => undefined);
    } else if (trigger.type === "syncMessage") {
      let onDecided: (r: SyncRootResult) => void = () => {};
      const decided = new Promise<SyncRootResult>((resolve) => {
        onDecided = resolve;
      });
      const dm = {...m, logger: logFor(trigger.type, slot)};
      const {vcMessages} = m;
      const done = vcMessages
        ? runVcSyncMessageDuty(slot, duties, {...dm, vcMessages}, onDecided)
        : runSyncMessageDuty(slot, duties, dm, onDecided);
      // A crash before the decision still ends the wait of the contribution.
      void done.then(onDecided, (e: unknown) => onDecided(noRoot(`message duty crashed: ${(e as Error).message}`)));
      w.message = {decided, done};
      run = done.then(() => undefined);
    } else {
      const {roles, message} = w;
      run = roles.then((r) => runSyncContributionDuty(slot, r, message, {...m, logger: logFor(trigger.type, slot)}));
    }
    m.track(run.catch((e: unknown) => m.logger.error("sync duty crashed", {type: trigger.type, slot}, e)));
  };

  const scheduler = new SyncDutyScheduler(opts, {
    slotClock: m.slotClock,
    source: m.beaconNode,
    logger: m.logger.child({module: "sync-scheduler"}),
    onDuty,
  });
  await scheduler.start();
  return scheduler;
}

function noRoot(detail: string): SyncRootResult {
  return {root: null, reason: "no_data", detail};
}

/** The sync duties' BN calls on the Beacon API client (src/eth/beaconNode.ts). */
export function syncBeaconNodeOf(bn: {
  getHeadBlockRoot: SyncMessageBeaconNode["getHeadBlockRoot"];
  submitSyncCommitteeMessages: SyncMessageBeaconNode["submitSyncCommitteeMessages"];
  produceSyncCommitteeContribution: SyncContributionBeaconNode["produceSyncCommitteeContribution"];
  publishContributionAndProofs: SyncContributionBeaconNode["publishContributionAndProofs"];
  getSyncCommitteeDuties: SyncDutiesSource["syncDuties"];
  prepareSyncCommitteeSubnets: SyncDutiesSource["subscribe"];
}): SyncBeaconNode {
  return {
    getHeadBlockRoot: () => bn.getHeadBlockRoot(),
    submitSyncCommitteeMessages: (messages) => bn.submitSyncCommitteeMessages(messages),
    produceSyncCommitteeContribution: (slot, sub, root) => bn.produceSyncCommitteeContribution(slot, sub, root),
    publishContributionAndProofs: (list) => bn.publishContributionAndProofs(list),
    syncDuties: (epoch, indices) => bn.getSyncCommitteeDuties(epoch, indices),
    subscribe: (subscriptions) => bn.prepareSyncCommitteeSubnets(subscriptions),
  };
}

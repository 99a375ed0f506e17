import type {Clock} from "../duties/clock.js";
import {SYNC_MESSAGE_DUTY_TYPE} from "../duties/syncCommitteeMessage.js";
import {DecidedBySlot} from "./decidedBySlot.js";

/**
 * The block root each slot's sync committee message consensus decided: the root the VC must sign, handed
 * out instead of its BN's head (the nodes' BNs may briefly disagree; partials over different roots never
 * combine).
 */
export class DecidedSyncRoots extends DecidedBySlot<Uint8Array> {
  constructor(clock: Clock, keepSlots?: number) {
    super({dutyType: SYNC_MESSAGE_DUTY_TYPE, decode: (_slot, value) => value, keepSlots}, clock);
  }
}

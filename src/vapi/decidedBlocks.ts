import type {ChainForkConfig} from "@lodestar/config";
import type {Clock} from "../duties/clock.js";
import {PROPOSER_DUTY_TYPE} from "../duties/proposer.js";
import {decodeProposerValue, type ProposedBlock} from "../duties/proposerValue.js";
import {DecidedBySlot} from "./decidedBySlot.js";

/**
 * The blocks block consensus decided, by slot: the VC must be handed the decided block itself, while the
 * signing request of the pipeline carries only its header.
 */
export class DecidedBlocks extends DecidedBySlot<ProposedBlock> {
  constructor(config: ChainForkConfig, clock: Clock, keepSlots?: number) {
    super(
      {dutyType: PROPOSER_DUTY_TYPE, decode: (slot, value) => decodeProposerValue(config, slot, value), keepSlots},
      clock,
    );
  }
}

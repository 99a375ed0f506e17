import type {ChainForkConfig} from "@lodestar/config";
import type {Decider} from "../duties/attester.js";
import {PROPOSER_DUTY_TYPE} from "../duties/proposer.js";
import {decodeProposerValue, type ProposedBlock} from "../duties/proposerValue.js";

/**
 * The blocks block consensus decided, by slot: the VC must be handed the decided block itself, while the
 * signing request of the pipeline carries only its header. `observe` wraps the node's consensus.
 */
export class DecidedBlocks {
  private readonly bySlot = new Map<number, ProposedBlock>();

  constructor(
    private readonly config: ChainForkConfig,
    /** Blocks older than this many slots behind the newest are forgotten. */
    private readonly keepSlots = 64,
  ) {}

  observe(inner: Decider): Decider {
    return {
      decide: async (slot, dutyType, opts) => {
        const decided = await inner.decide(slot, dutyType, opts);
        if (dutyType === PROPOSER_DUTY_TYPE) {
          const block = decodeProposerValue(this.config, slot, decided.value);
          if (block) this.record(slot, block);
        }
        return decided;
      },
    };
  }

  get(slot: number): ProposedBlock | undefined {
    return this.bySlot.get(slot);
  }

  private record(slot: number, block: ProposedBlock): void {
    this.bySlot.set(slot, block);
    for (const s of this.bySlot.keys()) if (s < slot - this.keepSlots) this.bySlot.delete(s);
  }
}

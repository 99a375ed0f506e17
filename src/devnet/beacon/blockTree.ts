import {SLOTS_PER_EPOCH} from "@lodestar/params";
import {toHex} from "../../util/hex.js";
import type {ChainBlock} from "./blocks.js";

/** Every block the chain knows, the canonical one per slot (one chain, no reorgs) and the head. */
export class BlockTree {
  private readonly blocks = new Map<string, ChainBlock>();
  /** canonical[slot] = the chain's block at that slot (every decided slot has one). */
  private readonly canonical: ChainBlock[] = [];
  private headBlock: ChainBlock;

  constructor(readonly genesis: ChainBlock) {
    this.blocks.set(genesis.rootHex, genesis);
    this.canonical[0] = genesis;
    this.headBlock = genesis;
  }

  get head(): ChainBlock {
    return this.headBlock;
  }

  get all(): ReadonlyMap<string, ChainBlock> {
    return this.blocks;
  }

  get(rootHex: string): ChainBlock | undefined {
    return this.blocks.get(rootHex.toLowerCase());
  }

  /** Keeps a valid block that is not on the chain (it came after its slot). */
  addSide(b: ChainBlock): void {
    this.blocks.set(b.rootHex, b);
  }

  /** Appends `b` to the chain as the new head. */
  setHead(b: ChainBlock): void {
    this.blocks.set(b.rootHex, b);
    this.canonical[b.message.slot] = b;
    this.headBlock = b;
  }

  canonicalAt(slot: number): ChainBlock | undefined {
    return this.canonical[slot];
  }

  isCanonical(b: ChainBlock): boolean {
    return this.canonical[b.message.slot] === b;
  }

  /** The chain's block at `slot`, or the latest one before it. */
  blockAtOrBefore(slot: number): ChainBlock {
    for (let s = Math.min(slot, this.canonical.length - 1); s > 0; s--) {
      const b = this.canonical[s];
      if (b !== undefined) return b;
    }
    return this.genesis;
  }

  /** The block at or before `slot` on the chain that `b` extends. */
  ancestorAt(b: ChainBlock, slot: number): ChainBlock {
    let cur = b;
    while (cur.message.slot > slot) {
      const parent = this.blocks.get(toHex(cur.message.parentRoot));
      if (parent === undefined) break;
      cur = parent;
    }
    return cur;
  }

  byStateRoot(stateRootHex: string): ChainBlock | undefined {
    const root = stateRootHex.toLowerCase();
    for (const b of this.blocks.values()) if (toHex(b.message.stateRoot) === root) return b;
    return undefined;
  }

  /** Root of the checkpoint block of `epoch`: the chain's block at the epoch's first slot or before. */
  checkpointRoot(epoch: number): Uint8Array {
    return this.blockAtOrBefore(epoch * SLOTS_PER_EPOCH).root;
  }

  /** Dependent root of proposer duties of `epoch`: the block root at the last slot of epoch − 1. */
  proposerDependentRoot(epoch: number): Uint8Array {
    return epoch === 0 ? this.genesis.root : this.blockAtOrBefore(epoch * SLOTS_PER_EPOCH - 1).root;
  }

  /** Dependent root of attester duties of `epoch`: the block root at the last slot of epoch − 2. */
  attesterDependentRoot(epoch: number): Uint8Array {
    return epoch <= 1 ? this.genesis.root : this.blockAtOrBefore((epoch - 1) * SLOTS_PER_EPOCH - 1).root;
  }
}

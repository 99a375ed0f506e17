/** Byzantine behaviours a devnet node can be given (`--byzantine I:MODE`); see faults.ts. */
export type ByzantineMode = "equivocate" | "slashable" | "wrong-slot" | "invalid-shares" | "garbage";
export const BYZANTINE_MODES: readonly ByzantineMode[] = [
  "equivocate",
  "slashable",
  "wrong-slot",
  "invalid-shares",
  "garbage",
];

/** The fault flags of one node (`cohort devnet` flags, or the hidden `--devnet-*` flags of `cohort run`). */
export interface NodeFaultFlags {
  byzantine: ByzantineMode[];
  latencyMs: number;
  dropRate: number;
  /** Seed of the drop decisions of this node's links. */
  seed: number;
}

/** A 32-bit seed from a text seed (FNV-1a). */
export function hashSeed(seed: string): number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** The devnet's fault flags, parsed: which node misbehaves how, and which is killed or restarted when. */
export interface FaultPlan {
  byzantine: Map<number, ByzantineMode[]>;
  /** slot → node indexes to stop / start at that slot. */
  kills: {node: number; slot: number}[];
  restarts: {node: number; slot: number}[];
}

export class FaultSpecError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
    this.name = "FaultSpecError";
  }
}

/** Parses `--byzantine I:MODE`, `--kill-node I@SLOT`, `--restart-node I@SLOT` for a cluster of `nodes`. */
export function parseFaultPlan(
  args: {byzantine?: string[]; killNode?: string[]; restartNode?: string[]},
  nodes: number,
): FaultPlan {
  const node = (flag: string, text: string): number => {
    const i = Number(text);
    if (!/^\d+$/.test(text) || i >= nodes)
      throw new FaultSpecError(flag, `--${flag}: node index ${text} is not 0..${nodes - 1}`);
    return i;
  };
  const byzantine = new Map<number, ByzantineMode[]>();
  for (const spec of args.byzantine ?? []) {
    const [index, mode] = spec.split(":");
    if (mode === undefined || !BYZANTINE_MODES.includes(mode as ByzantineMode)) {
      throw new FaultSpecError(
        "byzantine",
        `--byzantine ${spec}: expected I:MODE with MODE one of ${BYZANTINE_MODES.join(", ")}`,
      );
    }
    const i = node("byzantine", index);
    byzantine.set(i, [...(byzantine.get(i) ?? []), mode as ByzantineMode]);
  }
  const atSlot = (flag: string, specs: string[] | undefined) =>
    (specs ?? []).map((spec) => {
      const [index, slot] = spec.split("@");
      if (slot === undefined || !/^\d+$/.test(slot))
        throw new FaultSpecError(flag, `--${flag} ${spec}: expected I@SLOT`);
      return {node: node(flag, index), slot: Number(slot)};
    });
  return {byzantine, kills: atSlot("kill-node", args.killNode), restarts: atSlot("restart-node", args.restartNode)};
}

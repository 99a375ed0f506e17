import {BYZANTINE_MODES, type ByzantineMode} from "./faults.js";

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

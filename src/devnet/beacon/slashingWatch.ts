import type {phase0} from "@lodestar/types";

export type VoteCheck =
  | {result: "new"}
  | {result: "duplicate"}
  | {result: "slashable"; kind: "double-vote" | "surround-vote"; detail: string};

export type ProposalCheck = {result: "new"} | {result: "duplicate"} | {result: "slashable"; detail: string};

interface Vote {
  source: number;
  target: number;
  dataRoot: string;
}

/**
 * Detects slashable pairs among validly signed messages, as a slasher would: two different blocks by
 * one proposer for one slot; two different votes with one target (double) or one surrounding the other.
 */
export class SlashingWatch {
  private readonly votes = new Map<number, Vote[]>();
  private readonly proposals = new Map<string, string>();

  checkVote(validatorIndex: number, data: phase0.AttestationData, dataRoot: string): VoteCheck {
    const s = data.source.epoch;
    const t = data.target.epoch;
    for (const v of this.votes.get(validatorIndex) ?? []) {
      if (v.target === t) {
        if (v.dataRoot === dataRoot) return {result: "duplicate"};
        return {result: "slashable", kind: "double-vote", detail: `two different votes for target epoch ${t}`};
      }
      if ((v.source < s && t < v.target) || (s < v.source && v.target < t)) {
        return {
          result: "slashable",
          kind: "surround-vote",
          detail: `vote ${s}→${t} and earlier vote ${v.source}→${v.target} surround one another`,
        };
      }
    }
    return {result: "new"};
  }

  recordVote(validatorIndex: number, data: phase0.AttestationData, dataRoot: string): void {
    let list = this.votes.get(validatorIndex);
    if (list === undefined) {
      list = [];
      this.votes.set(validatorIndex, list);
    }
    list.push({source: data.source.epoch, target: data.target.epoch, dataRoot});
  }

  checkProposal(validatorIndex: number, slot: number, blockRoot: string): ProposalCheck {
    const prior = this.proposals.get(`${validatorIndex}:${slot}`);
    if (prior === undefined) return {result: "new"};
    if (prior === blockRoot) return {result: "duplicate"};
    return {result: "slashable", detail: `two different blocks for slot ${slot}: ${prior} and ${blockRoot}`};
  }

  recordProposal(validatorIndex: number, slot: number, blockRoot: string): void {
    this.proposals.set(`${validatorIndex}:${slot}`, blockRoot);
  }
}

/**
 * Reads from a real beacon node what `auditChain` needs. A BN serves committees, sync committees and
 * proposer duties only around its head (proposer duties: the current and next epoch; committees: the head
 * state's previous, current and next epoch), so they are recorded while the chain runs, every half slot;
 * the blocks, balances and finality are read once the run is over. It asks only what the BN can answer:
 * a refused request would be an error line in the BN's log, which the tests check.
 */
import {type ApiClient, getClient} from "@lodestar/api";
import type {ChainForkConfig} from "@lodestar/config";
import type {Attestation, SignedBeaconBlock} from "@lodestar/types";
import type {AuditBlock, AuditCommittee} from "./chainAudit.js";

export interface ChainRecorderOpts {
  url: string;
  genesisTime: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
}

export class ChainRecorder {
  readonly api: ApiClient;
  readonly committees = new Map<number, AuditCommittee[]>();
  readonly proposers = new Map<number, {slot: number; validatorIndex: number}[]>();
  readonly syncCommittees = new Map<number, number[]>();
  /** Requests that failed while recording (the BN's answers, for the report). */
  readonly errors: string[] = [];
  /** Epochs whose proposers were read during the epoch itself. */
  private readonly currentProposers = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly opts: ChainRecorderOpts,
    modules: {config: ChainForkConfig},
  ) {
    this.api = getClient({baseUrl: opts.url, globalInit: {timeoutMs: 20_000}}, {config: modules.config});
  }

  currentEpoch(): number {
    const slot = Math.floor((Date.now() / 1000 - this.opts.genesisTime) / this.opts.secondsPerSlot);
    return Math.max(0, Math.floor(slot / this.opts.slotsPerEpoch));
  }

  /** Records at once, then every half slot until `stop` (started mid-slot, it polls mid-slot). */
  start(): void {
    const tick = () => {
      if (this.polling === null) {
        this.polling = this.record().finally(() => {
          this.polling = null;
        });
      }
    };
    tick();
    this.timer = setInterval(tick, (this.opts.secondsPerSlot * 1000) / 2);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /**
   * The committees and sync committee of the head state's epoch and the next (a BN computes them from its
   * head state: asking by the wall clock's epoch at a boundary would be refused, and logged as an error),
   * and the proposers of the current epoch (asked again once it has begun: the next epoch's are a prediction).
   */
  async record(): Promise<void> {
    const head = await this.api.beacon.getBlockHeader({blockId: "head"});
    if (!head.ok) {
      this.errors.push(`head: ${head.error()?.message}`);
      return;
    }
    const headEpoch = Math.floor(head.value().header.message.slot / this.opts.slotsPerEpoch);
    for (const e of [headEpoch, headEpoch + 1]) {
      if (!this.committees.has(e)) {
        const res = await this.api.beacon.getEpochCommittees({stateId: "head", epoch: e});
        if (res.ok) {
          this.committees.set(
            e,
            res.value().map((c) => ({slot: c.slot, index: c.index, validators: [...c.validators]})),
          );
        } else this.errors.push(`committees of epoch ${e}: ${res.error()?.message}`);
      }
      if (!this.syncCommittees.has(e)) {
        const res = await this.api.beacon.getEpochSyncCommittees({stateId: "head", epoch: e});
        if (res.ok) this.syncCommittees.set(e, [...res.value().validators]);
        else this.errors.push(`sync committee of epoch ${e}: ${res.error()?.message}`);
      }
    }
    // Polls fall mid-slot (started half a slot after genesis), never on an epoch boundary.
    const epoch = this.currentEpoch();
    if (!this.currentProposers.has(epoch)) {
      const res = await this.api.validator.getProposerDuties({epoch});
      if (res.ok) {
        this.proposers.set(
          epoch,
          res.value().map((d) => ({slot: d.slot, validatorIndex: d.validatorIndex})),
        );
        this.currentProposers.add(epoch);
      } else this.errors.push(`proposers of epoch ${epoch}: ${res.error()?.message}`);
    }
  }

  /** The canonical blocks of slots `from..to` (empty slots skipped). */
  async blocks(from: number, to: number): Promise<AuditBlock[]> {
    const blocks: AuditBlock[] = [];
    for (let slot = from; slot <= to; slot++) {
      const res = await this.api.beacon.getBlockV2({blockId: slot});
      if (res.status === 404) continue;
      if (!res.ok) throw new Error(`block of slot ${slot}: ${res.error()?.message}`);
      blocks.push(toAuditBlock(res.value()));
    }
    return blocks;
  }

  /** The head balances (gwei) of the validators. */
  async balances(indices: number[]): Promise<Map<number, bigint>> {
    const res = await this.api.beacon.postStateValidatorBalances({stateId: "head", validatorIds: indices});
    if (!res.ok) throw new Error(`balances: ${res.error()?.message}`);
    return new Map(res.value().map((b) => [b.index, BigInt(b.balance)]));
  }

  async finalizedEpoch(): Promise<number> {
    const res = await this.api.beacon.getStateFinalityCheckpoints({stateId: "head"});
    if (!res.ok) throw new Error(`finality checkpoints: ${res.error()?.message}`);
    return res.value().finalized.epoch;
  }

  async headSlot(): Promise<number> {
    const res = await this.api.beacon.getBlockHeader({blockId: "head"});
    if (!res.ok) throw new Error(`head: ${res.error()?.message}`);
    return res.value().header.message.slot;
  }
}

export function toAuditBlock(signed: SignedBeaconBlock): AuditBlock {
  const {message} = signed;
  const body = message.body as SignedBeaconBlock["message"]["body"] & {
    syncAggregate?: {syncCommitteeBits: {toBoolArray(): boolean[]}};
    executionPayload?: {feeRecipient: Uint8Array};
  };
  const feeRecipient = body.executionPayload
    ? `0x${Buffer.from(body.executionPayload.feeRecipient).toString("hex")}`
    : null;
  return {
    slot: message.slot,
    proposerIndex: message.proposerIndex,
    attestations: (body.attestations as Attestation[]).map((a) => ({
      slot: a.data.slot,
      index: a.data.index,
      aggregationBits: a.aggregationBits.toBoolArray(),
      committeeBits: "committeeBits" in a ? a.committeeBits.toBoolArray() : null,
    })),
    syncCommitteeBits: body.syncAggregate?.syncCommitteeBits.toBoolArray() ?? [],
    proposerSlashings: body.proposerSlashings.length,
    attesterSlashings: body.attesterSlashings.length,
    feeRecipient,
  };
}

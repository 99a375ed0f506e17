import {SecretKey} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {type ApiClient, getClient, routes} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {ForkSeq, isForkPostElectra, SLOTS_PER_EPOCH} from "@lodestar/params";
import {type Attestation, type BeaconBlock, type BlockContents, type SignedBlockContents, ssz} from "@lodestar/types";
import {isAggregator} from "../../src/duties/selection.js";
import {isSyncCommitteeAggregator, subcommitteesOf} from "../../src/duties/syncCommitteeSelection.js";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../../src/eth/signing.js";
import {fromHex, toHex} from "../../src/util/hex.js";
import {createLegacyClient, type LegacyClient} from "./legacyClient.js";

type BlobsOf = {kzgProofs: Uint8Array[]; blobs: Uint8Array[]};

/** Ways a test VC misbehaves before it sends the right partial signature. */
export type Misbehaviour = "bad-signature" | "other-data";

export interface SubmissionRecord {
  kind:
    | "attestation"
    | "block"
    | "block-production"
    | "attestation-data"
    | "selections"
    | "aggregate-data"
    | "aggregate"
    | "sync-selections"
    | "head-root"
    | "sync-message"
    | "contribution-data"
    | "contribution"
    | "registration"
    | "prepare-proposer"
    | "liveness";
  slot: number;
  status: number;
  /** A deliberately wrong submission (misbehaviour), expected to be refused. */
  deliberate: boolean;
}

export interface TestValidatorClientOpts {
  url: string;
  config: BeaconConfig;
  /** This operator's key shares (public key share hex and secret) and their validators' public keys. */
  shares: {publicKeyShare: string; secret: Uint8Array; validator: string}[];
  misbehave?: Misbehaviour;
}

/**
 * A validator client as `lodestar validator --distributed` (v1.22) behaves towards its "beacon node" (cohort
 * in validator-API mode), built on @lodestar/api's client, following what the real one was recorded doing
 * (fixtures/lodestar-vc-v1.22): it knows only its key shares, finds their indices, fetches duties, asks for
 * data at the usual times, signs with the share (blst) and sends the partial signatures back. At the start
 * of a slot, partial selection proofs (beacon committee and sync committee) exchanged for the combined
 * ones, which say whether it aggregates; sync committee messages over the head it follows on the event
 * stream, as soon as the slot's block arrives and at 1/3 at the latest (`blocks/head/root` only when it has
 * no head yet); at 1/3 attestation data; at 2/3 the aggregates and contributions (for the root it signed)
 * of its aggregators. Routes by fork as Lodestar picks them: before Electra the v1 forms of attestation
 * submission, aggregate and aggregate-and-proof; from Electra v2. At every epoch start it registers with the
 * builder (a fixed timestamp, the genesis time, and the validator's key: the same message on every
 * operator, so the partials combine), prepares its proposers and asks its validators' liveness (both
 * proxied to the BN).
 */
export class TestValidatorClient {
  readonly records: SubmissionRecord[] = [];
  /** Blobs and KZG proofs of each full block produced, by slot (Fulu: CELLS_PER_EXT_BLOB cell proofs per blob). */
  readonly blockBlobs = new Map<number, {blobs: number; kzgProofs: number}>();
  private readonly api: ApiClient;
  private readonly legacy: LegacyClient;
  /** The head the event stream last announced (Lodestar's chain header tracker). */
  private head: {slot: number; root: Uint8Array} | null = null;
  private readonly headWaiters = new Set<() => void>();
  private readonly events = new AbortController();
  private readonly secretByShare = new Map<string, SecretKey>();
  private readonly indexByShare = new Map<string, number>();
  private readonly attesterDuties = new Map<number, routes.validator.AttesterDuty[]>();
  private readonly proposerDuties = new Map<number, routes.validator.ProposerDuty[]>();
  private readonly syncDuties = new Map<number, routes.validator.SyncDuty[]>();
  private readonly validatorByShare = new Map<string, string>();
  /** Attestation data root each duty attested to, by "slot:validatorIndex" (its aggregate's data). */
  private readonly attested = new Map<string, Uint8Array>();
  /** Combined beacon committee selection proofs of aggregators, by "slot:validatorIndex". */
  private readonly aggregatorProofs = new Map<string, Uint8Array>();
  /** Combined sync selection proofs of sync aggregators, by slot. */
  private readonly syncAggregators = new Map<number, routes.validator.SyncCommitteeSelection[]>();
  /** The block root each slot's sync messages signed. */
  private readonly syncRoots = new Map<number, Uint8Array>();
  private genesisTime = 0;
  private timer: NodeJS.Timeout | null = null;
  private genesisMs = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: TestValidatorClientOpts) {
    this.api = getClient({baseUrl: opts.url, globalInit: {timeoutMs: 30_000}}, {config: opts.config});
    this.legacy = createLegacyClient(opts.url, opts.config);
    for (const s of opts.shares) {
      this.secretByShare.set(s.publicKeyShare.toLowerCase(), SecretKey.fromBytes(s.secret));
      this.validatorByShare.set(s.publicKeyShare.toLowerCase(), s.validator.toLowerCase());
    }
  }

  async start(): Promise<void> {
    // Both proxied to the BN (genesis) and intercepted (validators by share key).
    const genesis = (await this.api.beacon.getGenesis()).value();
    this.genesisMs = genesis.genesisTime * 1000;
    this.genesisTime = genesis.genesisTime;
    const validators = (
      await this.api.beacon.postStateValidators({stateId: "head", validatorIds: [...this.secretByShare.keys()]})
    ).value();
    for (const v of validators) this.indexByShare.set(toHex(v.validator.pubkey), v.index);
    if (this.indexByShare.size !== this.secretByShare.size) throw new Error("some key shares have no validator index");
    // The head event stream (proxied to the BN), as Lodestar's chain header tracker follows it.
    void this.api.events
      .eventstream({
        topics: [routes.events.EventType.head],
        signal: this.events.signal,
        onEvent: (e) => {
          if (e.type !== routes.events.EventType.head) return;
          this.head = {slot: e.message.slot, root: fromHex(e.message.block, 32)};
          for (const w of [...this.headWaiters]) w();
        },
      })
      .catch(() => {});
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.events.abort();
    for (const w of [...this.headWaiters]) w();
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private slotMs(): number {
    return this.opts.config.SECONDS_PER_SLOT * 1000;
  }

  /** Wakes at every slot start, a third and two thirds into it, each exactly once. */
  private schedule(): void {
    const now = Date.now();
    const slot = Math.max(0, Math.floor((now - this.genesisMs) / this.slotMs()) + 1);
    this.scheduleAt(slot, "start");
  }

  private scheduleAt(slot: number, phase: "start" | "third" | "twoThirds"): void {
    if (this.stopped) return;
    const fraction = {start: 0, third: 1 / 3, twoThirds: 2 / 3}[phase];
    const at = this.genesisMs + slot * this.slotMs() + fraction * this.slotMs();
    this.timer = setTimeout(
      () => {
        if (phase === "start") {
          this.track(this.onSlotStart(slot));
          // Sync committee messages go out as soon as the slot's block arrives, at 1/3 at the latest.
          this.step(
            this.syncMessages,
            slot,
            this.blockOrThird(slot).then(() => this.onSyncMessage(slot)),
          );
          this.scheduleAt(slot, "third");
        } else if (phase === "third") {
          this.track(this.onAttest(slot));
          this.scheduleAt(slot, "twoThirds");
        } else {
          this.track(this.onAggregate(slot));
          this.track(this.onContribute(slot));
          this.scheduleAt(slot + 1, "start");
        }
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** Resolves when the event stream announces a head of `slot` (or later), or at 1/3 of the slot. */
  private blockOrThird(slot: number): Promise<void> {
    return new Promise((resolve) => {
      const third = this.genesisMs + (slot + 1 / 3) * this.slotMs();
      const done = () => {
        clearTimeout(timer);
        this.headWaiters.delete(check);
        resolve();
      };
      const check = () => {
        if (this.stopped || (this.head && this.head.slot >= slot)) done();
      };
      const timer = setTimeout(done, Math.max(0, third - Date.now()));
      this.headWaiters.add(check);
      check();
    });
  }

  /** The slot's selection and sync message steps: the 2/3 steps that need their results wait for them. */
  private readonly selections = new Map<number, Promise<void>>();
  private readonly syncSelections = new Map<number, Promise<void>>();
  private readonly syncMessages = new Map<number, Promise<void>>();

  private step(steps: Map<number, Promise<void>>, slot: number, p: Promise<void>): void {
    const settled = p.catch(() => {});
    steps.set(slot, settled);
    for (const s of steps.keys()) if (s < slot - SLOTS_PER_EPOCH) steps.delete(s);
    this.track(p);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((e: unknown) => console.log("test VC error", (e as Error).message));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async dutiesOf(epoch: number): Promise<void> {
    if (this.attesterDuties.has(epoch)) return;
    const indices = [...this.indexByShare.values()];
    this.attesterDuties.set(epoch, (await this.api.validator.getAttesterDuties({epoch, indices})).value());
    const proposers = (await this.api.validator.getProposerDuties({epoch})).value();
    this.proposerDuties.set(
      epoch,
      proposers.filter((d) => this.secretByShare.has(toHex(d.pubkey))),
    );
    this.syncDuties.set(epoch, (await this.api.validator.getSyncCommitteeDuties({epoch, indices})).value());
  }

  private sign(shareKey: Uint8Array, msg: SignableMessage): Uint8Array {
    const sk = this.secretByShare.get(toHex(shareKey)) as SecretKey;
    return sk.sign(signingRootOnNetwork(this.opts.config, msg)).toBytes();
  }

  private record(kind: SubmissionRecord["kind"], slot: number, status: number, deliberate = false): void {
    this.records.push({kind, slot, status, deliberate});
  }

  private async onSlotStart(slot: number): Promise<void> {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    await this.dutiesOf(epoch);
    void this.dutiesOf(epoch + 1).catch(() => {});
    if (slot % SLOTS_PER_EPOCH === 0) this.track(this.onEpochStart(epoch));
    this.step(this.selections, slot, this.selectAggregators(slot));
    this.step(this.syncSelections, slot, this.selectSyncAggregators(slot));
    for (const duty of this.proposerDuties.get(epoch)?.filter((d) => d.slot === slot) ?? []) {
      await this.propose(slot, duty.pubkey);
    }
  }

  private async propose(slot: number, shareKey: Uint8Array): Promise<void> {
    const {config} = this.opts;
    const randaoReveal = this.sign(shareKey, {
      type: "RANDAO_REVEAL",
      data: {epoch: Math.floor(slot / SLOTS_PER_EPOCH)},
    });
    const produced = await this.api.validator.produceBlockV3({slot, randaoReveal, graffiti: "test vc"});
    this.record("block-production", slot, produced.status);
    if (!produced.ok) return;
    const meta = produced.meta();
    const data = produced.value();
    const block = (
      !meta.executionPayloadBlinded && config.getForkSeq(slot) >= ForkSeq.deneb ? (data as BlockContents).block : data
    ) as BeaconBlock;
    if (block !== data) {
      const {kzgProofs, blobs} = data as unknown as BlobsOf;
      this.blockBlobs.set(slot, {blobs: blobs.length, kzgProofs: kzgProofs.length});
    }
    const msg: SignableMessage = {type: "BLOCK_V2", data: blockToSignable(config, block, false)};
    const signature = this.sign(shareKey, msg);
    const contents = (sig: Uint8Array): SignedBlockContents => {
      const {kzgProofs, blobs} = data as unknown as BlobsOf;
      return {signedBlock: {message: block, signature: sig}, kzgProofs, blobs} as SignedBlockContents;
    };
    if (this.opts.misbehave === "bad-signature") {
      const bad = this.sign(shareKey, {type: "RANDAO_REVEAL", data: {epoch: slot}});
      const res = await this.api.beacon.publishBlockV2({signedBlockContents: contents(bad)});
      this.record("block", slot, res.status, true);
    } else if (this.opts.misbehave === "other-data") {
      const other = {...block, body: {...block.body, graffiti: new Uint8Array(32).fill(7)}} as BeaconBlock;
      const otherSig = this.sign(shareKey, {type: "BLOCK_V2", data: blockToSignable(config, other, false)});
      const {kzgProofs, blobs} = data as unknown as BlobsOf;
      const res = await this.api.beacon.publishBlockV2({
        signedBlockContents: {
          signedBlock: {message: other, signature: otherSig},
          kzgProofs,
          blobs,
        } as SignedBlockContents,
      });
      this.record("block", slot, res.status, true);
    }
    const res = await this.api.beacon.publishBlockV2({signedBlockContents: contents(signature)});
    this.record("block", slot, res.status);
  }

  private async onAttest(slot: number): Promise<void> {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    await this.dutiesOf(epoch);
    const duties = this.attesterDuties.get(epoch)?.filter((d) => d.slot === slot) ?? [];
    await Promise.all(duties.map((d) => this.attest(slot, d)));
  }

  private async attest(slot: number, duty: routes.validator.AttesterDuty): Promise<void> {
    const res = await this.api.validator.produceAttestationData({slot, committeeIndex: duty.committeeIndex});
    this.record("attestation-data", slot, res.status);
    if (!res.ok) return;
    const data = res.value();
    this.attested.set(`${slot}:${duty.validatorIndex}`, ssz.phase0.AttestationData.hashTreeRoot(data));
    // From Electra a SingleAttestation on v2; before, an Attestation with the duty's one aggregation bit on v1.
    const postElectra = isForkPostElectra(this.opts.config.getForkName(slot));
    const submit = async (d: typeof data, signature: Uint8Array, deliberate: boolean) => {
      const sent = postElectra
        ? await this.api.beacon.submitPoolAttestationsV2({
            signedAttestations: [
              {committeeIndex: duty.committeeIndex, attesterIndex: duty.validatorIndex, data: d, signature},
            ],
          })
        : await this.legacy.submitPoolAttestations({
            signedAttestations: [
              {
                aggregationBits: BitArray.fromSingleBit(duty.committeeLength, duty.validatorCommitteeIndex),
                data: d,
                signature,
              },
            ],
          });
      this.record("attestation", slot, sent.status, deliberate);
    };
    if (this.opts.misbehave === "bad-signature") {
      await submit(data, this.sign(duty.pubkey, {type: "RANDAO_REVEAL", data: {epoch: slot}}), true);
    } else if (this.opts.misbehave === "other-data") {
      const other = {...data, beaconBlockRoot: new Uint8Array(32).fill(9)};
      await submit(other, this.sign(duty.pubkey, {type: "ATTESTATION", data: other}), true);
    }
    await submit(data, this.sign(duty.pubkey, {type: "ATTESTATION", data}), false);
  }

  /**
   * Sends the right partial signature of `msg`; a misbehaving VC first sends a signature that does not
   * verify, or one over other data (`other`, when the message has other data to sign), recorded as deliberate.
   */
  private async sendPartial(
    kind: SubmissionRecord["kind"],
    slot: number,
    shareKey: Uint8Array,
    msg: SignableMessage,
    send: (signature: Uint8Array) => Promise<number>,
    other?: {msg: SignableMessage; send: (signature: Uint8Array) => Promise<number>},
  ): Promise<void> {
    if (this.opts.misbehave === "bad-signature") {
      const bad = this.sign(shareKey, {type: "RANDAO_REVEAL", data: {epoch: slot}});
      this.record(kind, slot, await send(bad), true);
    } else if (this.opts.misbehave === "other-data" && other) {
      this.record(kind, slot, await other.send(this.sign(shareKey, other.msg)), true);
    }
    this.record(kind, slot, await send(this.sign(shareKey, msg)));
  }

  private shareOfIndex(validatorIndex: number): Uint8Array | undefined {
    for (const [share, index] of this.indexByShare) if (index === validatorIndex) return fromHex(share, 48);
    return undefined;
  }

  /**
   * Epoch start: builder registrations (as Lodestar's --distributed VC signs them: its key share's, with its own
   * fee recipient and timestamp; cohort answers with the lock's), proposer preparation, liveness.
   */
  private async onEpochStart(epoch: number): Promise<void> {
    const feeRecipient = new Uint8Array(20).fill(0xfe);
    for (const [share] of this.validatorByShare) {
      const timestamp = this.genesisTime + epoch; // its own, never the lock's
      const message = {feeRecipient, gasLimit: 30_000_000, timestamp, pubkey: fromHex(share, 48)};
      const msg: SignableMessage = {type: "VALIDATOR_REGISTRATION", data: message};
      // No decided value to differ from: only a signature that does not verify is refused.
      const send = async (signature: Uint8Array) =>
        (await this.api.validator.registerValidator({registrations: [{message, signature}]})).status;
      await this.sendPartial("registration", epoch * SLOTS_PER_EPOCH, fromHex(share, 48), msg, send);
    }
    const indices = [...this.indexByShare.values()];
    const prepared = await this.api.validator.prepareBeaconProposer({
      proposers: indices.map((validatorIndex) => ({validatorIndex, feeRecipient: toHex(feeRecipient)})),
    });
    this.record("prepare-proposer", epoch * SLOTS_PER_EPOCH, prepared.status);
    if (epoch > 0) {
      const live = await this.api.validator.getLiveness({epoch: epoch - 1, indices});
      this.record("liveness", epoch * SLOTS_PER_EPOCH, live.status);
      if (live.ok) this.liveness.set(epoch - 1, live.value());
    }
  }

  /** Sends this operator's partial voluntary exit of `validatorIndex`; returns the HTTP status. */
  async voluntaryExit(validatorIndex: number, epoch: number): Promise<number> {
    const shareKey = this.shareOfIndex(validatorIndex);
    if (!shareKey) throw new Error(`validator ${validatorIndex} is not one of this VC's`);
    const message = {epoch, validatorIndex};
    const signature = this.sign(shareKey, {type: "VOLUNTARY_EXIT", data: message});
    return (await this.api.beacon.submitPoolVoluntaryExit({signedVoluntaryExit: {message, signature}})).status;
  }

  /** Liveness answers by epoch (asked at the next epoch's start). */
  readonly liveness = new Map<number, routes.validator.LivenessResponseData[]>();

  /** Slot start: partial beacon committee selection proofs in, combined out; keeps the aggregators'. */
  private async selectAggregators(slot: number): Promise<void> {
    const duties = this.attesterDuties.get(Math.floor(slot / SLOTS_PER_EPOCH))?.filter((d) => d.slot === slot) ?? [];
    if (duties.length === 0) return;
    const msg: SignableMessage = {type: "AGGREGATION_SLOT", data: {slot}};
    const selections = duties.map((d) => ({
      validatorIndex: d.validatorIndex,
      slot,
      selectionProof: this.sign(d.pubkey, msg),
    }));
    if (this.opts.misbehave === "bad-signature") {
      const bad = selections.map((s) => ({
        ...s,
        selectionProof: this.sign(duties[0].pubkey, {type: "RANDAO_REVEAL", data: {epoch: slot}}),
      }));
      const res = await this.api.validator.submitBeaconCommitteeSelections({selections: bad});
      this.record("selections", slot, res.status, true);
    }
    const res = await this.api.validator.submitBeaconCommitteeSelections({selections});
    this.record("selections", slot, res.status);
    if (!res.ok) return;
    for (const sel of res.value()) {
      const duty = duties.find((d) => d.validatorIndex === sel.validatorIndex);
      if (duty && isAggregator(duty.committeeLength, sel.selectionProof)) {
        this.aggregatorProofs.set(`${slot}:${sel.validatorIndex}`, sel.selectionProof);
      }
    }
  }

  /** Slot start: partial sync selection proofs (one per subcommittee of each member) in, combined out. */
  private async selectSyncAggregators(slot: number): Promise<void> {
    const duties = this.syncDuties.get(Math.floor(slot / SLOTS_PER_EPOCH)) ?? [];
    const selections = duties.flatMap((d) =>
      [...subcommitteesOf(d.validatorSyncCommitteeIndices).keys()].map((subcommitteeIndex) => ({
        validatorIndex: d.validatorIndex,
        slot,
        subcommitteeIndex,
        selectionProof: this.sign(d.pubkey, {type: "SYNC_COMMITTEE_SELECTION_PROOF", data: {slot, subcommitteeIndex}}),
      })),
    );
    if (selections.length === 0) return;
    const res = await this.api.validator.submitSyncCommitteeSelections({selections});
    this.record("sync-selections", slot, res.status);
    if (!res.ok) return;
    this.syncAggregators.set(
      slot,
      res.value().filter((sel) => isSyncCommitteeAggregator(sel.selectionProof)),
    );
  }

  /**
   * The head it follows (the slot's block, or an older head at 1/3), one partial message per sync committee
   * member; `blocks/head/root` only without a head from the event stream. A message over another root is no
   * misbehaviour here (any root the VC's BN has as head is taken; partials combine per root), so only
   * signatures that do not verify are sent deliberately.
   */
  private async onSyncMessage(slot: number): Promise<void> {
    const duties = this.syncDuties.get(Math.floor(slot / SLOTS_PER_EPOCH)) ?? [];
    if (duties.length === 0) return;
    let beaconBlockRoot = this.head && this.head.slot <= slot ? this.head.root : null;
    if (beaconBlockRoot === null) {
      const head = await this.api.beacon.getBlockRoot({blockId: "head"});
      this.record("head-root", slot, head.status);
      if (!head.ok) return;
      beaconBlockRoot = head.value().root;
    }
    const root = beaconBlockRoot;
    this.syncRoots.set(slot, root);
    await Promise.all(
      duties.map((d) => {
        const send = async (signature: Uint8Array) =>
          (
            await this.api.beacon.submitPoolSyncCommitteeSignatures({
              signatures: [{slot, beaconBlockRoot: root, validatorIndex: d.validatorIndex, signature}],
            })
          ).status;
        return this.sendPartial(
          "sync-message",
          slot,
          d.pubkey,
          {
            type: "SYNC_COMMITTEE_MESSAGE",
            data: {slot, beaconBlockRoot: root},
          },
          send,
        );
      }),
    );
  }

  /** 2/3: the decided aggregate of each aggregator's committee, and its partial AggregateAndProof signature. */
  private async onAggregate(slot: number): Promise<void> {
    const {config} = this.opts;
    await this.selections.get(slot);
    const duties = this.attesterDuties.get(Math.floor(slot / SLOTS_PER_EPOCH))?.filter((d) => d.slot === slot) ?? [];
    await Promise.all(
      duties.map(async (duty) => {
        const key = `${slot}:${duty.validatorIndex}`;
        const selectionProof = this.aggregatorProofs.get(key);
        const attestationDataRoot = this.attested.get(key);
        if (!selectionProof || !attestationDataRoot) return;
        // From Electra v2 (with the committee index); before, v1 (the data names the committee).
        const version = config.getForkName(slot);
        const postElectra = isForkPostElectra(version);
        const res = postElectra
          ? await this.api.validator.getAggregatedAttestationV2({
              slot,
              attestationDataRoot,
              committeeIndex: duty.committeeIndex,
            })
          : await this.legacy.getAggregatedAttestation({slot, attestationDataRoot});
        this.record("aggregate-data", slot, res.status);
        if (!res.ok) return;
        const aggregate = res.value() as Attestation;
        const message = {aggregatorIndex: duty.validatorIndex, aggregate, selectionProof};
        const send = async (signature: Uint8Array, m = message) =>
          (postElectra
            ? await this.api.validator.publishAggregateAndProofsV2({
                signedAggregateAndProofs: [{message: m, signature}] as never,
              })
            : await this.legacy.publishAggregateAndProofs({
                signedAggregateAndProofs: [{message: m, signature}] as never,
              })
          ).status;
        const other = {...message, aggregate: {...aggregate, signature: new Uint8Array(96).fill(0)}};
        const msgOf = (aggregateAndProof: typeof message): SignableMessage =>
          postElectra
            ? {type: "AGGREGATE_AND_PROOF_V2", data: {version, aggregateAndProof}}
            : {type: "AGGREGATE_AND_PROOF", data: aggregateAndProof as never};
        await this.sendPartial("aggregate", slot, duty.pubkey, msgOf(message), send, {
          msg: msgOf(other),
          send: (sig) => send(sig, other),
        });
      }),
    );
  }

  /** 2/3: the decided contribution of each aggregated subcommittee, and its partial ContributionAndProof signature. */
  private async onContribute(slot: number): Promise<void> {
    await Promise.all([this.syncSelections.get(slot), this.syncMessages.get(slot)]);
    const beaconBlockRoot = this.syncRoots.get(slot);
    const selections = this.syncAggregators.get(slot) ?? [];
    if (!beaconBlockRoot) return;
    await Promise.all(
      selections.map(async (sel) => {
        const shareKey = this.shareOfIndex(sel.validatorIndex);
        if (!shareKey) return;
        const res = await this.api.validator.produceSyncCommitteeContribution({
          slot,
          subcommitteeIndex: sel.subcommitteeIndex,
          beaconBlockRoot,
        });
        this.record("contribution-data", slot, res.status);
        if (!res.ok) return;
        const message = {
          aggregatorIndex: sel.validatorIndex,
          contribution: res.value(),
          selectionProof: sel.selectionProof,
        };
        const send = async (signature: Uint8Array, m = message) =>
          (await this.api.validator.publishContributionAndProofs({contributionAndProofs: [{message: m, signature}]}))
            .status;
        const other = {...message, contribution: {...message.contribution, signature: new Uint8Array(96).fill(0)}};
        await this.sendPartial(
          "contribution",
          slot,
          shareKey,
          {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: message},
          send,
          {msg: {type: "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", data: other}, send: (sig) => send(sig, other)},
        );
      }),
    );
  }
}

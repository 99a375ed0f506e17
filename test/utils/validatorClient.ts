import {SecretKey} from "@chainsafe/blst";
import {type ApiClient, getClient, type routes} from "@lodestar/api";
import type {BeaconConfig} from "@lodestar/config";
import {ForkSeq, SLOTS_PER_EPOCH} from "@lodestar/params";
import type {BeaconBlock, BlockContents, SignedBlockContents} from "@lodestar/types";
import {blockToSignable, type SignableMessage, signingRootOnNetwork} from "../../src/eth/signing.js";
import {toHex} from "../../src/util/hex.js";

type BlobsOf = {kzgProofs: Uint8Array[]; blobs: Uint8Array[]};

/** Ways a test VC misbehaves before it sends the right partial signature. */
export type Misbehaviour = "bad-signature" | "other-data";

export interface SubmissionRecord {
  kind: "attestation" | "block" | "block-production" | "attestation-data";
  slot: number;
  status: number;
  /** A deliberately wrong submission (misbehaviour), expected to be refused. */
  deliberate: boolean;
}

export interface TestValidatorClientOpts {
  url: string;
  config: BeaconConfig;
  /** This operator's key shares (public key share hex and secret). */
  shares: {publicKeyShare: string; secret: Uint8Array}[];
  misbehave?: Misbehaviour;
}

/**
 * A validator client as `lodestar validator --distributed` behaves towards its "beacon node" (cohort in
 * validator-API mode), built on @lodestar/api's client: it knows only its key shares, finds their indices,
 * fetches duties, asks for data at the usual times, signs with the share (blst) and sends the partial
 * signatures back. It leaves out aggregation (no selections) and sync committees.
 */
export class TestValidatorClient {
  readonly records: SubmissionRecord[] = [];
  private readonly api: ApiClient;
  private readonly secretByShare = new Map<string, SecretKey>();
  private readonly indexByShare = new Map<string, number>();
  private readonly attesterDuties = new Map<number, routes.validator.AttesterDuty[]>();
  private readonly proposerDuties = new Map<number, routes.validator.ProposerDuty[]>();
  private timer: NodeJS.Timeout | null = null;
  private genesisMs = 0;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: TestValidatorClientOpts) {
    this.api = getClient({baseUrl: opts.url, globalInit: {timeoutMs: 30_000}}, {config: opts.config});
    for (const s of opts.shares) this.secretByShare.set(s.publicKeyShare.toLowerCase(), SecretKey.fromBytes(s.secret));
  }

  async start(): Promise<void> {
    // Both proxied to the BN (genesis) and intercepted (validators by share key).
    const genesis = (await this.api.beacon.getGenesis()).value();
    this.genesisMs = genesis.genesisTime * 1000;
    const validators = (
      await this.api.beacon.postStateValidators({stateId: "head", validatorIds: [...this.secretByShare.keys()]})
    ).value();
    for (const v of validators) this.indexByShare.set(toHex(v.validator.pubkey), v.index);
    if (this.indexByShare.size !== this.secretByShare.size) throw new Error("some key shares have no validator index");
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private slotMs(): number {
    return this.opts.config.SECONDS_PER_SLOT * 1000;
  }

  /** Wakes at every slot start (proposals) and a third into it (attestations), each exactly once. */
  private schedule(): void {
    const now = Date.now();
    const slot = Math.max(0, Math.floor((now - this.genesisMs) / this.slotMs()) + 1);
    this.scheduleAt(slot, "start");
  }

  private scheduleAt(slot: number, phase: "start" | "third"): void {
    if (this.stopped) return;
    const at = this.genesisMs + slot * this.slotMs() + (phase === "third" ? this.slotMs() / 3 : 0);
    this.timer = setTimeout(
      () => {
        this.track(phase === "start" ? this.onSlotStart(slot) : this.onAttest(slot));
        if (phase === "start") this.scheduleAt(slot, "third");
        else this.scheduleAt(slot + 1, "start");
      },
      Math.max(0, at - Date.now()),
    );
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
    const submit = async (d: typeof data, signature: Uint8Array, deliberate: boolean) => {
      const sent = await this.api.beacon.submitPoolAttestationsV2({
        signedAttestations: [
          {committeeIndex: duty.committeeIndex, attesterIndex: duty.validatorIndex, data: d, signature},
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
}

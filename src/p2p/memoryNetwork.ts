import type {Network, NetworkMessage, PeerStatus, Topic} from "../duties/interfaces.js";

export interface MemoryHubOpts {
  /** Number of operators. */
  size: number;
  /**
   * "auto" delivers each message on a later macrotask (setImmediate), like a real network; "manual"
   * holds messages until `deliverAll()` / `deliverNext()`, for step-by-step deterministic tests.
   */
  delivery?: "auto" | "manual";
  /**
   * Takes over delivery: called for every message with the function that delivers it, so a simulation
   * can delay, drop, duplicate or reorder deterministically (call `deliver` later, never, or twice).
   */
  schedule?: DeliveryScheduler;
}

export type DeliveryScheduler = (from: number, to: number, deliver: () => void, payload: Uint8Array) => void;

/** Return false to drop a message (loss, partitions, Byzantine tests). */
export type MemoryFilter = (from: number, to: number, topic: Topic, payload: Uint8Array) => boolean;

interface Pending {
  to: number;
  msg: NetworkMessage;
}

/**
 * An in-memory co-validator network for tests of the components above p2p (consensus, shares):
 * every operator gets a `Network`; messages are copied, tagged with the true sender, and delivered in
 * send order. Peers can be disconnected and messages filtered.
 */
export class MemoryHub {
  private readonly handlers: Map<Topic, Set<(msg: NetworkMessage) => void>>[] = [];
  private readonly connected: boolean[];
  private readonly pending: Pending[] = [];
  private readonly delivery: "auto" | "manual";
  private readonly schedule: DeliveryScheduler | null;
  private filter: MemoryFilter | null = null;
  private scheduled: NodeJS.Immediate | null = null;
  /** Every message accepted for delivery, for assertions. */
  readonly sent: {from: number; to: number; topic: Topic; payload: Uint8Array}[] = [];

  constructor(opts: MemoryHubOpts) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new RangeError("size must be a positive integer");
    this.delivery = opts.delivery ?? "auto";
    this.schedule = opts.schedule ?? null;
    this.connected = Array.from({length: opts.size}, () => true);
    for (let i = 0; i < opts.size; i++)
      this.handlers.push(
        new Map([
          ["consensus", new Set()],
          ["shares", new Set()],
        ]),
      );
  }

  get size(): number {
    return this.connected.length;
  }

  /** The `Network` of operator `index`. */
  network(index: number): Network {
    this.checkIndex(index);
    return {
      broadcast: (topic, payload) => {
        for (let to = 0; to < this.size; to++) if (to !== index) this.post(index, to, topic, payload);
      },
      send: (to, topic, payload) => {
        this.checkIndex(to);
        if (to !== index) this.post(index, to, topic, payload);
      },
      onMessage: (topic, handler) => {
        const set = this.handlers[index].get(topic) as Set<(msg: NetworkMessage) => void>;
        set.add(handler);
        return () => {
          set.delete(handler);
        };
      },
      peers: () => this.peerStatuses(index),
    };
  }

  /** A disconnected operator neither sends nor receives (its messages in flight are dropped). */
  setConnected(index: number, connected: boolean): void {
    this.checkIndex(index);
    this.connected[index] = connected;
  }

  setFilter(filter: MemoryFilter | null): void {
    this.filter = filter;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Delivers the oldest pending message; false when none. */
  deliverNext(): boolean {
    const next = this.pending.shift();
    if (next === undefined) return false;
    this.deliver(next);
    return true;
  }

  /** Delivers one pending message chosen by `random` ([0, 1), seeded in tests): reordering. */
  deliverRandom(random: () => number): boolean {
    if (this.pending.length === 0) return false;
    const i = Math.min(this.pending.length - 1, Math.floor(random() * this.pending.length));
    const [chosen] = this.pending.splice(i, 1);
    this.deliver(chosen);
    return true;
  }

  /** Delivers until nothing is pending (including messages sent by handlers meanwhile), up to `limit`. */
  deliverAll(limit = 1_000_000): number {
    let count = 0;
    while (count < limit && this.deliverNext()) count++;
    return count;
  }

  /** Cancels scheduled delivery and drops pending messages (test teardown). */
  close(): void {
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.pending.length = 0;
  }

  private post(from: number, to: number, topic: Topic, payload: Uint8Array): void {
    if (!this.connected[from] || !this.connected[to]) return;
    if (this.filter !== null && !this.filter(from, to, topic, payload)) return;
    const copy = Uint8Array.from(payload);
    this.sent.push({from, to, topic, payload: copy});
    const pending = {to, msg: {topic, from, payload: copy}};
    if (this.schedule !== null) {
      this.schedule(from, to, () => this.deliver(pending), copy);
      return;
    }
    this.pending.push(pending);
    this.scheduleDrain();
  }

  /** Auto mode: delivers on a later macrotask what is pending then; later sends go on the next turn. */
  private scheduleDrain(): void {
    if (this.delivery !== "auto" || this.scheduled !== null || this.pending.length === 0) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      let count = this.pending.length;
      while (count-- > 0 && this.deliverNext()) {}
      this.scheduleDrain();
    });
  }

  private deliver({to, msg}: Pending): void {
    if (!this.connected[to] || !this.connected[msg.from]) return;
    for (const handler of this.handlers[to].get(msg.topic) ?? []) handler(msg);
  }

  private peerStatuses(index: number): PeerStatus[] {
    const out: PeerStatus[] = [];
    for (let i = 0; i < this.size; i++) {
      if (i === index) continue;
      const connected = this.connected[index] && this.connected[i];
      out.push({index: i, peerId: `memory-${i}`, connected, rttMs: connected ? 0 : null});
    }
    return out;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`operator index ${index} out of range 0..${this.size - 1}`);
    }
  }
}

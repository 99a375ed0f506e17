import type {Network, NetworkMessage, PeerStatus, Topic} from "../duties/interfaces.js";

/** Decides when (and whether) a message reaches its recipient; the default delivers on the next microtask. */
export type DeliveryScheduler = (from: number, to: number, deliver: () => void, payload: Uint8Array) => void;

/**
 * In-memory co-validator network for tests, simulations and benchmarks: `hub.network(i)` is operator
 * i's Network. Delivery goes through the injected scheduler, so a simulation can delay, drop,
 * duplicate, reorder or partition messages deterministically.
 */
export class MemoryHub {
  private readonly handlers: Map<Topic, Set<(m: NetworkMessage) => void>>[];

  constructor(
    readonly n: number,
    private readonly schedule: DeliveryScheduler = (_from, _to, deliver) => queueMicrotask(deliver),
  ) {
    this.handlers = Array.from({length: n}, () => new Map());
  }

  network(index: number): Network {
    if (index < 0 || index >= this.n) throw new Error(`operator ${index} out of range`);
    return {
      broadcast: (topic, payload) => {
        for (let to = 0; to < this.n; to++) if (to !== index) this.post(index, to, topic, payload);
      },
      send: (to, topic, payload) => {
        if (to >= 0 && to < this.n && to !== index) this.post(index, to, topic, payload);
      },
      onMessage: (topic, handler) => {
        const set = this.handlers[index].get(topic) ?? new Set();
        set.add(handler);
        this.handlers[index].set(topic, set);
        return () => set.delete(handler);
      },
      peers: (): PeerStatus[] =>
        Array.from({length: this.n}, (_, i) => i)
          .filter((i) => i !== index)
          .map((i) => ({index: i, peerId: `memory-${i}`, connected: true, rttMs: 0})),
    };
  }

  private post(from: number, to: number, topic: Topic, payload: Uint8Array): void {
    this.schedule(
      from,
      to,
      () => {
        for (const h of this.handlers[to].get(topic) ?? []) h({topic, from, payload});
      },
      payload,
    );
  }
}

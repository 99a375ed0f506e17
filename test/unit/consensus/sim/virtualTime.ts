import type {Clock} from "../../../../src/consensus/service.js";

interface Event {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** Virtual time: a deterministic event queue (ordered by time, then by scheduling order) that is also a Clock. */
export class VirtualTime implements Clock {
  private heap: Event[] = [];
  private seq = 0;
  private current = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, cb: () => void): () => void {
    const e = this.schedule(at, cb);
    return () => {
      e.cancelled = true;
    };
  }

  schedule(at: number, run: () => void): Event {
    const e: Event = {at: Math.max(at, this.current), seq: this.seq++, run, cancelled: false};
    this.push(e);
    return e;
  }

  /** Runs the next event; false when none is left or the next is past `until`. */
  runNext(until: number): boolean {
    for (;;) {
      const e = this.heap[0];
      if (e === undefined || e.at > until) return false;
      this.pop();
      if (e.cancelled) continue;
      this.current = e.at;
      e.run();
      return true;
    }
  }

  /** Moves time to `t`, running every event due by then; `between` runs after each (to let promises settle). */
  async advanceTo(t: number, between: () => Promise<void> = async () => {}): Promise<void> {
    while (this.runNext(t)) await between();
    this.current = Math.max(this.current, t);
    await between();
  }

  get pending(): number {
    return this.heap.length;
  }

  private less(x: Event, y: Event): boolean {
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

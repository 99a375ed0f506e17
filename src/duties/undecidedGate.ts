/**
 * Safety rule 2 of the design: at most one undecided attestation consensus instance per validator at a
 * time; a later duty of the same validator queues behind it (the formal model's assumption that makes
 * the slashing check inside the predicate sound).
 */
export class UndecidedGate {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits until no earlier undecided instance holds any of `keys`; the returned function releases them. */
  async enter(keys: string[]): Promise<() => void> {
    const previous = [...new Set(keys)].map((k) => this.tails.get(k)).filter((p) => p !== undefined);
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const k of keys) this.tails.set(k, done);
    await Promise.all(previous);
    return () => {
      release();
      for (const k of keys) if (this.tails.get(k) === done) this.tails.delete(k);
    };
  }

  /** Validators with an undecided instance (for status and tests). */
  get held(): number {
    return this.tails.size;
  }
}

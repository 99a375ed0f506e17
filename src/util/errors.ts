/**
 * Base of every typed error in cohort, in the Lodestar style: each area defines its own subclass
 * whose `type` is a discriminated union on `code`, carrying the context fields that explain it.
 */
export class CohortError<T extends {code: string}> extends Error {
  readonly type: T;

  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = new.target.name;
  }

  get code(): T["code"] {
    return this.type.code;
  }

  /** The context fields, for structured logs (never holds secrets). */
  getMetadata(): Record<string, unknown> {
    return {...this.type};
  }
}

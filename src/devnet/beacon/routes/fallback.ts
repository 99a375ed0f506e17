import type {Endpoint} from "@lodestar/api";
import {ApiError, type ApplicationMethods} from "@lodestar/api/server";

/** A 400 carrying per-item failures, in the shape Lodestar's BN answers for batch submissions. */
export class IndexedApiError extends ApiError {
  constructor(
    message: string,
    readonly failures: {index: number; message: string}[],
  ) {
    super(400, message);
  }
}

/**
 * The namespace's full method table: the given implementations, and for every other operation of the
 * namespace a method answering 501 with the operation's name (a client gets a clear error, never a crash).
 */
export function withNotImplemented<Es extends Record<string, Endpoint>>(
  namespace: string,
  definitions: Record<keyof Es, unknown>,
  implemented: Partial<ApplicationMethods<Es>>,
): ApplicationMethods<Es> {
  const table: Record<string, unknown> = {};
  for (const operationId of Object.keys(definitions)) {
    table[operationId] =
      implemented[operationId] ??
      (async () => {
        throw new ApiError(501, `${namespace}.${operationId} is not implemented by the cohort simulated beacon chain`);
      });
  }
  return table as ApplicationMethods<Es>;
}

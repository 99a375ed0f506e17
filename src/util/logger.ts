import {pino} from "pino";

/** Structured logger injected into every component (Lodestar's levels). Context must never hold secrets. */
export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>, err?: unknown): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  verbose(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = "error" | "warn" | "info" | "verbose" | "debug" | "silent";

export interface LoggerOpts {
  level: LogLevel;
  /** File descriptor to write JSON lines to; stderr by default so stdout stays free for command output. */
  fd?: number;
}

/** A JSON-lines logger on pino; `verbose` maps to pino's custom level between info and debug. */
export function createLogger(opts: LoggerOpts, bindings: Record<string, unknown> = {}): Logger {
  const base = pino(
    {
      level: opts.level,
      customLevels: {verbose: 25},
      base: {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {level: (label) => ({level: label})},
    },
    pino.destination({fd: opts.fd ?? 2, sync: true}),
  );
  return wrap(base, bindings);
}

type PinoLike = pino.Logger<"verbose">;

/**
 * Every logger is a child of the root with all its bindings merged, so a key bound again (e.g. a
 * `module` of a sub-module) replaces the outer value instead of appearing twice in the JSON line.
 */
function wrap(root: PinoLike, bound: Record<string, unknown>): Logger {
  const p = Object.keys(bound).length > 0 ? root.child(bound) : root;
  return {
    error: (msg, ctx, err) => p.error({...ctx, ...(err !== undefined ? {err: errorFields(err)} : {})}, msg),
    warn: (msg, ctx) => p.warn(ctx ?? {}, msg),
    info: (msg, ctx) => p.info(ctx ?? {}, msg),
    verbose: (msg, ctx) => p.verbose(ctx ?? {}, msg),
    debug: (msg, ctx) => p.debug(ctx ?? {}, msg),
    child: (bindings) => wrap(root, {...bound, ...bindings}),
  };
}

function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const meta = (err as {getMetadata?: () => Record<string, unknown>}).getMetadata?.();
    return {name: err.name, message: err.message, ...(meta ?? {})};
  }
  return {message: String(err)};
}

/** A logger that drops everything, for tests and embedding hosts that pass none. */
export function nullLogger(): Logger {
  const l: Logger = {
    error: () => {},
    warn: () => {},
    info: () => {},
    verbose: () => {},
    debug: () => {},
    child: () => l,
  };
  return l;
}

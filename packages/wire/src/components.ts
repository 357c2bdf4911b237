/**
 * The small interfaces every Murmur package takes as injected components instead of globals:
 * a logger, a clock and cancellation options. Apps build the real ones (pino, `Date.now`) and
 * pass them down; tests pass fakes.
 */

/** A structured log method: `log(object, message?)` or `log(message)`, as pino's. */
export interface LogFn {
  (object: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

/**
 * The logger a component receives. A pino logger satisfies it as is. Never log secrets: keys,
 * seeds, phrases and plaintexts stay out of every log line.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger whose lines carry `bindings` (for example `{ component: 'peer-links' }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything: the default where none is injected. */
export function silentLogger(): Logger {
  const noop = (() => undefined) as LogFn;
  const logger: Logger = {
    trace: noop,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    child: () => logger,
  };
  return logger;
}

/** Wall-clock time in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** The system clock (`Date.now`). */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** Options every asynchronous Murmur call accepts. */
export interface AbortOptions {
  signal?: AbortSignal;
}

/** Something with a lifecycle: `start()` once, `stop()` once; `stop()` clears every timer. */
export interface Startable {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

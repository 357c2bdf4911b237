/**
 * What every Murmur program's logger shares (the loggers themselves are pino, in the apps):
 * the one list of log levels the command lines and config files accept, and the paths that are
 * redacted from every line whatever the call site logs.
 */

/** The log levels, most severe first (pino's, with `silent`). */
export const LOG_LEVELS = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const);

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `value` is one of {@link LOG_LEVELS}. */
export function isLogLevel(value: unknown): value is LogLevel {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}

/** Paths every program's logger blanks out (pino `redact` paths). */
export const REDACTED_LOG_PATHS: readonly string[] = Object.freeze([
  'seed',
  'secretKey',
  'ed25519Seed',
  'privateKey',
  'key',
  'phrase',
  '*.seed',
  '*.secretKey',
  '*.ed25519Seed',
  '*.privateKey',
  '*.phrase',
  'keys.ed25519',
  'keys.x25519',
  'req.headers.authorization',
  'req.headers.cookie',
]);

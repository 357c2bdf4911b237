/**
 * `@murmur/wire/program-logger`: the one logger setup of every Murmur program (murmur-node,
 * murmur-relay, murmur-devnet's ledger): pino JSON lines, one list of levels
 * ({@link LOG_LEVELS}), and the same secret redaction ({@link REDACTED_LOG_PATHS}) whatever the
 * call site logs. Node-only (pino), hence a subpath of its own; packages never log through it,
 * they take a `Logger`.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import { ConfigError } from './app-errors.js';
import type { Logger } from './components.js';
import { isLogLevel, LOG_LEVELS, REDACTED_LOG_PATHS } from './log-levels.js';

/** What pino writes in place of a redacted value. */
export const REDACTED_CENSOR = '[redacted]';

/** Options of {@link createProgramLogger}. */
export interface ProgramLoggerInit {
  /** The program's name, on every line as `app` (`murmur-node`, `murmur-relay`, …). */
  app?: string | undefined;
  /** One of {@link LOG_LEVELS} (default `info`); anything else is a {@link ConfigError}. */
  level?: string | undefined;
  /** Append JSON lines to this file (created with its directory) instead of the stream. */
  file?: string | undefined;
  /** Where lines go when no file is given: standard output (1) or standard error (2, default). */
  fd?: 1 | 2 | undefined;
  /** Write here instead (tests). */
  destination?: DestinationStream | NodeJS.WritableStream | undefined;
  /** Pretty-print with pino-pretty (default: when lines go to a terminal). */
  pretty?: boolean | undefined;
  /** Bindings on every line besides `app` and `pid`. */
  base?: Record<string, unknown> | undefined;
  /** Paths redacted besides {@link REDACTED_LOG_PATHS} (a program's own secrets). */
  redact?: readonly string[] | undefined;
}

type PrettyFactory = (options: object) => DestinationStream;

/** The paths a program's logger redacts: the shared list, then the program's own. */
export function redactedPaths(extra: readonly string[] = []): string[] {
  return [...new Set([...REDACTED_LOG_PATHS, ...extra])];
}

/**
 * Creates a program's pino logger, usable wherever a `@murmur/wire` `Logger` is expected.
 * Writes are synchronous, so no line is lost when the process exits right after it.
 *
 * @throws {@link ConfigError} for a level that is not one of {@link LOG_LEVELS}.
 */
export function createProgramLogger(init: ProgramLoggerInit = {}): PinoLogger & Logger {
  const level = init.level ?? 'info';
  if (!isLogLevel(level)) {
    throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got ${level}`, {
      details: { field: 'logLevel', value: level },
    });
  }
  const fd = init.fd ?? 2;
  const usePretty =
    init.pretty ??
    (init.destination === undefined &&
      init.file === undefined &&
      (fd === 1 ? process.stdout.isTTY : process.stderr.isTTY) === true);
  let destination: DestinationStream;
  if (init.destination !== undefined) {
    destination = init.destination as DestinationStream;
  } else if (init.file !== undefined) {
    destination = pino.destination({ dest: init.file, sync: true, mkdir: true, append: true });
  } else if (usePretty) {
    // Loaded only for a terminal: it is not needed (nor kept in memory) otherwise.
    const pretty = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
    destination = pretty({ destination: fd, sync: true, colorize: true });
  } else {
    destination = pino.destination({ dest: fd, sync: true });
  }
  if (init.destination !== undefined && usePretty) {
    const pretty = createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
    destination = pretty({ destination, sync: true, colorize: false });
  }
  return pino(
    {
      level,
      base: {
        ...(init.app === undefined ? {} : { app: init.app }),
        pid: process.pid,
        ...init.base,
      },
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: redactedPaths(init.redact), censor: REDACTED_CENSOR },
    },
    destination,
  ) as PinoLogger & Logger;
}

/**
 * The process logger of murmur-devnet's long-running commands: pino to stderr (pretty when
 * stderr is a terminal) or to a file. Writes are synchronous, so nothing is lost when the
 * process exits right after a line (the ledger logs little). Secrets are redacted as in
 * murmur-node (`@murmur/wire`'s `REDACTED_LOG_PATHS`).
 */
import { type Logger, REDACTED_LOG_PATHS } from '@murmur/wire';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** Options of {@link createProcessLogger}. */
export interface ProcessLoggerInit {
  /** pino level (default `info`). */
  level?: string | undefined;
  /** Append JSON lines to this file instead of stderr. */
  file?: string | undefined;
  /** Pretty-print (default: when stderr is a TTY and no file is given). */
  pretty?: boolean | undefined;
  /** Bindings on every line (for example `{ service: 'ledger' }`). */
  base?: Record<string, unknown> | undefined;
}

/** A pino logger for a process, usable wherever a `@murmur/wire` Logger is expected. */
export function createProcessLogger(init: ProcessLoggerInit = {}): PinoLogger & Logger {
  const usePretty = init.pretty ?? (init.file === undefined && process.stderr.isTTY === true);
  let destination: DestinationStream;
  if (init.file !== undefined) {
    destination = pino.destination({ dest: init.file, sync: true, mkdir: true, append: true });
  } else if (usePretty) {
    destination = pretty({ destination: 2, sync: true, colorize: true });
  } else {
    destination = pino.destination({ dest: 2, sync: true });
  }
  return pino(
    {
      level: init.level ?? 'info',
      base: { pid: process.pid, ...init.base },
      serializers: { err: pino.stdSerializers.err },
      // The same redaction as murmur-node: no seed, secret key or phrase reaches a log line.
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    },
    destination,
  ) as PinoLogger & Logger;
}

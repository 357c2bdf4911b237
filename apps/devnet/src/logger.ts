/**
 * The process logger of murmur-devnet's long-running commands: `@murmur/wire`'s one program
 * logger (pino to stderr, pretty when stderr is a terminal, or to a file; synchronous writes,
 * so nothing is lost when the process exits right after a line; the shared secret redaction).
 */
import type { Logger } from '@murmur/wire';
import { createProgramLogger } from '@murmur/wire/program-logger';
import type { Logger as PinoLogger } from 'pino';

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
  return createProgramLogger({
    app: 'murmur-devnet',
    level: init.level,
    file: init.file,
    pretty: init.pretty,
    base: init.base,
  });
}

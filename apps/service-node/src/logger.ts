/**
 * The node's logger: `@murmur/wire`'s one program logger (JSON lines on stdout, pretty only
 * when stdout is a terminal, the shared secret redaction and levels), named `murmur-node`.
 */
import type { Logger } from '@murmur/wire';
import { createProgramLogger } from '@murmur/wire/program-logger';
import type { Logger as PinoLogger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerInit {
  level: string;
  /** Pretty output (default: when stdout is a terminal). */
  pretty?: boolean | undefined;
  /** Where lines go (default stdout); tests pass a stream. */
  destination?: NodeJS.WritableStream | undefined;
}

/** Creates the node's pino logger. */
export function createLogger(init: LoggerInit): PinoLogger & Logger {
  return createProgramLogger({
    app: 'murmur-node',
    level: init.level,
    fd: 1,
    pretty: init.pretty,
    destination: init.destination,
  });
}

/**
 * The relay's logger: `@murmur/wire`'s one program logger (JSON lines on stdout, the shared
 * secret redaction and levels), named `murmur-relay`.
 */
import type { Logger } from '@murmur/wire';
import { createProgramLogger } from '@murmur/wire/program-logger';
import type { Logger as PinoLogger } from 'pino';

/** Creates the relay's logger (`destination`: tests). */
export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream,
): PinoLogger & Logger {
  return createProgramLogger({ app: 'murmur-relay', level, fd: 1, destination });
}

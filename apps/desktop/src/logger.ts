/**
 * The daemon's pino logger: JSON lines to stderr or a file (pretty on a terminal), with the
 * repository's secret redaction (`@murmur/wire`'s `REDACTED_LOG_PATHS`: seeds, keys, phrases)
 * plus what only the desktop handles: passphrases and the launch token.
 */

import { createRequire } from 'node:module';
import type { Logger } from '@murmur/wire';
import { REDACTED_LOG_PATHS } from '@murmur/wire/program';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/** Paths blanked in every line. */
export const DESKTOP_REDACTED_PATHS: readonly string[] = Object.freeze([
  ...REDACTED_LOG_PATHS,
  'passphrase',
  '*.passphrase',
  'token',
  '*.token',
  'req.headers["x-murmur-token"]',
  'req.headers.authorization',
  'headers["x-murmur-token"]',
  'headers.authorization',
]);

/** Options of {@link createDesktopLogger}. */
export interface DesktopLoggerInit {
  level?: string | undefined;
  file?: string | undefined;
  pretty?: boolean | undefined;
  /** Write here instead (tests). */
  destination?: DestinationStream | undefined;
}

/** A pino logger usable wherever a `@murmur/wire` Logger is expected. */
export function createDesktopLogger(init: DesktopLoggerInit = {}): PinoLogger & Logger {
  let destination: DestinationStream;
  if (init.destination !== undefined) destination = init.destination;
  else if (init.file !== undefined) {
    destination = pino.destination({ dest: init.file, sync: true, mkdir: true, append: true });
  } else if (init.pretty ?? process.stderr.isTTY === true) {
    // Loaded only for a terminal: it is not needed (nor kept in memory) otherwise.
    const pretty = createRequire(import.meta.url)('pino-pretty') as (
      options: object,
    ) => DestinationStream;
    destination = pretty({ destination: 2, sync: true, colorize: true });
  } else destination = pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level: init.level ?? 'info',
      base: { app: 'murmur-desktop', pid: process.pid },
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: [...DESKTOP_REDACTED_PATHS], censor: '[redacted]' },
    },
    destination,
  ) as PinoLogger & Logger;
}

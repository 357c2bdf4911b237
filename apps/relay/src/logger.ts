/** The relay's pino logger: JSON lines; anything that could hold a secret is redacted. */
import { type Logger as PinoLogger, pino } from 'pino';

/** Paths pino blanks out in every line. */
export const REDACTED_PATHS = [
  'seed',
  'secretKey',
  'ed25519Seed',
  'key',
  '*.seed',
  '*.secretKey',
  'keys.ed25519',
  'keys.x25519',
];

/** Creates the relay's logger. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): PinoLogger {
  const options = {
    level,
    base: { app: 'murmur-relay' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination as never);
}

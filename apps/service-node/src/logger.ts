/**
 * The node's logger: pino JSON lines on stdout, pretty-printed (pino-pretty) only when stdout
 * is a terminal. Anything that could hold a secret is redacted, whatever the call site logs.
 */
import { type Logger as PinoLogger, pino } from 'pino';

/** Paths pino blanks out in every line. */
export const REDACTED_PATHS = [
  'seed',
  'secretKey',
  'ed25519Seed',
  'privateKey',
  'key',
  '*.seed',
  '*.secretKey',
  '*.ed25519Seed',
  '*.privateKey',
  'keys.ed25519',
  'keys.x25519',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** Options of {@link createLogger}. */
export interface LoggerInit {
  level: string;
  /** Pretty output (default: when stdout is a terminal). */
  pretty?: boolean | undefined;
  /** Where lines go (default stdout); tests pass a stream. */
  destination?: NodeJS.WritableStream | undefined;
}

/** Creates the node's pino logger. */
export function createLogger(init: LoggerInit): PinoLogger {
  const pretty = init.pretty ?? (process.stdout.isTTY === true && init.destination === undefined);
  const options = {
    level: init.level,
    base: { app: 'murmur-node' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname,app' },
          },
        }
      : {}),
  };
  return init.destination === undefined || pretty
    ? pino(options)
    : pino(options, init.destination as unknown as pino.DestinationStream);
}

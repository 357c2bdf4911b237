/**
 * The node's logger: pino JSON lines on stdout, pretty-printed (pino-pretty) only when stdout
 * is a terminal. Anything that could hold a secret is redacted, whatever the call site logs.
 */
import { REDACTED_LOG_PATHS } from '@murmur/wire';
import { type Logger as PinoLogger, pino } from 'pino';

/** Paths pino blanks out in every line: `@murmur/wire`'s list, shared by every program. */
export const REDACTED_PATHS = REDACTED_LOG_PATHS;

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
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
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

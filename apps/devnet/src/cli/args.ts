/**
 * Command-line plumbing shared by every murmur-devnet command: flag parsing over `node:util`'s
 * `parseArgs` with usage errors a person can act on, number flags, and the I/O a command writes
 * to (so that tests can run commands in process and read what they print).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '@murmur/wire/program';

/** The environment variables murmur-devnet reads (flags win over them). */
export interface CommandEnv {
  /** Default of `wallet --ledger`. */
  readonly MURMUR_LEDGER_URL?: string | undefined;
  /** Default of `wallet --wallet`. */
  readonly MURMUR_WALLET?: string | undefined;
  /** Default of `--log-level`. */
  readonly MURMUR_LOG_LEVEL?: string | undefined;
  /** Default of `--dir` of the devnet commands (`up`, `status`, `down`, …). */
  readonly MURMUR_DEVNET_DIR?: string | undefined;
  /** The murmur-node CLI the devnet runs (default the monorepo's `apps/service-node/dist/cli.js`). */
  readonly MURMUR_NODE_CLI?: string | undefined;
  /** The murmur-devnet CLI that runs the ledger (default the monorepo's `apps/devnet/dist/cli.js`). */
  readonly MURMUR_LEDGER_CLI?: string | undefined;
  /** The murmur-relay CLI the devnet runs beside each node (default `@murmur/relay`'s). */
  readonly MURMUR_RELAY_CLI?: string | undefined;
  /** Set and not empty: no colours. */
  readonly NO_COLOR?: string | undefined;
  /** `dumb`: no colours. */
  readonly TERM?: string | undefined;
}

/** Where a command writes, and the environment it reads. */
export interface CommandIo {
  /** Writes to standard output (the text as is; add the newline). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** The environment variables murmur-devnet reads. */
  env: CommandEnv;
  /** Whether standard output is a terminal (spinners, colours); default no. */
  stdoutIsTTY?: boolean | undefined;
  /** The terminal's width in columns. */
  columns?: number | undefined;
  /**
   * Aborted when a long-running command (`logs -f`) should end; default: SIGINT or SIGTERM of
   * this process.
   */
  interrupt?: AbortSignal | undefined;
}

/** An AbortSignal aborted by this process's next SIGINT or SIGTERM. */
export function processInterrupt(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** The process's own I/O. */
export function processIo(): CommandIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    get stdoutIsTTY() {
      return process.stdout.isTTY === true;
    },
    get columns() {
      return process.stdout.columns;
    },
  };
}

/** A command: its usage text and what it does with its arguments (resolves the exit code). */
export interface CommandModule {
  /** Usage text shown by `--help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values `parseArgs` gives for `T`: strings or booleans, arrays when `multiple`. */
export type FlagValues<T extends Options> = {
  [K in keyof T]?: T[K] extends { type: 'boolean' }
    ? T[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
};

/**
 * Parses `argv` against `options` (strict: unknown flags and missing values are usage errors).
 */
export function parseFlags<T extends Options>(
  argv: readonly string[],
  options: T,
  config: { positionals?: boolean } = {},
): { values: FlagValues<T>; positionals: string[] } {
  try {
    return parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: config.positionals ?? false,
    }) as { values: FlagValues<T>; positionals: string[] };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''), {
      cause,
    });
  }
}

/** An integer flag value within `[min, max]`. */
export function parseInteger(
  text: string,
  flag: string,
  range: { min?: number; max?: number } = {},
): number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?[0-9]+$/.test(text)) {
    throw new UsageError(`${flag} must be an integer, not ${JSON.stringify(text)}`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, not ${text}`);
  }
  return value;
}

/**
 * An optional integer flag: `fallback` when it was not given, else its value within
 * `[min, max]` (refused as by {@link parseInteger}).
 */
export function optionalInteger<F extends number | undefined>(
  text: string | undefined,
  flag: string,
  range: { min?: number; max?: number },
  fallback: F,
): number | F {
  return text === undefined ? fallback : parseInteger(text, flag, range);
}

/** A TCP port flag (0 = any free port). */
export function parsePort(text: string, flag = '--port'): number {
  return parseInteger(text, flag, { min: 0, max: 65_535 });
}

/** Whether `argv` asks for help. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** The command line of `murmur-desktop`. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '@murmur/wire/program';

/** The environment variables the desktop reads. */
export interface CliEnv {
  readonly HOME?: string | undefined;
  readonly XDG_DATA_HOME?: string | undefined;
  readonly PATH?: string | undefined;
  readonly MURMUR_CHROMIUM?: string | undefined;
  /** Extra flags for the `--app` browser (space-separated). */
  readonly MURMUR_CHROMIUM_FLAGS?: string | undefined;
}

/** Parsed options. */
export interface CliOptions {
  dataDir: string;
  port: number;
  host: string;
  allowNonLoopback: boolean;
  network: string | undefined;
  open: boolean;
  app: boolean;
  passphraseFile: string | undefined;
  devTimers: boolean;
  logLevel: string;
  logFile: string | undefined;
  pollIntervalMs: number | undefined;
  help: boolean;
}

export const USAGE = `murmur-desktop: Murmur's desktop client (a local daemon and its web UI)

Usage: murmur-desktop [options]

  --data-dir <path>        accounts, keys and messages (default $XDG_DATA_HOME/murmur-desktop,
                           else ~/.local/share/murmur-desktop); made 0700, files 0600
  --port <n>               port on 127.0.0.1 (default 0: a free one)
  --network <file|url>     a devnet's devnet.json, or a seed URL (http(s)://host:port/json_rpc);
                           remembered in the data directory
  --no-open                do not open the UI (the URL is printed either way)
  --app                    open the UI as an app window of the installed Chromium/Chrome
                           (MURMUR_CHROMIUM picks the binary, MURMUR_CHROMIUM_FLAGS adds flags);
                           the window closes when the daemon stops
  --passphrase-file <path> unlock sealed accounts at start with the passphrase in this file
  --dev-timers             offer Session's development timers (10 s, 30 s, 1 min)
  --log-level <level>      trace, debug, info (default), warn, error
  --log-file <path>        JSON log lines to this file instead of stderr
  --host <addr>            listen address (only loopback unless --allow-non-loopback)
  --allow-non-loopback     listen on a non-loopback address (the UI then reaches other machines)
  -h, --help               this text

It prints the URL it serves, with the launch token after '#': only that URL opens the UI.`;

function integer(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new UsageError(
      `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

/** Parses `argv` (without node and the script). */
export function parseCliArgs(argv: readonly string[], env: CliEnv): CliOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: {
        'data-dir': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-non-loopback': { type: 'boolean' },
        network: { type: 'string' },
        open: { type: 'boolean' },
        app: { type: 'boolean' },
        'passphrase-file': { type: 'string' },
        'dev-timers': { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-file': { type: 'string' },
        'poll-interval-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (cause) {
    throw new UsageError((cause as Error).message, { cause });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (name: string) => values[name] as string | undefined;
  const flag = (name: string) => values[name] as boolean | undefined;
  const dataHome = env.XDG_DATA_HOME ?? join(env.HOME ?? homedir(), '.local', 'share');
  const level = text('log-level') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new UsageError(`--log-level must be trace, debug, info, warn, error or silent`);
  }
  return {
    dataDir: text('data-dir') ?? join(dataHome, 'murmur-desktop'),
    port: integer(text('port'), '--port', 0, 65535) ?? 0,
    host: text('host') ?? '127.0.0.1',
    allowNonLoopback: flag('allow-non-loopback') === true,
    network: text('network'),
    open: flag('open') !== false,
    app: flag('app') === true,
    passphraseFile: text('passphrase-file'),
    devTimers: flag('dev-timers') === true,
    logLevel: level,
    logFile: text('log-file'),
    pollIntervalMs: integer(text('poll-interval-ms'), '--poll-interval-ms', 100, 600_000),
    help: flag('help') === true,
  };
}

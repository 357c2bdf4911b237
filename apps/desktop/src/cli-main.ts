/**
 * `murmur-desktop` (loaded by `cli.ts` once V8's heap is tuned): starts the daemon, prints the URL it serves (with the launch token) and
 * opens the UI. Ctrl-C (SIGINT/SIGTERM) stops the clients and closes the databases; queued
 * messages stay in each account's outbox and leave at the next start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import { MurmurError } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { ConfigError, UsageError } from '@murmur/wire/program';
import { parseCliArgs, USAGE } from './cli-args.js';
import { startDaemon } from './daemon.js';
import { createDesktopLogger } from './logger.js';
import { networkFromArgument } from './network.js';
import { type Launched, launch, openCommand } from './open-ui.js';

async function main(): Promise<number> {
  // Everything the daemon creates is for this user only.
  process.umask(0o077);
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`murmur-desktop: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const logger = createDesktopLogger({ level: options.logLevel, file: options.logFile });
  let passphrase: string | undefined;
  if (options.passphraseFile !== undefined) {
    passphrase = readFileSync(options.passphraseFile, 'utf8').replace(/\r?\n$/, '');
  }
  const network = options.network === undefined ? undefined : networkFromArgument(options.network);
  const daemon = await startDaemon(
    {
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      allowNonLoopback: options.allowNonLoopback,
      network,
      passphrase,
      devTimers: options.devTimers,
      ...(options.pollIntervalMs === undefined
        ? {}
        : { clientInit: { pollIntervalMs: options.pollIntervalMs } }),
    },
    { crypto: await loadCrypto(), logger, fetch: createNodeFetch() },
  );
  process.stdout.write(`murmur-desktop: serving ${daemon.url}\n`);
  if (daemon.accounts.networkConfig === undefined) {
    process.stdout.write(
      'murmur-desktop: no network yet: pass --network <devnet.json | seed URL>, or set one in the UI\n',
    );
  }
  let appWindow: Launched | undefined;
  if (options.open || options.app) {
    const command = openCommand(
      daemon.url,
      { app: options.app, profileDir: join(options.dataDir, 'app-profile') },
      process.env,
    );
    const launched = command === undefined ? undefined : await launch(command);
    if (options.app && launched !== undefined) {
      appWindow = launched;
      logger.info({ pid: launched.pid }, 'desktop: app window started');
    }
    if (launched === undefined) {
      process.stdout.write(
        options.app
          ? 'murmur-desktop: no Chromium or Chrome found for --app (apt-get install chromium, or set MURMUR_CHROMIUM): open the URL above\n'
          : 'murmur-desktop: could not open a browser: open the URL above\n',
      );
    }
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'desktop: stopping');
      // The app window is the daemon's: it goes first (its page would only show errors).
      Promise.resolve(appWindow?.close())
        .then(() => daemon.close())
        .then(() => resolve(0))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'desktop: stop failed');
          resolve(1);
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof ConfigError || MurmurError.isInstance(error)
        ? (error as Error).message
        : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`murmur-desktop: ${message}\n`);
    process.exit(1);
  },
);

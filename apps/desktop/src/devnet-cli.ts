#!/usr/bin/env node
/**
 * `murmur-desktop-devnet`: N desktop daemons on a running devnet, with accounts that already
 * know each other; prints their URLs and runs until Ctrl-C.
 *
 *   node apps/devnet/dist/cli.js up &                       # or `pnpm devnet` in another terminal
 *   node apps/desktop/dist/devnet-cli.js --count 2          # reads .devnet/devnet.json
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { createNodeFetch } from '@murmur/wire/node';
import { startDesktops } from './devnet-desktops.js';
import { createDesktopLogger } from './logger.js';
import { networkFromArgument } from './network.js';

const USAGE = `murmur-desktop-devnet: desktop daemons on a running devnet, accounts that know each other

Usage: murmur-desktop-devnet [--count N] [--devnet <dir or devnet.json>] [--dev-timers]

  --count <n>      daemons to start (default 2, at most 20)
  --devnet <path>  the devnet directory or its devnet.json (default $MURMUR_DEVNET_DIR or .devnet)
  --dev-timers     Session's development timers (10 s, 30 s, 1 min)

Data directories: <devnet dir>/desktop/desktop-<n> (kept: a second run resumes the accounts).`;

async function main(): Promise<number> {
  process.umask(0o077);
  let values: { count?: string; devnet?: string; 'dev-timers'?: boolean; help?: boolean };
  try {
    values = parseArgs({
      options: {
        count: { type: 'string' },
        devnet: { type: 'string' },
        'dev-timers': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`murmur-desktop-devnet: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = Number(values.count ?? '2');
  if (!Number.isInteger(count) || count < 1 || count > 20) {
    process.stderr.write('murmur-desktop-devnet: --count must be an integer from 1 to 20\n');
    return 2;
  }
  const given = resolve(values.devnet ?? process.env['MURMUR_DEVNET_DIR'] ?? '.devnet');
  const file = given.endsWith('.json') ? given : join(given, 'devnet.json');
  if (!existsSync(file)) {
    process.stderr.write(
      `murmur-desktop-devnet: no ${file}: start a devnet first (node apps/devnet/dist/cli.js up)\n`,
    );
    return 1;
  }
  const devnetDir = resolve(file, '..');
  const logger = createDesktopLogger({
    level: 'info',
    file: join(devnetDir, 'logs', 'desktop.log'),
  });
  const desktops = await startDesktops(
    {
      count,
      dir: join(devnetDir, 'desktop'),
      network: networkFromArgument(file),
      devTimers: values['dev-timers'] === true,
    },
    { crypto: await loadCrypto(), logger, fetch: createNodeFetch() },
  );
  process.stdout.write(
    `murmur-desktop-devnet: ${count} desktop(s) on the devnet in ${devnetDir}\n\n`,
  );
  for (const desktop of desktops) {
    process.stdout.write(
      `  ${desktop.name.padEnd(11)} ${desktop.sessionId.slice(0, 12)}…  ${desktop.daemon.url}\n`,
    );
  }
  process.stdout.write(
    `\nLogs: ${join(devnetDir, 'logs', 'desktop.log')}. Ctrl-C stops them (data kept).\n`,
  );
  return new Promise((resolvePromise) => {
    const stop = () => {
      void Promise.all(desktops.map((desktop) => desktop.daemon.close())).then(() =>
        resolvePromise(0),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`murmur-desktop-devnet: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  },
);

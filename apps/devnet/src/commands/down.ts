/**
 * `murmur-devnet down`: stops a running devnet from another terminal — the foreground
 * `murmur-devnet up` (signalled, so that it stops its devnet and exits cleanly) and every
 * process recorded in pids.json that still runs (process groups; a recycled pid is never
 * signalled). Nothing else is touched.
 */

import { formatSeconds } from '@murmur/terminal';
import { sleep } from '@murmur/wire';
import {
  type CommandIo,
  type CommandModule,
  optionalInteger,
  parseFlags,
  wantsHelp,
} from '../cli/args.js';
import { launcherRunning, readLauncherRecord } from '../launcher/launcher-file.js';
import { resolveDevnetDir, stylesOf } from '../launcher/options.js';
import { describeNames, runningNames } from '../launcher/processes.js';

const USAGE = `Usage: murmur-devnet down [--dir <path>] [--force]

Stops the devnet of the directory: asks its \`murmur-devnet up\` to stop (SIGTERM: it stops every
process it started and exits), then stops any recorded process still running (SIGTERM to its
process group, SIGKILL after the grace time). Data stays: \`murmur-devnet up\` resumes it.

Options:
  --dir <path>       devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  --force            SIGKILL at once instead of a clean stop
  --timeout-ms <n>   how long to wait for a clean stop (default 30000)
  -h, --help         this text

Exit codes: 0 nothing of the devnet runs any more; 1 something could not be stopped.
`;

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    force: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  });
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const styles = stylesOf(io);
  const timeoutMs = optionalInteger(
    values['timeout-ms'],
    '--timeout-ms',
    { min: 0, max: 600_000 },
    30_000,
  );
  const force = values.force === true;
  const started = performance.now();
  const before = runningNames(dir);
  const record = readLauncherRecord(dir);
  const launcher = record !== undefined && launcherRunning(record) ? record : undefined;
  if (launcher === undefined && runningNames(dir, true).length === 0) {
    io.stdout(`No devnet process runs in ${dir}.\n`);
    return 0;
  }
  if (launcher !== undefined) {
    io.stdout(
      `Asking murmur-devnet up (pid ${launcher.pid}) to stop${before.length > 0 ? ` ${describeNames(before)}` : ''}…\n`,
    );
    try {
      process.kill(launcher.pid, force ? 'SIGKILL' : 'SIGTERM');
    } catch {
      // Gone meanwhile.
    }
    const deadline = performance.now() + timeoutMs;
    while (launcherRunning(launcher) && performance.now() < deadline) await sleep(100);
    if (launcherRunning(launcher)) {
      io.stderr(
        `murmur-devnet up (pid ${launcher.pid}) did not stop within ${timeoutMs} ms: SIGKILL\n`,
      );
      try {
        process.kill(launcher.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
  // Whatever is still recorded and running: nodes restarted from another terminal, a launcher
  // that died, processes of a devnet whose launcher was killed.
  const { stopTestnetProcesses } = await import('@murmur/testnet');
  if (runningNames(dir, true).length > 0) {
    await stopTestnetProcesses(dir, { graceMs: force ? 0 : Math.min(timeoutMs, 10_000) });
  }
  const left = runningNames(dir, true);
  if (left.length > 0) {
    io.stderr(`murmur-devnet down: still running: ${left.join(', ')}\n`);
    return 1;
  }
  const what = [
    describeNames(before),
    launcher === undefined ? '' : `murmur-devnet up (pid ${launcher.pid})`,
  ]
    .filter(Boolean)
    .join(' and ');
  io.stdout(
    `${styles.green('✔')} Stopped ${what || 'the devnet helpers'} in ${formatSeconds(performance.now() - started)}; no devnet process is left. Data kept in ${dir}.\n`,
  );
  return 0;
}

/** The `down` command. */
export const downCommand: CommandModule = { usage: USAGE, run };

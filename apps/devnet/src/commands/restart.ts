/**
 * `murmur-devnet restart <process>`: stops (if it runs) and starts again one node (or the
 * ledger) of a running devnet from its own data directory, same address and ports, and waits
 * until it is ready; then rewrites devnet.json.
 */

import { formatSeconds } from '@murmur/terminal';
import { UsageError } from '@murmur/wire/program';
import { type CommandIo, type CommandModule, parseFlags, wantsHelp } from '../cli/args.js';
import { processNameArg, processOf } from '../launcher/node-name.js';
import { openDevnet, rewriteDevnetFile } from '../launcher/open-devnet.js';
import { programsFromEnv, resolveDevnetDir } from '../launcher/options.js';

const USAGE = `Usage: murmur-devnet restart <process> [--dir <path>]

Stops a devnet process — \`node-07\` (or just \`7\`), a node's relay \`node-07/relay\`, or
\`ledger\` — if it runs (SIGTERM, SIGKILL
after 10 s), starts it again from its data directory with the same address and ports, and
waits until it is ready (a node: /health ready; a relay: /health ok; the ledger: its ready
line). Also starts a
process that was killed. The new process belongs to the devnet: \`down\` and Ctrl-C in the
\`up\` terminal stop it too.

Options:
  --dir <path>   devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  -h, --help     this text
`;

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values, positionals } = parseFlags(
    argv,
    { dir: { type: 'string' } },
    { positionals: true },
  );
  if (positionals.length > 1) throw new UsageError('restart takes one process name');
  const name = processNameArg(positionals[0], 'restart');
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const testnet = await openDevnet(dir, programsFromEnv(io.env));
  try {
    const target = processOf(testnet, name);
    const before = target.pid;
    const started = performance.now();
    await testnet.restartNode(name);
    const took = formatSeconds(performance.now() - started);
    await rewriteDevnetFile(testnet);
    io.stdout(
      `${name} restarted${before === undefined ? ' (it was not running)' : ` (pid ${before} → ${target.pid ?? '?'})`}, ready after ${took}; log: ${target.logFile}\n`,
    );
    return 0;
  } finally {
    await testnet.detach();
  }
}

/** The `restart` command. */
export const restartCommand: CommandModule = { usage: USAGE, run };

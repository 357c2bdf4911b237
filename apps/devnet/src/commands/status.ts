/**
 * `murmur-devnet status`: the devnet's processes (running or stopped, ready, swarm, height) and
 * its foreground launcher, from another terminal.
 */
import {
  type CommandIo,
  type CommandModule,
  optionalInteger,
  parseFlags,
  wantsHelp,
} from '../cli/args.js';
import { resolveDevnetDir, stylesOf } from '../launcher/options.js';
import { collectStatus, formatStatus } from '../launcher/status.js';

const USAGE = `Usage: murmur-devnet status [--dir <path>] [--json]

Shows the devnet of the directory: for the ledger and every node whether its process runs
(pids.json), whether its /health answers ready, its swarm and the ledger height it has seen;
and the \`murmur-devnet up\` in the foreground, if one runs.

Options:
  --dir <path>       devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  --json             one JSON object instead of the table
  --timeout-ms <n>   time limit of each /health request (default 2000)
  -h, --help         this text

Exit codes: 0 every process runs and is ready; 3 some are stopped or not ready; 1 no devnet.
`;

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values } = parseFlags(argv, {
    dir: { type: 'string' },
    json: { type: 'boolean' },
    'timeout-ms': { type: 'string' },
  });
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const timeoutMs = optionalInteger(
    values['timeout-ms'],
    '--timeout-ms',
    { min: 100, max: 60_000 },
    undefined,
  );
  const status = await collectStatus(dir, { timeoutMs });
  if (values.json === true) io.stdout(`${JSON.stringify(status, null, 2)}\n`);
  else io.stdout(formatStatus(status, stylesOf(io)));
  return status.processes.every((entry) => entry.running && entry.ready) ? 0 : 3;
}

/** The `status` command. */
export const statusCommand: CommandModule = { usage: USAGE, run };

/**
 * `murmur-devnet kill <process>`: a fault by hand — a signal (SIGKILL by default) to the process
 * group of one node (or the ledger) of a running devnet, from another terminal.
 */

import { UsageError } from '@murmur/wire/program';
import { type CommandIo, type CommandModule, parseFlags, wantsHelp } from '../cli/args.js';
import { processNameArg, processOf } from '../launcher/node-name.js';
import { openDevnet } from '../launcher/open-devnet.js';
import { programsFromEnv, resolveDevnetDir } from '../launcher/options.js';

const USAGE = `Usage: murmur-devnet kill <process> [--signal <name>] [--dir <path>]

Sends a signal to the process group of a devnet process — \`node-07\` (or just \`7\`), a node's
relay \`node-07/relay\`, or \`ledger\` — and waits until it is gone. Its data stays; \`murmur-devnet restart <process>\`
starts it again. A killed node stays registered until the ledger decommissions it for missed
uptime proofs (about 20 s on the devnet parameters).

Options:
  --signal <name>   KILL (default), TERM, INT, HUP or QUIT (with or without SIG)
  --dir <path>      devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  -h, --help        this text
`;

const SIGNALS = new Set<NodeJS.Signals>(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/** `KILL`, `sigterm`, `SIGINT` → the signal name. @throws {@link UsageError} */
export function parseSignal(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  if (!SIGNALS.has(name)) {
    throw new UsageError(
      `--signal must be one of KILL, TERM, INT, HUP, QUIT, not ${JSON.stringify(text)}`,
    );
  }
  return name;
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values, positionals } = parseFlags(
    argv,
    { signal: { type: 'string' }, dir: { type: 'string' } },
    { positionals: true },
  );
  if (positionals.length > 1) throw new UsageError('kill takes one process name');
  const name = processNameArg(positionals[0], 'kill');
  const signal = values.signal === undefined ? 'SIGKILL' : parseSignal(values.signal);
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const testnet = await openDevnet(dir, programsFromEnv(io.env));
  try {
    const target = processOf(testnet, name);
    const pid = target.pid;
    if (pid === undefined) {
      io.stdout(`${name} is not running (nothing to kill).\n`);
      return 0;
    }
    await testnet.kill(name, signal);
    io.stdout(`${name} (pid ${pid}) is gone after ${signal}; log: ${target.logFile}\n`);
    return 0;
  } finally {
    await testnet.detach();
  }
}

/** The `kill` command. */
export const killCommand: CommandModule = { usage: USAGE, run };

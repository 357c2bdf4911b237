/**
 * The command line of `murmur-conformance session <storage-server checkout or git dir>`.
 */
import { UsageError } from '@murmur/wire/program';

/** What the command was asked to do. */
export interface CommandLine {
  help: boolean;
  source: string;
  nodes: number;
  /** The devnet ledger's block time. */
  blockTimeMs: number;
  /** The chain height to wait for before the suite runs. */
  minHeight: number;
  python: string;
  keep: boolean;
  /** Extra arguments for pytest (after `--`). */
  pytestArgs: string[];
}

export const USAGE = `Usage: pnpm conformance:session <session-storage-server checkout or git dir> [options] [-- pytest args]

Runs Session's storage-server test suite (network-tests/, pytest) unmodified against a fresh
Murmur devnet, through Murmur's OxenMQ-to-HTTP(S) shim (tools/conformance/python), and prints
each test's result and "N passed, N failed, N skipped" last.

Options:
  --nodes <n>      service nodes of the devnet (default 20: the suite expects swarms of 5 to 10)
  --block-time-ms <n>
                   block time of the devnet's ledger (default 100, so that it soon reaches
                   the height below)
  --min-height <n> wait until the chain is at this height before running the suite
                   (default 1234: test_ifelse presumes a chain past height 1234, as
                   Session's testnet is)
  --python <path>  the Python with pytest and PyNaCl (default /usr/bin/python3;
                   Debian: apt-get install python3-pytest python3-nacl)
  --keep           keep the run's directory (suite, devnet data and logs)
  -h, --help       this text

Exit code 0 when no test failed but those documented as the suite's own (docs/PROTOCOL.md),
1 when another did or the run could not start, 2 for a usage error.
`;

function integer(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(
      `${name} takes an integer from ${min} to ${max}, got ${text ?? 'nothing'}`,
    );
  }
  return value;
}

/** Parses the arguments after the program name. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const result: CommandLine = {
    help: false,
    source: '',
    nodes: 20,
    blockTimeMs: 100,
    minHeight: 1234,
    python: '/usr/bin/python3',
    keep: false,
    pytestArgs: [],
  };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      result.pytestArgs = argv.slice(i + 1);
      break;
    }
    if (arg === '-h' || arg === '--help') result.help = true;
    else if (arg === '--keep') result.keep = true;
    else if (arg === '--nodes') result.nodes = integer('--nodes', argv[++i], 1, 500);
    else if (arg === '--block-time-ms') {
      result.blockTimeMs = integer('--block-time-ms', argv[++i], 50, 60_000);
    } else if (arg === '--min-height') {
      result.minHeight = integer('--min-height', argv[++i], 0, 1_000_000);
    } else if (arg === '--python') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new UsageError('--python takes a path');
      result.python = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (result.help) return result;
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0
        ? 'give the path of a session-storage-server checkout or git directory'
        : `one source path expected, got ${positional.length}`,
    );
  }
  result.source = positional[0] as string;
  return result;
}

/**
 * `murmur-devnet logs <process>`: prints (and with -f follows) the log of the ledger or a node
 * of a devnet, each JSON line shown for people.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@murmur/wire';
import { UsageError } from '@murmur/wire/program';
import {
  type CommandIo,
  type CommandModule,
  parseFlags,
  parseInteger,
  processInterrupt,
  wantsHelp,
} from '../cli/args.js';
import { NoDevnetError } from '../errors.js';
import { formatLogLine } from '../launcher/log-format.js';
import { processNameArg } from '../launcher/node-name.js';
import { resolveDevnetDir, stylesOf } from '../launcher/options.js';

const USAGE = `Usage: murmur-devnet logs <process> [-f] [-n <lines>] [--raw] [--dir <path>]

Prints the last lines of a devnet process's log: \`ledger\`, \`node-07\` (or just \`7\`), or a
helper's (\`init\`, \`reaper\`). Each JSON line is shown as "time LEVEL message key=value".

Options:
  -f, --follow       keep printing new lines until Ctrl-C (across restarts of the process)
  -n, --lines <n>    how many of the last lines (default 40; 0 for the whole file)
  --raw              the lines as written (JSON)
  --dir <path>       devnet directory (default $MURMUR_DEVNET_DIR or ./.devnet)
  -h, --help         this text
`;

const TAIL_BYTES = 4 * 1024 * 1024;

function readRange(file: string, start: number, end: number): string {
  if (end <= start) return '';
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    let read = 0;
    while (read < buffer.length) {
      const count = readSync(descriptor, buffer, read, buffer.length - read, start + read);
      if (count === 0) break;
      read += count;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}

/** The last `count` lines of `file` (all with 0) and the offset its end was read at. */
export function lastLines(file: string, count: number): { lines: string[]; offset: number } {
  const size = statSync(file).size;
  const start = count === 0 ? 0 : Math.max(0, size - TAIL_BYTES);
  const text = readRange(file, start, size);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (start > 0) lines.shift(); // A partial first line.
  return { lines: count === 0 ? lines : lines.slice(-count), offset: size };
}

/** Prints what is appended to `file` from `offset` until `signal`. */
async function follow(
  file: string,
  offset: number,
  print: (line: string) => void,
  signal: AbortSignal,
  intervalMs = 200,
): Promise<void> {
  let position = offset;
  let partial = '';
  while (!signal.aborted) {
    // Ctrl-C ends the wait early: the loop then sees the aborted signal and returns.
    await sleep(intervalMs, signal).catch(() => undefined);
    if (signal.aborted) break;
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      continue;
    }
    if (size < position) {
      print('(the log was truncated: reading from its start)');
      position = 0;
      partial = '';
    }
    if (size === position) continue;
    const text = partial + readRange(file, position, size);
    position = size;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) print(line);
  }
  if (partial !== '') print(partial);
}

async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(USAGE);
    return 0;
  }
  const { values, positionals } = parseFlags(
    argv,
    {
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      raw: { type: 'boolean' },
      dir: { type: 'string' },
    },
    { positionals: true },
  );
  if (positionals.length > 1) throw new UsageError('logs takes one process name');
  const name = processNameArg(positionals[0], 'logs');
  const count =
    values.lines === undefined
      ? 40
      : parseInteger(values.lines, '--lines', { min: 0, max: 10_000_000 });
  const { dir } = resolveDevnetDir(values.dir, io.env);
  const logsDir = join(dir, 'logs');
  const file = join(logsDir, `${name}.log`);
  if (!existsSync(file)) {
    if (!existsSync(logsDir)) {
      throw new NoDevnetError(`${dir} holds no devnet logs: start one with \`murmur-devnet up\``);
    }
    const known = readdirSync(logsDir)
      .filter((entry) => entry.endsWith('.log'))
      .map((entry) => entry.slice(0, -4))
      .sort();
    throw new NoDevnetError(`no log for ${name} in ${logsDir} (logs: ${known.join(', ')})`);
  }
  const styles = stylesOf(io);
  const print = (line: string) =>
    io.stdout(`${values.raw === true ? line : formatLogLine(line, styles)}\n`);
  const { lines, offset } = lastLines(file, count);
  for (const line of lines) print(line);
  if (values.follow === true) {
    await follow(file, offset, print, io.interrupt ?? processInterrupt());
  }
  return 0;
}

/** The `logs` command. */
export const logsCommand: CommandModule = { usage: USAGE, run };

/**
 * The murmur-devnet dispatcher: picks the command named by the first argument, runs it, and turns
 * errors into messages and exit codes (0 done, 1 failed or refused, 2 usage error).
 */
import { readFileSync } from 'node:fs';
import { MurmurError } from '@murmur/wire';
import { COMMANDS } from '../commands/index.js';

import type { CommandIo } from './args.js';

function version(): string {
  try {
    const manifest = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The top-level usage text. */
export function topUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: murmur-devnet <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `murmur-devnet <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Runs murmur-devnet with `argv` (the arguments after the program name); resolves the exit code. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topUsage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((command) => command.name === name);
  if (entry === undefined) {
    io.stderr(`murmur-devnet: unknown command ${JSON.stringify(name)}\n\n${topUsage()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    const { code, message } = reportOf(name, error);
    io.stderr(message);
    return code;
  }
}

/**
 * The exit code and message of a command's error: 2 for a usage error, 1 otherwise. A usage
 * error is recognised by its code, not by its class: a bundled command (`up`, `ledger`: see
 * scripts/bundle.mjs) throws its own copy's `UsageError`.
 */
export function reportOf(name: string, error: unknown): { code: 1 | 2; message: string } {
  if (MurmurError.isInstance(error) && error.code === 'USAGE') {
    return {
      code: 2,
      message: `murmur-devnet ${name}: ${error.message}\nRun \`murmur-devnet ${name} --help\`.\n`,
    };
  }
  if (MurmurError.isInstance(error)) {
    return { code: 1, message: `murmur-devnet ${name}: ${error.message}\n` };
  }
  return {
    code: 1,
    message: `murmur-devnet ${name}: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`,
  };
}

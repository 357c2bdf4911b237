/**
 * The murmur-devnet dispatcher: picks the command named by the first argument, runs it, and turns
 * errors into messages and exit codes (0 done, 1 failed or refused, 2 usage error).
 */
import { readFileSync } from 'node:fs';
import { MurmurError } from '@murmur/wire';
import { UsageError } from '@murmur/wire/program';
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
    if (error instanceof UsageError) {
      io.stderr(`murmur-devnet ${name}: ${error.message}\nRun \`murmur-devnet ${name} --help\`.\n`);
      return 2;
    }
    if (MurmurError.isInstance(error)) {
      io.stderr(`murmur-devnet ${name}: ${error.message}\n`);
      return 1;
    }
    io.stderr(
      `murmur-devnet ${name}: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`,
    );
    return 1;
  }
}

/**
 * Options shared by the devnet commands: where the devnet lives (`--dir`, else
 * `$MURMUR_DEVNET_DIR`, else `.devnet` under the current directory), the program paths, and the
 * styles for the current output.
 */
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { colorsWanted, createStyles, type Styles, type TerminalOutput } from '@murmur/terminal';
import { programOverridesFromEnvironment, type TestnetPrograms } from '@murmur/testnet';
import type { CommandEnv, CommandIo } from '../cli/args.js';

/** The default devnet directory, under the current directory. */
export const DEFAULT_DEVNET_DIR = '.devnet';

/** A resolved devnet directory. */
export interface DevnetDir {
  /** Absolute path. */
  dir: string;
  /** `--dir <path>` to repeat in the commands shown to people, or `''` when not needed. */
  dirFlag: string;
}

/** Quotes `text` for a POSIX shell when it needs it. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The devnet directory of a command. */
export function resolveDevnetDir(
  flag: string | undefined,
  env: CommandEnv,
  cwd = process.cwd(),
): DevnetDir {
  if (flag !== undefined) return { dir: resolve(cwd, flag), dirFlag: `--dir ${shellQuote(flag)}` };
  const fromEnv = env.MURMUR_DEVNET_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return { dir: resolve(cwd, fromEnv), dirFlag: '' };
  return { dir: resolve(cwd, DEFAULT_DEVNET_DIR), dirFlag: '' };
}

/** The programs the environment names (`MURMUR_*_CLI`): the launcher's one reader of them. */
export function programsFromEnv(env: CommandEnv): Partial<TestnetPrograms> {
  return programOverridesFromEnvironment(env);
}

/** The command's standard output as a terminal output. */
export function terminalOf(io: CommandIo): TerminalOutput {
  return {
    write: (text) => io.stdout(text),
    get isTTY() {
      return io.stdoutIsTTY === true;
    },
    get columns() {
      return io.columns;
    },
  };
}

/** Styles for the command's standard output. */
export function stylesOf(io: CommandIo): Styles {
  return createStyles(colorsWanted(io.stdoutIsTTY === true, io.env));
}

/**
 * How people run this CLI from `cwd`, for the commands printed in hints: `murmur-devnet` when it
 * was started through its bin link, else `node <path of cli.js>` (relative when below `cwd`), as
 * after `npm run devnet` in the repository, where `murmur-devnet` is not on the PATH.
 */
export function invocationOf(script: string | undefined, cwd = process.cwd()): string {
  if (script === undefined || basename(script) === 'murmur-devnet') return 'murmur-devnet';
  const path = relative(cwd, script);
  const shown = path.startsWith('..') || isAbsolute(path) ? script : path;
  return `node ${shellQuote(shown)}`;
}

/**
 * Files only the owner may read: the data directory (0700), its account directories (0700),
 * and every file in them (0600). Files are written to a temporary name (created 0600) and
 * renamed, so a crash never leaves half a seed file behind.
 */

import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '@murmur/wire/program';

/** Mode of directories. */
export const DIRECTORY_MODE = 0o700;
/** Mode of files. */
export const FILE_MODE = 0o600;

/**
 * Creates `path` (and its parents) if missing and sets it to 0700. Refuses a directory owned
 * by another user.
 */
export function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIRECTORY_MODE });
  const stats = statSync(path);
  if (!stats.isDirectory()) throw new ConfigError(`${path} is not a directory`);
  if (typeof process.getuid === 'function' && stats.uid !== process.getuid()) {
    throw new ConfigError(`${path} belongs to another user (uid ${stats.uid}): refusing to use it`);
  }
  if ((stats.mode & 0o777) !== DIRECTORY_MODE) chmodSync(path, DIRECTORY_MODE);
}

/** Writes `content` to `path` atomically with mode 0600. */
export function writePrivateFile(path: string, content: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
  const fd = openSync(temporary, 'wx', FILE_MODE);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, FILE_MODE);
  renameSync(temporary, path);
}

/** Creates an empty 0600 file if missing (so SQLite opens a file with that mode), or fixes its mode. */
export function ensurePrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
}

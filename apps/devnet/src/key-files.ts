/**
 * Files that hold secrets (wallets, the ledger authority): written with mode 0600 and never
 * overwritten; refused on read when the group or others can read them, with the `chmod` command
 * that fixes it.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { KeyFileError } from './errors.js';

/**
 * Writes `value` as JSON to a new file `path` with mode 0600.
 *
 * @throws {@link KeyFileError} if the file exists (a secret is never overwritten).
 */
export function writeSecretJson(path: string, value: unknown, what: string): void {
  try {
    writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') {
      throw new KeyFileError(
        `${path} already exists; refusing to overwrite a ${what} (move it away first if you really mean to)`,
        { cause },
      );
    }
    throw new KeyFileError(`cannot write the ${what} ${path}`, { cause });
  }
  // The umask can only narrow 0600, but make sure anyway.
  chmodSync(path, 0o600);
}

/**
 * Reads the JSON of a secret file.
 *
 * @throws {@link KeyFileError} when it is missing, not JSON, or readable by the group or others.
 */
export function readSecretJson(path: string, what: string): unknown {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (cause) {
    throw new KeyFileError(`no ${what} at ${path}`, { cause });
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); it holds a secret key. Fix it with: chmod 600 ${path}`,
    );
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new KeyFileError(`${path} is not a valid ${what} (not JSON)`, { cause });
  }
}

/**
 * `@murmur/wire/settings-file` (Node only): a program's JSON settings file (`config.json`,
 * `relay.json`), read as an object of settings for {@link resolveSettings} and written once,
 * never over an operator's file.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Type, { type Static, type TSchema } from 'typebox';
import { ConfigError } from './app-errors.js';
import { createChecker, type SchemaChecker } from './schema-check.js';
import { checkSettingValues, type SettingSpec } from './settings.js';

const settingsObject = createChecker(
  Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON object of settings' }),
);

/** The JSON in the file at `path`, or `undefined` when there is no file. */
function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON`, { cause, details: { path } });
  }
}

/**
 * The settings in the file at `path`, or `undefined` when there is no file.
 *
 * @throws `ConfigError` (naming the file) when it is not JSON, or not a JSON object.
 */
export function readSettingsFile(path: string): Record<string, unknown> | undefined {
  const json = readJsonFile(path);
  if (json === undefined) return undefined;
  if (!settingsObject.check(json)) {
    throw new ConfigError(`${path} must hold a JSON object of settings`, { details: { path } });
  }
  return json;
}

/**
 * A program's JSON state file (`key.json`, `account.json`, …) checked with the same TypeBox
 * checker as everything else, or `undefined` when there is no file. The file is only read:
 * a bad one is left as it is for the operator to repair.
 *
 * @throws `ConfigError` naming the file (`details.path`) and the first bad field
 * (`details.field`) when it is not JSON or does not match the schema.
 */
export function readStateFile<T extends TSchema>(
  path: string,
  checker: SchemaChecker<T>,
): Static<T> | undefined {
  const json = readJsonFile(path);
  if (json === undefined) return undefined;
  const problem = checker.firstProblem(json);
  if (problem !== undefined) {
    throw new ConfigError(`${path}: ${problem.text}`, {
      details: { path, field: problem.field },
    });
  }
  return json as Static<T>;
}

/**
 * Writes `values` as a new settings file (pretty JSON, with `mode`).
 *
 * @throws `ConfigError` when the file exists: an operator's settings file is never overwritten.
 */
export function writeNewSettingsFile(
  path: string,
  values: Readonly<Record<string, unknown>>,
  mode: number,
): void {
  try {
    writeFileSync(path, `${JSON.stringify(values, null, 2)}\n`, { mode, flag: 'wx' });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') {
      throw new ConfigError(
        `${path} already exists; refusing to overwrite a config file (edit it, or remove it first)`,
        { cause, details: { path } },
      );
    }
    throw cause;
  }
}

/**
 * Writes `values` as a new settings file (see {@link writeNewSettingsFile}) once each is checked
 * against `specs`.
 *
 * @throws `ConfigError` listing every unknown key and bad value (also in `details.problems`), or
 * when the file exists.
 */
export function writeCheckedSettingsFile(
  path: string,
  specs: Readonly<Record<string, SettingSpec>>,
  values: Readonly<Record<string, unknown>>,
  mode: number,
): void {
  const { values: out, problems } = checkSettingValues(specs, values);
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  writeNewSettingsFile(path, out, mode);
}

/**
 * The one write-to-temporary-then-rename of the code base: writes `content` to a new file
 * beside `path` (created with `mode`, never an existing name), flushes it to disk and renames it
 * over `path`, so a reader (or a crash) never sees half a file. The temporary file is removed
 * when anything fails.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): void {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      writeSync(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode at creation: set it exactly.
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

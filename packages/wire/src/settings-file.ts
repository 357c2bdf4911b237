/**
 * `@murmur/wire/settings-file` (Node only): a program's JSON settings file (`config.json`,
 * `relay.json`), read as an object of settings for {@link resolveSettings} and written once,
 * never over an operator's file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Type from 'typebox';
import { ConfigError } from './app-errors.js';
import { createChecker } from './schema-check.js';
import { checkSettingValues, type SettingSpec } from './settings.js';

const settingsObject = createChecker(
  Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON object of settings' }),
);

/**
 * The settings in the file at `path`, or `undefined` when there is no file.
 *
 * @throws `ConfigError` (naming the file) when it is not JSON, or not a JSON object.
 */
export function readSettingsFile(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`${path} is not valid JSON`, { cause, details: { path } });
  }
  if (!settingsObject.check(json)) {
    throw new ConfigError(`${path} must hold a JSON object of settings`, { details: { path } });
  }
  return json;
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

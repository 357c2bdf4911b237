import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './app-errors.js';
import { createChecker } from './schema-check.js';
import { LOG_LEVEL_SETTING } from './settings.js';
import {
  readSettingsFile,
  readStateFile,
  writeCheckedSettingsFile,
  writeFileAtomic,
  writeNewSettingsFile,
} from './settings-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'settings-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('settings files', () => {
  it('reads an object, and nothing when there is no file', () => {
    const path = join(dir, 'x.json');
    expect(readSettingsFile(path)).toBeUndefined();
    writeFileSync(path, '{"port": 1}');
    expect(readSettingsFile(path)).toEqual({ port: 1 });
  });

  it('names the file that is not JSON or not an object', () => {
    const path = join(dir, 'x.json');
    writeFileSync(path, '{ "port": 25');
    expect(refusal(() => readSettingsFile(path)).message).toBe(`${path} is not valid JSON`);
    writeFileSync(path, '[1]');
    const error = refusal(() => readSettingsFile(path));
    expect(error.message).toBe(`${path} must hold a JSON object of settings`);
    expect(error.details).toEqual({ path });
  });

  it('writes a new file with its mode and never overwrites one', () => {
    const path = join(dir, 'x.json');
    writeNewSettingsFile(path, { port: 1 }, 0o600);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('{\n  "port": 1\n}\n');
    expect(refusal(() => writeNewSettingsFile(path, { port: 2 }, 0o600)).message).toBe(
      `${path} already exists; refusing to overwrite a config file (edit it, or remove it first)`,
    );
    expect(readSettingsFile(path)).toEqual({ port: 1 });
  });

  it('writes checked settings only, listing every unknown key and bad value', () => {
    const specs = { logLevel: LOG_LEVEL_SETTING };
    const path = join(dir, 'x.json');
    const error = refusal(() =>
      writeCheckedSettingsFile(path, specs, { logLevel: 'loud', colour: 'red' }, 0o644),
    );
    expect(error.details).toEqual({
      problems: ['logLevel: invalid value "loud"', 'colour: unknown setting'],
    });
    expect(readSettingsFile(path)).toBeUndefined();
    writeCheckedSettingsFile(path, specs, { logLevel: 'warn', other: undefined }, 0o644);
    expect(readSettingsFile(path)).toEqual({ logLevel: 'warn' });
    expect(statSync(path).mode & 0o777).toBe(0o644);
  });

  it('reads a state file through a schema, naming the file and the bad field', () => {
    const checker = createChecker(
      Type.Object({ version: Type.Literal(1), name: Type.String({ minLength: 1 }) }),
    );
    const path = join(dir, 'state.json');
    expect(readStateFile(path, checker)).toBeUndefined();
    writeFileSync(path, '{"version":1,"name":"a"}');
    expect(readStateFile(path, checker)).toEqual({ version: 1, name: 'a' });
    writeFileSync(path, '{"version":1,"name":');
    expect(refusal(() => readStateFile(path, checker)).details).toEqual({ path });
    const corrupt = '{"version":1,"name":7}';
    writeFileSync(path, corrupt);
    const error = refusal(() => readStateFile(path, checker));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.details).toEqual({ path, field: 'name' });
    expect(error.message).toContain(path);
    expect(error.message).toContain('`name`');
    // Nothing is lost: the bad file is left for the operator.
    expect(readFileSync(path, 'utf8')).toBe(corrupt);
  });

  it('writes a file atomically with its mode, replacing the old one and leaving no temporary', () => {
    const path = join(dir, 'state.json');
    writeFileAtomic(path, '{"a":1}', 0o600);
    writeFileAtomic(path, new TextEncoder().encode('{"a":2}'), 0o600);
    expect(readFileSync(path, 'utf8')).toBe('{"a":2}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
    // A write that cannot happen leaves the old file whole and no temporary behind.
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.json'), 'x')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});

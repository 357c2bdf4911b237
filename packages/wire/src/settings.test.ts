import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  checkSettingValues,
  LOG_LEVEL_SETTING,
  resolveSettings,
  type SettingSpec,
  settingFromText,
  settingsDataDir,
} from './settings.js';

const SPECS = {
  port: {
    flag: 'port',
    env: 'PORT',
    kind: 'integer',
    schema: Type.Integer({ minimum: 0, maximum: 65_535, description: 'a port number' }),
    help: 'port',
    default: 1,
  },
  quiet: {
    flag: 'quiet',
    env: 'QUIET',
    kind: 'boolean',
    schema: Type.Boolean({ description: 'true or false' }),
    help: 'quiet',
    default: false,
  },
  limit: {
    flag: 'limit',
    env: 'LIMIT',
    kind: 'size',
    schema: Type.Integer({ minimum: 1, description: 'a size' }),
    help: 'limit',
  },
} as const satisfies Record<string, SettingSpec>;

const inputs = { envPrefix: 'X_', fileName: 'x.json' };

describe('resolveSettings', () => {
  it('takes a flag, else a variable, else the file, else the default, and says which', () => {
    const resolved = resolveSettings(SPECS, {
      ...inputs,
      flags: { quiet: 'yes' },
      env: { X_PORT: '80', X_QUIET: 'no' },
      fileValues: { port: 81, limit: '2K' },
    });
    expect(resolved).toEqual({
      values: { port: 80, quiet: true, limit: 2048 },
      sources: { port: 'env', quiet: 'flag', limit: 'file' },
      problems: [],
    });
    expect(
      resolveSettings(SPECS, { ...inputs, flags: {}, env: { X_PORT: '' }, fileValues: {} }).values,
    ).toEqual({ port: 1, quiet: false, limit: undefined });
  });

  it('names every bad value with its origin, and unknown keys of the file', () => {
    const { problems } = resolveSettings(SPECS, {
      ...inputs,
      flags: { port: '70000' },
      env: { X_QUIET: 'maybe' },
      fileValues: { limit: 0, colour: 1, dataDir: '/x' },
    });
    expect(problems).toEqual([
      'x.json colour: unknown setting',
      'x.json dataDir: not allowed in the file (use --data-dir)',
      '--port: must be a port number (got "70000")',
      'X_QUIET: must be true or false (got "maybe")',
      'x.json limit: must be a size (got 0)',
    ]);
  });

  it('checkSettingValues keeps the good known values and names the rest', () => {
    expect(checkSettingValues(SPECS, { port: 5, quiet: 'no', other: 1, limit: undefined })).toEqual(
      { values: { port: 5 }, problems: ['quiet: invalid value "no"', 'other: unknown setting'] },
    );
  });

  it('settingFromText leaves text that is not of the kind as it is', () => {
    expect(settingFromText('integer', '1.5')).toBe('1.5');
    expect(settingFromText('number', ' 1.5 ')).toBe(1.5);
    expect(settingFromText('size', '1.5M')).toBe(1_572_864);
    expect(settingFromText('boolean', 'on')).toBe(true);
  });
});

describe('LOG_LEVEL_SETTING', () => {
  it('takes each log level from a flag, defaults to info and names the levels when refusing', () => {
    const specs = { logLevel: LOG_LEVEL_SETTING };
    const flagged = resolveSettings(specs, {
      ...inputs,
      flags: { 'log-level': 'debug' },
      env: {},
      fileValues: {},
    });
    expect(flagged.values).toEqual({ logLevel: 'debug' });
    const unset = resolveSettings(specs, { ...inputs, flags: {}, env: {}, fileValues: {} });
    expect(unset.values).toEqual({ logLevel: 'info' });
    const bad = resolveSettings(specs, {
      ...inputs,
      flags: {},
      env: { X_LOG_LEVEL: 'loud' },
      fileValues: {},
    });
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toContain('X_LOG_LEVEL');
    expect(bad.problems[0]).toContain('one of fatal, error, warn, info, debug, trace, silent');
  });
});

describe('settingsDataDir', () => {
  const base = { envPrefix: 'X_', fallback: '/home/me/.x' };
  it('takes the flag, then the variable, then the fallback, saying which', () => {
    expect(
      settingsDataDir({ ...base, flags: { 'data-dir': '/a' }, env: { X_DATA_DIR: '/b' } }),
    ).toEqual({ dataDir: '/a', source: 'flag' });
    expect(settingsDataDir({ ...base, flags: {}, env: { X_DATA_DIR: '/b' } })).toEqual({
      dataDir: '/b',
      source: 'env',
    });
    expect(
      settingsDataDir({ ...base, flags: { 'data-dir': '' }, env: { X_DATA_DIR: '' } }),
    ).toEqual({ dataDir: '/home/me/.x', source: 'default' });
  });
});

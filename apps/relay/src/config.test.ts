import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@murmur/wire/program';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-main.js';
import { resolveConfig, writeRelayConfigFile } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: {},
    stdout: (t: string) => out.push(t),
    stderr: (t: string) => err.push(t),
    out,
    err,
  };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_INVALID');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('relay configuration', () => {
  it('defaults to the relay port the node announces (22022) and an exit delay of 0', () => {
    const config = resolveConfig({ 'data-dir': dir }, {});
    expect(config).toMatchObject({ port: 22_022, exitDelayMeanMs: 0, logLevel: 'info' });
    expect(
      resolveConfig({ 'data-dir': dir, 'exit-delay-mean-ms': '12.5' }, {}).exitDelayMeanMs,
    ).toBe(12.5);
  });

  it('names every bad setting of relay.json with its field, and unknown keys', () => {
    writeFileSync(
      join(dir, 'relay.json'),
      JSON.stringify({ port: 70_000, logLevel: 'loud', colour: 1, dataDir: '/x', host: '::' }),
    );
    const error = configError(() => resolveConfig({ 'data-dir': dir }, {}));
    expect(error.message).toContain(join(dir, 'relay.json'));
    expect(error.details?.['problems']).toEqual([
      'relay.json colour: unknown setting',
      'relay.json dataDir: not allowed in the file (use --data-dir)',
      'relay.json port: must be a port number from 0 to 65535 (got 70000)',
      'relay.json logLevel: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
  });

  it('takes file values as JSON types: a number written as a string is refused', () => {
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ maxCircuits: '10' }));
    expect(configError(() => resolveConfig({ 'data-dir': dir }, {})).message).toContain(
      'relay.json maxCircuits: must be a non-negative integer (got "10")',
    );
  });

  it('refuses a file that is not JSON, or not an object', () => {
    writeFileSync(join(dir, 'relay.json'), '{ "port": 25');
    expect(configError(() => resolveConfig({ 'data-dir': dir }, {})).message).toBe(
      `${join(dir, 'relay.json')} is not valid JSON`,
    );
    writeFileSync(join(dir, 'relay.json'), '[1, 2]');
    expect(configError(() => resolveConfig({ 'data-dir': dir }, {})).message).toBe(
      `${join(dir, 'relay.json')} must hold a JSON object of settings`,
    );
  });

  it('names a bad flag and a bad variable by where they came from', () => {
    const error = configError(() =>
      resolveConfig(
        { 'data-dir': dir, 'create-rate': 'fast' },
        { MURMUR_RELAY_NODE_URL: 'ftp://node', MURMUR_RELAY_MAX_CIRCUITS: '-1' },
      ),
    );
    expect(error.details?.['problems']).toEqual([
      'MURMUR_RELAY_NODE_URL: must be an http:// or https:// URL (got "ftp://node")',
      '--create-rate: must be a non-negative number (got "fast")',
      'MURMUR_RELAY_MAX_CIRCUITS: must be a non-negative integer (got "-1")',
    ]);
  });

  it('a flag over a bad file value wins (the value used is the one checked), as for murmur-node', () => {
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ port: 'x', createBurst: 3 }));
    const config = resolveConfig({ 'data-dir': dir, port: '30010' }, {});
    expect(config).toMatchObject({ port: 30_010, createBurst: 3 });
  });

  it('writeRelayConfigFile checks values and never overwrites a file', () => {
    expect(() => writeRelayConfigFile(dir, { port: -1 })).toThrow(ConfigError);
    expect(readdirSync(dir)).toEqual([]);
    const path = writeRelayConfigFile(dir, { port: 30_020 });
    const before = readFileSync(path, 'utf8');
    expect(configError(() => writeRelayConfigFile(dir, { port: 30_021 })).message).toBe(
      `${path} already exists; refusing to overwrite a config file (edit it, or remove it first)`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

describe('murmur-relay with a bad relay.json', () => {
  it('init, start and status exit 2 naming the file and the field, and nothing is written', async () => {
    writeFileSync(join(dir, 'key.json'), '{}', { mode: 0o600 });
    const text = '{"port": "twenty", "maxCircuits": 5}';
    writeFileSync(join(dir, 'relay.json'), text);
    for (const command of ['init', 'start', 'status']) {
      const run = io();
      expect(await runCli([command, '--data-dir', dir, '--create-burst', '5'], run)).toBe(2);
      expect(run.err.join('')).toContain(
        `relay.json port: must be a port number from 0 to 65535 (got "twenty")`,
      );
      expect(run.err.join('')).toContain(join(dir, 'relay.json'));
    }
    expect(readFileSync(join(dir, 'relay.json'), 'utf8')).toBe(text);
    expect(readdirSync(dir).sort()).toEqual(['key.json', 'relay.json']);
  });

  it('init refuses to replace an existing good relay.json', async () => {
    writeFileSync(join(dir, 'key.json'), '{}', { mode: 0o600 });
    const text = '{"port": 30030}\n';
    writeFileSync(join(dir, 'relay.json'), text);
    const run = io();
    expect(await runCli(['init', '--data-dir', dir, '--port', '30031'], run)).toBe(2);
    expect(run.err.join('')).toContain('refusing to overwrite');
    expect(readFileSync(join(dir, 'relay.json'), 'utf8')).toBe(text);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@murmur/wire/program';
import { STORAGE_SIZE_LIMIT_BYTES } from '@murmur/wire/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDataDir, resolveConfig, writeConfigFile } from './config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeFile(values: Record<string, unknown>) {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(values));
}

describe('resolveConfig', () => {
  it('uses defaults when nothing is given', () => {
    const { config, sources, configFile } = resolveConfig({ flags: { 'data-dir': dir }, env: {} });
    expect(config).toMatchObject({
      dataDir: dir,
      listen: '0.0.0.0',
      port: 22_021,
      logLevel: 'info',
      sync: 'normal',
      storageLimit: STORAGE_SIZE_LIMIT_BYTES,
      rateLimit: true,
      devnet: false,
    });
    expect(config.publicIp).toBeUndefined();
    expect(sources.port).toBe('default');
    expect(configFile).toBeUndefined();
  });

  it('takes flags over env over the file over defaults', () => {
    writeFile({ port: 1111, logLevel: 'warn', sync: 'full', publicIp: '203.0.113.9' });
    const env = {
      MURMUR_NODE_DATA_DIR: dir,
      MURMUR_NODE_PORT: '2222',
      MURMUR_NODE_LOG_LEVEL: 'debug',
    };
    const { config, sources, configFile } = resolveConfig({ flags: { port: '3333' }, env });
    expect(config.dataDir).toBe(dir);
    expect(sources.dataDir).toBe('env');
    expect(config.port).toBe(3333);
    expect(sources.port).toBe('flag');
    expect(config.logLevel).toBe('debug');
    expect(sources.logLevel).toBe('env');
    expect(config.sync).toBe('full');
    expect(sources.sync).toBe('file');
    expect(config.publicIp).toBe('203.0.113.9');
    expect(config.listen).toBe('0.0.0.0');
    expect(sources.listen).toBe('default');
    expect(configFile).toBe(join(dir, 'config.json'));
  });

  it('reads booleans and sizes from text', () => {
    const { config } = resolveConfig({
      flags: { 'data-dir': dir, 'rate-limit': 'off', devnet: true, 'storage-limit': '500M' },
      env: { MURMUR_NODE_VALIDATE_RESPONSES: 'yes' },
    });
    expect(config.rateLimit).toBe(false);
    expect(config.devnet).toBe(true);
    expect(config.validateResponses).toBe(true);
    expect(config.storageLimit).toBe(500 * 1024 * 1024);
    writeFile({ storageLimit: '3.5G' });
    expect(resolveConfig({ flags: { 'data-dir': dir } }).config.storageLimit).toBe(
      Math.floor(3.5 * 1024 ** 3),
    );
  });

  it('names every bad value and where it came from', () => {
    writeFile({ logLevel: 'loud', colour: 'blue', dataDir: '/elsewhere' });
    let error: unknown;
    try {
      resolveConfig({
        flags: { 'data-dir': dir, port: '70000', 'public-ip': '1.2.3' },
        env: { MURMUR_NODE_SYNC: 'sometimes', MURMUR_NODE_RATE_LIMIT: 'maybe' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/--port: must be a port number from 0 to 65535 \(got "70000"\)/);
    expect(message).toMatch(/--public-ip: must be a dotted-quad IPv4 address/);
    expect(message).toMatch(/MURMUR_NODE_SYNC: must be normal or full \(got "sometimes"\)/);
    expect(message).toMatch(/MURMUR_NODE_RATE_LIMIT: must be true or false/);
    expect(message).toMatch(/config.json logLevel: must be one of fatal, error/);
    expect(message).toMatch(/config.json colour: unknown setting/);
    expect(message).toMatch(/config.json dataDir: not allowed in the file/);
  });

  it('reads the connection-layer settings and refuses values they cannot take', () => {
    const defaults = resolveConfig({ flags: { 'data-dir': dir }, env: {} }).config;
    expect({
      backlog: defaults.listenBacklog,
      handshakes: defaults.maxPendingHandshakes,
      timeout: defaults.handshakeTimeout,
    }).toEqual({ backlog: 511, handshakes: 256, timeout: 10_000 });
    const { config } = resolveConfig({
      flags: { 'data-dir': dir, 'listen-backlog': '64', 'max-pending-handshakes': '32' },
      env: { MURMUR_NODE_HANDSHAKE_TIMEOUT: '3000' },
    });
    expect({
      backlog: config.listenBacklog,
      handshakes: config.maxPendingHandshakes,
      timeout: config.handshakeTimeout,
    }).toEqual({ backlog: 64, handshakes: 32, timeout: 3_000 });
    let error: unknown;
    try {
      resolveConfig({
        flags: { 'data-dir': dir, 'listen-backlog': '0', 'max-pending-handshakes': 'many' },
        env: {},
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/--listen-backlog: /);
    expect((error as Error).message).toMatch(/--max-pending-handshakes: /);
  });

  it('refuses a config file that is not a JSON object', () => {
    writeFileSync(join(dir, 'config.json'), '[1, 2]');
    expect(() => resolveConfig({ flags: { 'data-dir': dir } })).toThrow(/must hold a JSON object/);
    writeFileSync(join(dir, 'config.json'), '{ nope');
    expect(() => resolveConfig({ flags: { 'data-dir': dir } })).toThrow(/not valid JSON/);
  });

  it('defaults the data directory under the home directory', () => {
    expect(defaultDataDir('/home/op')).toBe('/home/op/.murmur-node');
    const home = mkdtempSync(join(tmpdir(), 'murmur-home-'));
    try {
      expect(resolveConfig({ home }).config.dataDir).toBe(join(home, '.murmur-node'));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('writes a config file that reads back', () => {
    writeConfigFile(dir, { port: 4444, ledgerUrl: 'http://127.0.0.1:7070' });
    const { config } = resolveConfig({ flags: { 'data-dir': dir } });
    expect(config.port).toBe(4444);
    expect(config.ledgerUrl).toBe('http://127.0.0.1:7070');
    expect(() => writeConfigFile(dir, { port: -1 })).toThrow(ConfigError);
  });

  it('never overwrites a config file', () => {
    const path = writeConfigFile(dir, { port: 4444 });
    const before = readFileSync(path, 'utf8');
    expect(() => writeConfigFile(dir, { port: 5555 })).toThrow(
      `${path} already exists; refusing to overwrite a config file`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@murmur/wire/program';
import { afterEach, describe, expect, it } from 'vitest';
import { devnetDirWith, fakeManifest, fakeState, key } from '../test-support/devnet.js';
import {
  buildDevnetFile,
  devnetFilePath,
  parseDevnetFile,
  readDevnetFile,
  refreshDevnetFile,
  writeDevnetFile,
} from './devnet-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('devnet.json', () => {
  const manifest = fakeManifest(12);
  const state = fakeState(manifest, 6);
  const now = new Date('2026-11-26T16:00:00.000Z');

  it('describes the seed endpoint, the ledger, every node and the swarms', () => {
    const file = buildDevnetFile({ dir: '/d', manifest, state, now });
    expect(file).toMatchObject({
      version: 1,
      dir: '/d',
      chainId: 'murmur-devnet-test',
      ledger: { url: 'http://127.0.0.1:22100', feedUrl: 'ws://127.0.0.1:22100/feed' },
      seed: { url: 'http://127.0.0.1:22100/json_rpc' },
      logsDir: '/d/logs',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    expect(file.nodes).toHaveLength(12);
    expect(file.nodes[2]).toEqual({
      name: 'node-03',
      index: 3,
      ed25519: key(3),
      x25519: key(103),
      ip: '127.0.3.1',
      storagePort: 22_105,
      relayPort: 22_106,
      url: 'https://127.0.3.1:22105',
      swarm: '0000000000000000',
      status: 'active',
      stake: '100',
      pooled: true,
      contributors: 2,
      operator: key(200),
      logFile: '/d/logs/node-03.log',
      dataDir: '/d/nodes/node-03',
      relay: {
        name: 'node-03/relay',
        url: 'ws://127.0.3.1:22106/',
        logFile: '/d/logs/node-03-relay.log',
      },
    });
    expect(file.swarms.map((swarm) => [swarm.id, swarm.names.length])).toEqual([
      ['0000000000000000', 6],
      ['7fffffffffffffff', 6],
    ]);
    expect(file.swarms[1]?.names[0]).toBe('node-07');
  });

  it('marks nodes without a registry record and members it did not start', () => {
    const partial = { ...state, nodes: state.nodes.slice(1) };
    partial.swarms = [{ id: '0000000000000000', members: [key(2), key(99)] }];
    const file = buildDevnetFile({ dir: '/d', manifest, state: partial, now });
    expect(file.nodes[0]).toMatchObject({ swarm: null, status: null, stake: null, pooled: false });
    expect(file.swarms[0]?.names).toEqual(['node-02', '(external)']);
    const noState = buildDevnetFile({ dir: '/d', manifest, now });
    expect(noState.swarms).toEqual([]);
    expect(noState.chainId).toBe('murmur-devnet-test');
  });

  it('is written atomically, read back and checked', () => {
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    expect(readDevnetFile(dir)).toBeUndefined();
    const file = buildDevnetFile({ dir, manifest, state, now });
    writeDevnetFile(dir, file);
    expect(readDevnetFile(dir)).toEqual(file);
    writeFileSync(devnetFilePath(dir), '{"version":1}');
    expect(() => readDevnetFile(dir)).toThrow(/seed\.url is missing/);
    expect(() => parseDevnetFile('nope')).toThrow(/not JSON/);
    const broken = JSON.parse(JSON.stringify(file)) as { nodes: { ed25519: string }[] };
    (broken.nodes[4] as { ed25519: string }).ed25519 = 'xyz';
    expect(() => parseDevnetFile(JSON.stringify(broken))).toThrow(/nodes\[4\] is not a node/);
  });

  it('refuses a bad file with a ConfigError naming the file and the field, and leaves it alone', () => {
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    const file = buildDevnetFile({ dir, manifest, state, now });
    const broken = JSON.parse(JSON.stringify(file)) as { nodes: { storagePort: unknown }[] };
    (broken.nodes[1] as { storagePort: unknown }).storagePort = '22021';
    const text = JSON.stringify(broken);
    writeFileSync(devnetFilePath(dir), text);
    let caught: unknown;
    try {
      readDevnetFile(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('CONFIG_INVALID');
    expect((caught as ConfigError).message).toContain(devnetFilePath(dir));
    expect((caught as ConfigError).message).toMatch(
      /nodes\[1\] is not a node .*`nodes\[1\]\.storagePort`/,
    );
    expect((caught as ConfigError).details).toEqual({ field: 'nodes[1].storagePort' });
    expect(readFileSync(devnetFilePath(dir), 'utf8')).toBe(text);
    expect(() => parseDevnetFile('[1]')).toThrow(/not a version 1 devnet file/);
    expect(() => parseDevnetFile('{"version":2}')).toThrow(/not a version 1 devnet file/);
    const noSwarms = { ...file, swarms: {} };
    expect(() => parseDevnetFile(JSON.stringify(noSwarms))).toThrow(/swarms is not a list/);
  });

  it('keeps createdAt when it is rewritten', () => {
    const dir = devnetDirWith(manifest);
    dirs.push(dir);
    refreshDevnetFile(dir, manifest, state, now);
    const later = new Date('2026-11-26T17:00:00.000Z');
    refreshDevnetFile(dir, manifest, state, later);
    const json = JSON.parse(readFileSync(join(dir, 'devnet.json'), 'utf8')) as {
      createdAt: string;
      updatedAt: string;
    };
    expect(json.createdAt).toBe(now.toISOString());
    expect(json.updatedAt).toBe(later.toISOString());
    expect(refreshDevnetFile(dir, undefined, state)).toBeUndefined();
  });
});

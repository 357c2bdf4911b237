import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  nodeName,
  parseManifest,
  readManifest,
  type TestnetManifest,
  testnetLayout,
  writeManifest,
} from './manifest.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'testnet-manifest-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Mutable = { version: unknown; ledgerPort: unknown; nodes: { ed25519?: unknown }[] };

const manifest: TestnetManifest = {
  version: 1,
  host: '127.0.0.1',
  ledgerPort: 7070,
  basePort: 0,
  distinctAddresses: true,
  pooledEvery: 3,
  chainId: 'murmur-devnet-0badf00d',
  blockTimeMs: 250,
  logLevel: 'info',
  nodeArgs: [],
  ledgerArgs: ['--max-mempool', '500'],
  nodes: [
    {
      name: 'node-01',
      index: 1,
      host: '127.0.1.1',
      storagePort: 7071,
      relayPort: 7072,
      ed25519: 'a'.repeat(64),
      x25519: 'b'.repeat(64),
      pooled: false,
    },
  ],
};

describe('manifest', () => {
  it('round-trips', () => {
    expect(readManifest(dir)).toBeUndefined();
    writeManifest(dir, manifest);
    expect(readManifest(dir)).toEqual(manifest);
  });

  it('round-trips an EVM ledger and refuses a bad contract address', () => {
    const evm: TestnetManifest = {
      ...manifest,
      ledger: 'evm',
      evm: {
        chainId: 31_337,
        token: `0x${'1'.repeat(40)}`,
        staking: `0x${'2'.repeat(40)}`,
        deploymentBlock: '2',
      },
    };
    writeManifest(dir, evm);
    expect(readManifest(dir)).toEqual(evm);
    const bad = JSON.parse(JSON.stringify(evm)) as { evm: { staking: string } };
    bad.evm.staking = 'nowhere';
    expect(() => parseManifest(JSON.stringify(bad))).toThrow(/staking/);
  });

  it('names what is wrong', () => {
    const bad = (change: (value: Mutable) => void) => {
      const value = JSON.parse(JSON.stringify(manifest)) as Mutable;
      change(value);
      return () => parseManifest(JSON.stringify(value));
    };
    expect(bad((value) => (value.version = 2))).toThrow(/version 1/);
    expect(bad((value) => (value.ledgerPort = 0))).toThrow(/ledgerPort/);
    expect(
      bad((value) => {
        (value.nodes[0] as { ed25519?: unknown }).ed25519 = 'xyz';
      }),
    ).toThrow(/nodes\[0\]\.ed25519/);
    expect(
      bad((value) => {
        value.nodes = [...value.nodes, ...value.nodes];
      }),
    ).toThrow(/differ/);
    expect(() => parseManifest('nope')).toThrow(/not JSON/);
  });

  it('refuses a bad file as an InvalidInputError naming the file and the field, and leaves it alone', () => {
    const value = JSON.parse(JSON.stringify(manifest)) as Mutable;
    (value.nodes[0] as { relayPort: unknown }).relayPort = 70_000;
    const text = JSON.stringify(value);
    writeFileSync(testnetLayout(dir).manifest, text);
    let caught: unknown;
    try {
      readManifest(dir);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).code).toBe('INVALID_INPUT');
    expect((caught as InvalidInputError).message).toBe(
      `${testnetLayout(dir).manifest}: \`nodes[0].relayPort\` must be a port (1-65535)`,
    );
    expect((caught as InvalidInputError).details).toEqual({ field: 'nodes[0].relayPort' });
    expect(readFileSync(testnetLayout(dir).manifest, 'utf8')).toBe(text);
  });
});

describe('layout and names', () => {
  it('puts everything under the directory', () => {
    const layout = testnetLayout('/t');
    expect(layout.nodeDir('node-01')).toBe('/t/nodes/node-01');
    expect(layout.logFile('ledger')).toBe('/t/logs/ledger.log');
    expect(layout.contributorWallet('node-03', 2)).toBe('/t/wallets/node-03-contributor-2.json');
  });

  it('pads node names to two digits', () => {
    expect(nodeName(1)).toBe('node-01');
    expect(nodeName(42)).toBe('node-42');
    expect(nodeName(100)).toBe('node-100');
  });
});

import { describe, expect, it } from 'vitest';
import {
  childEnvironment,
  choosePorts,
  errorText,
  ledgerUrlOf,
  nodeHostOf,
  nodeUrl,
  withSignal,
} from './context.js';
import type { TestnetManifest } from './manifest.js';

function manifest(fields: Partial<TestnetManifest> = {}): TestnetManifest {
  return {
    version: 1,
    host: '127.0.0.1',
    ledgerPort: 20_000,
    basePort: 0,
    distinctAddresses: false,
    pooledEvery: 3,
    blockTimeMs: 1_000,
    logLevel: 'info',
    nodeArgs: [],
    ledgerArgs: [],
    nodes: [],
    ...fields,
  };
}

describe('childEnvironment', () => {
  it("passes this process's environment on without NODE_OPTIONS, plus the extra variables", () => {
    const env = childEnvironment(
      { MURMUR_EXTRA: '1', PATH: '/override' },
      { PATH: '/bin', NODE_OPTIONS: '--import=hooks', HOME: '/home/x' },
    );
    expect(env).toEqual({ PATH: '/override', HOME: '/home/x', MURMUR_EXTRA: '1' });
  });
});

describe('the small helpers', () => {
  it('gives a signal option only when there is a signal', () => {
    const signal = new AbortController().signal;
    expect(withSignal(undefined)).toEqual({});
    expect(withSignal(signal)).toEqual({ signal });
  });

  it('says what was thrown', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
  });

  it('builds the ledger URL (HTTP) and node URLs (HTTPS at the announced address)', () => {
    expect(ledgerUrlOf(manifest())).toBe('http://127.0.0.1:20000');
    expect(nodeUrl({ host: '127.0.2.1', storagePort: 20_003 })).toBe('https://127.0.2.1:20003');
    expect(nodeUrl({ host: '0.0.0.0', storagePort: 20_003 })).toMatch(
      /^https:\/\/127\.0\.0\.1:20003$/,
    );
  });

  it('puts each node on its own /24 only when the manifest says so', () => {
    expect(nodeHostOf({ manifest: manifest() }, 2)).toBe('127.0.0.1');
    expect(nodeHostOf({ manifest: manifest({ distinctAddresses: true }) }, 2)).toBe('127.0.2.1');
  });
});

describe('choosePorts', () => {
  it('follows the base port layout when there is a base port', async () => {
    expect(await choosePorts({ manifest: manifest({ basePort: 30_000 }) }, [1, 3])).toEqual([
      { storagePort: 30_001, relayPort: 30_002 },
      { storagePort: 30_005, relayPort: 30_006 },
    ]);
  });

  it('picks distinct free ports, none of them already in the manifest', async () => {
    const recorded = manifest({
      nodes: [
        {
          name: 'node-01',
          index: 1,
          host: '127.0.0.1',
          storagePort: 20_001,
          relayPort: 20_002,
          pooled: false,
        },
      ],
    });
    const ports = await choosePorts({ manifest: recorded }, [2, 3, 4]);
    const all = ports.flatMap((entry) => [entry.storagePort, entry.relayPort]);
    expect(all).toHaveLength(6);
    expect(new Set(all).size).toBe(6);
    for (const port of all) expect([20_000, 20_001, 20_002]).not.toContain(port);
  });
});

/**
 * Fixtures for the launcher's unit tests: a devnet directory with a testnet manifest (no
 * process behind it), the registry state that goes with it, a capturing terminal, and a fake
 * `Testnet` for `runUp`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateResponse } from '@murmur/registry/ledger-http';
import type { TerminalOutput } from '@murmur/terminal';
import type { Testnet, TestnetManifest } from '@murmur/testnet';

/** A 64-hex key made of one repeated hex digit pair. */
export function key(byte: number): string {
  return byte.toString(16).padStart(2, '0').repeat(32);
}

/** A manifest of `count` nodes on 127.0.i.1 (keys `key(i)` and `key(100 + i)`). */
export function fakeManifest(count: number, ledgerPort = 22_100): TestnetManifest {
  return {
    version: 1,
    host: '127.0.0.1',
    ledgerPort,
    basePort: ledgerPort,
    distinctAddresses: true,
    pooledEvery: 3,
    chainId: 'murmur-devnet-test',
    blockTimeMs: 1_000,
    logLevel: 'info',
    nodeArgs: [],
    ledgerArgs: [],
    nodes: Array.from({ length: count }, (_unused, i) => ({
      name: `node-${String(i + 1).padStart(2, '0')}`,
      index: i + 1,
      host: `127.0.${i + 1}.1`,
      storagePort: ledgerPort + 1 + 2 * i,
      relayPort: ledgerPort + 2 + 2 * i,
      ed25519: key(i + 1),
      x25519: key(100 + i + 1),
      pooled: (i + 1) % 3 === 0,
    })),
  };
}

/** The registry state of `manifest`: every node active, split into swarms of `perSwarm`. */
export function fakeState(manifest: TestnetManifest, perSwarm = 10, height = 12): StateResponse {
  const swarmIds = ['0000000000000000', '7fffffffffffffff', '3fffffffffffffff'];
  const swarmOf = (index: number) => swarmIds[Math.floor(index / perSwarm)] ?? swarmIds[0];
  const nodes = manifest.nodes.map((node, index) => ({
    ed25519: node.ed25519 as string,
    x25519: node.x25519 as string,
    operator: key(200),
    status: 'active' as const,
    ip: node.host,
    storagePort: node.storagePort,
    relayPort: node.relayPort,
    swarmId: swarmOf(index) as string,
    stake: '100000000000',
    feeBasisPoints: 0,
    contributors: node.pooled
      ? [
          { address: key(200), amount: '50000000000', reserved: '0' },
          { address: key(201), amount: '50000000000', reserved: '0' },
        ]
      : [{ address: key(200), amount: '100000000000', reserved: '0' }],
    registrationHeight: 1,
    activationHeight: 2,
    requestedUnlockHeight: 0,
    lastRewardHeight: 2,
    decommissionHeight: 0,
    credit: 10,
  }));
  const swarms = new Map<string, string[]>();
  nodes.forEach((node) => {
    swarms.set(node.swarmId, [...(swarms.get(node.swarmId) ?? []), node.ed25519]);
  });
  return {
    chainId: manifest.chainId as string,
    height,
    hash: key(250),
    timestamp: 1_795_000_000_000,
    nodes,
    swarms: [...swarms].map(([id, members]) => ({ id, members })),
    wallets: [],
  };
}

/** A temporary directory holding `manifest` as its testnet.json. */
export function devnetDirWith(manifest: TestnetManifest | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-devnet-unit-'));
  if (manifest !== undefined) {
    writeFileSync(join(dir, 'testnet.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  return dir;
}

/** A terminal that keeps what is written. */
export function captureTerminal(isTTY = false, columns = 100): TerminalOutput & { text: string } {
  const output = {
    text: '',
    isTTY,
    columns,
    write(text: string) {
      output.text += text;
    },
  };
  return output;
}

/** A fake running testnet over `dir` and `manifest` (only what `runUp` uses). */
export function fakeTestnet(
  dir: string,
  manifest: TestnetManifest,
  state: StateResponse,
  calls: string[] = [],
): Testnet {
  const fake = {
    dir,
    ledgerUrl: `http://127.0.0.1:${manifest.ledgerPort}`,
    seedUrl: `http://127.0.0.1:${manifest.ledgerPort}/json_rpc`,
    chainId: manifest.chainId,
    blockTimeMs: manifest.blockTimeMs,
    timings: {},
    nodes: [],
    async state() {
      calls.push('state');
      return state;
    },
    async stop() {
      calls.push('stop');
    },
    async waitForHeight(height: number) {
      calls.push(`waitForHeight ${height}`);
      return height;
    },
    async addNode() {
      calls.push('addNode');
      const index = manifest.nodes.length + 1;
      const node = {
        name: `node-${String(index).padStart(2, '0')}`,
        index,
        host: `127.0.${index}.1`,
        storagePort: manifest.ledgerPort + 2 * index - 1,
        relayPort: manifest.ledgerPort + 2 * index,
        ed25519: key(index),
        x25519: key(100 + index),
        pooled: false,
      };
      manifest.nodes.push(node);
      writeFileSync(join(dir, 'testnet.json'), JSON.stringify(manifest));
      return node;
    },
  };
  return fake as unknown as Testnet;
}

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATOMIC_UNITS_PER_COIN as COIN, devnetParams, getNode } from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';
import { resolveConfig } from './config.js';
import { createKeyFile } from './keys.js';
import { type RunningNode, startNode, versionTuple } from './server.js';
import { seedOf, testCrypto } from './test-support/harness.js';
import { serveTestLedger, type TestLedger } from './test-support/http-ledger.js';
import { httpsFetch } from './test-support/https.js';

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    env: {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe('a node following a ledger', () => {
  it('registers, becomes ready in its swarm, and announces its address in uptime proofs', async () => {
    const crypto = await testCrypto();
    const dir = mkdtempSync(join(tmpdir(), 'murmur-server-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const operator = crypto.ed25519KeyPairFromSeed(seedOf(60));
    const ledger: TestLedger = await serveTestLedger(
      {
        chainId: 'server-test',
        params: devnetParams,
        timestamp: Date.now() - 1_000,
        authority: '00'.repeat(32),
        allocations: [{ address: bytesToHex(operator.publicKey), amount: 500n * COIN }],
      },
      crypto,
    );
    cleanups.push(() => ledger.close());
    const producer = setInterval(() => ledger.produce(), 100);
    cleanups.push(() => clearInterval(producer));

    const keys = createKeyFile(crypto, dir);
    const walletPath = join(dir, 'wallet.json');
    writeFileSync(
      walletPath,
      JSON.stringify({ type: 'murmur-wallet', version: 1, seed: bytesToHex(seedOf(60)) }),
      { mode: 0o600 },
    );
    chmodSync(walletPath, 0o600);
    const registered = await cli([
      'register',
      '--data-dir',
      dir,
      '--wallet',
      walletPath,
      '--operator-stake',
      '100',
      '--ledger-url',
      ledger.url,
      '--submit',
    ]);
    expect(registered.stderr).toBe('');
    expect(registered.stdout).toMatch(/^accepted: registration [0-9a-f]{64}/);
    // Submitting it again is refused with the ledger's reason.
    await vi.waitFor(() => expect(getNode(ledger.ledger.state, keys.ed25519Hex)).toBeDefined(), {
      timeout: 30_000,
    });
    const again = await cli([
      'register',
      '--data-dir',
      dir,
      '--wallet',
      walletPath,
      '--operator-stake',
      '100',
      '--ledger-url',
      ledger.url,
      '--submit',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/rejected \(already-registered\)/);

    const { config } = resolveConfig({
      flags: {
        'data-dir': dir,
        'ledger-url': ledger.url,
        listen: '127.0.0.1',
        port: '0',
        'public-ip': '127.0.0.1',
        'relay-port': '23001',
      },
      env: {},
    });
    const node: RunningNode = await startNode(config, {
      logger: pino({ level: 'silent' }),
      crypto,
    });
    cleanups.push(() => node.close());
    await vi.waitFor(
      async () => {
        const health = await httpsFetch(`https://127.0.0.1:${node.port}/health`);
        expect(health.status).toBe(200);
      },
      { timeout: 30_000, interval: 50 },
    );
    await vi.waitFor(
      () =>
        expect(getNode(ledger.ledger.state, keys.ed25519Hex)).toMatchObject({
          ip: '127.0.0.1',
          storagePort: node.port,
          relayPort: 23_001,
        }),
      { timeout: 30_000, interval: 50 },
    );
    const status = await cli(['status', '--data-dir', dir, '--port', String(node.port)]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/status {4}ready/);
    // get_swarm now lists this node at its announced address.
    const alice = crypto.generateIdentity();
    await vi.waitFor(
      async () => {
        const response = await httpsFetch(`https://127.0.0.1:${node.port}/storage_rpc/v1`, {
          method: 'POST',
          body: JSON.stringify({ method: 'get_swarm', params: { pubkey: alice.sessionId } }),
        });
        const body = (await response.json()) as {
          snodes: { pubkey_ed25519: string; port: string }[];
        };
        expect(body.snodes).toEqual([
          expect.objectContaining({ pubkey_ed25519: keys.ed25519Hex, port: String(node.port) }),
        ]);
      },
      { timeout: 30_000, interval: 50 },
    );
    await node.close();
  }, 120_000);

  it('turns a package version into the proof version tuple', () => {
    expect(versionTuple('1.2.3')).toEqual([1, 2, 3]);
    expect(versionTuple('0.1.0-beta.2')).toEqual([0, 1, 0]);
    expect(versionTuple('weird')).toEqual([0, 0, 0]);
  });
});

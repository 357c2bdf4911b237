/**
 * murmur-node on an EVM ledger: `register --chain` stakes through Murmur's contract on a real
 * anvil, and `start --chain` follows it: the node finds itself active in a swarm at the address
 * it registered, as it does on the devnet ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevChain, startDevChain } from '@murmur/contracts/dev-chain';
import type { MurmurCrypto } from '@murmur/crypto';
import { createEvmWalletFile } from '@murmur/registry/evm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';
import { resolveConfig } from './config.js';
import { loadKeyFile } from './keys.js';
import { startNode } from './server.js';
import { testCrypto } from './test-support/harness.js';
import { httpsFetch } from './test-support/https.js';

const COIN = 1_000_000_000n;
let chain: DevChain;
let crypto: MurmurCrypto;
let dir: string;
let contract: `0x${string}`;
let deploymentBlock: bigint;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

beforeAll(async () => {
  crypto = await testCrypto();
  dir = mkdtempSync(join(tmpdir(), 'murmur-chain-'));
  chain = await startDevChain();
  contract = chain.staking;
  deploymentBlock = chain.deploymentBlock;
  const wallet = createEvmWalletFile(join(dir, 'operator-key.json'));
  await chain.fund(wallet.address, 1_000n * COIN);
});

afterAll(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('murmur-node on an EVM ledger', () => {
  it('registers through the contract, then starts and finds itself active at its address', async () => {
    const dataDir = join(dir, 'node');
    expect((await cli(['init', '--data-dir', dataDir])).code).toBe(0);
    const keys = loadKeyFile(crypto, dataDir);
    const port = await freePort();
    const common = ['--data-dir', dataDir, '--chain', chain.url, '--contract', contract];
    const registered = await cli([
      'register',
      ...common,
      '--wallet-key',
      join(dir, 'operator-key.json'),
      '--operator-stake',
      '100',
      '--fee',
      '500',
      '--public-ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--relay-port',
      '23001',
    ]);
    expect(registered.stderr).toBe('');
    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain(`registered node ${keys.ed25519Hex} as id 1`);
    expect(registered.stdout).toContain('active: the operator staked the whole requirement');

    const again = await cli([
      'register',
      ...common,
      '--wallet-key',
      join(dir, 'operator-key.json'),
      '--operator-stake',
      '100',
      '--public-ip',
      '127.0.0.1',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refused by the contract: Ed25519KeyAlreadyRegistered\(1\)/);
    const missing = await cli(['register', ...common, '--operator-stake', '100']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--wallet-key <file> is required/);

    const { config } = resolveConfig({
      flags: {
        'data-dir': dataDir,
        chain: chain.url,
        contract,
        'deployment-block': String(deploymentBlock),
        confirmations: '0',
        listen: '127.0.0.1',
        port: String(port),
        'relay-port': '23001',
        devnet: true,
      },
      env: {},
    });
    const node = await startNode(config, { logger: pino({ level: 'silent' }), crypto });
    try {
      await vi.waitFor(() => expect(node.network.state().state).toBe('ready'), {
        timeout: 30_000,
        interval: 50,
      });
      expect(node.network.snapshot()?.node(keys.ed25519Hex)).toMatchObject({
        ip: '127.0.0.1',
        storagePort: port,
        relayPort: 23_001,
      });
      const health = await httpsFetch(`https://127.0.0.1:${node.port}/health`);
      expect(health.status).toBe(200);
    } finally {
      await node.close();
    }
  });
});

/**
 * Four murmur-node instances follow the staking contract on a real anvil and test each other's
 * uptime over HTTPS (`/quorum/v1/uptime`). One stops: the three others judge it failed, sign
 * the deregistration with their attestation keys (`/quorum/v1/deregister`), one of them submits
 * it, and every remaining node's view of the network drops it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { murmurStakingAbi } from '@murmur/contracts';
import { type DevChain, startDevChain } from '@murmur/contracts/dev-chain';
import type { MurmurCrypto } from '@murmur/crypto';
import { attestationAddress, createEvmWalletFile, registerNodeOnChain } from '@murmur/registry/evm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QUORUM_DEREGISTER_PATH, QUORUM_UPTIME_PATH } from './chain-quorum.js';
import { resolveConfig } from './config.js';
import { createKeyFile, type NodeKeys } from './keys.js';
import { type RunningNode, startNode } from './server.js';
import { testCrypto } from './test-support/harness.js';
import { httpsFetch } from './test-support/https.js';

const COIN = 1_000_000_000n;
let chain: DevChain;
let crypto: MurmurCrypto;
let dir: string;

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

beforeAll(async () => {
  crypto = await testCrypto();
  dir = mkdtempSync(join(tmpdir(), 'murmur-quorum-'));
  chain = await startDevChain();
});

afterAll(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('uptime quorum between murmur-node instances on an EVM ledger', () => {
  it('deregisters a node that stops, through the contract, on the others’ signatures', async () => {
    const operator = createEvmWalletFile(join(dir, 'operator-key.json'));
    const operatorKey = operator.privateKey;
    await chain.fund(operator.address, 1_000n * COIN);
    const nodes: { keys: NodeKeys; port: number; dataDir: string }[] = [];
    for (let index = 0; index < 4; index++) {
      const dataDir = join(dir, `node-${index}`);
      mkdirSync(dataDir, { mode: 0o700 });
      const keys = createKeyFile(crypto, dataDir);
      const port = await freePort();
      await registerNodeOnChain(
        { rpcUrl: chain.url, contract: chain.staking, privateKey: operatorKey },
        {
          node: keys.ed25519,
          operatorStake: 100n * COIN,
          feeBasisPoints: 0,
          ip: '127.0.0.1',
          storagePort: port,
          relayPort: port,
        },
        crypto,
      );
      // The attestation key submits deregistrations: it needs gas.
      await chain.fund(attestationAddress(keys.ed25519.secretKey.slice(0, 32), crypto), 0n);
      nodes.push({ keys, port, dataDir });
    }
    // Past the contract's minimum node age.
    await chain.advance(60);

    const running: RunningNode[] = [];
    try {
      for (const node of nodes) {
        const { config } = resolveConfig({
          flags: {
            'data-dir': node.dataDir,
            chain: chain.url,
            contract: chain.staking,
            'deployment-block': String(chain.deploymentBlock),
            confirmations: '0',
            listen: '127.0.0.1',
            port: String(node.port),
            devnet: true,
          },
          env: {},
        });
        running.push(
          await startNode(config, {
            logger: pino({ level: 'silent' }),
            crypto,
            // Short enough for a test, long enough that a loaded machine's slow answers are
            // not failures (with 1 s probes a healthy node was taken for failed under CI load).
            quorumTimings: {
              probeIntervalMs: 250,
              failAfterMs: 8_000,
              minFailures: 3,
              proposeStaggerMs: 500,
              probeTimeoutMs: 5_000,
            },
          }),
        );
      }
      for (const node of running) {
        await vi.waitFor(() => expect(node.network.snapshot()?.nodes).toHaveLength(4), {
          timeout: 60_000,
          interval: 50,
        });
      }

      // The routes answer with the node's signature, and refuse bad input clearly.
      const first = running[0] as RunningNode;
      const challenge = 'ab'.repeat(32);
      const answer = await httpsFetch(`https://127.0.0.1:${first.port}${QUORUM_UPTIME_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge }),
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ node: first.keys.ed25519Hex, challenge });
      const bad = await httpsFetch(`https://127.0.0.1:${first.port}${QUORUM_UPTIME_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge: 'nope' }),
      });
      expect(bad.status).toBe(400);
      const early = await httpsFetch(`https://127.0.0.1:${first.port}${QUORUM_DEREGISTER_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          nodeId: '2',
          ed25519: (running[1] as RunningNode).keys.ed25519Hex,
          reason: 1,
          timestamp: Math.floor(Date.now() / 1_000),
        }),
      });
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({ code: 'QUORUM_REFUSED', kind: 'not-failed' });

      // Node 3 stops; the three others remove it.
      const stopped = running.pop() as RunningNode;
      await stopped.close();
      for (const node of running) {
        await vi.waitFor(
          () => expect(node.network.snapshot()?.node(stopped.keys.ed25519Hex)).toBeUndefined(),
          // A hang guard only.
          { timeout: 120_000, interval: 100 },
        );
        expect(node.network.snapshot()?.nodes).toHaveLength(3);
      }
      const removed = await chain.client.getContractEvents({
        address: chain.staking,
        abi: murmurStakingAbi,
        eventName: 'NodeDeregistered',
        fromBlock: chain.deploymentBlock,
      });
      expect(removed).toHaveLength(1);
      expect(removed[0]?.args).toMatchObject({ id: 4n, signers: 3n });
    } finally {
      for (const node of running) await node.close();
    }
  });
});

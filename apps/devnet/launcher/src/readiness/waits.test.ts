import { join } from 'node:path';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { createUptimeProof } from '@murmur/registry';
import { loadNodeKeyFile } from '@murmur/registry/key-files';
import { NotFoundError } from '@murmur/wire';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Context } from '../context.js';
import { ProcessExitedError, TestnetTimeoutError } from '../errors.js';
import type { ManifestNode } from '../manifest.js';
import { spawnProcess } from '../processes/managed-process.js';
import { stakeNodes } from '../staking/stakes.js';
import { manifestNode, tempDir, testContext, writeNodeKeyFile } from '../test-support/context.js';
import {
  type MemoryLedgerClient,
  memoryLedgerClient,
} from '../test-support/memory-ledger-client.js';
import {
  waitForIncluded,
  waitForLedgerHeight,
  waitForNodes,
  waitForRegistrations,
} from './waits.js';

let crypto: MurmurCrypto;
let folder: ReturnType<typeof tempDir>;
let chain: MemoryLedgerClient;
let context: Context;
let nodes: ManifestNode[];
/** `GET /state` and `GET /health` calls; each one after the first makes a block. */
let looks: number;

beforeAll(async () => {
  crypto = await loadCrypto();
});
beforeEach(() => {
  folder = tempDir('testnet-waits');
  chain = memoryLedgerClient(crypto);
  looks = 0;
  const look = () => {
    if (looks++ > 0) chain.ledger.produceBlock();
  };
  const client = {
    ...chain.client,
    getState: (query?: { activeOnly?: boolean }) => {
      look();
      return chain.client.getState(query);
    },
    getHealth: () => {
      look();
      return chain.client.getHealth();
    },
  };
  context = testContext(folder.dir, crypto, client, { readyTimeoutMs: 10_000 });
  nodes = [1, 2].map((index) => {
    const node = manifestNode(index, {
      storagePort: 31_000 + 2 * index,
      relayPort: 31_001 + 2 * index,
    });
    writeNodeKeyFile(crypto, context.layout.nodeDir(node.name));
    node.ed25519 = loadNodeKeyFile(crypto, context.layout.nodeDir(node.name)).ed25519Hex;
    return node;
  });
});
afterEach(() => {
  folder.remove();
});

/** Funds and registers `nodes` (in the next blocks). */
async function stake(): Promise<void> {
  await stakeNodes({ ...context, client: chain.client }, nodes, chain.genesis, undefined);
}

describe('waitForRegistrations', () => {
  it('resolves once a block made every node active', async () => {
    await stake();
    await waitForRegistrations(context, nodes, undefined);
    const state = await chain.client.getState();
    expect(state.nodes.map((record) => record.status)).toEqual(['active', 'active']);
    expect(looks).toBeGreaterThanOrEqual(2);
  });

  it('times out naming the nodes no block made active and the ledger log', async () => {
    context.readyTimeoutMs = 200;
    const error = await waitForRegistrations(context, nodes, undefined).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TestnetTimeoutError);
    expect((error as Error).message).toContain(
      'no block made node-01, node-02 active within 200 ms',
    );
    expect((error as Error).message).toContain(context.layout.logFile('ledger'));
  });

  it('ends at once when the ledger this testnet started exits', async () => {
    const ledger = spawnProcess({
      name: 'ledger',
      args: ['-e', 'console.error("ledger.sqlite is locked"); process.exit(4)'],
      logFile: join(folder.dir, 'logs', 'ledger.log'),
      env: { ...process.env },
    });
    context.processes.set('ledger', ledger);
    context.readyTimeoutMs = 60_000;
    const error = await waitForRegistrations(context, nodes, undefined).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProcessExitedError);
    expect((error as Error).message).toContain(
      'ledger exited with code 4 while registrations were waiting',
    );
  });
});

describe('waitForIncluded and waitForLedgerHeight', () => {
  it('resolves the height of the block that carries a transaction', async () => {
    const result = await chain.client.requestFaucet('ab'.repeat(32), 5n);
    expect(result.accepted).toBe(true);
    const wait = waitForIncluded(context, result.id, {});
    chain.ledger.produceBlock();
    expect(await wait).toBe(1);
  });

  it('refuses a transaction the ledger never saw', async () => {
    await expect(waitForIncluded(context, 'cd'.repeat(32), {})).rejects.toThrow(NotFoundError);
  });

  it('resolves the height once the ledger reaches it, and times out saying where it stopped', async () => {
    expect(await waitForLedgerHeight(context, 3, {})).toBe(3);
    context.client = chain.client;
    const error = await waitForLedgerHeight(context, 99, { timeoutMs: 150 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TestnetTimeoutError);
    expect((error as Error).message).toContain(
      `the ledger did not reach height 99 (at ${chain.ledger.height})`,
    );
  });
});

describe('waitForNodes', () => {
  it('resolves when the nodes are active at their address in a swarm', async () => {
    await stake();
    await waitForRegistrations(context, nodes, undefined);
    for (const node of nodes) {
      const keys = loadNodeKeyFile(crypto, context.layout.nodeDir(node.name));
      const proof = createUptimeProof(
        {
          chainId: chain.genesis.chainId,
          ip: '127.0.0.1',
          storagePort: node.storagePort,
          relayPort: node.relayPort,
          version: [1, 0, 0],
          timestamp: Date.now(),
        },
        keys.ed25519,
        crypto,
      );
      expect((await chain.client.submitTransaction(proof)).accepted).toBe(true);
    }
    const steps: string[] = [];
    await waitForNodes(context, nodes, {
      active: true,
      healthy: false,
      timeoutMs: 10_000,
      tracker: {
        timings: {},
        start: (step) => steps.push(`start ${step}`),
        progress: () => undefined,
        done: (step) => steps.push(`done ${step}`),
        fail: () => undefined,
        running: () => false,
      },
    });
    expect(steps).toEqual(['start swarms', 'done swarms']);
    const state = await chain.client.getState();
    expect(state.nodes.every((record) => record.ip === '127.0.0.1')).toBe(true);
  });

  it('asks /health with the fetch given until every node is ready, and a ready node no more', async () => {
    const answers = new Map<string, (Response | Error)[]>([
      [
        String(nodes[0]?.storagePort),
        [
          new Response(JSON.stringify({ status: 'starting' }), { status: 503 }),
          new Response(JSON.stringify({ status: 'starting' }), { status: 503 }),
          new Response(JSON.stringify({ status: 'ready' }), { status: 200 }),
        ],
      ],
      [
        String(nodes[1]?.storagePort),
        [
          new Error('connect ECONNREFUSED'),
          new Error('connect ECONNREFUSED'),
          new Response(JSON.stringify({ status: 'starting' }), { status: 503 }),
          new Response(JSON.stringify({ status: 'ready' }), { status: 200 }),
        ],
      ],
    ]);
    const asked: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      asked.push(`${url.port}${url.pathname}`);
      const queue = answers.get(url.port) ?? [];
      const answer = queue.length > 1 ? queue.shift() : queue[0];
      if (answer instanceof Error || answer === undefined) throw answer ?? new Error('no answer');
      return answer.clone();
    }) as typeof fetch;
    await waitForNodes(context, nodes, {
      active: false,
      healthy: true,
      timeoutMs: 10_000,
      fetch: fakeFetch,
    });
    expect(asked.every((path) => path.endsWith('/health'))).toBe(true);
    // node-01: 503, 503, 200; node-02: refused twice, 503, 200. Ready nodes are not asked again.
    expect(asked.filter((path) => path.startsWith(String(nodes[0]?.storagePort)))).toHaveLength(3);
    expect(asked.filter((path) => path.startsWith(String(nodes[1]?.storagePort)))).toHaveLength(4);
  });

  it("times out with each node's problem and its log", async () => {
    const error = await waitForNodes(context, nodes, {
      active: true,
      healthy: true,
      timeoutMs: 300,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TestnetTimeoutError);
    const message = (error as Error).message;
    expect(message).toContain('nodes not active with a swarm and healthy within 300 ms');
    expect(message).toContain(`  node-01: registry: not in the registry; /health unreachable`);
    expect(message).toContain(`log: ${context.layout.logFile('node-02')}`);
  });
});

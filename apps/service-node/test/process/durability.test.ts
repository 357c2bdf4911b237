/**
 * Real processes, real SQLite, loopback: `node dist/cli.js start` with a static network file.
 * Stores messages with several in flight, kills the process with SIGKILL in the middle of the
 * stream, restarts it from the same data directory, and checks that every message the node
 * acknowledged (HTTP 200) is there. Also checks a graceful SIGTERM. Needs `dist/` (the package's
 * `test` script builds first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Identity, loadCrypto } from '@murmur/crypto';
import { bytesToHex } from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initLocalNode,
  type LocalNode,
  startLocalNode,
  writeLoneNetwork,
} from '../../src/local-node.js';

// The node serves HTTPS with a self-signed certificate: a fetch that does not check it.
const httpsFetch = createNodeFetch({ keepAlive: false });

let dir: string;
const nodes = new Set<LocalNode>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'murmur-process-'));
});

afterAll(async () => {
  await Promise.all([...nodes].map((node) => node.stop('SIGKILL')));
  httpsFetch.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `murmur-node init` in `dataDir` and a static network of that node alone. */
function init(dataDir: string): string {
  const { ed25519 } = initLocalNode({ dataDir });
  return writeLoneNetwork(join(dir, `${ed25519.slice(0, 8)}-network.json`), ed25519);
}

async function start(dataDir: string, network: string): Promise<LocalNode> {
  const node = await startLocalNode({
    dataDir,
    networkFile: network,
    args: ['--rate-limit', 'false'],
  });
  nodes.add(node);
  void node.exited.then(() => nodes.delete(node));
  return node;
}

async function rpc(port: number, method: string, params: unknown) {
  const response = await httpsFetch(`https://127.0.0.1:${port}/storage_rpc/v1`, {
    method: 'POST',
    body: JSON.stringify({ method, params }),
  });
  return { status: response.status, body: await response.text() };
}

async function retrieveAll(port: number, alice: Identity, sign: (ts: number) => string) {
  const hashes = new Set<string>();
  let lastHash = '';
  for (;;) {
    const timestamp = Date.now();
    const answer = await rpc(port, 'retrieve', {
      pubkey: alice.sessionId,
      pubkey_ed25519: bytesToHex(alice.ed25519.publicKey),
      timestamp,
      signature: sign(timestamp),
      last_hash: lastHash,
      max_count: 1000,
    });
    expect(answer.status, answer.body).toBe(200);
    const page = JSON.parse(answer.body) as { messages: { hash: string }[]; more: boolean };
    for (const message of page.messages) hashes.add(message.hash);
    if (!page.more || page.messages.length === 0) return hashes;
    lastHash = page.messages[page.messages.length - 1]?.hash ?? '';
  }
}

describe('murmur-node as a real process', () => {
  it('loses no acknowledged message when killed with SIGKILL mid-stream, and restarts from its files', async () => {
    const crypto = await loadCrypto();
    const dataDir = join(dir, 'node-a');
    const network = init(dataDir);
    const alice = crypto.generateIdentity();
    const sign = (timestamp: number) =>
      crypto.signRequest('retrieve', { namespace: 0, timestamp }, alice.ed25519.secretKey);

    const first = await start(dataDir, network);
    // The bundled CLI finds the native addon (a silent fall back to WebAssembly is 2-5x slower).
    expect(first.log()).toMatch(/"crypto":"native"/);
    const acknowledged: string[] = [];
    let counter = 0;
    let killed = false;
    const writer = async () => {
      while (!killed) {
        counter += 1;
        const data = Buffer.from(`message ${counter} ${'x'.repeat(200)}`).toString('base64');
        try {
          const answer = await rpc(first.port, 'store', {
            pubkey: alice.sessionId,
            timestamp: Date.now(),
            ttl: 3_600_000,
            data,
          });
          if (answer.status === 200)
            acknowledged.push((JSON.parse(answer.body) as { hash: string }).hash);
        } catch {
          // The connection died with the process: not acknowledged.
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    // Kill once a good number of messages are acknowledged, while requests are in flight.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (acknowledged.length >= 300) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const exit = await first.stop('SIGKILL');
    killed = true;
    await Promise.all(writers);
    expect(exit.signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    const second = await start(dataDir, network);
    const stored = await retrieveAll(second.port, alice, sign);
    const missing = acknowledged.filter((hash) => !stored.has(hash));
    expect(missing).toEqual([]);
    // Nothing unacknowledged appears twice or out of nowhere: every stored hash was sent.
    expect(stored.size).toBeLessThanOrEqual(counter);

    // A graceful stop: SIGTERM, exit code 0, the database closed cleanly.
    const graceful = await second.stop('SIGTERM');
    expect(graceful.code, second.log()).toBe(0);
    expect(second.log()).toMatch(/murmur-node stopped/);
  }, 60_000);

  it('answers bad requests without crashing and keeps serving', async () => {
    const dataDir = join(dir, 'node-b');
    const network = init(dataDir);
    const node = await start(dataDir, network);
    try {
      const bad = [
        'not json',
        '{"method":"store","params":{"pubkey":"05zz"}}',
        JSON.stringify({ method: 'batch', params: { requests: [] } }),
      ];
      for (const body of bad) {
        const response = await httpsFetch(`https://127.0.0.1:${node.port}/storage_rpc/v1`, {
          method: 'POST',
          body,
        });
        expect(response.status).toBe(400);
      }
      const onion = await httpsFetch(`https://127.0.0.1:${node.port}/onion_req/v2`, {
        method: 'POST',
        body: new Uint8Array([1, 2, 3]),
      });
      expect(onion.status).toBe(400);
      const health = await httpsFetch(`https://127.0.0.1:${node.port}/health`);
      expect(health.status).toBe(200);
      const metrics = await (await httpsFetch(`https://127.0.0.1:${node.port}/metrics`)).text();
      expect(metrics).toMatch(/process_cpu_user_seconds_total/);
      expect(metrics).toMatch(/murmur_onion_requests_total\{role="invalid",status="400"\} 1/);
    } finally {
      await node.stop();
    }
  }, 30_000);
});

/**
 * Uptime proofs under greedy clients (issue 10, finding 1: a node that built huge answers on its
 * event loop missed its proofs and lost its stake). A real `murmur-node` process, registered on
 * a real ledger served over HTTP (`serveTestLedger`), serves greedy clients (unsigned
 * 20-retrieve batches of the largest messages, from many addresses and connections at once)
 * while its proof timer keeps sending proofs. The ledger judges: no `proof-missed` event (a gap
 * longer than the proof validity), never decommissioned, and proofs accepted during the load. The greedy requests really ran (answers counted).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ATOMIC_UNITS_PER_COIN as COIN,
  createRegistration,
  devnetParams,
  getNode,
  nodeHistory,
} from '@murmur/registry';
import { bytesToHex } from '@murmur/wire';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadKeyFile } from './keys.js';
import { initLocalNode, type LocalNode, startLocalNode } from './local-node.js';
import { seedOf, testCrypto } from './test-support/harness.js';
import { serveTestLedger, type TestLedger } from './test-support/http-ledger.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Proof timing of the test chain: a proof every 2 s, valid 6 s (3 intervals of slack). */
const INTERVAL_MS = 2_000;
const VALIDITY_MS = 6_000;
/** How long the greedy clients load the node at least. */
const LOAD_MS = 12_000;
/**
 * How much they must have been answered before they stop (the load was real): the load lasts
 * until both this and `LOAD_MS` are reached, so a busy machine gets a longer load, not a failure.
 */
const LOAD_BYTES = 50 * 2 ** 20;
/** Hang guard of the load phase. */
const LOAD_MAX_MS = 60_000;
/** The ledger events of a node whose proofs lapsed. */
const LAPSES = new Set(['proof-missed', 'decommissioned', 'deregistered']);

interface Answer {
  status: number;
  bytes: number;
}

function post(port: number, body: string, agent: Agent, localAddress?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/storage_rpc/v1',
        method: 'POST',
        agent,
        localAddress,
        headers: { 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', () => resolve({ status: -1, bytes }));
      },
    );
    req.on('error', () => resolve({ status: -1, bytes: 0 }));
    req.end(body);
  });
}

/** The accepted proofs of `node` in the ledger's blocks: their block timestamps, in order. */
function proofTimes(ledger: TestLedger, node: string): number[] {
  const times: number[] = [];
  for (const block of ledger.ledger.blocks) {
    for (const tx of block.transactions) {
      if (tx.type === 'uptime-proof' && tx.node === node) times.push(block.timestamp);
    }
  }
  return times;
}

describe('uptime proofs under greedy clients', () => {
  it('a registered node keeps proving its uptime while it serves large batches from many addresses', async () => {
    const crypto = await testCrypto();
    const dir = mkdtempSync(join(tmpdir(), 'murmur-uptime-load-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const operator = crypto.ed25519KeyPairFromSeed(seedOf(61));
    const params = {
      ...devnetParams,
      uptimeProofIntervalMs: INTERVAL_MS,
      uptimeProofValidityMs: VALIDITY_MS,
      uptimeProofMinGapMs: 1_000,
    };
    const ledger = await serveTestLedger(
      {
        chainId: 'uptime-load',
        params,
        timestamp: Date.now() - 1_000,
        authority: '00'.repeat(32),
        allocations: [{ address: bytesToHex(operator.publicKey), amount: 500n * COIN }],
      },
      crypto,
    );
    cleanups.push(() => ledger.close());
    const producer = setInterval(() => ledger.produce(), 100);
    cleanups.push(() => clearInterval(producer));

    const { dataDir, ed25519 } = initLocalNode({ dataDir: join(dir, 'node') });
    const keys = loadKeyFile(crypto, dataDir);
    const registered = ledger.ledger.submit(
      createRegistration(
        {
          chainId: 'uptime-load',
          feeBasisPoints: 0,
          operatorStake: params.stakingRequirement,
          nonce: 1,
        },
        { node: keys.ed25519, operator },
        crypto,
      ),
    );
    expect(registered).toMatchObject({ accepted: true });

    const node: LocalNode = await startLocalNode({
      dataDir,
      plainHttp: true,
      args: ['--ledger-url', ledger.url, '--public-ip', '127.0.0.1', '--relay-port', '23002'],
    });
    cleanups.push(() => node.stop('SIGKILL'));
    // Active once its first proof gave the ledger its address. The ledger activated it at
    // registration: if a busy machine made the start-up longer than the validity, it missed its
    // first proof and was decommissioned, then recommissioned by that proof. What is tested is
    // the load, so only the history from here on counts.
    await vi.waitFor(
      () =>
        expect(getNode(ledger.ledger.state, ed25519)).toMatchObject({
          ip: '127.0.0.1',
          status: 'active',
        }),
      { timeout: 30_000, interval: 100 },
    );
    const historyBefore = nodeHistory(ledger.ledger.state, ed25519).length;

    // 104 of the largest messages in one account's public namespace (unsigned stores).
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    cleanups.push(() => agent.destroy());
    const account = crypto.generateIdentity();
    const data = Buffer.alloc(76_800, 7);
    // The node sheds with 503 when the machine is loaded (its job): a setup store is asked
    // again then, and any other answer fails the test at once.
    const storeLarge = async (index: number) => {
      data.writeUInt32BE(index, 0);
      let stored = { status: 503 };
      for (let attempt = 0; stored.status === 503 && attempt < 100; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        stored = await post(
          node.port,
          JSON.stringify({
            method: 'store',
            params: {
              pubkey: account.sessionId,
              namespace: -10,
              timestamp: Date.now(),
              ttl: 3_600_000,
              data: data.toString('base64'),
            },
          }),
          agent,
        );
      }
      expect(stored.status).toBe(200);
    };
    await vi.waitFor(() => storeLarge(0), { timeout: 30_000, interval: 200 });
    for (let i = 1; i < 104; i++) await storeLarge(i);

    // The greedy clients: 16 loops, each its own address and no connection reuse, sending
    // 20-retrieve batches (max_size -1) back to back for LOAD_MS and LOAD_BYTES.
    const retrieve = {
      method: 'retrieve',
      params: { pubkey: account.sessionId, namespace: -10, max_size: -1 },
    };
    const batch = JSON.stringify({
      method: 'batch',
      params: { requests: Array.from({ length: 20 }, () => retrieve) },
    });
    const statuses = new Map<number, number>();
    let answeredBytes = 0;
    const from = Date.now();
    const until = from + LOAD_MS;
    const loading = () =>
      Date.now() < from + LOAD_MAX_MS && (Date.now() < until || answeredBytes <= LOAD_BYTES);
    await Promise.all(
      Array.from({ length: 16 }, async (_, client) => {
        const greedy = new Agent({ keepAlive: false });
        while (loading()) {
          const answer = await post(node.port, batch, greedy, `127.0.1.${client + 1}`);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 200) answeredBytes += answer.bytes;
        }
        greedy.destroy();
      }),
    );
    const to = Date.now();
    // The blocks of the load's last moments.
    await vi.waitFor(
      () => expect(ledger.ledger.state.timestamp).toBeGreaterThan(to + INTERVAL_MS),
      { timeout: 30_000, interval: 100 },
    );

    const times = proofTimes(ledger, ed25519);
    const during = times.filter((t) => t > from && t <= to).length;
    const expected = Math.floor((to - from) / INTERVAL_MS);
    console.log(
      `uptime under load: ${during} proofs accepted during ${to - from} ms of greedy batches (expected about ${expected}); answers ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}; ${(answeredBytes / 2 ** 20).toFixed(0)} MiB answered`,
    );
    // The load was real: large answers were served.
    expect(answeredBytes).toBeGreaterThan(LOAD_BYTES);
    // The ledger's own judgement: no proof missed, never decommissioned, and proofs kept
    // arriving during the load.
    expect({
      lapses: nodeHistory(ledger.ledger.state, ed25519)
        .slice(historyBefore)
        .filter((event) => LAPSES.has(event.type))
        .map((event) => `${event.type} at ${event.timestamp}: ${event.reason ?? ''}`),
      status: getNode(ledger.ledger.state, ed25519)?.status,
      provedDuringLoad: during >= Math.floor((to - from) / VALIDITY_MS),
    }).toEqual({ lapses: [], status: 'active', provedDuringLoad: true });
  }, 180_000);
});

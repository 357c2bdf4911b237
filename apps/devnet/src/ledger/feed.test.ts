/**
 * The block feed and the registry's own client against this server over real sockets:
 * `httpLedgerSource` + `createRegistryFollower` follow the ledger to the same state.
 */
import { createRegistryFollower, stateDigest } from '@murmur/registry';
import { FeedMessageSchema, httpLedgerSource } from '@murmur/registry/ledger-http';
import { createChecker } from '@murmur/wire';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COIN, openTestLedger, type TestLedger } from '../test-support/fixtures.js';
import { attachFeed, type Feed } from './feed.js';

interface Served {
  t: TestLedger;
  app: FastifyInstance;
  feed: Feed;
  url: string;
}

const served: Served[] = [];

async function serve(options: { heartbeatMs?: number } = {}): Promise<Served> {
  const t = await openTestLedger();
  const app = await t.app();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const feed = attachFeed(
    { heartbeatMs: options.heartbeatMs },
    { server: app.server, ledger: t.ledger },
  );
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const entry = { t, app, feed, url: `http://127.0.0.1:${port}` };
  served.push(entry);
  return entry;
}

afterEach(async () => {
  for (const { t, feed } of served.splice(0)) {
    await feed.close(200);
    await t.dispose();
  }
});

/** Resolves once `predicate` holds; `timeoutMs` is a hang guard (a busy machine is slow). */
function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('timed out'));
      else setTimeout(check, 10);
    };
    check();
  });
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const feedChecker = createChecker(FeedMessageSchema);

/**
 * `ws` emits 'error' when a socket still connecting is closed, and httpLedgerSource clears its
 * handlers before closing: a listener of our own keeps that from being an uncaught exception.
 */
class QuietWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
    this.on('error', () => undefined);
  }
}

describe('the block feed', () => {
  it('sends each committed block once to every client, as the registry schema says', async () => {
    const { t, feed, url } = await serve();
    const ws = await connect(`${url.replace('http', 'ws')}/feed`);
    const messages: unknown[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    await until(() => feed.clients === 1);
    t.fund({ alice: COIN });
    t.ledger.produceBlock();
    t.ledger.produceBlock();
    await until(() => messages.length === 2);
    for (const message of messages) expect(feedChecker.firstProblem(message)).toBeUndefined();
    expect(
      messages.map((message) => (message as { block: { height: number } }).block.height),
    ).toEqual([1, 2]);
    expect((messages[0] as { block: { transactions: unknown[] } }).block.transactions).toHaveLength(
      1,
    );
    ws.close();
  });

  it('refuses upgrades on other paths with 404', async () => {
    const { url } = await serve();
    await expect(connect(`${url.replace('http', 'ws')}/other`)).rejects.toThrow(/404/);
  });

  it('closes clients with 1001 when it shuts down', async () => {
    const { feed, url } = await serve();
    const ws = await connect(`${url.replace('http', 'ws')}/feed`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await until(() => feed.clients === 1);
    await feed.close(500);
    expect(await closed).toBe(1001);
    expect(feed.clients).toBe(0);
  });

  it('terminates clients that stop answering pings', async () => {
    const { feed, url } = await serve({ heartbeatMs: 50 });
    const ws = await connect(`${url.replace('http', 'ws')}/feed`);
    await until(() => feed.clients === 1);
    // Stop answering: ws answers pings automatically unless the socket is paused.
    ws.pause();
    await until(() => feed.clients === 0);
    ws.terminate();
  });
});

describe('httpLedgerSource + createRegistryFollower against this server', () => {
  it('follows the ledger block by block, verifying every block, to the same state', async () => {
    const { t, url } = await serve();
    const source = httpLedgerSource(
      { url, reconnectInitialDelayMs: 20 },
      { WebSocket: QuietWebSocket as never },
    );
    const follower = createRegistryFollower({ source, pollIntervalMs: 100 }, { crypto: t.crypto });
    await follower.start();
    try {
      await follower.ready;
      t.fund({ op: 200n * COIN, a: 50n * COIN });
      t.ledger.produceBlock();
      // Transactions go in through the client too.
      const registered = await source.submitTransaction(t.register('n1', 'op', 50n * COIN));
      expect(registered).toMatchObject({ accepted: true });
      const refused = await source.submitTransaction(t.contribute('n1', 'a', COIN));
      expect(refused).toMatchObject({ accepted: false, reason: 'below-minimum-contribution' });
      t.ledger.produceBlock();
      await source.submitTransaction(t.contribute('n1', 'a', 50n * COIN));
      for (let i = 0; i < 5; i++) t.ledger.produceBlock();
      const state = await follower.waitForHeight(t.ledger.height);
      expect(state.height).toBe(t.ledger.height);
      expect(stateDigest(state, t.crypto)).toBe(stateDigest(t.ledger.state, t.crypto));
      expect(follower.activeNodes().map((node) => node.ed25519)).toEqual([t.address('n1')]);
      expect(source.feedConnected).toBe(true);
      expect(await source.getHealth()).toEqual({
        status: 'ok',
        chainId: t.chainId,
        height: t.ledger.height,
      });
      expect((await source.getState({ activeOnly: true })).nodes).toHaveLength(1);
    } finally {
      await follower.stop();
      source.stop();
    }
  });
});

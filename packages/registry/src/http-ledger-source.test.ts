import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  AbortError,
  ForbiddenError,
  InvalidInputError,
  InvalidResponseError,
  NotFoundError,
  RequestTimeoutError,
  UnsupportedError,
  UpstreamFailedError,
} from '@murmur/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeBlock, encodeGenesis, encodeTransaction } from './codec.js';
import {
  httpLedgerSource,
  type WebSocketConstructor,
  type WebSocketLike,
} from './http-ledger-source.js';
import { encodeNodeResponse, encodeStateResponse, encodeWalletResponse } from './ledger-api.js';
import { COIN, TestChain, testCrypto } from './test-support/chain.js';
import type { Block } from './types.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let crypto: MurmurCrypto;
let chain: TestChain;
let server: Server;
let base: string;
let handler: Handler = (_request, _body, response) => response.end();
const requests: { method: string; url: string; body: string; contentType: string | undefined }[] =
  [];

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

beforeAll(async () => {
  crypto = await testCrypto();
  chain = new TestChain(crypto, { allocations: { op: 200n * COIN } });
  chain.block([chain.register('n1', 'op', 100n * COIN)]);
  chain.block([chain.proof('n1')]);
  chain.block();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        body,
        contentType: request.headers['content-type'],
      });
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  requests.length = 0;
  vi.useRealTimers();
});

function blocksAnswer(from: number, limit: number) {
  return {
    blocks: chain.blocks.slice(from, from + limit).map(encodeBlock),
    height: chain.height,
  };
}

describe('httpLedgerSource over HTTP', () => {
  it('reads the genesis and blocks, checked', async () => {
    handler = (request, _body, response) => {
      const url = new URL(request.url ?? '/', base);
      if (url.pathname === '/genesis') return json(response, 200, encodeGenesis(chain.genesis));
      if (url.pathname === '/blocks') {
        const from = Number(url.searchParams.get('from'));
        const limit = Number(url.searchParams.get('limit'));
        return json(response, 200, blocksAnswer(from, limit));
      }
      json(response, 404, { error: 'NOT_FOUND', message: 'no' });
    };
    const source = httpLedgerSource({ url: `${base}/` });
    expect(await source.getGenesis()).toEqual({
      ...chain.genesis,
      params: { ...chain.genesis.params },
    });
    const blocks = await source.getBlocks(1, { limit: 2 });
    expect(blocks).toEqual(chain.blocks.slice(1, 3));
    expect(requests.at(-1)?.url).toBe('/blocks?from=1&limit=2');
    expect(await source.getBlocks(1)).toHaveLength(3);
    expect(requests.at(-1)?.url).toBe('/blocks?from=1&limit=100');
  });

  it('refuses answers that break the schema or the order', async () => {
    const source = httpLedgerSource({ url: base });
    const cases: unknown[] = [
      { blocks: [{ ...encodeBlock(chain.blocks[1] as Block), hash: 'nope' }], height: 3 },
      { blocks: [encodeBlock(chain.blocks[2] as Block)], height: 3 },
      { blocks: chain.blocks.slice(1, 4).map(encodeBlock), height: 3, extra: true },
      { blocks: chain.blocks.slice(1, 4).map(encodeBlock), height: 3 },
      'not json at all',
      [],
    ];
    for (const [index, answer] of cases.entries()) {
      handler = (_request, _body, response) => json(response, 200, answer);
      const limit = index === 3 ? 2 : 10;
      await expect(source.getBlocks(1, { limit })).rejects.toBeInstanceOf(InvalidResponseError);
    }
    handler = (_request, _body, response) =>
      json(response, 200, { ...encodeGenesis(chain.genesis), authority: 'zz' });
    await expect(source.getGenesis()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('submits transactions and maps the answers', async () => {
    const tx = chain.transfer('op', 'a', COIN);
    const source = httpLedgerSource({ url: base });
    handler = (_request, _body, response) =>
      json(response, 200, { accepted: true, id: 'ab'.repeat(32) });
    expect(await source.submitTransaction(tx)).toEqual({ accepted: true, id: 'ab'.repeat(32) });
    expect(requests.at(-1)).toMatchObject({
      method: 'POST',
      url: '/tx',
      contentType: 'application/json',
    });
    expect(JSON.parse(requests.at(-1)?.body ?? '')).toEqual(encodeTransaction(tx));

    handler = (_request, _body, response) =>
      json(response, 400, { accepted: false, reason: 'bad-nonce', message: 'replay' });
    expect(await source.submitTransaction(tx)).toEqual({
      accepted: false,
      id: '',
      reason: 'bad-nonce',
      message: 'replay',
    });

    handler = (_request, _body, response) =>
      json(response, 400, { accepted: false, reason: 'made-up', message: 'x' });
    await expect(source.submitTransaction(tx)).rejects.toBeInstanceOf(InvalidResponseError);

    handler = (_request, _body, response) => json(response, 503, { error: 'X', message: 'busy' });
    await expect(source.submitTransaction(tx)).rejects.toBeInstanceOf(UpstreamFailedError);
  });

  it('reads the state and health, checked', async () => {
    const source = httpLedgerSource({ url: base });
    const state = encodeStateResponse(chain.state);
    handler = (request, _body, response) =>
      request.url === '/health'
        ? json(response, 200, { status: 'ok', chainId: chain.chainId, height: chain.height })
        : json(response, 200, state);
    expect(await source.getState({ activeOnly: true })).toEqual(state);
    expect(requests.at(-1)?.url).toBe('/state?activeOnly=true');
    expect(state.nodes[0]).toMatchObject({
      ip: '127.0.0.1',
      status: 'active',
      stake: '100000000000',
    });
    expect(await source.getHealth()).toEqual({
      status: 'ok',
      chainId: chain.chainId,
      height: chain.height,
    });
    handler = (_request, _body, response) =>
      json(response, 200, { ...state, wallets: [{ ...state.wallets[0], balance: 5 }] });
    await expect(source.getState()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('reads wallets, nodes and transaction statuses, checked', async () => {
    const source = httpLedgerSource({ url: base });
    const op = chain.address('op');
    const node = chain.address('n1');
    const id = 'ab'.repeat(32);
    const wallet = encodeWalletResponse(chain.state, op, 7);
    const nodeAnswer = encodeNodeResponse(chain.state, node);
    handler = (request, _body, response) => {
      if (request.url === `/wallet/${op}`) return json(response, 200, wallet);
      if (request.url === `/node/${node}`) return json(response, 200, nodeAnswer);
      if (request.url === `/tx/${id}`) {
        return json(response, 200, { id, status: 'included', height: 2 });
      }
      json(response, 404, {
        error: 'NOT_FOUND',
        message: `node ${request.url} was never registered`,
      });
    };
    expect(await source.getWallet(op)).toEqual(wallet);
    expect(wallet).toMatchObject({ address: op, nextNonce: 7, locked: '100000000000' });
    expect(wallet.lockedEntries[0]).toMatchObject({ node, kind: 'staked', releaseHeight: 0 });
    expect(await source.getNode(node)).toEqual(nodeAnswer);
    expect(nodeAnswer?.history.map((event) => event.type)).toEqual(['registered', 'activated']);
    expect(await source.getNode('cd'.repeat(32))).toBeUndefined();
    expect(await source.getTransactionStatus(id)).toEqual({ id, status: 'included', height: 2 });

    // Keys go into the URL: anything but 64 lower-case hex is refused before a request.
    const before = requests.length;
    await expect(source.getWallet('../state')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(source.getNode('AB'.repeat(32))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(source.getTransactionStatus('12')).rejects.toBeInstanceOf(InvalidInputError);
    expect(requests.length).toBe(before);

    handler = (request, _body, response) => {
      if (request.url?.startsWith('/wallet/'))
        return json(response, 200, { ...wallet, nextNonce: 'one' });
      if (request.url?.startsWith('/node/')) return json(response, 200, { history: [] });
      if (request.url === `/tx/${id}`) return json(response, 200, { id, status: 'lost' });
      json(response, 200, { id, status: 'pending' });
    };
    await expect(source.getWallet(op)).rejects.toBeInstanceOf(InvalidResponseError);
    await expect(source.getNode(node)).rejects.toBeInstanceOf(InvalidResponseError);
    await expect(source.getTransactionStatus(id)).rejects.toBeInstanceOf(InvalidResponseError);
    // An answer about another transaction is not an answer.
    await expect(source.getTransactionStatus('cd'.repeat(32))).rejects.toBeInstanceOf(
      InvalidResponseError,
    );
    handler = (_request, _body, response) =>
      json(response, 500, { error: 'INTERNAL', message: 'internal error' });
    await expect(source.getWallet(op)).rejects.toBeInstanceOf(UpstreamFailedError);
    await expect(source.getNode(node)).rejects.toThrow(/500 to \/node\/.*internal error/);
  });

  it('posts faucet and state-change requests and maps every answer', async () => {
    const source = httpLedgerSource({ url: base });
    const address = chain.address('a');
    const node = chain.address('n1');
    const id = 'ab'.repeat(32);
    handler = (request, body, response) => {
      const payload = JSON.parse(body) as { amount?: string; change?: string };
      if (payload.amount === '5' || payload.change === 'decommission') {
        return json(response, 200, { accepted: true, id });
      }
      json(response, 400, {
        accepted: false,
        id,
        reason: request.url === '/faucet' ? 'invalid-amount' : 'invalid-state-change',
        message: 'no',
      });
    };
    expect(await source.requestFaucet(address, 5n)).toEqual({ accepted: true, id });
    expect(requests.at(-1)).toMatchObject({ method: 'POST', url: '/faucet' });
    expect(JSON.parse(requests.at(-1)?.body ?? '')).toEqual({ address, amount: '5' });
    expect(await source.requestFaucet(address, 7n)).toEqual({
      accepted: false,
      id,
      reason: 'invalid-amount',
      message: 'no',
    });
    expect(await source.requestStateChange(node, 'decommission', 'drill')).toEqual({
      accepted: true,
      id,
    });
    expect(JSON.parse(requests.at(-1)?.body ?? '')).toEqual({
      node,
      change: 'decommission',
      reason: 'drill',
    });
    expect(await source.requestStateChange(node, 'recommission')).toMatchObject({
      accepted: false,
      reason: 'invalid-state-change',
    });
    expect(JSON.parse(requests.at(-1)?.body ?? '')).toEqual({ node, change: 'recommission' });
    await expect(source.requestFaucet('nope', 5n)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(source.requestFaucet(address, -1n)).rejects.toBeInstanceOf(InvalidInputError);

    handler = (_request, _body, response) =>
      json(response, 403, {
        error: 'FORBIDDEN',
        message: '/faucet answers only requests from this machine',
      });
    const forbidden = source.requestFaucet(address, 5n);
    await expect(forbidden).rejects.toBeInstanceOf(ForbiddenError);
    await expect(source.requestFaucet(address, 5n)).rejects.toThrow(
      /403 to \/faucet: \/faucet answers only requests from this machine/,
    );
    handler = (_request, _body, response) =>
      json(response, 404, { error: 'NOT_FOUND', message: 'no route POST /faucet' });
    await expect(source.requestFaucet(address, 5n)).rejects.toBeInstanceOf(UnsupportedError);
    await expect(source.requestStateChange(node, 'deregister')).rejects.toThrow(
      /no \/state-change route/,
    );
    await expect(source.submitTransaction(chain.transfer('op', 'a', COIN))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    handler = (_request, _body, response) => json(response, 200, { accepted: 'yes' });
    await expect(source.requestFaucet(address, 5n)).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('times out, reports unreachable ledgers, and obeys abort signals', async () => {
    handler = () => undefined; // never answers
    const slow = httpLedgerSource({ url: base, requestTimeoutMs: 100 });
    await expect(slow.getGenesis()).rejects.toBeInstanceOf(RequestTimeoutError);
    const controller = new AbortController();
    const pending = slow.getHealth({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    const stopped = httpLedgerSource({ url: base, requestTimeoutMs: 5_000 });
    const inFlight = stopped.getGenesis();
    stopped.stop();
    await expect(inFlight).rejects.toBeInstanceOf(AbortError);
    server.closeAllConnections();

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = httpLedgerSource({ url: `http://127.0.0.1:${port}` });
    await expect(unreachable.getGenesis()).rejects.toBeInstanceOf(UpstreamFailedError);
  });
});

/** A WebSocket stand-in the tests drive by hand. */
class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(data: unknown): void {
    this.onmessage?.({ data });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  close(): void {
    const wasConnecting = this.readyState === 0;
    this.closed = true;
    this.readyState = 3;
    if (wasConnecting) {
      // As the `ws` package does: closing before the handshake ends emits 'error', and an
      // EventEmitter without an error listener throws it.
      queueMicrotask(() => {
        const error = new Error('WebSocket was closed before the connection was established');
        if (this.onerror === null) throw error;
        this.onerror(error);
      });
    }
  }
}

describe('httpLedgerSource feed', () => {
  it('unsubscribing while the feed is still connecting raises no unhandled error', async () => {
    FakeSocket.instances = [];
    const source = httpLedgerSource(
      { url: 'http://127.0.0.1:1' },
      { WebSocket: FakeSocket as unknown as WebSocketConstructor },
    );
    const unsubscribe = source.subscribe(() => undefined);
    const socket = FakeSocket.instances[0] as FakeSocket;
    expect(socket.readyState).toBe(0);
    unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(socket.closed).toBe(true);
    source.stop();
  });

  it('delivers checked blocks and reports bad messages', () => {
    FakeSocket.instances = [];
    const source = httpLedgerSource(
      { url: 'https://ledger.example:8443/api' },
      { WebSocket: FakeSocket as unknown as WebSocketConstructor },
    );
    const blocks: Block[] = [];
    const errors: unknown[] = [];
    const unsubscribe = source.subscribe(
      (block) => blocks.push(block),
      (error) => errors.push(error),
    );
    const socket = FakeSocket.instances[0] as FakeSocket;
    expect(socket.url).toBe('wss://ledger.example:8443/api/feed');
    expect(socket.binaryType).toBe('arraybuffer');
    socket.open();
    expect(source.feedConnected).toBe(true);
    const message = JSON.stringify({ type: 'block', block: encodeBlock(chain.blocks[1] as Block) });
    socket.receive(message);
    socket.receive(new TextEncoder().encode(message).buffer);
    socket.receive(JSON.stringify({ type: 'block', block: { height: -1 } }));
    socket.receive('{');
    expect(blocks).toEqual([chain.blocks[1], chain.blocks[1]]);
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toBeInstanceOf(InvalidResponseError);
    unsubscribe();
    expect(socket.closed).toBe(true);
    expect(source.feedConnected).toBe(false);
  });

  it('reconnects with backoff, and stop() ends it', async () => {
    vi.useFakeTimers();
    FakeSocket.instances = [];
    const source = httpLedgerSource(
      { url: base, reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 300 },
      { WebSocket: FakeSocket as unknown as WebSocketConstructor },
    );
    source.subscribe(() => undefined);
    expect(FakeSocket.instances).toHaveLength(1);
    (FakeSocket.instances[0] as FakeSocket).drop();
    await vi.advanceTimersByTimeAsync(99);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(2);
    (FakeSocket.instances[1] as FakeSocket).drop();
    await vi.advanceTimersByTimeAsync(199);
    expect(FakeSocket.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(3);
    // Once connected, the backoff starts over.
    (FakeSocket.instances[2] as FakeSocket).open();
    (FakeSocket.instances[2] as FakeSocket).drop();
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.instances).toHaveLength(4);
    (FakeSocket.instances[3] as FakeSocket).drop();
    source.stop();
    // No reconnection after stop (fetch's own keep-alive timers make a timer count unreliable).
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.instances).toHaveLength(4);
    source.start();
    expect(FakeSocket.instances).toHaveLength(5);
    source.stop();
    expect((FakeSocket.instances[4] as FakeSocket).closed).toBe(true);
  });

  it('says so when there is no WebSocket implementation', () => {
    const source = httpLedgerSource({ url: base }, { WebSocket: undefined });
    const errors: unknown[] = [];
    const original = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (original !== undefined) return; // Node ≥ 22 has one built in: nothing to check.
    source.subscribe(
      () => undefined,
      (error) => errors.push(error),
    );
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code: string }).code).toBe('UNSUPPORTED');
  });
});

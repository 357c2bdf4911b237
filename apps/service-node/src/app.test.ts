import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { MAX_MESSAGE_BYTES, parseResponse } from '@murmur/wire';
import { BATCH_MAX_SUBREQUESTS } from '@murmur/wire/server';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RPC_BODY_BYTES } from './connection-guard.js';
import { createRateLimiter } from './rate-limit.js';
import type { SwarmReplicator } from './rpc/replicator.js';
import type { LoadShedder } from './shedding.js';
import { storeContents } from './test-support/assertions.js';
import { buildTestApp, createHarness, type Harness, TEST_NOW } from './test-support/harness.js';

let h: Harness;
let app: FastifyInstance;

afterEach(async () => {
  await app.close();
  h.close();
});

async function setUp(options: Parameters<typeof createHarness>[0] = {}, extra = {}) {
  h = await createHarness(options);
  ({ app } = await buildTestApp(h, extra));
}

function rpc(payload: string | Buffer, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/storage_rpc/v1', payload, headers });
}

describe('POST /storage_rpc/v1', () => {
  it('accepts any content type, or none, and answers JSON', async () => {
    await setUp();
    const body = JSON.stringify({ method: 'info', params: {} });
    for (const headers of [
      {},
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'nonsense' },
    ]) {
      const response = await rpc(body, headers);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(parseResponse('info', response.body).t).toBe(TEST_NOW);
    }
  });

  it('stores and retrieves through HTTP', async () => {
    await setUp();
    const alice = h.account();
    const store = await rpc(
      JSON.stringify({
        method: 'store',
        params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      }),
    );
    expect(store.statusCode).toBe(200);
    const hash = parseResponse('store', store.body).hash;
    const retrieve = await rpc(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'retrieve',
        params: {
          pubkey: alice.sessionId,
          timestamp: TEST_NOW,
          ...h.sign('retrieve', alice, { namespace: 0, timestamp: TEST_NOW }),
        },
      }),
    );
    expect(parseResponse('retrieve', retrieve.body).messages.map((m) => m.hash)).toEqual([hash]);
  });

  it('bad input gets its status and a plain-text message, and changes nothing', async () => {
    await setUp();
    const alice = h.account();
    await rpc(
      JSON.stringify({
        method: 'store',
        params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      }),
    );
    const before = storeContents(h.store);
    const cases: [string | Buffer, number, RegExp][] = [
      ['', 400, /invalid json/],
      ['{', 400, /invalid json/],
      [Buffer.from([0xc3, 0x28]), 400, /^invalid json$/],
      ['{"method":"frobnicate","params":{}}', 400, /^no method frobnicate$/],
      [
        JSON.stringify({
          method: 'store',
          params: { pubkey: '05', timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
        }),
        400,
        /^invalid request: Pubkey must be 66 hex digits \(33 bytes\) long$/,
      ],
      [
        JSON.stringify({
          method: 'store',
          params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 5, data: 'aGk=' },
        }),
        403,
        /TTL/,
      ],
      [
        JSON.stringify({
          method: 'delete_all',
          params: { pubkey: alice.sessionId, timestamp: TEST_NOW, signature: 'A'.repeat(86) },
        }),
        401,
        /^delete_all signature verification failed$/,
      ],
    ];
    for (const [payload, status, message] of cases) {
      const response = await rpc(payload);
      expect(response.statusCode, String(payload)).toBe(status);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toMatch(message);
    }
    expect(storeContents(h.store)).toEqual(before);
  });

  it('refuses a body over 4 MiB (the largest legal request, with room) with 413', async () => {
    await setUp();
    const response = await rpc(Buffer.alloc(MAX_RPC_BODY_BYTES + 1, 0x20));
    expect(response.statusCode).toBe(413);
    expect(response.body).toMatch(/larger than 4194304 bytes/);
  });

  it('reads the largest legal request: a batch of 20 stores of 76,800-byte messages', async () => {
    await setUp();
    const alice = h.account();
    const requests = Array.from({ length: BATCH_MAX_SUBREQUESTS }, (_, index) => ({
      method: 'store',
      params: {
        pubkey: alice.sessionId,
        namespace: 0,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: Buffer.alloc(MAX_MESSAGE_BYTES, index + 1).toString('base64'),
      },
    }));
    const body = JSON.stringify({ method: 'batch', params: { requests } });
    // Room for onion layers around it (a few hundred bytes each).
    expect(body.length * 1.5).toBeLessThan(MAX_RPC_BODY_BYTES);
    const response = await rpc(body);
    expect(response.statusCode).toBe(200);
    const results = parseResponse('batch', response.body).results;
    expect(results.map((result) => result.code)).toEqual(requests.map(() => 200));
  });

  it('answers 410 to the removed long-poll header', async () => {
    await setUp();
    const response = await rpc('{"method":"info","params":{}}', { 'x-loki-long-poll': 'true' });
    expect(response.statusCode).toBe(410);
  });

  it('rate-limits each address with 429 and a clear message', async () => {
    let clock = 0;
    await setUp({}, { rateLimiter: createRateLimiter({ perSecond: 1, burst: 3 }, () => clock) });
    const body = '{"method":"info","params":{}}';
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await rpc(body)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const limited = await rpc(body);
    expect(limited.body).toMatch(/Too many requests/);
    clock += 1000;
    expect((await rpc(body)).statusCode).toBe(200);
    expect(await app.inject({ method: 'GET', url: '/metrics' }).then((r) => r.body)).toMatch(
      /murmur_rate_limited_total\{route="storage_rpc"\} 3/,
    );
  });

  it("never answers 429 at /onion_req/v2: a limited client gets Session's retryable 503", async () => {
    const clock = 0;
    await setUp({}, { rateLimiter: createRateLimiter({ perSecond: 1, burst: 2 }, () => clock) });
    const codes: number[] = [];
    const bodies: string[] = [];
    for (let i = 0; i < 4; i++) {
      // (No onion handler in this app: "Snode not ready" until the limit, then "busy".)
      const response = await app.inject({
        method: 'POST',
        url: '/onion_req/v2',
        remoteAddress: '198.51.100.7',
        payload: Buffer.from([1, 0, 0, 0, 0x7b]),
      });
      codes.push(response.statusCode);
      bodies.push(response.body);
    }
    expect(codes).not.toContain(429);
    expect(codes).toEqual([503, 503, 503, 503]);
    expect(bodies.slice(2)).toEqual([
      'Server busy, try again later',
      'Server busy, try again later',
    ]);
    expect(await app.inject({ method: 'GET', url: '/metrics' }).then((r) => r.body)).toMatch(
      /murmur_rate_limited_total\{route="onion_req"\} 2/,
    );
  });
});

describe('a batch of 20 swarm-wide subrequests', () => {
  it('shares the request’s abort signal without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      let listened = 0;
      // Like the peer replicator: one abort listener on the request's signal per subrequest.
      const replicator: SwarmReplicator = {
        async replicate(_request, options = {}) {
          options.signal?.addEventListener('abort', () => undefined, { once: true });
          listened += 1;
          return {};
        },
      };
      await setUp({ replicator });
      const alice = h.account();
      const requests = Array.from({ length: BATCH_MAX_SUBREQUESTS }, (_, index) => ({
        method: 'store',
        params: {
          pubkey: alice.sessionId,
          timestamp: TEST_NOW,
          ttl: 60_000,
          data: Buffer.from(`m${index}`).toString('base64'),
        },
      }));
      const response = await rpc(JSON.stringify({ method: 'batch', params: { requests } }));
      expect(response.statusCode).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(listened).toBe(BATCH_MAX_SUBREQUESTS);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('the deadline of an admitted request', () => {
  it('answers 503 at the deadline and aborts the request’s work', async () => {
    let aborted = 0;
    // A swarm that never answers (the forward timeout is not reached within the deadline).
    const replicator: SwarmReplicator = {
      replicate: (_request, options = {}) =>
        new Promise((resolve) => {
          options.signal?.addEventListener('abort', () => {
            aborted += 1;
            resolve({});
          });
        }),
    };
    await setUp({ replicator }, { rpcDeadlineMs: 200 });
    const alice = h.account();
    const response = await rpc(
      JSON.stringify({
        method: 'store',
        params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('Overloaded, try again shortly');
    expect(aborted).toBe(1);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/murmur_shed_requests_total\{reason="deadline"\} 1/);
    // Requests that finish in time are not touched.
    expect((await rpc('{"method":"info","params":{}}')).statusCode).toBe(200);
  });
});

describe('cancellation without a signal per request (issue 16)', () => {
  /** Counts the AbortControllers made while `body` runs. */
  async function countingControllers(body: () => Promise<void>): Promise<number> {
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made += 1;
      }
    };
    try {
      await body();
    } finally {
      globalThis.AbortController = Original;
    }
    return made;
  }

  it('a store that nothing can cancel makes no AbortController, and is stored', async () => {
    await setUp();
    const alice = h.account();
    let status = 0;
    const made = await countingControllers(async () => {
      const response = await rpc(
        JSON.stringify({
          method: 'store',
          params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
        }),
      );
      status = response.statusCode;
    });
    expect(status).toBe(200);
    expect(made).toBe(0);
    expect(storeContents(h.store)).toHaveLength(1);
  });

  it('a forward to other members gets the request’s signal, made once', async () => {
    const signals: AbortSignal[] = [];
    const replicator: SwarmReplicator = {
      async replicate(_request, options = {}) {
        if (options.signal !== undefined) signals.push(options.signal);
        return {};
      },
    };
    await setUp({ replicator });
    const alice = h.account();
    const requests = [0, 1, 2].map((index) => ({
      method: 'store',
      params: {
        pubkey: alice.sessionId,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: Buffer.from(`m${index}`).toString('base64'),
      },
    }));
    const response = await rpc(JSON.stringify({ method: 'batch', params: { requests } }));
    expect(response.statusCode).toBe(200);
    expect(signals).toHaveLength(3);
    expect(new Set(signals).size).toBe(1);
  });

  it('a request past its deadline before its handler ran is refused 503 and does no work', async () => {
    // A shedder whose clock says the request arrived long ago (it waited in a queue).
    let stores = 0;
    const replicator: SwarmReplicator = {
      async replicate() {
        stores += 1;
        return {};
      },
    };
    await setUp({ replicator }, { rpcDeadlineMs: 50, arrivedAt: () => performance.now() - 10_000 });
    const alice = h.account();
    const response = await rpc(
      JSON.stringify({
        method: 'store',
        params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      }),
    );
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('Overloaded, try again shortly');
    expect(stores).toBe(0);
    expect(storeContents(h.store)).toEqual([]);
  });
});

describe('admission before the body', () => {
  /** Sends only the headers of a 1 MB request and resolves with what the node answers. */
  async function headersOnly(port: number): Promise<string> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.write('POST /storage_rpc/v1 HTTP/1.1\r\nHost: node\r\nContent-Length: 1000000\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    return text;
  }

  it('answers 429 and 503 without waiting for the body, and closes the connection', async () => {
    let overloaded = false;
    const shedder: LoadShedder = {
      check: () => (overloaded ? 'in-flight' : undefined),
      enter: () => () => undefined,
      inFlight: () => 0,
      eventLoopDelayMs: () => 0,
      loopWaitMs: () => 0,
      retryAfterSeconds: () => 1,
      now: () => performance.now(),
      start: () => undefined,
      stop: () => undefined,
    };
    await setUp(
      {},
      { shedder, rateLimiter: createRateLimiter({ perSecond: 1, burst: 1 }, () => 0) },
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const first = await app.inject({
      method: 'POST',
      url: '/storage_rpc/v1',
      payload: '{"method":"info","params":{}}',
      remoteAddress: '127.0.0.1',
    });
    expect(first.statusCode).toBe(200);
    expect(await headersOnly(port)).toMatch(/^HTTP\/1.1 429 [\s\S]*connection: close/i);
    overloaded = true;
    expect(await headersOnly(port)).toMatch(/^HTTP\/1.1 503 [\s\S]*Overloaded/i);
  });
});

describe('GET /health and /metrics', () => {
  it('is ready with the swarm when the node is active', async () => {
    await setUp();
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ready',
      height: 10,
      swarm: '2000000000000000',
      swarmMembers: 3,
      node: h.keys.ed25519Hex,
    });
  });

  it('answers 503 not-active with a reason when the node is in no swarm', async () => {
    await setUp({ notActive: true });
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'not-active', reason: expect.any(String) });
  });

  it('exports request counts by method and status, and store gauges', async () => {
    await setUp();
    await rpc('{"method":"info","params":{}}');
    await rpc('{"method":"nope","params":{}}');
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/murmur_rpc_requests_total\{method="info",status="200"\} 1/);
    expect(response.body).toMatch(/murmur_rpc_requests_total\{method="unknown",status="400"\} 1/);
    expect(response.body).toMatch(/murmur_stored_messages 0/);
    expect(response.body).toMatch(/murmur_ready 1/);
    expect(response.body).toMatch(/murmur_peer_links/);
  });
});

describe('other routes', () => {
  it('answers 404 for unknown routes and 503 for onion requests without a handler', async () => {
    await setUp();
    const missing = await app.inject({ method: 'GET', url: '/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toMatch(/Not found/);
    const onion = await app.inject({ method: 'POST', url: '/onion_req/v2', payload: 'x' });
    expect(onion.statusCode).toBe(503);
  });
});

/**
 * Admission sees the whole queue (issue 10, finding 5): a request is judged from its arrival at
 * the node (its connection accepted), not from the moment a handler would take it. Real parts
 * only: the node's app on a real HTTP server on loopback, the real connection guard stamping
 * arrivals, the real shedder, and an event loop that is really late (synchronous work while the
 * request's bytes sit unread in the kernel). Nothing asserts on timing: each case counts what was
 * answered and asserts once.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionGuard, createConnectionGuard } from './connection-guard.js';
import { createLoadShedder, type LoadShedder } from './shedding.js';
import { buildTestApp, createHarness, type Harness } from './test-support/harness.js';

/** Keeps the event loop busy for `ms` (synchronous: nothing else runs meanwhile). */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

let h: Harness | undefined;
let app: FastifyInstance | undefined;
let shedder: LoadShedder | undefined;
let guard: ConnectionGuard | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  guard?.close();
  guard = undefined;
  shedder?.stop();
  shedder = undefined;
  h?.close();
  h = undefined;
});

const INFO = '{"method":"info","params":{}}';

/** Sends one raw HTTP request on a new connection; resolves with the whole answer's text. */
function rawRequest(port: number, body = INFO): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
    socket.once('connect', () => {
      socket.write(
        `POST /storage_rpc/v1 HTTP/1.1\r\nHost: node\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  });
}

async function serve(maxWaitMs: number): Promise<{ port: number; server: FastifyInstance }> {
  h = await createHarness();
  guard = createConnectionGuard();
  // Only the wait is judged here (no event-loop delay threshold, no in-flight cap).
  shedder = createLoadShedder({ maxWaitMs, maxEventLoopDelayMs: 0, maxInFlight: 0 });
  shedder.start();
  ({ app } = await buildTestApp(h, { shedder, arrivedAt: guard.arrivedAt }));
  const server = app;
  guard.attach(server.server);
  await server.listen({ host: '127.0.0.1', port: 0 });
  return { port: (server.server.address() as AddressInfo).port, server };
}

describe('admission from the arrival', () => {
  it('answers 503 with Retry-After to a request that queued past the wait bound before any work, then serves again', async () => {
    const { port, server } = await serve(150);
    // The node is busy right after accepting the connection: the request's bytes wait unread.
    let blocked = 0;
    server.server.on('connection', () => {
      if (blocked > 0) return;
      blocked += 1;
      blockEventLoop(400);
    });
    const late = await rawRequest(port);
    // Once the loop's delay is sampled back down (the stall counts against new arrivals until
    // then), the next connection finds the node idle.
    const live = shedder as LoadShedder;
    while (live.check(live.now()) !== undefined) await new Promise((r) => setTimeout(r, 20));
    const prompt = await rawRequest(port);

    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(late).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(late).toContain('Overloaded, try again shortly');
    expect(prompt).toMatch(/^HTTP\/1\.1 200 /);
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/murmur_shed_requests_total\{reason="queue-wait"\} 1\b/);
    // Nothing was dispatched for the shed request: the only storage RPC handled is the prompt one.
    expect(metrics.body).toMatch(/murmur_rpc_requests_total\{[^}]*method="info"[^}]*\} 1\b/);
  });

  it('with the bound off (0) the same late request is served', async () => {
    const { port, server } = await serve(0);
    let blocked = 0;
    server.server.on('connection', () => {
      if (blocked > 0) return;
      blocked += 1;
      blockEventLoop(400);
    });
    expect(await rawRequest(port)).toMatch(/^HTTP\/1\.1 200 /);
  });
});

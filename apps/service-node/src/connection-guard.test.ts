import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConnectionGuardInit,
  createConnectionGuard,
  type GuardRefusal,
} from './connection-guard.js';
import { nodeKeysFromSeed } from './keys.js';
import { createLoadShedder } from './shedding.js';
import { seedOf, testCrypto } from './test-support/harness.js';
import { createTlsCredentials } from './tls.js';

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Served {
  port: number;
  refusals: GuardRefusal[];
  guard: ReturnType<typeof createConnectionGuard>;
  bodies: number[];
}

async function serve(
  init: ConnectionGuardInit,
  https = false,
  exempt?: (address: string | undefined) => boolean,
): Promise<Served> {
  const refusals: GuardRefusal[] = [];
  const bodies: number[] = [];
  const guard = createConnectionGuard(init, {
    onRefused: (reason) => refusals.push(reason),
    exempt,
  });
  let app: FastifyInstance;
  if (https) {
    const crypto = await testCrypto();
    const credentials = createTlsCredentials(crypto, nodeKeysFromSeed(crypto, seedOf(90)));
    app = Fastify({
      https: { key: credentials.key, cert: credentials.cert },
    }) as unknown as FastifyInstance;
  } else {
    app = Fastify();
  }
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', guard.onRequest);
  guard.attach(app.server);
  app.post('/rpc', async (request) => {
    const length = (request.body as Buffer | undefined)?.length ?? 0;
    bodies.push(length);
    return { length };
  });
  app.get('/ping', async () => 'pong');
  await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => app.close());
  cleanups.push(() => guard.close());
  return { port: (app.server.address() as AddressInfo).port, refusals, guard, bodies };
}

/** A raw connection that collects what it receives and resolves `closed` when it ends. */
interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves once something was received. */
  answered: Promise<void>;
}

function raw(port: number, localAddress = '127.0.0.1'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    let text = '';
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((done) => {
      answer = done;
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      answer();
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed, answered }));
    socket.once('error', reject);
    cleanups.push(() => socket.destroy());
  });
}

function headers(length: number): string {
  return `POST /rpc HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
}

/** Waits until `predicate` holds (a hang guard, not a timing assertion). */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the connection guard', () => {
  it('caps connections per address: the next one gets 429 and is closed; other addresses still get in', async () => {
    const served = await serve({ maxConnectionsPerAddress: 4 });
    const held = await Promise.all([1, 2, 3, 4].map(() => raw(served.port)));
    await until(() => served.guard.stats().connections === 4);
    const refused = await raw(served.port);
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1.1 429 /);
    expect(served.refusals).toEqual(['connections-per-address']);

    const other = await raw(served.port, '127.0.0.2');
    other.socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
    await other.answered;
    expect(other.received()).toMatch(/^HTTP\/1.1 200 [\s\S]*pong/);

    held[0]?.socket.destroy();
    await until(() => served.guard.stats().connections === 4);
    const again = await raw(served.port);
    again.socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
    await again.answered;
    expect(again.received()).toMatch(/^HTTP\/1.1 200 /);
  });

  it('caps open connections in all: past the cap, from any address, 503 and closed; room again once one closes', async () => {
    const served = await serve({ maxConnections: 3 });
    const held = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((address) => raw(served.port, address)),
    );
    await until(() => served.guard.stats().connections === 3);
    const refused = await raw(served.port, '127.0.0.5');
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1.1 503 /);
    expect(served.refusals).toEqual(['connections']);

    held[1]?.socket.destroy();
    await until(() => served.guard.stats().connections === 2);
    const again = await raw(served.port, '127.0.0.5');
    again.socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
    await again.answered;
    expect(again.received()).toMatch(/^HTTP\/1.1 200 [\s\S]*pong/);
    expect(served.guard.stats().connections).toBe(3);
  });

  it.each([
    ['HTTP', false],
    ['HTTPS', true],
  ])(
    'stamps each request with its arrival on %s: its connection accepted (first request), its headers (later ones)',
    async (_name, https) => {
      const arrivals: (number | undefined)[] = [];
      let app: FastifyInstance;
      if (https) {
        const crypto = await testCrypto();
        const credentials = createTlsCredentials(crypto, nodeKeysFromSeed(crypto, seedOf(91)));
        app = Fastify({
          https: { key: credentials.key, cert: credentials.cert },
        }) as unknown as FastifyInstance;
      } else {
        app = Fastify();
      }
      const guard = createConnectionGuard();
      cleanups.push(() => app.close());
      cleanups.push(() => guard.close());
      guard.attach(app.server);
      // The TCP accept on both (after the guard's own listener): on HTTPS the handshake's time
      // counts against the request too.
      let accepted = 0;
      let secured = 0;
      app.server.on('connection', () => {
        accepted = performance.now();
      });
      app.server.on('secureConnection', () => {
        secured = performance.now();
      });
      app.get('/ping', async (request) => {
        arrivals.push(guard.arrivedAt(request.raw));
        return 'pong';
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const socket = https
        ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
        : connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      cleanups.push(() => socket.destroy());
      await until(() => accepted > 0 && (!https || secured > 0));
      const sent = performance.now();
      socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
      await until(() => arrivals.length === 1);
      socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
      await until(() => arrivals.length === 2);
      const [first, second] = arrivals as [number, number];
      // The first request's arrival is the TCP accept (before the TLS handshake ended), before its
      // bytes were sent; the second's is later than that send.
      expect(first).toBeLessThanOrEqual(accepted);
      if (https) expect(first).toBeLessThan(secured);
      expect(first).toBeLessThan(sent);
      expect(second).toBeGreaterThan(sent);
    },
  );

  it('refuses a declared body over the limit with 413 before reading it', async () => {
    const served = await serve({ maxBodyBytes: 1_000 });
    const client = await raw(served.port);
    client.socket.write(headers(10 * 1024 * 1024));
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1.1 413 [\s\S]*connection: close/i);
    expect(served.refusals).toEqual(['body-too-large']);
    expect(served.bodies).toEqual([]);
  });

  it('bodies being read share one budget: stalled bodies cannot hold more, the next gets 503 unread', async () => {
    const served = await serve({ maxBodyBytes: 600, maxBodyBytesInFlight: 1_000 });
    const stalled = await raw(served.port);
    stalled.socket.write(`${headers(600)}{"partial":`);
    await until(() => served.guard.stats().bodyBytesReserved === 600);
    const refused = await raw(served.port);
    refused.socket.write(headers(600));
    await refused.closed;
    expect(refused.received()).toMatch(/^HTTP\/1.1 503 /);
    // A chunked body reserves the largest size: refused too.
    const chunked = await raw(served.port);
    chunked.socket.write('POST /rpc HTTP/1.1\r\nHost: node\r\nTransfer-Encoding: chunked\r\n\r\n');
    await chunked.closed;
    expect(chunked.received()).toMatch(/^HTTP\/1.1 503 /);
    expect(served.refusals).toEqual(['body-budget', 'body-budget']);

    // A small body still fits, and the budget comes back when the stalled one goes.
    const small = await raw(served.port);
    small.socket.write(`${headers(2)}{}`);
    await small.answered;
    expect(small.received()).toMatch(/^HTTP\/1.1 200 /);
    stalled.socket.destroy();
    await until(() => served.guard.stats().bodyBytesReserved === 0);
    const next = await raw(served.port);
    next.socket.write(`${headers(600)}${' '.repeat(598)}{}`);
    await next.answered;
    expect(next.received()).toMatch(/^HTTP\/1.1 200 /);
    expect(served.bodies).toEqual([2, 600]);
  });

  it('closes a connection whose body does not arrive within the request timeout', async () => {
    const served = await serve({ requestTimeoutMs: 200 });
    const stalled = await raw(served.port);
    stalled.socket.write(`${headers(100)}{"slow":`);
    await stalled.closed;
    expect(served.refusals).toEqual(['request-timeout']);
    await until(() => served.guard.stats().requestsInProgress === 0);
    expect(served.guard.stats()).toMatchObject({ bodyBytesReserved: 0, connections: 0 });
  });

  it('caps connections per address on an HTTPS server too (closed before the TLS handshake)', async () => {
    const served = await serve({ maxConnectionsPerAddress: 2 }, true);
    const held = await Promise.all([1, 2].map(() => raw(served.port)));
    expect(held).toHaveLength(2);
    await until(() => served.guard.stats().connections === 2);
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: served.port,
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => resolve('connected'));
      socket.once('error', () => resolve('refused'));
      socket.once('close', () => resolve('refused'));
      cleanups.push(() => socket.destroy());
    });
    expect(outcome).toBe('refused');
    expect(served.refusals).toEqual(['connections-per-address']);
  });

  it('holds at most maxPendingHandshakes TLS handshakes: the next connection is closed before any handshake work, registered nodes still get in', async () => {
    const served = await serve(
      { maxPendingHandshakes: 2, staleHandshakeMs: 600_000 },
      true,
      (address) => address === '127.0.0.9' || address === '::ffff:127.0.0.9',
    );
    /** A TLS client's outcome: a `/ping` answered over it, or refused. */
    const tlsPing = (localAddress = '127.0.0.1') =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({
          socket: connect({ host: '127.0.0.1', port: served.port, localAddress }),
          rejectUnauthorized: false,
        });
        let text = '';
        socket.once('secureConnect', () =>
          socket.write('GET /ping HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n'),
        );
        socket.on('data', (chunk) => {
          text += chunk.toString('latin1');
        });
        socket.once('error', () => resolve('refused'));
        socket.once('close', () =>
          resolve(/^HTTP\/1.1 200 [\s\S]*pong/.test(text) ? 'served' : 'refused'),
        );
        cleanups.push(() => socket.destroy());
      });
    // Two connections that never start their handshake hold both slots.
    const held = await Promise.all([1, 2].map(() => raw(served.port)));
    await until(() => served.guard.stats().pendingHandshakes === 2);
    const refused = await tlsPing();
    const node = await tlsPing('127.0.0.9');
    // A slot comes back when a pending connection goes.
    held[0]?.socket.destroy();
    await until(() => served.guard.stats().pendingHandshakes === 1);
    const afterwards = await tlsPing();
    expect({ refused, node, afterwards, refusals: served.refusals }).toEqual({
      refused: 'refused',
      node: 'served',
      afterwards: 'served',
      refusals: ['pending-handshakes'],
    });
  });

  it('a pending handshake older than the stale bound gives its slot to a new connection', async () => {
    const served = await serve({ maxPendingHandshakes: 1, staleHandshakeMs: 100 }, true);
    const idle = await raw(served.port);
    await until(() => served.guard.stats().pendingHandshakes === 1);
    // The idle connection ages past the stale bound (real time; the outcome is what is asserted).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answer = await new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: served.port,
        rejectUnauthorized: false,
      });
      let text = '';
      socket.once('secureConnect', () =>
        socket.write('GET /ping HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n'),
      );
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.once('error', () => resolve('refused'));
      socket.once('close', () => resolve(text));
      cleanups.push(() => socket.destroy());
    });
    await idle.closed;
    expect({
      answer: /^HTTP\/1.1 200 [\s\S]*pong/.test(answer),
      refusals: served.refusals,
    }).toEqual({
      answer: true,
      refusals: ['stale-handshake'],
    });
  });

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'stamps the arrival of a connection that waited in the accept queue while the loop was busy %s the loop wait',
    async (_name, withLoopWait) => {
      const shedder = createLoadShedder({ maxWaitMs: 2_000 });
      shedder.start();
      cleanups.push(() => shedder.stop());
      const arrivals: number[] = [];
      const app = Fastify();
      const guard = createConnectionGuard({
        loopWaitMs: withLoopWait ? shedder.loopWaitMs : undefined,
      });
      cleanups.push(() => app.close());
      cleanups.push(() => guard.close());
      guard.attach(app.server);
      app.get('/ping', async (request) => {
        arrivals.push(guard.arrivedAt(request.raw) as number);
        return 'pong';
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      // Let the loop-wait tick run a few times on an idle loop first.
      await new Promise((resolve) => setTimeout(resolve, 60));
      // The kernel completes the connection at once; the node's loop is busy for 500 ms before
      // it can accept it (the same process here: a real stall, not a stub).
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      cleanups.push(() => socket.destroy());
      const busyUntil = Date.now() + 500;
      while (Date.now() < busyUntil) {
        // busy
      }
      const blockEnded = performance.now();
      socket.write('GET /ping HTTP/1.1\r\nHost: node\r\n\r\n');
      await until(() => arrivals.length === 1);
      const [arrived] = arrivals as [number];
      // The loop could not tick for 500 ms: the stamp goes back by at least 480 ms of it.
      if (withLoopWait) expect(arrived).toBeLessThanOrEqual(blockEnded - 400);
      else expect(arrived).toBeGreaterThanOrEqual(blockEnded);
    },
  );
});

import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFetch, type NodeFetch } from './node-fetch.js';
import { TEST_TLS_CERT as CERT, TEST_TLS_KEY as KEY } from './test-support/tls.js';

function echo(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.url === '/slow') return; // never answers
    response.writeHead(201, {
      'content-type': 'application/octet-stream',
      'x-method': request.method ?? '',
    });
    response.end(Buffer.concat(chunks));
  });
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(secure: boolean): Promise<{ port: number; sockets: () => number }> {
  const server = secure
    ? createHttpsServer({ key: KEY, cert: CERT }, echo)
    : createHttpServer(echo);
  let connections = 0;
  server.on(secure ? 'secureConnection' : 'connection', () => {
    connections += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, sockets: () => connections };
}

function track(fetch: NodeFetch): NodeFetch {
  closers.push(() => fetch.close());
  return fetch;
}

describe('createNodeFetch', () => {
  it('talks HTTPS to a self-signed node over one kept-alive connection', async () => {
    const { port, sockets } = await serve(true);
    const fetch = track(createNodeFetch());
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`https://127.0.0.1:${port}/storage_rpc/v1`, {
        method: 'POST',
        body: new Uint8Array([1, 2, i]),
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-method')).toBe('POST');
      expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([1, 2, i]);
    }
    expect(sockets()).toBe(1);
  });

  it('checks certificates of the hosts it is told to (a self-signed one fails there)', async () => {
    const { port } = await serve(true);
    const fetch = track(createNodeFetch({ verifyHosts: ['127.0.0.1'] }));
    await expect(fetch(`https://127.0.0.1:${port}/`)).rejects.toThrow('fetch failed');
    // The global fetch (certificate checks on) refuses the node too: nothing global changed.
    const refused = await globalThis.fetch(`https://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as { cause?: { code?: unknown } }).cause?.code).toBe(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    );
  });

  it('speaks plain HTTP too, and honours an abort signal', async () => {
    const { port } = await serve(false);
    const fetch = track(createNodeFetch());
    const response = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'hi' });
    expect(await response.text()).toBe('hi');
    const controller = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/slow`, {
      method: 'POST',
      body: 'x',
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(fetch('ftp://127.0.0.1/')).rejects.toThrow('unsupported URL scheme');
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, RequestTimeoutError, UpstreamFailedError } from './errors.js';
import { fetchWithTimeout } from './http.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/slow') return; // never answers
    response.writeHead(request.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
    response.end(request.url === '/missing' ? 'nothing here' : 'hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('fetchWithTimeout', () => {
  it('returns the status and the whole body, whatever the status', async () => {
    const ok = await fetchWithTimeout(fetch, `${base}/`, {}, { timeoutMs: 5_000, peer: 'test' });
    expect(ok.status).toBe(200);
    expect(new TextDecoder().decode(ok.body)).toBe('hello');
    const missing = await fetchWithTimeout(
      fetch,
      `${base}/missing`,
      {},
      { timeoutMs: 5_000, peer: 'test' },
    );
    expect(missing.status).toBe(404);
  });

  it('turns a missed deadline into RequestTimeoutError naming the peer', async () => {
    const error = await fetchWithTimeout(
      fetch,
      `${base}/slow`,
      {},
      { timeoutMs: 50, peer: 'node A' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as Error).message).toContain('node A');
  });

  it('turns an unreachable peer into UpstreamFailedError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchWithTimeout(
      fetch,
      `http://127.0.0.1:${port}/`,
      {},
      { timeoutMs: 5_000, peer: 'gone' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect((error as Error).message).toBe('gone could not be reached');
  });

  it("turns the caller's abort into AbortError, before and during the exchange", async () => {
    const before = new AbortController();
    before.abort();
    await expect(
      fetchWithTimeout(
        fetch,
        `${base}/`,
        {},
        { timeoutMs: 5_000, peer: 'p', signal: before.signal },
      ),
    ).rejects.toBeInstanceOf(AbortError);
    const during = new AbortController();
    const pending = fetchWithTimeout(
      fetch,
      `${base}/slow`,
      {},
      { timeoutMs: 5_000, peer: 'p', signal: during.signal },
    );
    setTimeout(() => during.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });
});

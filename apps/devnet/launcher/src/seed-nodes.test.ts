import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchLedgerSeedNodes } from './seed-nodes.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function fakeLedger(status: number, answer: unknown, seen: unknown[] = []): Promise<string> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ url: request.url, body: JSON.parse(body) });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

describe('fetchLedgerSeedNodes', () => {
  it('asks get_n_service_nodes and checks the answer with the seed schema', async () => {
    const seen: unknown[] = [];
    const answer = { jsonrpc: '2.0', id: 1, result: { service_node_states: [], height: 3 } };
    const url = await fakeLedger(200, answer, seen);
    await expect(fetchLedgerSeedNodes(`${url}/`)).resolves.toMatchObject({
      result: { height: 3 },
    });
    expect(seen[0]).toEqual({
      url: '/json_rpc',
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'get_n_service_nodes',
        params: { active_only: true },
      },
    });
  });

  it('refuses answers that are not what a seed sends, and says when it fails', async () => {
    const bad = await fakeLedger(200, {
      jsonrpc: '2.0',
      id: 1,
      result: { service_node_states: 'x', height: 1 },
    });
    await expect(fetchLedgerSeedNodes(bad)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    await new Promise((resolve) => server?.close(resolve));
    const failing = await fakeLedger(500, { error: 'INTERNAL', message: 'internal error' });
    await expect(fetchLedgerSeedNodes(failing)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      status: 500,
    });
    await expect(fetchLedgerSeedNodes('http://127.0.0.1:1')).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
    });
  });
});

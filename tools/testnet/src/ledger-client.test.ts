import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedgerClient } from './ledger-client.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function fakeLedger(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<string> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

const ID = 'ab'.repeat(32);

describe('createLedgerClient', () => {
  it('posts faucet requests and reads both answers', async () => {
    const seen: unknown[] = [];
    const url = await fakeLedger((request, body, response) => {
      seen.push({ url: request.url, body: JSON.parse(body) });
      if (JSON.parse(body).amount === '5') json(response, 200, { accepted: true, id: ID });
      else json(response, 400, { accepted: false, reason: 'invalid-amount', message: 'too much' });
    });
    const client = createLedgerClient(url);
    await expect(client.faucet('cd'.repeat(32), 5n)).resolves.toEqual({ id: ID, accepted: true });
    await expect(client.faucet('cd'.repeat(32), 7n)).resolves.toMatchObject({
      accepted: false,
      reason: 'invalid-amount',
    });
    expect(seen[0]).toEqual({ url: '/faucet', body: { address: 'cd'.repeat(32), amount: '5' } });
  });

  it('refuses answers that are not what the ledger sends', async () => {
    const url = await fakeLedger((request, _body, response) => {
      if (request.url === '/faucet')
        json(response, 403, { error: 'FORBIDDEN', message: 'loopback only' });
      else if (request.url?.startsWith('/wallet/')) json(response, 200, { nextNonce: 'one' });
      else if (request.url?.startsWith('/tx/'))
        json(response, 200, { id: ID, status: 'included', height: 4 });
      else
        json(response, 200, {
          jsonrpc: '2.0',
          id: 1,
          result: { service_node_states: 'x', height: 1 },
        });
    });
    const client = createLedgerClient(url);
    await expect(client.faucet('cd'.repeat(32), 5n)).rejects.toThrow(/403.*loopback only/);
    await expect(client.nextNonce('cd'.repeat(32))).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
    });
    await expect(client.transactionStatus(ID)).resolves.toEqual({
      id: ID,
      status: 'included',
      height: 4,
    });
    await expect(client.seedNodes()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('says when the ledger cannot be reached', async () => {
    const client = createLedgerClient('http://127.0.0.1:1');
    await expect(client.faucet('cd'.repeat(32), 5n)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
    });
  });
});

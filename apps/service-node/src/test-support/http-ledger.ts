/**
 * A ledger served over HTTP for tests: a `@murmur/registry` in-process ledger behind the devnet
 * ledger's API (`GET /genesis`, `GET /blocks`, `POST /tx`, `GET /state`, `GET /health`,
 * WebSocket `/feed`), on loopback with a free port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  createMemoryLedger,
  decodeTransaction,
  encodeBlock,
  encodeGenesis,
  type GenesisConfig,
  type MemoryLedger,
} from '@murmur/registry';
import { encodeStateResponse } from '@murmur/registry/ledger-http';
import { WebSocketServer } from 'ws';

/** A running test ledger. */
export interface TestLedger {
  ledger: MemoryLedger;
  url: string;
  /** Makes the next block and sends it on the feed. */
  produce(): void;
  close(): Promise<void>;
}

/** Serves a new in-process ledger for `genesis`. */
export async function serveTestLedger(
  genesis: GenesisConfig,
  crypto: MurmurCrypto,
): Promise<TestLedger> {
  const ledger = createMemoryLedger({ genesis }, { crypto });
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://ledger');
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      try {
        if (request.method === 'GET' && url.pathname === '/genesis') {
          return reply(200, encodeGenesis(genesis));
        }
        if (request.method === 'GET' && url.pathname === '/blocks') {
          const from = Number(url.searchParams.get('from') ?? '0');
          const limit = Number(url.searchParams.get('limit') ?? '100');
          return reply(200, {
            blocks: ledger.blocks.slice(from, from + limit).map(encodeBlock),
            height: ledger.height,
          });
        }
        if (request.method === 'GET' && url.pathname === '/state') {
          return reply(
            200,
            encodeStateResponse(ledger.state, {
              activeOnly: url.searchParams.get('activeOnly') === 'true',
            }),
          );
        }
        if (request.method === 'GET' && url.pathname === '/health') {
          return reply(200, { status: 'ok', chainId: genesis.chainId, height: ledger.height });
        }
        if (request.method === 'POST' && url.pathname === '/tx') {
          const result = ledger.submit(decodeTransaction(JSON.parse(body)));
          return reply(result.accepted ? 200 : 400, result);
        }
        reply(404, { error: 'not found' });
      } catch (error) {
        reply(400, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  const feed = new WebSocketServer({ server, path: '/feed' });
  feed.on('connection', (socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ledger,
    url,
    produce() {
      const { block } = ledger.produceBlock();
      const message = JSON.stringify({ type: 'block', block: encodeBlock(block) });
      for (const client of feed.clients) client.send(message);
    },
    async close() {
      for (const client of feed.clients) client.terminate();
      feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

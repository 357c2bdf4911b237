import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AbortError,
  InvalidInputError,
  InvalidResponseError,
  UpstreamFailedError,
} from '@murmur/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSeedNodes } from './seeds.js';

const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);
const C = 'cc'.repeat(32);

let answer: { status: number; body: string } = { status: 200, body: '{}' };
let seen: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
  response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/json_rpc`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function states(list: unknown[], height = 1234) {
  return JSON.stringify({ jsonrpc: '2.0', id: '0', result: { service_node_states: list, height } });
}

describe('fetchSeedNodes', () => {
  it("asks get_n_service_nodes with Session desktop's fields, without a Content-Type", async () => {
    seen = [];
    answer = { status: 200, body: states([]) };
    await fetchSeedNodes({ url, limit: 50 }, { fetch });
    const request = seen[0];
    expect(request?.headers['content-type']).toBeUndefined();
    expect(JSON.parse(request?.body ?? '')).toEqual({
      jsonrpc: '2.0',
      id: '0',
      method: 'get_n_service_nodes',
      params: {
        active_only: true,
        limit: 50,
        fields: {
          public_ip: true,
          storage_port: true,
          pubkey_x25519: true,
          pubkey_ed25519: true,
          requested_unlock_height: true,
          relay_port: true,
          swarm_id: true,
          swarm: true,
        },
      },
    });
  });

  it('returns usable nodes and drops 0.0.0.0, portless and keyless ones', async () => {
    answer = {
      status: 200,
      body: states([
        {
          public_ip: '10.0.0.1',
          storage_port: 22021,
          pubkey_ed25519: A.toUpperCase(),
          pubkey_x25519: B,
          requested_unlock_height: 0,
          relay_port: 22030,
          swarm_id: '1F',
        },
        { public_ip: '0.0.0.0', storage_port: 22021, pubkey_ed25519: B, pubkey_x25519: B },
        { public_ip: '10.0.0.2', storage_port: 0, pubkey_ed25519: C, pubkey_x25519: C },
        { public_ip: '10.0.0.3', pubkey_ed25519: C, pubkey_x25519: C },
        { public_ip: '10.0.0.4', storage_port: 1, pubkey_ed25519: C },
        { public_ip: '10.0.0.5', storage_port: 2, pubkey_ed25519: C, pubkey_x25519: A },
        // oxend's shape: swarm_id a number, swarm the exact hex (read first).
        {
          public_ip: '10.0.0.6',
          storage_port: 3,
          storage_lmq_port: 0,
          pubkey_ed25519: B,
          pubkey_x25519: C,
          swarm_id: 2 ** 62,
          swarm: '3fffffffffffffff',
          storage_server_version: [2, 8, 0],
        },
      ]),
    };
    const result = await fetchSeedNodes({ url }, { fetch });
    expect(result).toEqual({
      height: 1234,
      nodes: [
        { ed25519: A, x25519: B, ip: '10.0.0.1', port: 22021, swarmId: '1f', relayPort: 22030 },
        { ed25519: C, x25519: A, ip: '10.0.0.5', port: 2 },
        { ed25519: B, x25519: C, ip: '10.0.0.6', port: 3, swarmId: '3fffffffffffffff' },
      ],
    });
  });

  it('rejects answers that do not match the seed schema', async () => {
    for (const body of [
      'not json',
      '{"result":{}}',
      states([{ public_ip: '1.2.3', storage_port: 1 }]),
      states([{ public_ip: '0.0.0.0', storage_port: 1, pubkey_ed25519: A, pubkey_x25519: A }]),
    ]) {
      answer = { status: 200, body };
      await expect(fetchSeedNodes({ url }, { fetch })).rejects.toBeInstanceOf(InvalidResponseError);
    }
  });

  it('maps a failing seed to typed errors', async () => {
    answer = { status: 500, body: 'oops' };
    await expect(fetchSeedNodes({ url }, { fetch })).rejects.toBeInstanceOf(UpstreamFailedError);
    await expect(
      fetchSeedNodes({ url: 'http://127.0.0.1:1/json_rpc' }, { fetch }),
    ).rejects.toBeInstanceOf(UpstreamFailedError);
    const controller = new AbortController();
    controller.abort();
    await expect(
      fetchSeedNodes({ url }, { fetch }, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
  });

  it('checks its options', async () => {
    for (const init of [
      { url: 'not a url' },
      { url: 'ftp://seed/json_rpc' },
      { url, limit: -1 },
      { url, timeoutMs: 0 },
    ]) {
      await expect(fetchSeedNodes(init, { fetch })).rejects.toBeInstanceOf(InvalidInputError);
    }
  });
});

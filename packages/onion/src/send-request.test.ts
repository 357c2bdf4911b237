import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type KeyPair, loadCrypto } from '@murmur/crypto';
import {
  AbortError,
  InvalidInputError,
  NextNodeNotFoundError,
  RequestTimeoutError,
  responseFromError,
  UpstreamFailedError,
  utf8Decode,
} from '@murmur/wire';
import { createNodeFetch } from '@murmur/wire/node';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '@murmur/wire/test-support/tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onionFailureKind } from './decode-response.js';
import { OnionLayerRejectedError } from './errors.js';
import type { OnionNode } from './onion-node.js';
import {
  encodeRelayBody,
  encryptFinalResponse,
  parseOnionRequestBody,
  peelOnionLayer,
} from './peel-layer.js';
import { sendOnionRequest } from './send-request.js';
import { makeTestNodes } from './test-support/fixtures.js';

const crypto = await loadCrypto();
// Nodes speak HTTPS with self-signed certificates, as Session's: a fetch that does not check
// them (nothing global changed), and servers with such a certificate.
const fetch = createNodeFetch({ keepAlive: false });

function createServer(handler?: Parameters<typeof createHttpsServer>[1]): Server {
  const options: ServerOptions = { key: TEST_TLS_KEY, cert: TEST_TLS_CERT };
  return (handler === undefined
    ? createHttpsServer(options)
    : createHttpsServer(options, handler)) as unknown as Server;
}

/** Service nodes served by one HTTP server: relays between them happen in process. */
interface Served {
  server: Server;
  port: number;
  headers: IncomingHttpHeaders[];
  keys: Map<string, KeyPair>;
}

async function readBody(request: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of request) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function serveNodes(keys: Map<string, KeyPair>, self: () => string): Promise<Served> {
  const headers: IncomingHttpHeaders[] = [];
  const server = createServer(async (request, response) => {
    headers.push(request.headers);
    const body = await readBody(request);
    let target = self();
    try {
      if (request.url !== '/onion_req/v2' || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      let layer = parseOnionRequestBody(body);
      for (;;) {
        const keyPair = keys.get(target);
        if (keyPair === undefined) throw new Error('unknown node');
        const peeled = await peelOnionLayer(crypto, keyPair, layer);
        if (peeled.role === 'relay') {
          if (!keys.has(peeled.destination)) {
            throw new NextNodeNotFoundError('next node not found', peeled.destination);
          }
          layer = parseOnionRequestBody(encodeRelayBody(peeled.next));
          target = peeled.destination;
          continue;
        }
        if (peeled.role !== 'final') throw new Error('proxy not served here');
        const rpc = JSON.parse(utf8Decode(peeled.rpcBody)) as { method: string };
        const reply = await encryptFinalResponse(crypto, peeled, {
          status: 200,
          body: { echo: rpc.method, node: target },
        });
        response.writeHead(200).end(reply);
        return;
      }
    } catch (error) {
      if (error instanceof OnionLayerRejectedError) {
        response.writeHead(200).end(await error.encryptReply(crypto));
        return;
      }
      const answer = responseFromError(error);
      response
        .writeHead(answer.status)
        .end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    }
  });
  const port = await listen(server);
  return { server, port, headers, keys };
}

const testNodes = makeTestNodes(crypto, 4);
let served: Served;
let hanging: Server;
let hangingPort: number;
let nodes: OnionNode[];

beforeAll(async () => {
  const keys = new Map(testNodes.map((entry) => [entry.node.ed25519, entry.keyPair]));
  let guardKey = '';
  served = await serveNodes(keys, () => guardKey);
  nodes = testNodes.map((entry) => ({ ...entry.node, ip: '127.0.0.1', port: served.port }));
  guardKey = (nodes[0] as OnionNode).ed25519;
  hanging = createServer(() => {
    // never answers
  });
  hangingPort = await listen(hanging);
});

afterAll(async () => {
  await close(served.server);
  await close(hanging);
});

describe('sendOnionRequest against a real HTTPS server running the node-side codec', () => {
  it('delivers a 1-hop request without a Content-Type, with Session desktop headers', async () => {
    const guard = nodes[0] as OnionNode;
    const before = served.headers.length;
    const answer = await sendOnionRequest(
      {
        path: [],
        destination: { type: 'node', node: guard },
        payload: { method: 'info', params: {} },
      },
      { crypto, fetch },
    );
    expect(answer).toEqual({ status: 200, body: { echo: 'info', node: guard.ed25519 } });
    const headers = served.headers[before] as IncomingHttpHeaders;
    expect(headers['content-type']).toBeUndefined();
    expect(headers['user-agent']).toBe('WhatsApp');
    expect(headers['accept-language']).toBe('en-us');
  });

  it('delivers through a 3-node path to a fourth node with xchacha20', async () => {
    const answer = await sendOnionRequest(
      {
        path: nodes.slice(0, 3),
        destination: { type: 'node', node: nodes[3] as OnionNode },
        payload: { method: 'get_swarm', params: {} },
        encType: 'xchacha20',
      },
      { crypto, fetch },
    );
    expect(answer.body).toEqual({ echo: 'get_swarm', node: (nodes[3] as OnionNode).ed25519 });
  });

  it('throws NextNodeNotFoundError naming the node a relay cannot find', async () => {
    const [stranger] = makeTestNodes(crypto, 1, 99);
    if (stranger === undefined) throw new Error('no node');
    const error = await sendOnionRequest(
      {
        path: [nodes[0] as OnionNode],
        destination: { type: 'node', node: stranger.node },
        payload: { method: 'info', params: {} },
      },
      { crypto, fetch },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NextNodeNotFoundError);
    expect((error as NextNodeNotFoundError).nodeKey).toBe(stranger.node.ed25519);
    expect(onionFailureKind(error)).toBe('node');
  });

  it('reports "Invalid ciphertext" from a guard that has another key as a path failure', async () => {
    const impostor = { ...(nodes[0] as OnionNode), x25519: (nodes[1] as OnionNode).x25519 };
    const error = await sendOnionRequest(
      {
        path: [],
        destination: { type: 'node', node: impostor },
        payload: { method: 'info', params: {} },
      },
      { crypto, fetch },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('Invalid ciphertext');
    expect(onionFailureKind(error)).toBe('path');
  });

  it('times out as a path failure', async () => {
    const guard = { ...(nodes[0] as OnionNode), port: hangingPort };
    const error = await sendOnionRequest(
      {
        path: [],
        destination: { type: 'node', node: guard },
        payload: { method: 'info', params: {} },
        timeoutMs: 100,
      },
      { crypto, fetch },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(onionFailureKind(error)).toBe('path');
  });

  it('maps an unreachable guard to a path failure', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await close(probe);
    const error = await sendOnionRequest(
      {
        path: [],
        destination: { type: 'node', node: { ...(nodes[0] as OnionNode), port } },
        payload: { method: 'info', params: {} },
      },
      { crypto, fetch },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamFailedError);
    expect(onionFailureKind(error)).toBe('path');
  });

  it('stops on its signal without blaming anyone', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await sendOnionRequest(
      {
        path: [],
        destination: { type: 'node', node: { ...(nodes[0] as OnionNode), port: hangingPort } },
        payload: { method: 'info', params: {} },
        signal: controller.signal,
      },
      { crypto, fetch },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(onionFailureKind(error)).toBe('none');
  });

  it('checks its options', async () => {
    const base = {
      path: [],
      destination: { type: 'node' as const, node: nodes[0] as OnionNode },
      payload: {},
    };
    await expect(
      sendOnionRequest({ ...base, timeoutMs: 0 }, { crypto, fetch }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      sendOnionRequest({ ...base, scheme: 'ftp' as never }, { crypto, fetch }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      sendOnionRequest(base, { crypto, fetch: undefined as never }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });
});

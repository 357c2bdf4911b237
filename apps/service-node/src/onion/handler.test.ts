import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildOnionRequest, decodeOnionResponse, type OnionNode } from '@murmur/onion';
import { parseOnionRequestBody, peelOnionLayer } from '@murmur/onion/node';
import { bytesToHex, encodeCombinedPayload, parseResponse } from '@murmur/wire';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NodeKeys } from '../keys.js';
import type { ServiceNodeInfo } from '../network/network-view.js';
import { createCryptoOffload } from '../offload/crypto-offload.js';
import { createRpcDispatcher } from '../rpc/dispatcher.js';
import { storeContents } from '../test-support/assertions.js';
import {
  buildTestApp,
  createHarness,
  type Harness,
  nodeInfo,
  OTHER_SWARM,
  OWN_SWARM,
  TEST_NOW,
} from '../test-support/harness.js';
import { createHttpOnionForwarder, type OnionForwarder } from './forwarder.js';
import { createOnionHandler } from './handler.js';
import { createHttpOnionProxy, type OnionProxy } from './proxy.js';
import type { OnionReply } from './types.js';

interface Node {
  h: Harness;
  app: FastifyInstance;
}

const cleanups: (() => Promise<void> | void)[] = [];

// The worker runs the built JavaScript (the package's `test` script builds first).
const workerUrl = new URL('../../dist/offload/crypto-worker.js', import.meta.url);
const workerBuilt = existsSync(fileURLToPath(workerUrl));

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startNode(
  options: {
    self?: number;
    notActive?: boolean;
    forwarder?: OnionForwarder;
    proxy?: OnionProxy;
    /** Peel on this many worker threads (started and ready before this returns). */
    offloadWorkers?: number | undefined;
  } = {},
): Promise<Node> {
  const h = await createHarness({ self: options.self, notActive: options.notActive });
  if (options.offloadWorkers !== undefined) {
    const offload = createCryptoOffload(
      {
        workers: options.offloadWorkers,
        workerUrl,
        // Every peel crosses to the workers.
        inline: false,
      },
      { crypto: h.crypto, keys: h.keys },
    );
    cleanups.push(() => offload.stop());
    await offload.signText('warm-up');
    await vi.waitFor(() => expect(offload.ready()).toBe(options.offloadWorkers), {
      timeout: 30_000,
    });
    h.context.offload = offload;
  }
  const dispatcher = createRpcDispatcher(h.context, { validateResponses: true });
  const onion = createOnionHandler({
    context: h.context,
    dispatcher,
    forwarder: options.forwarder ?? createHttpOnionForwarder({ timeoutMs: 2000, scheme: 'http' }),
    proxy: options.proxy ?? createHttpOnionProxy(),
  });
  const { app } = await buildTestApp(h, { onion });
  cleanups.push(() => h.close());
  cleanups.push(() => app.close());
  return { h, app };
}

function onionNode(keys: NodeKeys, port = 20_000): OnionNode {
  return { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex, ip: '127.0.0.1', port };
}

async function post(node: Node, body: Uint8Array): Promise<{ status: number; body: Uint8Array }> {
  const response = await node.app.inject({
    method: 'POST',
    url: '/onion_req/v2',
    payload: Buffer.from(body),
  });
  return { status: response.statusCode, body: new Uint8Array(response.rawPayload) };
}

describe('final destination', () => {
  it('runs the storage RPC and answers the encrypted {status, body}', async () => {
    const node = await startNode();
    const { crypto } = node.h;
    for (const encType of ['aes-gcm', 'xchacha20'] as const) {
      const request = await buildOnionRequest(crypto, {
        path: [],
        destination: { type: 'node', node: onionNode(node.h.keys) },
        payload: { method: 'info', params: {} },
        encType,
      });
      const answer = await post(node, request.body);
      expect(answer.status).toBe(200);
      const decoded = await decodeOnionResponse(crypto, request, answer);
      expect(decoded.status).toBe(200);
      expect(parseResponse('info', decoded.body).t).toBe(TEST_NOW);
    }
  });

  it('passes the RPC’s own refusals inside the encrypted reply (here 421)', async () => {
    const node = await startNode();
    const { crypto } = node.h;
    const stranger = node.h.account(OTHER_SWARM);
    const request = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: onionNode(node.h.keys) },
      payload: {
        method: 'store',
        params: { pubkey: stranger.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      },
    });
    const decoded = await decodeOnionResponse(crypto, request, await post(node, request.body));
    expect(decoded.status).toBe(421);
    expect((decoded.body as { swarm: string }).swarm).toBe(OTHER_SWARM.toString(16));
  });

  it('stores through an onion request', async () => {
    const node = await startNode();
    const { crypto } = node.h;
    const alice = node.h.account(OWN_SWARM);
    const request = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: onionNode(node.h.keys) },
      payload: {
        method: 'store',
        params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: 'aGk=' },
      },
    });
    const decoded = await decodeOnionResponse(crypto, request, await post(node, request.body));
    expect(decoded.status).toBe(200);
    expect(node.h.store.stats().messages).toBe(1);
  });
});

describe('relay', () => {
  it.each([
    ['peeled inline', false],
    ['peeled and encoded on a worker thread', true],
  ])(
    'passes the next layer to an active node and hands its answer back unchanged (%s)',
    async (_name, onWorker) => {
      if (onWorker && !workerBuilt) return;
      const seen: { node: ServiceNodeInfo; body: Uint8Array }[] = [];
      const forwarder: OnionForwarder = {
        async forward(node, body) {
          seen.push({ node, body });
          return { status: 200, body: new Uint8Array([1, 2, 3]) } satisfies OnionReply;
        },
      };
      const node = await startNode({ forwarder, offloadWorkers: onWorker ? 1 : undefined });
      const { crypto } = node.h;
      const target = node.h.peers[3] as NodeKeys;
      const request = await buildOnionRequest(crypto, {
        path: [onionNode(node.h.keys)],
        destination: { type: 'node', node: onionNode(target, 20_040) },
        payload: { method: 'info', params: {} },
      });
      const answer = await post(node, request.body);
      expect(answer).toEqual({ status: 200, body: new Uint8Array([1, 2, 3]) });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.node.ed25519).toBe(target.ed25519Hex);
      // What went on is the next node's layer, at hop 2, and it opens with the next node's key.
      const next = parseOnionRequestBody(seen[0]?.body as Uint8Array);
      expect(next.hopNumber).toBe(2);
      const peeled = await peelOnionLayer(crypto, target.x25519, next);
      expect(peeled.role).toBe('final');
    },
  );

  it('answers 502 "Next node not found: <key>" for a node that is not an active registered node', async () => {
    const node = await startNode();
    const { crypto } = node.h;
    const unknown = crypto.generateIdentity();
    const request = await buildOnionRequest(crypto, {
      path: [onionNode(node.h.keys)],
      destination: {
        type: 'node',
        node: {
          ed25519: bytesToHex(unknown.ed25519.publicKey),
          x25519: bytesToHex(unknown.x25519.publicKey),
          ip: '127.0.0.1',
          port: 1,
        },
      },
      payload: { method: 'info', params: {} },
    });
    const answer = await post(node, request.body);
    expect(answer.status).toBe(502);
    expect(Buffer.from(answer.body).toString()).toBe(
      `Next node not found: ${bytesToHex(unknown.ed25519.publicKey)}`,
    );
  });

  it('relays over HTTP between two real nodes on loopback', async () => {
    const first = await startNode({ self: 1 });
    const second = await startNode({ self: 4 });
    await first.app.listen({ host: '127.0.0.1', port: 0 });
    await second.app.listen({ host: '127.0.0.1', port: 0 });
    const portOf = (app: FastifyInstance) => (app.server.address() as AddressInfo).port;
    const { crypto } = first.h;
    const all = [first.h.keys, ...first.h.peers];
    const ports = new Map([
      [first.h.keys.ed25519Hex, portOf(first.app)],
      [second.h.keys.ed25519Hex, portOf(second.app)],
    ]);
    const nodes = all.map((keys, index) =>
      nodeInfo(keys, index < 3 ? OWN_SWARM : OTHER_SWARM, ports.get(keys.ed25519Hex) ?? 1),
    );
    first.h.network.setNodes(nodes);
    second.h.network.setNodes(nodes);
    const request = await buildOnionRequest(crypto, {
      path: [onionNode(first.h.keys, portOf(first.app))],
      destination: { type: 'node', node: onionNode(second.h.keys, portOf(second.app)) },
      payload: { method: 'info', params: {} },
    });
    const response = await fetch(`http://127.0.0.1:${portOf(first.app)}/onion_req/v2`, {
      method: 'POST',
      body: request.body,
    });
    const decoded = await decodeOnionResponse(crypto, request, {
      status: response.status,
      body: new Uint8Array(await response.arrayBuffer()),
    });
    expect(decoded.status).toBe(200);
    expect((decoded.body as { version: number[] }).version).toEqual([2, 8, 0]);
  });
});

describe('proxy to an external server', () => {
  async function startServer(): Promise<{ port: number; bodies: Buffer[] }> {
    const bodies: Buffer[] = [];
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        response.end(Buffer.from([9, 8, 7]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as AddressInfo).port, bodies };
  }

  async function exitRequest(node: Node, port: number) {
    const server = node.h.crypto.generateIdentity();
    return buildOnionRequest(node.h.crypto, {
      path: [onionNode(node.h.keys)],
      destination: {
        type: 'server',
        host: '127.0.0.1',
        target: '/oxen/v4/lsrpc',
        port,
        protocol: 'http',
        x25519: bytesToHex(server.x25519.publicKey),
      },
      payload: { hello: 'server' },
      v4: { method: 'POST', endpoint: '/room/x' },
    });
  }

  it('refuses a loopback target unless in devnet mode (encrypted 400 "Invalid url")', async () => {
    const { port, bodies } = await startServer();
    const node = await startNode();
    const request = await exitRequest(node, port);
    const answer = await post(node, request.body);
    expect(answer.status).toBe(200);
    // The refusal is sealed with the exit layer's key (the one this node peeled), as Session's.
    const exitLayer = await peelOnionLayer(
      node.h.crypto,
      node.h.keys.x25519,
      parseOnionRequestBody(request.body),
    );
    if (exitLayer.role !== 'proxy') throw new Error('expected an exit layer');
    const plaintext = await node.h.crypto.decryptLayerResponse(
      Buffer.from(Buffer.from(answer.body).toString(), 'base64'),
      exitLayer.key,
      'aes-gcm',
    );
    expect(JSON.parse(Buffer.from(plaintext).toString())).toEqual({
      status: 400,
      body: 'Invalid url',
    });
    expect(bodies).toHaveLength(0);
  });

  it('in devnet mode POSTs the decrypted exit layer and answers the server’s body raw', async () => {
    const { port, bodies } = await startServer();
    const node = await startNode({ proxy: createHttpOnionProxy({ allowPrivateTargets: true }) });
    const request = await exitRequest(node, port);
    const answer = await post(node, request.body);
    expect(answer).toEqual({ status: 200, body: new Uint8Array([9, 8, 7]) });
    expect(bodies).toHaveLength(1);
    // The server got the whole exit layer: a combined payload whose JSON names the target.
    const json = JSON.parse(
      (bodies[0] as Buffer).subarray(4 + (bodies[0] as Buffer).readUInt32LE(0)).toString(),
    );
    expect(json).toMatchObject({ host: '127.0.0.1', target: '/oxen/v4/lsrpc' });
  });
});

describe('bad onion requests: status, clear message, no crash, nothing stored', () => {
  it('refuses malformed bodies, foreign keys, aes-cbc and too many hops with 400', async () => {
    const node = await startNode();
    const { crypto } = node.h;
    const other = node.h.peers[0] as NodeKeys;
    const toOther = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: onionNode(other) },
      payload: { method: 'info', params: {} },
    });
    const good = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: onionNode(node.h.keys) },
      payload: { method: 'info', params: {} },
    });
    const { ciphertext, ephemeralKey } = parseOnionRequestBody(good.body);
    const withJson = (json: Record<string, unknown>) => encodeCombinedPayload(ciphertext, json);
    const cases: [Uint8Array, number, RegExp][] = [
      [new Uint8Array(0), 400, /shorter than its 4-byte length prefix/],
      [new Uint8Array([255, 255, 0, 0, 1, 2]), 400, /announces/],
      [
        encodeCombinedPayload(ciphertext, new TextEncoder().encode('not json')),
        400,
        /not valid JSON/,
      ],
      [withJson({}), 400, /ephemeral_key/],
      [withJson({ ephemeral_key: 'zz' }), 400, /ephemeral_key/],
      [toOther.body, 400, /^Invalid ciphertext$/],
      [
        withJson({ ephemeral_key: bytesToHex(ephemeralKey), enc_type: 'aes-cbc' }),
        400,
        /not supported/,
      ],
      [withJson({ ephemeral_key: bytesToHex(ephemeralKey), enc_type: 'rot13' }), 400, /enc_type/],
      [
        withJson({ ephemeral_key: bytesToHex(ephemeralKey), hop_no: 16 }),
        400,
        /onion request max path length exceeded/,
      ],
    ];
    const before = storeContents(node.h.store);
    for (const [body, status, message] of cases) {
      const answer = await post(node, body);
      expect(answer.status, Buffer.from(message.source).toString()).toBe(status);
      expect(Buffer.from(answer.body).toString()).toMatch(message);
    }
    expect(storeContents(node.h.store)).toEqual(before);
    // The node still serves.
    expect((await post(node, good.body)).status).toBe(200);
  });

  it('answers 503 "Snode not ready" while the node is not active', async () => {
    const node = await startNode({ notActive: true });
    const answer = await post(node, new Uint8Array([1, 2, 3, 4]));
    expect(answer.status).toBe(503);
    expect(Buffer.from(answer.body).toString()).toMatch(/^Snode not ready/);
  });
});

import { type LayerEncryption, loadCrypto } from '@murmur/crypto';
import {
  bytesToHex,
  decodeCombinedPayload,
  encodeCombinedPayload,
  hexToBytes,
  MAX_ONION_HOPS,
  utf8Decode,
  utf8Encode,
} from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { buildOnionRequest } from './build-request.js';
import { decodeOnionResponse } from './decode-response.js';
import { encryptFinalResponse, parseOnionRequestBody, peelOnionLayer } from './peel-layer.js';
import { openServerRequest, sealServerResponse } from './server-side.js';
import { makeTestNodes, runOnion } from './test-support/fixtures.js';

const crypto = await loadCrypto();
const ENC_TYPES: LayerEncryption[] = ['aes-gcm', 'xchacha20'];

describe('node destination round trip', () => {
  for (const encType of ENC_TYPES) {
    it(`works through 1 to ${MAX_ONION_HOPS} processing nodes with ${encType}`, async () => {
      const nodes = makeTestNodes(crypto, MAX_ONION_HOPS);
      for (let processing = 1; processing <= MAX_ONION_HOPS; processing++) {
        const chain = nodes.slice(0, processing);
        const destination = chain[chain.length - 1];
        if (destination === undefined) throw new Error('no destination');
        const payload = { method: 'info', params: { hop: processing } };
        const request = await buildOnionRequest(crypto, {
          path: chain.slice(0, -1).map((entry) => entry.node),
          destination: { type: 'node', node: destination.node },
          payload,
          encType,
        });
        const body = decodeCombinedPayload(request.body).json;
        expect(body).toEqual({ ephemeral_key: expect.any(String), enc_type: encType });

        const run = await runOnion(crypto, request, chain);
        expect(run.visited).toEqual(chain.map((entry) => entry.node.ed25519));
        expect(run.hopNumbers).toEqual(chain.map((_, index) => index + 1));
        expect(new Set(run.ephemeralKeys).size).toBe(processing);
        if (run.last.role !== 'final') throw new Error('expected the final role');
        expect(JSON.parse(utf8Decode(run.last.rpcBody))).toEqual(payload);
        expect(run.last.returnJson).toBe(false);
        expect(run.last.returnBase64).toBe(true);

        const answer = { hf: [19, 3], t: 1_700_000_000_000, version: [2, 8, 0] };
        const reply = await encryptFinalResponse(crypto, run.last, {
          status: 200,
          body: JSON.stringify(answer),
        });
        expect(utf8Decode(reply)).toMatch(/^[A-Za-z0-9+/]+=*$/);
        const decoded = await decodeOnionResponse(crypto, request, { status: 200, body: reply });
        expect(decoded).toEqual({ status: 200, body: answer });
      }
    });
  }

  it('uses a fresh ephemeral key per layer and per request', async () => {
    const nodes = makeTestNodes(crypto, 4);
    const input = {
      path: nodes.slice(0, 3).map((entry) => entry.node),
      destination: { type: 'node' as const, node: (nodes[3] as (typeof nodes)[number]).node },
      payload: { method: 'info', params: {} },
    };
    const first = await runOnion(crypto, await buildOnionRequest(crypto, input), nodes);
    const second = await runOnion(crypto, await buildOnionRequest(crypto, input), nodes);
    const all = [...first.ephemeralKeys, ...second.ephemeralKeys];
    expect(new Set(all).size).toBe(8);
  });

  it('sends the destination plaintext as Session desktop does: [N][rpc]{"headers":{}}', async () => {
    const [destination] = makeTestNodes(crypto, 1);
    if (destination === undefined) throw new Error('no node');
    const request = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: destination.node },
      payload: utf8Encode('{"method":"info","params":{}}'),
    });
    expect(request.guard).toEqual(destination.node);
    const layer = parseOnionRequestBody(request.body);
    const { plaintext } = await crypto.decryptLayer(
      layer.ciphertext,
      destination.keyPair,
      layer.ephemeralKey,
      'aes-gcm',
    );
    const inner = decodeCombinedPayload(plaintext);
    expect(inner.json).toEqual({ headers: {} });
    expect(utf8Decode(inner.blob)).toBe('{"method":"info","params":{}}');
  });

  it('keeps the response key out of enumeration, JSON and spreads', async () => {
    const [destination] = makeTestNodes(crypto, 1);
    if (destination === undefined) throw new Error('no node');
    const request = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: destination.node },
      payload: { method: 'info', params: {} },
    });
    expect(request.responseKey).toBeInstanceOf(Uint8Array);
    expect(request.responseKey).toHaveLength(32);
    expect(Object.keys(request)).not.toContain('responseKey');
    expect(JSON.stringify(request)).not.toContain(bytesToHex(request.responseKey));
    expect({ ...request }).not.toHaveProperty('responseKey');
  });

  it('honours "json": true and "base64": false in the final layer', async () => {
    const [destination] = makeTestNodes(crypto, 1);
    if (destination === undefined) throw new Error('no node');
    const plaintext = encodeCombinedPayload(utf8Encode('{"method":"info","params":{}}'), {
      headers: {},
      json: true,
      base64: false,
    });
    const layer = await crypto.encryptLayer(
      plaintext,
      hexToBytes(destination.node.x25519),
      'xchacha20',
    );
    const peeled = await peelOnionLayer(crypto, destination.keyPair, {
      ciphertext: layer.ciphertext,
      ephemeralKey: layer.ephemeralPublicKey,
      encType: 'xchacha20',
      hopNumber: 1,
    });
    if (peeled.role !== 'final') throw new Error('expected the final role');
    expect(peeled.returnJson).toBe(true);
    expect(peeled.returnBase64).toBe(false);
    const reply = await encryptFinalResponse(crypto, peeled, {
      status: 421,
      body: { snodes: [], swarm: 'ff' },
    });
    const opened = await crypto.decryptLayerResponse(reply, layer.key, 'xchacha20');
    expect(JSON.parse(utf8Decode(opened))).toEqual({
      status: 421,
      body: { snodes: [], swarm: 'ff' },
    });
  });

  it('stringifies object bodies unless json is asked for, as wrap_proxy_response', async () => {
    const nodes = makeTestNodes(crypto, 2);
    const request = await buildOnionRequest(crypto, {
      path: [(nodes[0] as (typeof nodes)[number]).node],
      destination: { type: 'node', node: (nodes[1] as (typeof nodes)[number]).node },
      payload: { method: 'info', params: {} },
    });
    const run = await runOnion(crypto, request, nodes);
    if (run.last.role !== 'final') throw new Error('expected the final role');
    const reply = await encryptFinalResponse(crypto, run.last, { status: 200, body: { a: 1 } });
    const raw = await crypto.decryptLayerResponse(
      Uint8Array.from(atob(utf8Decode(reply)), (c) => c.charCodeAt(0)),
      request.responseKey,
      'aes-gcm',
    );
    expect(JSON.parse(utf8Decode(raw))).toEqual({ status: 200, body: '{"a":1}' });
    expect(await decodeOnionResponse(crypto, request, { status: 200, body: reply })).toEqual({
      status: 200,
      body: { a: 1 },
    });
  });
});

describe('server destination (proxy role and v4 server helpers)', () => {
  for (const encType of ENC_TYPES) {
    it(`round-trips a v4 request through 3 nodes to a server with ${encType}`, async () => {
      const nodes = makeTestNodes(crypto, 3);
      const server = crypto.x25519KeyPair();
      const request = await buildOnionRequest(crypto, {
        path: nodes.map((entry) => entry.node),
        destination: {
          type: 'server',
          host: 'files.example.org',
          target: '/oxen/v4/lsrpc',
          x25519: bytesToHex(server.publicKey),
        },
        payload: { text: 'hello' },
        v4: { method: 'POST', endpoint: '/room/general/message', headers: { 'X-Extra': 'yes' } },
        encType,
      });
      const run = await runOnion(crypto, request, nodes);
      expect(run.visited).toHaveLength(3);
      if (run.last.role !== 'proxy') throw new Error('expected the proxy role');
      expect(run.last).toMatchObject({
        host: 'files.example.org',
        target: '/oxen/v4/lsrpc',
        port: 443,
        protocol: 'https',
        method: 'POST',
        encType,
      });
      // The exit forwards its whole decrypted layer; its JSON names the server's ephemeral key.
      const forwarded = decodeCombinedPayload(run.last.forwardBody).json;
      expect(forwarded).toMatchObject({
        host: 'files.example.org',
        target: '/oxen/v4/lsrpc',
        method: 'POST',
        enc_type: encType,
        ephemeral_key: expect.stringMatching(/^[0-9a-f]{64}$/),
      });

      const opened = await openServerRequest(crypto, server, run.last.forwardBody);
      expect(opened.encType).toBe(encType);
      expect(opened.request.method).toBe('POST');
      expect(opened.request.endpoint).toBe('/room/general/message');
      expect(opened.request.headers).toEqual({
        'X-Extra': 'yes',
        'content-type': 'application/json',
      });
      expect(JSON.parse(utf8Decode(opened.request.body ?? new Uint8Array()))).toEqual({
        text: 'hello',
      });
      expect(Object.keys(opened)).not.toContain('key');

      const sealed = await sealServerResponse(crypto, opened, {
        status: 201,
        headers: { 'X-Id': '7' },
        body: { id: 7 },
      });
      const decoded = await decodeOnionResponse(crypto, request, { status: 200, body: sealed });
      expect(decoded.status).toBe(201);
      expect(decoded.body).toEqual({ id: 7 });
      expect(decoded.headers).toEqual({ 'x-id': '7', 'content-type': 'application/json' });
      expect(utf8Decode(decoded.bodyBytes ?? new Uint8Array())).toBe('{"id":7}');
    });
  }

  it('sends a GET without a body and returns binary bodies as bytes', async () => {
    const nodes = makeTestNodes(crypto, 1);
    const server = crypto.x25519KeyPair();
    const request = await buildOnionRequest(crypto, {
      path: nodes.map((entry) => entry.node),
      destination: {
        type: 'server',
        host: '127.0.0.1',
        target: '/loki/v4/lsrpc',
        protocol: 'http',
        port: 8080,
        x25519: bytesToHex(server.publicKey),
      },
      v4: { method: 'GET', endpoint: '/file/1' },
    });
    const run = await runOnion(crypto, request, nodes);
    if (run.last.role !== 'proxy') throw new Error('expected the proxy role');
    expect(run.last).toMatchObject({ protocol: 'http', port: 8080, host: '127.0.0.1' });
    const opened = await openServerRequest(crypto, server, run.last.forwardBody);
    expect(opened.request.body).toBeUndefined();
    expect(opened.request.headers).toEqual({});
    const file = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    const sealed = await sealServerResponse(crypto, opened, { status: 200, body: file });
    const decoded = await decodeOnionResponse(crypto, request, { status: 200, body: sealed });
    expect(decoded.status).toBe(200);
    expect(decoded.body).toEqual(file);
  });
});

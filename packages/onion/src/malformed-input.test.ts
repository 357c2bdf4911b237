import { loadCrypto } from '@murmur/crypto';
import {
  AbortError,
  bytesToHex,
  DecryptionFailedError,
  encodeCombinedPayload,
  hexToBytes,
  InvalidInputError,
  MurmurError,
  PayloadMalformedError,
  responseFromError,
  UnsupportedError,
  utf8Decode,
  utf8Encode,
} from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { buildOnionRequest } from './build-request.js';
import { OnionLayerRejectedError } from './errors.js';
import {
  encodeRelayBody,
  type OnionLayerRequest,
  parseOnionRequestBody,
  peelOnionLayer,
} from './peel-layer.js';
import { openServerRequest } from './server-side.js';
import { makeTestNodes, type TestNode } from './test-support/fixtures.js';

const crypto = await loadCrypto();
const [alice, bob] = makeTestNodes(crypto, 2) as [TestNode, TestNode];
const EPHEMERAL = bytesToHex(crypto.x25519KeyPair().publicKey);

function outerBody(json: Record<string, unknown>, blob = new Uint8Array(40)): Uint8Array {
  return encodeCombinedPayload(blob, json);
}

/** A layer for `node` whose plaintext is exactly `plaintext`. */
async function layerFor(
  node: TestNode,
  plaintext: Uint8Array,
  encType: 'aes-gcm' | 'xchacha20' = 'aes-gcm',
) {
  const layer = await crypto.encryptLayer(plaintext, hexToBytes(node.node.x25519), encType);
  const request: OnionLayerRequest = {
    ciphertext: layer.ciphertext,
    ephemeralKey: layer.ephemeralPublicKey,
    encType,
    hopNumber: 1,
  };
  return { request, key: layer.key };
}

function expectStatus(error: unknown, status: number, body?: string): void {
  expect(MurmurError.isInstance(error)).toBe(true);
  const answer = responseFromError(error);
  expect(answer.status).toBe(status);
  if (body !== undefined) expect(answer.body).toBe(body);
}

async function caught(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseOnionRequestBody', () => {
  it('rejects a body shorter than its length prefix', async () => {
    const error = await caught(() => parseOnionRequestBody(new Uint8Array([1, 0, 0])));
    expect(error).toBeInstanceOf(PayloadMalformedError);
    expectStatus(error, 400);
  });

  it('rejects a truncated blob', async () => {
    const body = outerBody({ ephemeral_key: EPHEMERAL });
    const error = await caught(() => parseOnionRequestBody(body.subarray(0, 20)));
    expect(error).toBeInstanceOf(PayloadMalformedError);
    expectStatus(error, 400);
  });

  it('rejects a JSON part that is not JSON', async () => {
    const body = encodeCombinedPayload(new Uint8Array(4), utf8Encode('{"ephemeral_key":'));
    const error = await caught(() => parseOnionRequestBody(body));
    expect(error).toBeInstanceOf(PayloadMalformedError);
    expectStatus(error, 400);
  });

  it('requires an ephemeral key of 32 bytes', async () => {
    for (const json of [{}, { ephemeral_key: 'abcd' }, { ephemeral_key: 7 }]) {
      const error = await caught(() => parseOnionRequestBody(outerBody(json)));
      expect(error).toBeInstanceOf(InvalidInputError);
      expectStatus(error, 400);
    }
  });

  it('defaults enc_type to aes-gcm and accepts the aliases', () => {
    expect(parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL })).encType).toBe('aes-gcm');
    for (const [given, expected] of [
      ['gcm', 'aes-gcm'],
      ['aes-gcm', 'aes-gcm'],
      ['xchacha20', 'xchacha20'],
      ['xchacha20-poly1305', 'xchacha20'],
    ]) {
      const parsed = parseOnionRequestBody(
        outerBody({ ephemeral_key: EPHEMERAL, enc_type: given }),
      );
      expect(parsed.encType).toBe(expected);
    }
  });

  it('rejects an unknown enc_type with a 400', async () => {
    const error = await caught(() =>
      parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL, enc_type: 'rot13' })),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expectStatus(error, 400);
  });

  it('refuses aes-cbc and cbc, saying why', async () => {
    for (const encType of ['aes-cbc', 'cbc']) {
      const error = await caught(() =>
        parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL, enc_type: encType })),
      );
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/no MAC/);
      expectStatus(error, 400);
    }
  });

  it('accepts hop_no up to 15 and refuses 16', async () => {
    expect(parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL })).hopNumber).toBe(1);
    expect(
      parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL, hop_no: 0 })).hopNumber,
    ).toBe(1);
    expect(
      parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL, hop_no: 15 })).hopNumber,
    ).toBe(15);
    const error = await caught(() =>
      parseOnionRequestBody(outerBody({ ephemeral_key: EPHEMERAL, hop_no: 16 })),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expectStatus(error, 400, 'onion request max path length exceeded');
  });

  it('rejects something that is not bytes', async () => {
    const error = await caught(() => parseOnionRequestBody('body' as unknown as Uint8Array));
    expect(error).toBeInstanceOf(InvalidInputError);
  });
});

describe('peelOnionLayer', () => {
  it('answers "Invalid ciphertext" for a layer encrypted to another key', async () => {
    const request = await buildOnionRequest(crypto, {
      path: [],
      destination: { type: 'node', node: alice.node },
      payload: { method: 'info', params: {} },
    });
    const error = await caught(() =>
      peelOnionLayer(crypto, bob.keyPair, parseOnionRequestBody(request.body)),
    );
    expect(error).toBeInstanceOf(DecryptionFailedError);
    expectStatus(error, 400, 'Invalid ciphertext');
  });

  it('answers "Invalid ciphertext" for a tampered, short or mislabelled layer', async () => {
    const { request } = await layerFor(alice, utf8Encode('x'));
    const tampered = request.ciphertext.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    for (const variant of [
      { ...request, ciphertext: tampered },
      { ...request, ciphertext: request.ciphertext.subarray(0, 10) },
      { ...request, encType: 'xchacha20' as const },
      { ...request, ephemeralKey: new Uint8Array(32) },
    ]) {
      const error = await caught(() => peelOnionLayer(crypto, alice.keyPair, variant));
      expect(error).toBeInstanceOf(DecryptionFailedError);
      expectStatus(error, 400, 'Invalid ciphertext');
    }
  });

  it('answers "Invalid json", encrypted with the layer key, for a decrypted layer that is not JSON', async () => {
    for (const plaintext of [
      utf8Encode('not a combined payload'),
      encodeCombinedPayload(new Uint8Array(2), utf8Encode('[1,2]')),
      new Uint8Array(2),
    ]) {
      const { request, key } = await layerFor(alice, plaintext);
      const error = await caught(() => peelOnionLayer(crypto, alice.keyPair, request));
      expect(error).toBeInstanceOf(OnionLayerRejectedError);
      expectStatus(error, 400, 'Invalid json');
      const reply = await (error as OnionLayerRejectedError).encryptReply(crypto);
      const opened = await crypto.decryptLayerResponse(
        Uint8Array.from(atob(utf8Decode(reply)), (c) => c.charCodeAt(0)),
        key,
        'aes-gcm',
      );
      expect(JSON.parse(utf8Decode(opened))).toEqual({ status: 400, body: 'Invalid json' });
      // The key stays inside the error.
      expect(JSON.stringify(error)).not.toContain(bytesToHex(key));
      expect(Object.values(error as object).some((v) => v instanceof Uint8Array)).toBe(false);
    }
  });

  it('answers "Invalid json" for a relay layer without destination or ephemeral_key', async () => {
    for (const [json, field] of [
      [{ ephemeral_key: EPHEMERAL }, 'destination'],
      [{ destination: bob.node.ed25519 }, 'ephemeral_key'],
      [{ destination: 'zz', ephemeral_key: EPHEMERAL }, 'destination'],
    ] as const) {
      const { request } = await layerFor(alice, encodeCombinedPayload(new Uint8Array(8), json));
      const error = await caught(() => peelOnionLayer(crypto, alice.keyPair, request));
      expect(error).toBeInstanceOf(OnionLayerRejectedError);
      expectStatus(error, 400, 'Invalid json');
      expect((error as MurmurError).details).toMatchObject({ field });
    }
  });

  it('answers "Invalid json" for a final layer with flags of the wrong type', async () => {
    const { request } = await layerFor(
      alice,
      encodeCombinedPayload(new Uint8Array(8), { headers: {}, json: 'yes' }),
    );
    const error = await caught(() => peelOnionLayer(crypto, alice.keyPair, request));
    expect(error).toBeInstanceOf(OnionLayerRejectedError);
  });

  it('answers "Invalid url" for targets and protocols an exit may not call', async () => {
    for (const json of [
      { host: 'example.org', target: '/oxen/v4/lsrpc?admin=1' },
      { host: 'example.org', target: '/api/v4/lsrpc' },
      { host: 'example.org', target: '/oxen/v4/other' },
      { host: 'example.org', target: 42 },
      { host: 'example.org' },
      { host: 'example.org', target: '/oxen/v4/lsrpc', protocol: 'ftp' },
      // Issue 10: these reached the exit's HTTP request line and made a 500.
      { host: 'example.org', target: '/oxen/v4 x/lsrpc' },
      { host: 'example.org', target: '/oxen/v4\r\nHost: evil\r\n/lsrpc' },
      { host: 'example.org', target: '/oxen/v4\t/lsrpc' },
      { host: 'example.org', target: '/oxen/v4#frag/lsrpc' },
    ]) {
      const { request } = await layerFor(alice, encodeCombinedPayload(new Uint8Array(8), json));
      const error = await caught(() => peelOnionLayer(crypto, alice.keyPair, request));
      expect(error).toBeInstanceOf(OnionLayerRejectedError);
      expectStatus(error, 400, 'Invalid url');
    }
  });

  it('refuses to relay past hop 15 and accepts a layer at hop 15 for the final node', async () => {
    const relay = encodeCombinedPayload(new Uint8Array(8), {
      destination: bob.node.ed25519,
      ephemeral_key: EPHEMERAL,
    });
    const atFourteen = await layerFor(alice, relay);
    const peeled = await peelOnionLayer(crypto, alice.keyPair, {
      ...atFourteen.request,
      hopNumber: 14,
    });
    expect(peeled.role === 'relay' && peeled.next.hopNumber).toBe(15);
    const parsed = parseOnionRequestBody(
      encodeRelayBody(peeled.role === 'relay' ? peeled.next : atFourteen.request),
    );
    expect(parsed.hopNumber).toBe(15);

    const atFifteen = await layerFor(alice, relay);
    const error = await caught(() =>
      peelOnionLayer(crypto, alice.keyPair, { ...atFifteen.request, hopNumber: 15 }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expectStatus(error, 400, 'onion request max path length exceeded');

    const final = await layerFor(alice, encodeCombinedPayload(new Uint8Array(8), { headers: {} }));
    const last = await peelOnionLayer(crypto, alice.keyPair, { ...final.request, hopNumber: 15 });
    expect(last.role).toBe('final');
    const beyond = await caught(() =>
      peelOnionLayer(crypto, alice.keyPair, { ...final.request, hopNumber: 16 }),
    );
    expectStatus(beyond, 400, 'onion request max path length exceeded');
  });

  it('validates its own inputs', async () => {
    const { request } = await layerFor(alice, utf8Encode('x'));
    for (const [keyPair, layer] of [
      [{ publicKey: new Uint8Array(31), secretKey: new Uint8Array(32) }, request],
      [alice.keyPair, { ...request, ephemeralKey: new Uint8Array(5) }],
      [alice.keyPair, { ...request, ciphertext: 'x' }],
      [alice.keyPair, { ...request, hopNumber: -1 }],
      [alice.keyPair, { ...request, encType: 'aes-cbc' }],
    ] as const) {
      const error = await caught(() =>
        peelOnionLayer(crypto, keyPair, layer as unknown as OnionLayerRequest),
      );
      expect(MurmurError.isInstance(error)).toBe(true);
      expectStatus(error, 400);
    }
  });
});

describe('buildOnionRequest input checks', () => {
  const node = alice.node;
  const server = {
    type: 'server' as const,
    host: 'example.org',
    target: '/oxen/v4/lsrpc',
    x25519: bob.node.x25519,
  };

  it('refuses more than 15 processing nodes', async () => {
    const nodes = makeTestNodes(crypto, 16);
    const error = await caught(() =>
      buildOnionRequest(crypto, {
        path: nodes.slice(0, 15).map((entry) => entry.node),
        destination: { type: 'node', node: (nodes[15] as TestNode).node },
        payload: {},
      }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
  });

  it('refuses malformed paths, destinations and payloads', async () => {
    const cases: unknown[] = [
      { path: 'x', destination: { type: 'node', node }, payload: {} },
      {
        path: [{ ...node, ip: '0.0.0.0' }],
        destination: { type: 'node', node: bob.node },
        payload: {},
      },
      { path: [{ ...node, port: 0 }], destination: { type: 'node', node: bob.node }, payload: {} },
      {
        path: [{ ...node, x25519: 'zz' }],
        destination: { type: 'node', node: bob.node },
        payload: {},
      },
      { path: [node], destination: { type: 'node', node }, payload: {} },
      { path: [], destination: { type: 'node', node } },
      { path: [], destination: { type: 'node', node }, payload: 5 },
      {
        path: [],
        destination: { type: 'node', node },
        payload: {},
        v4: { method: 'GET', endpoint: '/' },
      },
      { path: [], destination: { type: 'ship' }, payload: {} },
      { path: [], destination: server, v4: { method: 'GET', endpoint: '/' } },
      { path: [node], destination: server },
      {
        path: [node],
        destination: { ...server, target: '/oxen/v4/lsrpc?x' },
        v4: { method: 'GET', endpoint: '/' },
      },
      {
        path: [node],
        destination: { ...server, host: 'bad host' },
        v4: { method: 'GET', endpoint: '/' },
      },
      {
        path: [node],
        destination: { ...server, port: 70_000 },
        v4: { method: 'GET', endpoint: '/' },
      },
      {
        path: [node],
        destination: { ...server, x25519: '00' },
        v4: { method: 'GET', endpoint: '/' },
      },
      { path: [node], destination: server, v4: { method: 'GET', endpoint: 'no-slash' } },
    ];
    for (const input of cases) {
      const error = await caught(() => buildOnionRequest(crypto, input as never));
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidInputError);
    }
  });

  it('refuses aes-cbc', async () => {
    const error = await caught(() =>
      buildOnionRequest(crypto, {
        path: [],
        destination: { type: 'node', node },
        payload: {},
        encType: 'aes-cbc' as never,
      }),
    );
    expect(error).toBeInstanceOf(UnsupportedError);
  });
});

describe('openServerRequest input checks', () => {
  it('rejects bodies without a usable key, for another key, or with a bad v4 request', async () => {
    const server = crypto.x25519KeyPair();
    const other = crypto.x25519KeyPair();
    const v4Layer = await crypto.encryptLayer(
      utf8Encode('not bencode'),
      server.publicKey,
      'aes-gcm',
    );
    const body = (json: Record<string, unknown>) => encodeCombinedPayload(v4Layer.ciphertext, json);
    const key = bytesToHex(v4Layer.ephemeralPublicKey);
    const cases: [Uint8Array, abstract new (...args: never[]) => MurmurError][] = [
      [body({ host: 'x' }), InvalidInputError],
      [body({ ephemeral_key: key, enc_type: 'cbc' }), UnsupportedError],
      [new Uint8Array(3), PayloadMalformedError],
      [body({ ephemeral_key: key }), PayloadMalformedError],
    ];
    for (const [input, type] of cases) {
      const error = await caught(() => openServerRequest(crypto, server, input));
      expect(error).toBeInstanceOf(type);
    }
    const wrongKey = await caught(() =>
      openServerRequest(crypto, other, body({ ephemeral_key: key })),
    );
    expect(wrongKey).toBeInstanceOf(DecryptionFailedError);
    expectStatus(wrongKey, 400, 'Invalid ciphertext');
  });
});

describe('cancellation', () => {
  it('every async codec function stops on an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const options = { signal: controller.signal };
    const { request } = await layerFor(
      alice,
      encodeCombinedPayload(new Uint8Array(1), { headers: {} }),
    );
    const calls: (() => Promise<unknown>)[] = [
      () =>
        buildOnionRequest(
          crypto,
          { path: [], destination: { type: 'node', node: alice.node }, payload: {} },
          options,
        ),
      () => peelOnionLayer(crypto, alice.keyPair, request, options),
      () => openServerRequest(crypto, alice.keyPair, new Uint8Array(8), options),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(AbortError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  FORWARDED_SIGNATURE_TOLERANCE_MS,
  SIGNATURE_TOLERANCE_MS,
  STORE_TOLERANCE_MS,
  TTL_MAX_PRIVATE_MS,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
} from './constants.js';
import {
  ClockOutOfSyncError,
  InvalidInputError,
  InvalidResponseError,
  TtlOutOfRangeError,
  UnsupportedError,
} from './errors.js';
import { RPC_METHODS, resolveRpcMethod } from './rpc.js';
import { effectiveRetrieveLimits } from './schemas/retrieve.js';
import { SERVICE_NODE_STATE_FIELDS } from './schemas/seed.js';
import {
  DATA,
  ED25519,
  ED25519_UPPER,
  GROUP_PUBKEY,
  HASH_1,
  HASH_2,
  invalidParams,
  NODE_A,
  NOW,
  PUBKEY,
  SIGNATURE,
  SUBACCOUNT_HEX,
  validParams,
  X25519,
} from './test-support/samples.js';
import {
  assertSignatureTimestamp,
  assertStoreClock,
  assertStoreTtl,
  ignoredAliases,
  parseEncType,
  parseJsonBody,
  parseOnionLayer,
  parseOnionRequest,
  parseOnionSnodeReply,
  parseRequest,
  parseRequestParams,
  parseSeedRequest,
  parseSeedResponse,
} from './validate.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseRequestParams accepts what Session clients send', () => {
  for (const method of RPC_METHODS) {
    it.each(validParams[method].map((value, index) => [index, value] as const))(
      `${method} example %i`,
      (_index, value) => {
        expect(() => parseRequestParams(method, value)).not.toThrow();
      },
    );
  }
});

describe('parseRequestParams refuses with a message naming the method and the field', () => {
  for (const method of RPC_METHODS) {
    if (invalidParams[method].length === 0) continue;
    it.each(invalidParams[method])(`${method} %j`, (value, message) => {
      const error = thrown(() => parseRequestParams(method, value));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).status).toBe(400);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message.startsWith(`${method}: `)).toBe(true);
    });
  }

  it('an unknown method is a 400 naming it', () => {
    const error = thrown(() => parseRequestParams('foo', {}));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).status).toBe(400);
    expect((error as Error).message).toBe('unknown method `foo`');
  });

  it('quotes odd method names safely', () => {
    expect(() => parseRequestParams('a\nb', {})).toThrow('unknown method `a?b`');
    expect(() => parseRequestParams('x'.repeat(500), {})).toThrow(/unknown method `x{64}\.\.\.`/);
  });

  it('params that are not an object', () => {
    expect(() => parseRequestParams('store', 'x')).toThrow(
      'store: params must be an object of store parameters',
    );
    expect(() => parseRequestParams('retrieve', [])).toThrow(/retrieve: params must be/);
  });

  it('missing params are an empty object', () => {
    expect(parseRequestParams('info', undefined)).toEqual({});
    expect(parseRequestParams('info', null)).toEqual({});
    expect(() => parseRequestParams('get_swarm', undefined)).toThrow(
      'get_swarm: `pubkey` is required',
    );
  });
});

describe('store normalisation', () => {
  it('turns stringified timestamp and ttl into numbers and computes the expiry', () => {
    expect(
      parseRequestParams('store', {
        pubkey: PUBKEY.toUpperCase(),
        timestamp: String(NOW),
        ttl: '86400000',
        data: DATA,
      }),
    ).toEqual({
      pubkey: PUBKEY,
      namespace: 0,
      timestamp: NOW,
      ttl: 86_400_000,
      expiry: NOW + 86_400_000,
      data: DATA,
    });
  });

  it('keeps a given expiry and defaults sig_timestamp to timestamp when signed', () => {
    const params = parseRequestParams('store', {
      pubkey: PUBKEY,
      pubkey_ed25519: ED25519_UPPER,
      signature: SIGNATURE,
      timestamp: NOW,
      expiry: NOW + 30_000,
      data: DATA,
      namespace: 3,
    });
    expect(params).toEqual({
      pubkey: PUBKEY,
      namespace: 3,
      timestamp: NOW,
      expiry: NOW + 30_000,
      data: DATA,
      signature: SIGNATURE,
      sig_timestamp: NOW,
      pubkey_ed25519: ED25519,
    });
    expect(params).not.toHaveProperty('ttl');
  });

  it('uses sig_timestamp when given, and keeps subaccount fields together', () => {
    const params = parseRequestParams('store', validParams.store[3]);
    expect(params.pubkey).toBe(GROUP_PUBKEY);
    expect(params.sig_timestamp).toBe(NOW + 5);
    expect(params.subaccount).toBe(SUBACCOUNT_HEX);
    expect(params.subaccount_sig).toBe(SIGNATURE);
    expect(params.namespace).toBe(11);
  });

  it('ignores signing fields on an unsigned store, as Session nodes do', () => {
    const params = parseRequestParams('store', {
      pubkey: PUBKEY,
      pubkey_ed25519: ED25519,
      timestamp: NOW,
      ttl: 20_000,
      data: DATA,
    });
    expect(params).not.toHaveProperty('pubkey_ed25519');
    expect(params).not.toHaveProperty('sig_timestamp');
  });

  it.each([
    [
      { pubkey: PUBKEY, timestamp: NOW, data: DATA },
      'store: give exactly one of `ttl` and `expiry`',
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: 1, expiry: NOW, data: DATA },
      'store: give exactly one of `ttl` and `expiry`',
    ],
    [{ timestamp: NOW, ttl: 1, data: DATA }, 'store: `pubkey` is required'],
    [
      { pubkey: PUBKEY, timestamp: '99', ttl: 1, data: DATA },
      'store: `timestamp` must be a Unix timestamp in milliseconds',
    ],
    [
      { pubkey: PUBKEY, timestamp: '9999999999999999', ttl: 1, data: DATA },
      'store: `timestamp` must be a Unix timestamp in milliseconds',
    ],
    [
      { pubkey: PUBKEY, timestamp: NOW, ttl: '9007199254740991', data: DATA },
      'store: `timestamp` + `ttl` is too large',
    ],
    [
      {
        pubkey: GROUP_PUBKEY,
        pubkey_ed25519: ED25519,
        signature: SIGNATURE,
        timestamp: NOW,
        ttl: 20_000,
        data: DATA,
      },
      'store: `pubkey_ed25519` is only allowed with a `05` pubkey',
    ],
    [
      {
        pubkey: PUBKEY,
        signature: SIGNATURE,
        subaccount: SUBACCOUNT_HEX,
        timestamp: NOW,
        ttl: 20_000,
        data: DATA,
      },
      'store: `subaccount_sig` is required with `subaccount`',
    ],
  ])('refuses %j', (value, message) => {
    expect(() => parseRequestParams('store', value)).toThrow(message);
  });
});

describe('legacy aliases beside their snake_case names', () => {
  it('retrieve: a client sending pubkey_ed25519 and pubkeyEd25519 (and the others twice) is served, snake_case wins', () => {
    // What a third-party client sends in every signed retrieve: both spellings, same value.
    const both = {
      pubkey: PUBKEY,
      namespace: 0,
      timestamp: NOW,
      signature: SIGNATURE,
      pubkey_ed25519: ED25519,
      pubkeyEd25519: ED25519,
      last_hash: HASH_1,
      lastHash: HASH_2,
      max_size: 1,
      maxSize: 2,
    };
    expect(parseRequestParams('retrieve', both)).toEqual({
      pubkey: PUBKEY,
      namespace: 0,
      timestamp: NOW,
      signature: SIGNATURE,
      pubkey_ed25519: ED25519,
      last_hash: HASH_1,
      max_size: 1,
    });
    expect(ignoredAliases('retrieve', both)).toEqual([
      'lastHash (last_hash used)',
      'maxSize (max_size used)',
      'pubkeyEd25519 (pubkey_ed25519 used)',
    ]);
  });

  it('store and get_swarm: pubkey wins over pubKey', () => {
    const store = { pubkey: PUBKEY, pubKey: GROUP_PUBKEY, timestamp: NOW, ttl: 20_000, data: DATA };
    expect(parseRequestParams('store', store)).toMatchObject({ pubkey: PUBKEY });
    expect(parseRequestParams('get_swarm', { pubkey: PUBKEY, pubKey: GROUP_PUBKEY })).toEqual({
      pubkey: PUBKEY,
    });
    expect(ignoredAliases('store', store)).toEqual(['pubKey (pubkey used)']);
    expect(ignoredAliases('batch', { requests: [{ method: 'get_swarm', params: store }] })).toEqual(
      ['requests[0].pubKey (pubkey used)'],
    );
    expect(ignoredAliases('store', { pubkey: PUBKEY })).toEqual([]);
    expect(ignoredAliases('nonsense', null)).toEqual([]);
  });

  // Every method with a signed variant: the camelCase signing key and an unknown key beside the
  // real ones never make a request fail, and change nothing in what is read.
  const signedMethods = [
    'store',
    'retrieve',
    'delete',
    'delete_all',
    'delete_before',
    'expire',
    'expire_all',
    'get_expiries',
    'revoke_subaccount',
    'unrevoke_subaccount',
  ] as const;
  it.each(signedMethods)('%s: pubkeyEd25519 and unknown keys beside the real ones', (method) => {
    for (const params of validParams[method]) {
      // The client sends the camelCase copy of whatever signing key it sends.
      const copy =
        params['pubkey_ed25519'] === undefined ? {} : { pubkeyEd25519: params['pubkey_ed25519'] };
      const extra = { ...params, ...copy, someFutureField: { nested: true }, sig_timestamp_v2: 1 };
      expect(parseRequestParams(method, extra)).toEqual(parseRequestParams(method, params));
    }
  });
});

describe('retrieve normalisation', () => {
  it('folds the camelCase aliases into snake_case', () => {
    expect(parseRequestParams('retrieve', validParams.retrieve[1])).toEqual({
      pubkey: PUBKEY,
      namespace: 5,
      last_hash: HASH_1,
      max_size: -5,
      signature: SIGNATURE,
      timestamp: NOW,
      pubkey_ed25519: ED25519,
    });
  });

  it('drops an empty last_hash and zero limits, and defaults the namespace', () => {
    expect(
      parseRequestParams('retrieve', { pubkey: PUBKEY, last_hash: '', max_count: 0, max_size: 0 }),
    ).toEqual({ pubkey: PUBKEY, namespace: 0 });
  });

  it.each([
    [{ pubkey: PUBKEY, signature: SIGNATURE }, '`timestamp` is required with `signature`'],
    [{ pubkey: PUBKEY, timestamp: NOW }, '`signature` is required with `timestamp`'],
    [{ pubkey: PUBKEY, pubkeyEd25519: ED25519 }, '`signature` is required'],
    [{ pubkey: PUBKEY, subaccount: SUBACCOUNT_HEX }, '`signature` is required with `subaccount`'],
  ])('refuses %j', (value, message) => {
    expect(() => parseRequestParams('retrieve', value)).toThrow(`retrieve: ${message}`);
  });
});

describe('other methods', () => {
  it('delete takes one hash or a list', () => {
    expect(parseRequestParams('delete', validParams.delete[1])).toEqual({
      pubkey: GROUP_PUBKEY,
      signature: SIGNATURE,
      messages: [HASH_1],
      required: true,
    });
    expect(parseRequestParams('delete', validParams.delete[0]).required).toBe(false);
  });

  it('delete_all, delete_before and expire_all default to namespace 0 and keep "all"', () => {
    expect(parseRequestParams('delete_all', validParams.delete_all[0]).namespace).toBe('all');
    expect(parseRequestParams('delete_all', validParams.delete_all[1]).namespace).toBe(0);
    expect(parseRequestParams('delete_before', validParams.delete_before[1])).toMatchObject({
      namespace: 0,
      before: NOW,
    });
    expect(parseRequestParams('expire_all', validParams.expire_all[0])).toMatchObject({
      namespace: 'all',
      expiry: NOW,
    });
  });

  it('expire lists its expiries and checks shorten/extend and the lengths', () => {
    expect(parseRequestParams('expire', validParams.expire[0])).toMatchObject({
      messages: [HASH_1],
      expiry: [NOW + 1_000],
      extend: true,
      shorten: false,
    });
    expect(() =>
      parseRequestParams('expire', {
        pubkey: PUBKEY,
        signature: SIGNATURE,
        messages: [HASH_1],
        expiry: NOW,
        shorten: true,
        extend: true,
      }),
    ).toThrow('expire: give at most one of `shorten` and `extend`');
    expect(() =>
      parseRequestParams('expire', {
        pubkey: PUBKEY,
        signature: SIGNATURE,
        messages: [HASH_1, HASH_2],
        expiry: [NOW, NOW, NOW],
      }),
    ).toThrow('expire: `expiry` must be one timestamp or one per message (2), got 3');
  });

  it('get_expiries accepts "all" only alone', () => {
    expect(parseRequestParams('get_expiries', validParams.get_expiries[1]).messages).toEqual([
      'all',
    ]);
    expect(() =>
      parseRequestParams('get_expiries', {
        pubkey: PUBKEY,
        signature: SIGNATURE,
        timestamp: NOW,
        messages: [HASH_1, 'all'],
      }),
    ).toThrow('get_expiries: `messages` must be hashes, or the single word "all"');
  });

  it('get_swarm answers to its alias', () => {
    expect(resolveRpcMethod('get_snodes_for_pubkey')).toBe('get_swarm');
    expect(parseRequestParams('get_snodes_for_pubkey', { pubKey: GROUP_PUBKEY })).toEqual({
      pubkey: GROUP_PUBKEY,
    });
  });

  it('oxend_request get_service_nodes reads the node-list query', () => {
    expect(parseRequestParams('oxend_request', validParams.oxend_request[0])).toEqual({
      endpoint: 'get_service_nodes',
      params: {
        active_only: true,
        fields: ['public_ip', 'storage_port', 'pubkey_x25519', 'pubkey_ed25519'],
      },
    });
    expect(parseRequestParams('oxend_request', validParams.oxend_request[1])).toEqual({
      endpoint: 'get_service_nodes',
      params: { active_only: false },
    });
    // Android's list of fields, oxend's "all", a negative limit (every node, shuffled).
    expect(
      parseRequestParams('oxend_request', {
        endpoint: 'get_service_nodes',
        params: { limit: -5, fields: ['public_ip', 'storage_lmq_port', 'public_ip'] },
      }),
    ).toEqual({
      endpoint: 'get_service_nodes',
      params: { active_only: false, limit: -1, fields: ['public_ip', 'storage_lmq_port'] },
    });
    for (const fields of [['all'], { all: true, public_ip: true }]) {
      expect(
        parseRequestParams('oxend_request', { endpoint: 'get_service_nodes', params: { fields } }),
      ).toEqual({ endpoint: 'get_service_nodes', params: { active_only: false } });
    }
    expect(() =>
      parseRequestParams('oxend_request', {
        endpoint: 'get_service_nodes',
        params: { limit: 1.5 },
      }),
    ).toThrow('oxend_request get_service_nodes: `limit` must be an integer');
  });

  it('revoke / unrevoke list their tokens', () => {
    expect(
      parseRequestParams('revoke_subaccount', validParams.revoke_subaccount[1]).tokens,
    ).toHaveLength(1);
    expect(parseRequestParams('unrevoke_subaccount', validParams.unrevoke_subaccount[0])).toEqual({
      pubkey: GROUP_PUBKEY,
      tokens: [SUBACCOUNT_HEX],
      timestamp: NOW,
      signature: SIGNATURE,
    });
  });
});

describe('batch and sequence', () => {
  it('parse each subrequest (desktop’s poll of namespaces 0, 2, 3, 4, 5)', () => {
    const params = parseRequestParams('batch', validParams.batch[0]);
    expect(params.requests.map((request) => request.method)).toEqual(Array(5).fill('retrieve'));
    expect(
      params.requests.map((request) => (request.params as { namespace: number }).namespace),
    ).toEqual([0, 2, 3, 4, 5]);
  });

  it('resolve aliases in subrequests', () => {
    expect(parseRequestParams('batch', validParams.batch[1]).requests[0]?.method).toBe('get_swarm');
  });

  it('name the failing subrequest', () => {
    expect(() =>
      parseRequestParams('batch', {
        requests: [
          { method: 'info', params: {} },
          { method: 'retrieve', params: { pubkey: PUBKEY, last_hash: 'x' } },
        ],
      }),
    ).toThrow(
      'batch: requests[1] (retrieve): `last_hash` must be a 43-character base64 message hash',
    );
  });

  it('refuse unknown and nested meta methods', () => {
    expect(() =>
      parseRequestParams('sequence', { requests: [{ method: 'nope', params: {} }] }),
    ).toThrow('sequence: requests[0]: unknown method `nope`');
    expect(() =>
      parseRequestParams('batch', { requests: [{ method: 'batch', params: { requests: [] } }] }),
    ).toThrow('batch: requests[0]: a subrequest may not be `batch`');
  });
});

describe('parseRequest', () => {
  it('accepts desktop’s extra "jsonrpc": "2.0" and resolves aliases', () => {
    expect(
      parseRequest({
        jsonrpc: '2.0',
        method: 'get_snodes_for_pubkey',
        params: { pubkey: PUBKEY },
      }),
    ).toEqual({ method: 'get_swarm', params: { pubkey: PUBKEY } });
  });

  it('reads JSON text and bytes, and a missing params', () => {
    expect(parseRequest('{"method":"info"}')).toEqual({ method: 'info', params: {} });
    expect(parseRequest(new TextEncoder().encode('{"method":"info","params":null}'))).toEqual({
      method: 'info',
      params: {},
    });
  });

  it.each([
    ['{', 'request: not valid JSON'],
    [new Uint8Array([0xff]), 'request: not valid JSON'],
    [{ params: {} }, 'request: `method` is required'],
    [[], 'request: the body must be a JSON object'],
    [{ method: 'store', params: 5 }, 'request: `params` must be an object of parameters'],
    [{ method: 'x', params: {} }, 'unknown method `x`'],
  ])('refuses %j', (body, message) => {
    const error = thrown(() => parseRequest(body));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain(message);
  });
});

describe('parseJsonBody', () => {
  it('passes parsed values through and types its errors', () => {
    const value = { a: 1 };
    expect(parseJsonBody(value, 'x')).toBe(value);
    expect(thrown(() => parseJsonBody('{', 'answer', { as: 'response' }))).toBeInstanceOf(
      InvalidResponseError,
    );
  });
});

describe('onion requests', () => {
  it('default the cipher to aes-gcm and canonicalise aliases', () => {
    expect(parseEncType(undefined)).toBe('aes-gcm');
    expect(parseEncType(null)).toBe('aes-gcm');
    expect(parseEncType('gcm')).toBe('aes-gcm');
    expect(parseEncType('aes-gcm')).toBe('aes-gcm');
    expect(parseEncType('xchacha20')).toBe('xchacha20');
    expect(parseEncType('xchacha20-poly1305')).toBe('xchacha20');
  });

  it('refuse CBC clearly with 400, and unknown ciphers', () => {
    for (const name of ['aes-cbc', 'cbc']) {
      const error = thrown(() => parseEncType(name));
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as UnsupportedError).status).toBe(400);
      expect((error as Error).message).toContain('is not supported');
    }
    expect(thrown(() => parseEncType('rot13'))).toBeInstanceOf(InvalidInputError);
  });

  it('read the outer JSON (desktop sends only ephemeral_key)', () => {
    expect(parseOnionRequest({ ephemeral_key: X25519.toUpperCase() })).toEqual({
      ephemeralKey: X25519,
      encType: 'aes-gcm',
    });
    expect(parseOnionRequest({ ephemeral_key: X25519, enc_type: 'xchacha20', hop_no: 2 })).toEqual({
      ephemeralKey: X25519,
      encType: 'xchacha20',
      hopNumber: 2,
    });
    expect(() => parseOnionRequest({ ephemeral_key: 'abc' })).toThrow(
      'onion request: `ephemeral_key` must be a 64-character hex X25519 public key',
    );
    expect(() => parseOnionRequest({ ephemeral_key: X25519, enc_type: 'cbc' })).toThrow(
      UnsupportedError,
    );
  });

  it('tell the three roles apart in Session’s order', () => {
    expect(parseOnionLayer({ headers: '' })).toEqual({ role: 'final', json: false, base64: true });
    expect(parseOnionLayer({ headers: {}, json: true, base64: false, host: 'x' })).toEqual({
      role: 'final',
      json: true,
      base64: false,
    });
    expect(
      parseOnionLayer({ host: 'open.getsession.org', target: '/oxen/v4/lsrpc', method: 'POST' }),
    ).toEqual({
      role: 'proxy',
      host: 'open.getsession.org',
      target: '/oxen/v4/lsrpc',
      port: 443,
      protocol: 'https',
      method: 'POST',
    });
    expect(
      parseOnionLayer({ host: '127.0.0.1', target: '/loki/v3/lsrpc', protocol: 'http', port: 80 }),
    ).toMatchObject({ role: 'proxy', port: 80, protocol: 'http' });
    expect(
      parseOnionLayer({
        destination: NODE_A.toUpperCase(),
        ephemeral_key: X25519,
        enc_type: 'gcm',
      }),
    ).toEqual({ role: 'relay', destination: NODE_A, ephemeralKey: X25519, encType: 'aes-gcm' });
  });

  it.each([
    [
      { host: 'x.org', target: '/other/lsrpc' },
      'onion layer (exit): `target` must be a path that starts with /loki/ or /oxen/',
    ],
    [{ host: 'x.org', target: '/oxen/v4/lsrpc?x=1' }, '`target` must be'],
    // Issue 10: a space or CR/LF in the target reached the exit's HTTP request line (500).
    [{ host: 'x.org', target: '/oxen/ v4/lsrpc' }, '`target` must be'],
    [{ host: 'x.org', target: '/oxen/v4\r\nX-Injected: 1\r\n/lsrpc' }, '`target` must be'],
    [{ host: 'x.org', target: '/oxen/v4\n/lsrpc' }, '`target` must be'],
    [{ host: 'x.org', target: '/oxen/v4\u0000/lsrpc' }, '`target` must be'],
    [{ host: 'x.org', target: '/oxen/v4/lsrpc', method: 'PO ST' }, '`method` must be'],
    [{ host: 'x.org', target: '/oxen/v4/lsrpc', method: 'POST\r\n' }, '`method` must be'],
    [{ host: 'x.org' }, 'onion layer (exit): `target` is required'],
    [{ host: 'a/b', target: '/oxen/v4/lsrpc' }, '`host` must be a host name or IPv4 address'],
    [
      { host: 'x.org', target: '/oxen/v4/lsrpc', port: 0 },
      '`port` must be a port number from 1 to 65535',
    ],
    [
      { host: 'x.org', target: '/oxen/v4/lsrpc', protocol: 'ftp' },
      '`protocol` must be "http" or "https"',
    ],
    [{ ephemeral_key: X25519 }, 'onion layer (relay): `destination` is required'],
    [
      { destination: NODE_A, ephemeral_key: X25519, enc_type: 'x' },
      'onion layer (relay): `enc_type` must be one of',
    ],
    [[], 'onion layer: the JSON part must be a JSON object'],
  ])('refuse the layer %j', (json, message) => {
    expect(() => parseOnionLayer(json)).toThrow(message);
  });

  it('check the reply a destination wraps its answer in', () => {
    expect(parseOnionSnodeReply('{"status":200,"body":"{}"}')).toEqual({ status: 200, body: '{}' });
    expect(parseOnionSnodeReply({ status: 421, body: { snodes: [] } })).toEqual({
      status: 421,
      body: { snodes: [] },
    });
    expect(() => parseOnionSnodeReply({ body: '' })).toThrow(InvalidResponseError);
    expect(() => parseOnionSnodeReply({ status: 200 })).toThrow('onion reply: `body` is required');
  });
});

describe('seed endpoint', () => {
  const desktopRequest = {
    method: 'get_n_service_nodes',
    jsonrpc: '2.0',
    params: {
      active_only: true,
      fields: {
        public_ip: true,
        storage_port: true,
        pubkey_x25519: true,
        pubkey_ed25519: true,
        requested_unlock_height: true,
        height: true,
      },
    },
  };

  it('reads desktop’s request (as text, no content type needed)', () => {
    expect(parseSeedRequest(JSON.stringify(desktopRequest))).toEqual({
      method: 'get_n_service_nodes',
      query: {
        active_only: true,
        fields: [
          'public_ip',
          'storage_port',
          'pubkey_x25519',
          'pubkey_ed25519',
          'requested_unlock_height',
          'height',
        ],
      },
    });
  });

  it('reads a bare request with defaults', () => {
    expect(parseSeedRequest({ method: 'get_service_nodes' })).toEqual({
      method: 'get_service_nodes',
      query: { active_only: false },
    });
    expect(
      parseSeedRequest({
        method: 'get_n_service_nodes',
        params: { limit: 5, fields: { a: false } },
      }),
    ).toEqual({
      method: 'get_n_service_nodes',
      query: { active_only: false, limit: 5, fields: [] },
    });
  });

  it('refuses other methods and bad fields', () => {
    expect(() => parseSeedRequest({ method: 'get_info' })).toThrow(
      'seed request: `method` must be "get_n_service_nodes" or "get_service_nodes"',
    );
    expect(() =>
      parseSeedRequest({ method: 'get_service_nodes', params: { fields: { public_ip: 1 } } }),
    ).toThrow(/`params.fields.public_ip` must be boolean|`params.fields` must be/);
  });

  it('checks a seed’s answer, with Murmur’s relay_port and hex swarm_id', () => {
    const answer = {
      jsonrpc: '2.0',
      id: '0',
      result: {
        service_node_states: [
          {
            public_ip: '127.0.0.1',
            storage_port: 40_001,
            pubkey_x25519: X25519,
            pubkey_ed25519: NODE_A,
            requested_unlock_height: 0,
            relay_port: 40_003,
            swarm_id: 'ffffffffffffffff',
          },
          { public_ip: '0.0.0.0', storage_port: 0 },
        ],
        height: 12,
      },
    };
    expect(parseSeedResponse(answer)).toEqual(answer);
    expect(() => parseSeedResponse({ result: { service_node_states: [] } })).toThrow(
      'seed response: `result.height` is required',
    );
    expect(() =>
      parseSeedResponse({ result: { service_node_states: [{ storage_port: '1' }], height: 1 } }),
    ).toThrow('`result.service_node_states[0].storage_port` must be a port number');
  });
});

describe('protocol rules', () => {
  const store = { namespace: 0, timestamp: NOW };

  it('assertStoreTtl follows the namespace limits (403)', () => {
    expect(() => assertStoreTtl({ ...store, expiry: NOW + TTL_MIN_MS })).not.toThrow();
    expect(() => assertStoreTtl({ ...store, expiry: NOW + TTL_MAX_PUBLIC_MS })).not.toThrow();
    const error = thrown(() => assertStoreTtl({ ...store, expiry: NOW + TTL_MAX_PUBLIC_MS + 1 }));
    expect(error).toBeInstanceOf(TtlOutOfRangeError);
    expect((error as TtlOutOfRangeError).status).toBe(403);
    expect(() => assertStoreTtl({ ...store, expiry: NOW + TTL_MIN_MS - 1 })).toThrow(
      `store: TTL of ${TTL_MIN_MS - 1} ms is outside ${TTL_MIN_MS}..${TTL_MAX_PUBLIC_MS} ms for namespace 0`,
    );
    expect(() =>
      assertStoreTtl({ namespace: 3, timestamp: NOW, expiry: NOW + TTL_MAX_PRIVATE_MS }),
    ).not.toThrow();
  });

  it('assertStoreClock allows 10 s ahead and an expiry 10 s past (406)', () => {
    expect(() =>
      assertStoreClock({ timestamp: NOW + STORE_TOLERANCE_MS, expiry: NOW + 20_000 }, NOW),
    ).not.toThrow();
    expect(() =>
      assertStoreClock({ timestamp: NOW + STORE_TOLERANCE_MS + 1, expiry: NOW + 20_000 }, NOW),
    ).toThrow(ClockOutOfSyncError);
    expect(() =>
      assertStoreClock({ timestamp: NOW - 60_000, expiry: NOW - STORE_TOLERANCE_MS - 1 }, NOW),
    ).toThrow(ClockOutOfSyncError);
  });

  it('assertSignatureTimestamp allows 60 s, or 70 s for forwarded copies', () => {
    expect(() =>
      assertSignatureTimestamp('retrieve', NOW - SIGNATURE_TOLERANCE_MS, NOW),
    ).not.toThrow();
    const error = thrown(() =>
      assertSignatureTimestamp('retrieve', NOW + SIGNATURE_TOLERANCE_MS + 1, NOW),
    );
    expect(error).toBeInstanceOf(ClockOutOfSyncError);
    expect((error as Error).message).toMatch(/^retrieve timestamp too far from current time/);
    expect(() =>
      assertSignatureTimestamp('delete_all', NOW + FORWARDED_SIGNATURE_TOLERANCE_MS, NOW, {
        forwarded: true,
      }),
    ).not.toThrow();
  });
});

describe('effectiveRetrieveLimits', () => {
  it.each<[{ max_count?: number; max_size?: number }, { maxCount?: number; maxBytes: number }]>([
    [{}, { maxBytes: 1_560_000 }],
    [{ max_size: -5 }, { maxBytes: 1_560_000 }],
    [{ max_size: -1 }, { maxBytes: 7_800_000 }],
    [{ max_size: -3 }, { maxBytes: 2_600_000 }],
    [{ max_size: -7 }, { maxBytes: 1_114_285 }],
    [{ max_size: 1_000 }, { maxBytes: 1_000 }],
    [{ max_size: 9_000_000 }, { maxBytes: 7_800_000 }],
    [{ max_count: 10 }, { maxCount: 10, maxBytes: 7_800_000 }],
    [
      { max_count: 10, max_size: -2 },
      { maxCount: 10, maxBytes: 3_900_000 },
    ],
    [{ max_count: 0, max_size: 0 }, { maxBytes: 1_560_000 }],
  ])('%j → %j', (params, limits) => {
    expect(effectiveRetrieveLimits(params)).toEqual(limits);
  });
});

describe('SERVICE_NODE_STATE_FIELDS', () => {
  it('lists the node-list fields, Murmur’s included', () => {
    expect(SERVICE_NODE_STATE_FIELDS).toEqual([
      'service_node_pubkey',
      'public_ip',
      'storage_port',
      'storage_lmq_port',
      'pubkey_x25519',
      'pubkey_ed25519',
      'requested_unlock_height',
      'active',
      'funded',
      'swarm_id',
      'swarm',
      'storage_server_version',
      'relay_port',
    ]);
    expect(Object.isFrozen(SERVICE_NODE_STATE_FIELDS)).toBe(true);
  });
});

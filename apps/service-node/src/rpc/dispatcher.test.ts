import { type Logger, MAX_MESSAGE_BYTES, parseResponse } from '@murmur/wire';
import {
  BATCH_MAX_SUBREQUESTS,
  decodeActiveNodesBin,
  STORAGE_SERVER_VERSION,
} from '@murmur/wire/server';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectStoreUnchanged, okBody } from '../test-support/assertions.js';
import {
  createHarness,
  type Harness,
  OTHER_SWARM,
  OWN_SWARM,
  TEST_NOW,
} from '../test-support/harness.js';
import { createRpcDispatcher } from './dispatcher.js';
import type { MemberResult, ReplicatedRequest, SwarmReplicator } from './replicator.js';

let h: Harness;

afterEach(() => {
  h.close();
});

const DATA = Buffer.from('hi').toString('base64');

describe('legacy aliases and unknown keys (a client sending pubkey_ed25519 and pubkeyEd25519)', () => {
  it('every signed method answers 200 with both spellings of the signing key and an unknown key', async () => {
    h = await createHarness();
    const alice = h.account();
    const pubkey = alice.sessionId;
    const stored = okBody(
      await h.dispatcher.call('store', { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: DATA }),
    ).hash as string;
    // Desktop's shapes (SnodeRequestTypes.ts), signed as Session signs them.
    const requests: [string, Record<string, unknown>][] = [
      [
        'store',
        h.sign('store', alice, {
          pubkey,
          namespace: -10,
          timestamp: TEST_NOW,
          sig_timestamp: TEST_NOW,
          ttl: 60_000,
          data: DATA,
        }),
      ],
      ['retrieve', h.sign('retrieve', alice, { pubkey, namespace: 0, timestamp: TEST_NOW })],
      [
        'get_expiries',
        h.sign('get_expiries', alice, { pubkey, messages: [stored], timestamp: TEST_NOW }),
      ],
      [
        'expire',
        h.sign('expire', alice, { pubkey, messages: [stored], expiry: TEST_NOW + 30_000 }),
      ],
      ['expire_all', h.sign('expire_all', alice, { pubkey, expiry: TEST_NOW + 20_000 })],
      ['delete', h.sign('delete', alice, { pubkey, messages: [stored] })],
      ['delete_before', h.sign('delete_before', alice, { pubkey, before: TEST_NOW })],
      ['delete_all', h.sign('delete_all', alice, { pubkey, timestamp: TEST_NOW })],
    ];
    for (const [method, params] of requests) {
      const both = { ...params, pubkeyEd25519: params['pubkey_ed25519'], some_new_field: true };
      const result = await h.dispatcher.call(method, both);
      expect({ method, status: result.status }).toEqual({ method, status: 200 });
    }
  });
});

describe('the request envelope', () => {
  it('refuses what is not a JSON {method, params} with 400 and a clear message', async () => {
    h = await createHarness();
    const cases: [string | Uint8Array, RegExp][] = [
      ['not json', /invalid json/],
      ['', /invalid json/],
      [new Uint8Array([0xff, 0xfe]), /^invalid json$/],
      ['[]', /^invalid json$/],
      ['{"params":{}}', /^invalid json: no `method` field$/],
      ['{"method":3}', /`method`/],
      ['{"method":"info","params":[]}', /`params`/],
      ['{"method":"nope","params":{}}', /^no method nope$/],
      ['{"method":"info","params":{"x":1},"jsonrpc":7}', /`jsonrpc`/],
    ];
    for (const [body, message] of cases) {
      await expectStoreUnchanged(h.store, async () =>
        expectRefusal(await h.dispatcher.handleBody(body), 400, message),
      );
    }
  });

  it('accepts desktop’s jsonrpc field, a null params and the get_snodes_for_pubkey alias', async () => {
    h = await createHarness();
    expect(
      (await h.dispatcher.handleBody('{"jsonrpc":"2.0","method":"info","params":null}')).status,
    ).toBe(200);
    const pubkey = h.account().sessionId;
    const alias = await h.dispatcher.handleBody(
      JSON.stringify({ method: 'get_snodes_for_pubkey', params: { pubKey: pubkey } }),
    );
    expect(okBody(alias).swarm).toBe(OWN_SWARM.toString(16));
  });
});

describe('info, get_swarm, oxend_request', () => {
  it('info answers the version and the clock', async () => {
    h = await createHarness();
    const body = okBody(await h.dispatcher.call('info', {}));
    expect(parseResponse('info', body)).toEqual({
      version: [...STORAGE_SERVER_VERSION],
      timestamp: TEST_NOW,
      t: TEST_NOW,
      hf: [19, 4],
    });
  });

  it('get_swarm lists the members in Session’s shape for any account', async () => {
    h = await createHarness();
    for (const [swarm, members] of [
      [OWN_SWARM, [h.keys, h.peers[0], h.peers[1]]],
      [OTHER_SWARM, h.peers.slice(2)],
    ] as const) {
      const account = h.account(swarm);
      const body = parseResponse(
        'get_swarm',
        okBody(await h.dispatcher.call('get_swarm', { pubkey: account.sessionId })),
      );
      expect(body.swarm).toBe(swarm.toString(16));
      expect(body.snodes.map((node) => node.pubkey_ed25519).sort()).toEqual(
        members.map((keys) => keys?.ed25519Hex).sort(),
      );
      const first = body.snodes[0];
      expect(first?.port).toBe(String(first?.port_https));
      expect(first?.pubkey_legacy).toBe(first?.pubkey_ed25519);
      expect(first?.address).toMatch(/^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}\.snode$/);
    }
  });

  it('get_swarm refuses a malformed pubkey', async () => {
    h = await createHarness();
    expectRefusal(
      await h.dispatcher.call('get_swarm', { pubkey: '05zz' }),
      400,
      /^invalid request: Pubkey must be 66 hex digits/,
    );
    expectRefusal(
      await h.dispatcher.call('get_swarm', {}),
      400,
      /^invalid request: Required field 'pubkey' missing$/,
    );
  });

  it('oxend_request get_service_nodes answers the node list with the requested fields', async () => {
    h = await createHarness();
    const body = okBody(
      await h.dispatcher.call('oxend_request', {
        endpoint: 'get_service_nodes',
        params: { active_only: true, fields: { public_ip: true, storage_port: true } },
      }),
    );
    const answer = parseResponse('oxend_request', body) as {
      result: { service_node_states: Record<string, unknown>[] };
    };
    expect(answer.result.service_node_states).toHaveLength(6);
    expect(Object.keys(answer.result.service_node_states[0] ?? {}).sort()).toEqual([
      'public_ip',
      'storage_port',
    ]);
  });

  it('oxend_request get_service_nodes as Android and libsession-util ask: fields as a list, all, a negative limit', async () => {
    h = await createHarness();
    // session-android ListSnodeApi: fields as a JSON list.
    const android = okBody(
      await h.dispatcher.call('oxend_request', {
        endpoint: 'get_service_nodes',
        params: {
          active_only: true,
          fields: ['public_ip', 'storage_port', 'pubkey_x25519', 'pubkey_ed25519'],
        },
      }),
    ) as { result: { service_node_states: Record<string, unknown>[] } };
    expect(Object.keys(android.result.service_node_states[0] ?? {})).toEqual([
      'public_ip',
      'storage_port',
      'pubkey_x25519',
      'pubkey_ed25519',
    ]);
    // libsession-util get_service_nodes_params: storage_lmq_port, storage_server_version, swarm_id.
    const libsession = okBody(
      await h.dispatcher.call('oxend_request', {
        endpoint: 'get_service_nodes',
        params: {
          active_only: true,
          fields: {
            public_ip: true,
            pubkey_ed25519: true,
            storage_lmq_port: true,
            storage_server_version: true,
            swarm_id: true,
          },
          limit: -1,
        },
      }),
    ) as { result: { service_node_states: Record<string, unknown>[] } };
    const states = libsession.result.service_node_states;
    expect(states).toHaveLength(6);
    for (const state of states) {
      expect(typeof state['swarm_id']).toBe('number');
      expect(state['storage_lmq_port']).toBe(0);
      expect(state['storage_server_version']).toEqual([2, 8, 0]);
    }
    const all = okBody(
      await h.dispatcher.call('oxend_request', {
        endpoint: 'get_service_nodes',
        params: { fields: ['all'] },
      }),
    ) as { result: { service_node_states: Record<string, unknown>[] } };
    expect(all.result.service_node_states[0]).toMatchObject({
      swarm: expect.stringMatching(/^[0-9a-f]{1,16}$/),
      storage_lmq_port: 0,
      active: true,
    });
  });

  it('oxend_request ons_resolve: "not found" as oxend says it (desktop\'s request shape)', async () => {
    h = await createHarness();
    // session-desktop OnsResolveSubRequest: type 0, base64 blake2b name hash.
    const result = await h.dispatcher.call('oxend_request', {
      endpoint: 'ons_resolve',
      params: { type: 0, name_hash: 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=' },
    });
    expect(result.status).toBe(200);
    const body = result.body as { result: Record<string, unknown> };
    expect(body.result).toEqual({});
    expect(body.result['encrypted_value']).toBeUndefined();
  });

  it('active_nodes_bin: 51-byte records of every active node, as a JSON string', async () => {
    h = await createHarness();
    const result = await h.dispatcher.call('active_nodes_bin', {
      active_only: true,
      fields: ['public_ip', 'storage_port', 'pubkey_x25519', 'pubkey_ed25519'],
    });
    expect(result.status).toBe(200);
    expect(result.json).toBe(true);
    const records = decodeActiveNodesBin(result.body as string);
    expect(records).toHaveLength(6);
    const keys = h.network
      .snapshot()
      ?.nodes.map((node) => node.ed25519)
      .sort();
    expect(records.map((record) => record.ed25519).sort()).toEqual(keys);
    expect(records.every((record) => record.quicPort === 0 && record.ip === '127.0.0.1')).toBe(
      true,
    );
  });
});

describe('log levels', () => {
  it('logs expected refusals (503 not ready, 4xx) at debug level, and only the unexpected at error', async () => {
    h = await createHarness({ notActive: true });
    const lines: { level: string; fields: unknown }[] = [];
    const record =
      (level: string) =>
      (fields: unknown): void => {
        lines.push({ level, fields });
      };
    const logger: Logger = {
      trace: record('trace') as Logger['trace'],
      debug: record('debug') as Logger['debug'],
      info: record('info') as Logger['info'],
      warn: record('warn') as Logger['warn'],
      error: record('error') as Logger['error'],
      child: () => logger,
    };
    const dispatcher = createRpcDispatcher({ ...h.context, logger });
    const pubkey = h.account().sessionId;
    for (let i = 0; i < 50; i++) {
      const result = await dispatcher.call('store', {
        pubkey,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: DATA,
      });
      expect(result.status).toBe(503);
    }
    expect((await dispatcher.call('store', {})).status).toBe(400);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(lines.filter((line) => line.level === 'debug')).toHaveLength(51);
    // An unexpected failure still gets its error line with the error (and its stack).
    const broken = createRpcDispatcher({
      ...h.context,
      logger,
      network: {
        ...h.context.network,
        state: () => {
          throw new Error('boom');
        },
      },
    });
    expect(
      (await broken.call('store', { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: DATA })).status,
    ).toBe(500);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    const logged = errors[0]?.fields as { err?: Error } | undefined;
    expect(logged?.err?.stack).toMatch(/boom/);
  });
});

describe('readiness', () => {
  it('answers 503 "Snode not ready" for account methods while the node has no swarm', async () => {
    h = await createHarness({ notActive: true });
    const pubkey = h.account().sessionId;
    expectRefusal(
      await h.dispatcher.call('store', { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: DATA }),
      503,
      /^Snode not ready$/,
    );
    expect((await h.dispatcher.call('info', {})).status).toBe(200);
    expect((await h.dispatcher.call('get_swarm', { pubkey })).status).toBe(200);
  });
});

describe('batch and sequence', () => {
  it('batch runs every subrequest and answers 200 with a code and body for each', async () => {
    h = await createHarness();
    const alice = h.account();
    const stranger = h.account(OTHER_SWARM);
    const body = okBody(
      await h.dispatcher.call('batch', {
        requests: [
          {
            method: 'store',
            params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: DATA },
          },
          { method: 'retrieve', params: { pubkey: alice.sessionId } },
          {
            method: 'store',
            params: { pubkey: stranger.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: DATA },
          },
          { method: 'info', params: {} },
        ],
      }),
    );
    const results = parseResponse('batch', body).results;
    expect(results.map((r) => r.code)).toEqual([200, 401, 421, 200]);
    expect(parseResponse('store', results[0]?.body).hash).toBeTypeOf('string');
    expect(results[1]?.body).toMatch(/signature required/);
    expect((results[2]?.body as { swarm?: string } | undefined)?.swarm).toBe(
      OTHER_SWARM.toString(16),
    );
  });

  it('a poll of namespaces 0, 2, 3, 4, 5 in one batch gives a messages array each', async () => {
    h = await createHarness();
    const alice = h.account();
    const requests = [0, 2, 3, 4, 5].map((namespace) => ({
      method: 'retrieve',
      params: {
        pubKey: alice.sessionId,
        namespace,
        timestamp: TEST_NOW,
        ...h.sign('retrieve', alice, { namespace, timestamp: TEST_NOW }),
        pubkey_ed25519: undefined,
        pubkeyEd25519: h.sign('retrieve', alice, { namespace, timestamp: TEST_NOW }).pubkey_ed25519,
      },
    }));
    const results = parseResponse(
      'batch',
      okBody(await h.dispatcher.call('batch', { requests })),
    ).results;
    expect(results.map((r) => r.code)).toEqual([200, 200, 200, 200, 200]);
    for (const result of results)
      expect((result.body as { messages: unknown[] }).messages).toEqual([]);
  });

  it('sequence stops after the first failure', async () => {
    h = await createHarness();
    const alice = h.account();
    const body = okBody(
      await h.dispatcher.call('sequence', {
        requests: [
          { method: 'info', params: {} },
          { method: 'retrieve', params: { pubkey: alice.sessionId } },
          {
            method: 'store',
            params: { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: DATA },
          },
        ],
      }),
    );
    expect((body.results as { code: number }[]).map((r) => r.code)).toEqual([200, 401]);
    expect(h.store.stats().messages).toBe(0);
  });

  it('answers an oversized store in a batch in its own place (400), the others run', async () => {
    h = await createHarness();
    const pubkey = h.account().sessionId;
    const store = (data: string) => ({
      method: 'store',
      params: { pubkey, timestamp: TEST_NOW, ttl: 60_000, data },
    });
    const big = Buffer.alloc(MAX_MESSAGE_BYTES + 3).toString('base64');
    // Desktop's batch of stores (one message to several namespaces), one of them too large.
    const result = await h.dispatcher.call('batch', {
      requests: [store(DATA), store(big), { method: 'info', params: {} }],
    });
    expect(result.status).toBe(200);
    const results = (result.body as { results: { code: number; body: unknown }[] }).results;
    expect(results.map((r) => r.code)).toEqual([200, 400, 200]);
    expect(results[1]?.body).toBe(
      'invalid request: Message body exceeds maximum allowed length of 76800 bytes',
    );
    expect(h.store.stats().messages).toBe(1);

    // A sequence stops at it: what came before ran, nothing after.
    const sequence = await h.dispatcher.call('sequence', {
      requests: [{ method: 'info', params: {} }, store(big), store(DATA)],
    });
    const codes = (sequence.body as { results: { code: number }[] }).results.map((r) => r.code);
    expect(codes).toEqual([200, 400]);
    const first = await h.dispatcher.call('sequence', { requests: [store(big), store(DATA)] });
    expect((first.body as { results: { code: number }[] }).results.map((r) => r.code)).toEqual([
      400,
    ]);
    expect(h.store.stats().messages).toBe(1);
  });

  it('refuses an empty list, more than 20, nested batches, unknown and bad subrequests', async () => {
    h = await createHarness();
    const info = { method: 'info', params: {} };
    const pubkey = h.account().sessionId;
    const cases: [unknown, number, RegExp][] = [
      [
        { requests: [] },
        400,
        /^invalid request: Invalid batch request: no valid "requests" field$/,
      ],
      [
        { requests: Array(BATCH_MAX_SUBREQUESTS + 1).fill(info) },
        400,
        /^invalid request: Invalid batch request: subrequest limit exceeded$/,
      ],
      [
        { requests: [{ method: 'batch', params: { requests: [info] } }] },
        400,
        /^invalid request: Invalid batch subrequest: subrequests may not contain meta-requests$/,
      ],
      [
        { requests: [{ method: 'nope', params: {} }] },
        400,
        /^invalid request: Invalid batch subrequest: invalid method "nope"$/,
      ],
      [{ requests: [{ method: 'store', params: { pubkey } }] }, 400, /requests\[0\]/],
      [{}, 400, /^invalid request: Invalid batch request: no valid "requests" field$/],
    ];
    for (const [params, status, message] of cases) {
      await expectStoreUnchanged(h.store, async () =>
        expectRefusal(await h.dispatcher.call('batch', params), status, message),
      );
    }
  });
});

describe('swarm-wide requests and the replicator', () => {
  function fakeReplicator(
    answer: (request: ReplicatedRequest) => Record<string, MemberResult>,
  ): SwarmReplicator & { seen: ReplicatedRequest[] } {
    const seen: ReplicatedRequest[] = [];
    return {
      seen,
      async replicate(request) {
        seen.push(request);
        return answer(request);
      },
    };
  }

  it('forwards the raw parameters and merges every member’s result under swarm', async () => {
    let peerKey = '';
    const replicator = fakeReplicator(() => ({ [peerKey]: { failed: true, timeout: true } }));
    h = await createHarness({ replicator });
    peerKey = h.peers[0]?.ed25519Hex ?? '';
    const alice = h.account();
    const params = {
      pubKey: alice.sessionId,
      timestamp: String(TEST_NOW),
      ttl: 60_000,
      data: DATA,
    };
    const body = okBody(await h.dispatcher.call('store', params));
    expect(replicator.seen).toEqual([{ method: 'store', pubkey: alice.sessionId, raw: params }]);
    const swarm = body.swarm as Record<string, { failed?: boolean }>;
    expect(swarm[peerKey]).toEqual({ failed: true, timeout: true });
    expect(swarm[h.keys.ed25519Hex]?.failed).toBeUndefined();
  });

  it('answers 500 when no member succeeded', async () => {
    let peerKey = '';
    const replicator = fakeReplicator(() => ({ [peerKey]: { failed: true, code: 401 } }));
    h = await createHarness({ replicator });
    peerKey = h.peers[0]?.ed25519Hex ?? '';
    const alice = h.account();
    // Make the local apply fail with an internal error by closing the store.
    h.store.close();
    const result = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: DATA,
    });
    expect(result.status).toBe(500);
    const swarm = (result.body as { swarm: Record<string, { failed?: boolean }> }).swarm;
    expect(swarm[h.keys.ed25519Hex]).toEqual({ failed: true, query_failure: true });
  });

  it('a forwarded copy is applied locally and answers this node’s own result', async () => {
    const replicator = fakeReplicator(() => ({}));
    h = await createHarness({ replicator });
    const alice = h.account();
    const result = await h.dispatcher.executeForwarded('store', {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: DATA,
    });
    expect(okBody(result)).toMatchObject({
      hash: expect.any(String),
      signature: expect.any(String),
    });
    expect(replicator.seen).toEqual([]);
    // The forwarded tolerance is 70 s for delete_all.
    const late = h.sign('delete_all', alice, {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW - 65_000,
    });
    expect((await h.dispatcher.executeForwarded('delete_all', late)).status).toBe(200);
    expect((await h.dispatcher.call('delete_all', late)).status).toBe(406);
    expectRefusal(
      await h.dispatcher.executeForwarded('retrieve' as 'store', { pubkey: alice.sessionId }),
      400,
      /cannot be forwarded/,
    );
  });
});

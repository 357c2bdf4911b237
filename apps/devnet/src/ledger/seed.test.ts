/**
 * The seed endpoint as Session clients use it: no Content-Type, `active_only` absent or true,
 * `fields` selecting fields, the exact `application/json` content type, and answers that pass
 * `@murmur/wire`'s seed schema; oxend's JSON-RPC errors for the rest.
 */
import { parseSeedResponse } from '@murmur/wire';
import { SERVICE_NODE_STATE_FIELDS } from '@murmur/wire/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COIN, ManualClock, openTestLedger, type TestLedger } from '../test-support/fixtures.js';
import { answerSeedRequest, serviceNodesResult } from './seed.js';

let t: TestLedger;

beforeAll(async () => {
  const clock = new ManualClock();
  t = await openTestLedger({ clock });
  t.fund({ op: 1_000n * COIN });
  // n1, n2 active with proofs; n3 active without a proof; n4 awaiting contributions; n5
  // decommissioned by the authority.
  for (const name of ['n1', 'n2', 'n3', 'n5']) t.accept(t.register(name, 'op', 100n * COIN));
  t.accept(t.register('n4', 'op', 25n * COIN));
  t.accept(t.proof('n1', clock.now(), { storagePort: 1001, relayPort: 2001 }));
  t.accept(t.proof('n2', clock.now(), { storagePort: 1002, relayPort: 2002 }));
  t.accept(t.proof('n5', clock.now(), { storagePort: 1005, relayPort: 2005 }));
  clock.advance(1_000);
  t.ledger.produceBlock();
  t.ledger.stateChange(t.address('n5'), 'decommission', 'drill');
  clock.advance(1_000);
  t.ledger.produceBlock();
});

afterAll(async () => {
  await t.dispose();
});

async function seed(payload: string | undefined, headers: Record<string, string> = {}) {
  const app = await t.app();
  return app.inject({
    method: 'POST',
    url: '/json_rpc',
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
}

describe('POST /json_rpc', () => {
  it('answers get_n_service_nodes without a Content-Type, with exactly application/json', async () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'get_n_service_nodes',
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
    });
    const response = await seed(body);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const answer = parseSeedResponse(response.body);
    expect(answer.id).toBe(0);
    expect(answer.result.height).toBe(2);
    const states = answer.result.service_node_states;
    expect(states.map((state) => state.pubkey_ed25519).sort()).toEqual(
      ['n1', 'n2', 'n3'].map((name) => t.address(name)).sort(),
    );
    for (const state of states) {
      expect(Object.keys(state).sort()).toEqual(
        [
          'public_ip',
          'pubkey_ed25519',
          'pubkey_x25519',
          'requested_unlock_height',
          'storage_port',
        ].sort(),
      );
    }
    const n1 = states.find((state) => state.pubkey_ed25519 === t.address('n1'));
    expect(n1).toMatchObject({ public_ip: '127.0.0.1', storage_port: 1001 });
    // Without a proof there is no address yet: listed at 0.0.0.0 (clients drop it).
    const n3 = states.find((state) => state.pubkey_ed25519 === t.address('n3'));
    expect(n3).toMatchObject({ public_ip: '0.0.0.0', storage_port: 0 });
  });

  it('lists every registered node with every field when active_only and fields are absent', async () => {
    const response = await seed(JSON.stringify({ method: 'get_service_nodes' }), {
      'content-type': 'text/plain',
    });
    const answer = parseSeedResponse(response.body);
    const states = answer.result.service_node_states;
    expect(states).toHaveLength(5);
    for (const state of states) {
      expect(Object.keys(state).sort()).toEqual([...SERVICE_NODE_STATE_FIELDS].sort());
    }
    const n1 = states.find((state) => state.pubkey_ed25519 === t.address('n1'));
    // oxend's fields: swarm_id a number, swarm its hex, storage_lmq_port (0: no QUIC), version.
    expect(n1).toMatchObject({
      relay_port: 2001,
      swarm_id: expect.any(Number),
      swarm: expect.stringMatching(/^[0-9a-f]{1,16}$/),
      storage_lmq_port: 0,
      storage_server_version: [2, 8, 0],
      active: true,
    });
    expect(n1?.swarm).not.toBe('ffffffffffffffff');
    const n5 = states.find((state) => state.pubkey_ed25519 === t.address('n5'));
    expect(n5).toMatchObject({ public_ip: '127.0.0.1', swarm: 'ffffffffffffffff' });
    const n4 = states.find((state) => state.pubkey_ed25519 === t.address('n4'));
    expect(n4).toMatchObject({ public_ip: '0.0.0.0', swarm: 'ffffffffffffffff' });
    // The X25519 key is libsodium's conversion of the Ed25519 key.
    const x25519 = Buffer.from(
      t.crypto.ed25519PublicKeyToX25519(Buffer.from(t.address('n1'), 'hex')),
    ).toString('hex');
    expect(n1?.pubkey_x25519).toBe(x25519);
  });

  it('takes a random sample of `limit` nodes, and null parameters as absent', async () => {
    const answer = answerSeedRequest(
      JSON.stringify({ method: 'get_n_service_nodes', params: { limit: 2, active_only: null } }),
      t.ledger.state,
      () => 0,
    );
    expect('result' in answer && answer.result.service_node_states).toHaveLength(2);
    const all = serviceNodesResult(t.ledger.state, { active_only: false, limit: 50 });
    expect(all.service_node_states).toHaveLength(5);
  });

  it('answers errors as oxend does: HTTP 200 with a JSON-RPC error object', async () => {
    const cases: [string | undefined, number][] = [
      ['{"method":', -32700],
      [undefined, -32700],
      ['[]', -32600],
      ['{"params":{}}', -32600],
      ['{"method":"get_info","id":"x"}', -32601],
      ['{"method":"get_n_service_nodes","params":{"limit":"ten"}}', -32602],
      ['{"method":"get_n_service_nodes","params":{"fields":{"public_ip":"yes"}}}', -32602],
    ];
    for (const [payload, code] of cases) {
      const response = await seed(payload);
      expect(response.statusCode, payload).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.json().error.code, payload).toBe(code);
      expect(response.json().jsonrpc).toBe('2.0');
    }
    expect((await seed('{"method":"get_info","id":"x"}')).json()).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32601, message: 'Method not found' },
    });
    expect(
      (await seed('{"method":"get_n_service_nodes","params":{"limit":1.5}}')).json().error,
    ).toMatchObject({
      code: -32602,
      message: 'Invalid params',
      data: expect.stringMatching(/limit/),
    });
    // A negative limit is oxend's "every node, shuffled"; fields may be a list (Android's).
    const shuffled = (
      await seed(
        '{"method":"get_n_service_nodes","params":{"limit":-1,"fields":["public_ip","storage_port"]}}',
      )
    ).json().result.service_node_states as Record<string, unknown>[];
    expect(shuffled).toHaveLength(5);
    expect(Object.keys(shuffled[0] ?? {})).toEqual(['public_ip', 'storage_port']);
  });
});

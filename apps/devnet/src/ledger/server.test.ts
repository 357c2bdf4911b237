/**
 * Every route of the ledger's HTTP API through `inject`, on a real SQLite ledger, with the bad
 * inputs each must refuse. Answers are checked against the schemas clients use.
 */
import {
  createTransfer,
  decodeBlock,
  encodeBlock,
  encodeTransaction,
  JsonGenesisConfigSchema,
} from '@murmur/registry';
import {
  BlocksResponseSchema,
  ErrorResponseSchema,
  HealthResponseSchema,
  NodeResponseSchema,
  StateResponseSchema,
  TransactionRejectedResponseSchema,
  TransactionStatusResponseSchema,
  WalletResponseSchema,
} from '@murmur/registry/ledger-http';
import { createChecker } from '@murmur/wire';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { COIN, type TestLedger, testLedgers } from '../test-support/fixtures.js';

const ledgerFor = testLedgers();

function expectSchema(schema: TSchema, value: unknown): void {
  expect(createChecker(schema).firstProblem(value)).toBeUndefined();
}

async function post(t: TestLedger, url: string, payload: unknown, headers = {}) {
  const app = await t.app();
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function postTx(t: TestLedger, tx: ReturnType<TestLedger['transfer']>) {
  return post(t, '/tx', encodeTransaction(tx));
}

function expectRefused(
  response: { statusCode: number; json(): unknown },
  reason: string,
  message?: RegExp,
) {
  expect(response.statusCode).toBe(400);
  const body = response.json() as { reason: string; message: string };
  expectSchema(TransactionRejectedResponseSchema, body);
  expect(body.reason).toBe(reason);
  if (message !== undefined) expect(body.message).toMatch(message);
}

describe('GET routes', () => {
  it('GET /genesis, /health and /blocks answer what the schemas say', async () => {
    const t = await ledgerFor();
    t.ledger.produceBlock();
    t.ledger.produceBlock();
    const app = await t.app();
    const genesis = await app.inject('/genesis');
    expect(genesis.statusCode).toBe(200);
    expectSchema(JsonGenesisConfigSchema, genesis.json());
    expect(genesis.json()).toMatchObject({ chainId: 'murmur-devnet-test' });

    const health = await app.inject('/health');
    expectSchema(HealthResponseSchema, health.json());
    expect(health.json()).toEqual({ status: 'ok', chainId: 'murmur-devnet-test', height: 2 });

    const blocks = await app.inject('/blocks?from=1&limit=5');
    expect(blocks.statusCode).toBe(200);
    expectSchema(BlocksResponseSchema, blocks.json());
    expect(blocks.json().blocks.map((block: { height: number }) => block.height)).toEqual([1, 2]);
    expect(blocks.json().height).toBe(2);
    expect((await app.inject('/blocks?from=0')).json().blocks).toHaveLength(3);
    expect((await app.inject('/blocks?from=99')).json()).toEqual({ blocks: [], height: 2 });
  });

  it('GET /blocks sends blocks with transactions exactly as the feed encodes them', async () => {
    const t = await ledgerFor();
    t.fund({ op: 200n * COIN });
    t.accept(t.register('n1', 'op', 100n * COIN));
    t.ledger.produceBlock();
    t.ledger.produceBlock();
    const app = await t.app();
    const response = await app.inject('/blocks?from=1&limit=5');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const served = t.ledger.getBlocks(1, 5);
    expect(served.some((block) => block.transactions.length > 0)).toBe(true);
    // The same bytes as the feed's encoding (feed.ts), valid against the schema, and decoded
    // back to the very blocks the ledger holds.
    expect(response.body).toBe(
      JSON.stringify({ blocks: served.map(encodeBlock), height: t.ledger.height }),
    );
    expectSchema(BlocksResponseSchema, response.json());
    const decoded = (response.json().blocks as unknown[]).map((json) => decodeBlock(json));
    expect(decoded.map((block) => block.hash)).toEqual(served.map((block) => block.hash));
    expect(decoded.map((block) => block.transactions.length)).toEqual(
      served.map((block) => block.transactions.length),
    );
  });

  it('GET /blocks refuses a missing or bad query with 400 and the error shape', async () => {
    const t = await ledgerFor();
    const app = await t.app();
    for (const url of ['/blocks', '/blocks?from=-1', '/blocks?from=x', '/blocks?from=0&limit=0']) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(400);
      expectSchema(ErrorResponseSchema, response.json());
    }
    expect((await app.inject('/blocks?from=0&limit=1001')).statusCode).toBe(400);
  });

  it('GET /state lists nodes, swarms and wallets; activeOnly filters', async () => {
    const t = await ledgerFor();
    t.fund({ op: 200n * COIN });
    t.accept(t.register('n1', 'op', 100n * COIN));
    t.accept(t.register('n2', 'op', 25n * COIN));
    t.ledger.produceBlock();
    const app = await t.app();
    const all = await app.inject('/state');
    expect(all.statusCode).toBe(200);
    expectSchema(StateResponseSchema, all.json());
    expect(all.json().nodes).toHaveLength(2);
    expect(all.json().swarms).toEqual([
      { id: expect.stringMatching(/^[0-9a-f]{16}$/), members: [t.address('n1')] },
    ]);
    expect(all.json().wallets).toContainEqual({
      address: t.address('op'),
      balance: String(75n * COIN + COIN),
      locked: String(125n * COIN),
      nonce: 2,
    });
    const active = await app.inject('/state?activeOnly=true');
    expect(active.json().nodes.map((node: { ed25519: string }) => node.ed25519)).toEqual([
      t.address('n1'),
    ]);
  });

  it('GET /wallet/:address shows balance, locked entries and the next nonce (mempool included)', async () => {
    const t = await ledgerFor();
    t.fund({ op: 50n * COIN });
    t.ledger.produceBlock();
    t.accept(t.register('n1', 'op', 25n * COIN));
    const app = await t.app();
    let response = await app.inject(`/wallet/${t.address('op')}`);
    expectSchema(WalletResponseSchema, response.json());
    expect(response.json()).toMatchObject({ nonce: 0, nextNonce: 2, balance: String(50n * COIN) });
    t.ledger.produceBlock();
    response = await app.inject(`/wallet/${t.address('op')}`);
    expect(response.json()).toMatchObject({
      nonce: 1,
      nextNonce: 2,
      locked: String(25n * COIN),
      lockedEntries: [
        {
          node: t.address('n1'),
          registrationHeight: 2,
          amount: String(25n * COIN),
          releaseHeight: 0,
          kind: 'staked',
        },
      ],
    });
    const unknown = await app.inject(`/wallet/${'ab'.repeat(32)}`);
    expect(unknown.json()).toMatchObject({ balance: '0', nonce: 0, nextNonce: 1 });
    expect((await app.inject('/wallet/XYZ')).statusCode).toBe(400);
  });

  it('GET /node/:node shows the node, its history and the minimum contribution; 404 when unknown', async () => {
    const t = await ledgerFor();
    t.fund({ op: 50n * COIN });
    t.accept(t.register('n1', 'op', 25n * COIN, { fee: 500 }));
    t.ledger.produceBlock();
    const app = await t.app();
    const response = await app.inject(`/node/${t.address('n1')}`);
    expect(response.statusCode).toBe(200);
    expectSchema(NodeResponseSchema, response.json());
    expect(response.json()).toMatchObject({
      node: { status: 'awaiting-contributions', feeBasisPoints: 500, swarmId: 'ffffffffffffffff' },
      history: [{ type: 'registered', address: t.address('op'), amount: String(25n * COIN) }],
      // 75 coins over 9 open slots, rounded up.
      minimumContribution: String((75n * COIN + 8n) / 9n),
      openRoom: String(75n * COIN),
    });
    expect((await app.inject(`/node/${'cd'.repeat(32)}`)).statusCode).toBe(404);
  });

  it('GET /tx/:id tells pending, included and unknown apart', async () => {
    const t = await ledgerFor();
    t.fund({ alice: COIN });
    const id = t.accept(t.transfer('alice', 'bob', 1n));
    const app = await t.app();
    expect((await app.inject(`/tx/${id}`)).json()).toEqual({ id, status: 'pending' });
    t.ledger.produceBlock();
    const included = await app.inject(`/tx/${id}`);
    expectSchema(TransactionStatusResponseSchema, included.json());
    expect(included.json()).toEqual({ id, status: 'included', height: 1 });
    expect((await app.inject(`/tx/${'ee'.repeat(32)}`)).json()).toMatchObject({
      status: 'unknown',
    });
  });

  it('GET /metrics serves Prometheus text with the ledger counters', async () => {
    const t = await ledgerFor();
    t.fund({ alice: COIN });
    const app = await t.app();
    await postTx(t, t.transfer('alice', 'bob', 10n * COIN));
    const response = await app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(/murmur_ledger_height 0/);
    expect(response.body).toMatch(/murmur_ledger_mempool_transactions 1/);
    expect(response.body).toMatch(
      /murmur_ledger_transactions_rejected_total\{reason="insufficient-funds"\} 1/,
    );
  });

  it('answers unknown routes with 404 and the error shape', async () => {
    const t = await ledgerFor();
    const response = await (await t.app()).inject('/nope');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'NOT_FOUND', message: 'no route GET /nope' });
  });
});

describe('POST /tx', () => {
  it('accepts a valid transaction (200 {accepted, id}) and a resubmission the same way', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const tx = t.transfer('alice', 'bob', COIN);
    const first = await postTx(t, tx);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ accepted: true, id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const again = await postTx(t, tx);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(t.ledger.mempoolSize).toBe(2);
  });

  it('accepts a body without a Content-Type, or with another one', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const app = await t.app();
    const body = JSON.stringify(encodeTransaction(t.transfer('alice', 'bob', COIN)));
    const bare = await app.inject({ method: 'POST', url: '/tx', payload: body });
    expect(bare.statusCode).toBe(200);
    const text = await app.inject({
      method: 'POST',
      url: '/tx',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify(encodeTransaction(t.transfer('alice', 'bob', COIN))),
    });
    expect(text.statusCode).toBe(200);
  });

  it('refuses malformed bodies as malformed, naming the field', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    expectRefused(await post(t, '/tx', '{not json'), 'malformed', /not a JSON transaction/);
    expectRefused(await post(t, '/tx', ''), 'malformed');
    expectRefused(await post(t, '/tx', []), 'malformed', /JSON object/);
    expectRefused(await post(t, '/tx', { type: 'mint' }), 'malformed', /type must be one of/);
    const json = encodeTransaction(t.transfer('alice', 'bob', COIN)) as Record<string, unknown>;
    expectRefused(await post(t, '/tx', { ...json, amount: -1 }), 'malformed', /amount/);
    expectRefused(await post(t, '/tx', { ...json, amount: '1.5' }), 'malformed', /amount/);
    const { to: _to, ...withoutTo } = json;
    expectRefused(await post(t, '/tx', withoutTo), 'malformed', /\bto\b/);
    expectRefused(await post(t, '/tx', { ...json, extra: 1 }), 'malformed', /extra/);
  });

  it('refuses a wrong signature with bad-signature', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const json = encodeTransaction(t.transfer('alice', 'bob', COIN)) as { signature: string };
    const flipped = `${json.signature[0] === '0' ? '1' : '0'}${json.signature.slice(1)}`;
    expectRefused(await post(t, '/tx', { ...json, signature: flipped }), 'bad-signature');
    // Signed by another key than the sender it names.
    const forged = {
      ...json,
      signature: (encodeTransaction(t.transfer('bob', 'alice', COIN)) as { signature: string })
        .signature,
    };
    expectRefused(await post(t, '/tx', forged), 'bad-signature');
    // Signed for another chain.
    const elsewhere = createTransfer(
      { chainId: 'another-chain', to: t.address('bob'), amount: COIN, nonce: 1 },
      t.keys.pair('alice'),
      t.crypto,
    );
    expectRefused(await postTx(t, elsewhere), 'bad-signature', /chain murmur-devnet-test/);
  });

  it('refuses a replay with bad-nonce and a double spend with insufficient-funds or bad-nonce', async () => {
    const t = await ledgerFor();
    t.fund({ alice: 10n * COIN });
    const tx = t.transfer('alice', 'bob', 6n * COIN);
    expect((await postTx(t, tx)).statusCode).toBe(200);
    t.ledger.produceBlock();
    expectRefused(await postTx(t, tx), 'bad-nonce', /replay/);
    // Two pending transactions spending the same coins: the second is refused at once.
    t.fund({ carol: 10n * COIN });
    expect((await postTx(t, t.transfer('carol', 'bob', 7n * COIN))).statusCode).toBe(200);
    expectRefused(await postTx(t, t.transfer('carol', 'dave', 7n * COIN)), 'insufficient-funds');
    expectRefused(await postTx(t, t.transfer('carol', 'dave', COIN, 1)), 'bad-nonce');
  });

  it('refuses an under-minimum contribution and an 11th contributor', async () => {
    const t = await ledgerFor();
    const reserved = Array.from({ length: 8 }, (_, i) => ({
      address: t.address(`r${i}`),
      amount: COIN,
    }));
    t.fund({ op: 50n * COIN, a: 100n * COIN, x: 100n * COIN, small: 100n * COIN });
    t.accept(t.register('n1', 'op', 25n * COIN, { reserved }));
    t.ledger.produceBlock();
    // Open room 67 coins for one open slot: anything less is under the minimum.
    expectRefused(
      await postTx(t, t.contribute('n1', 'small', 10n * COIN)),
      'below-minimum-contribution',
      /at least/,
    );
    expect((await postTx(t, t.contribute('n1', 'a', 67n * COIN))).statusCode).toBe(200);
    t.ledger.produceBlock();
    expectRefused(await postTx(t, t.contribute('n1', 'x', COIN)), 'too-many-contributors');
  });

  it('refuses a transaction for an unknown node and a contribution to an active node', async () => {
    const t = await ledgerFor();
    t.fund({ op: 200n * COIN, a: 10n * COIN });
    expectRefused(await postTx(t, t.contribute('nx', 'a', COIN)), 'unknown-node');
    t.accept(t.register('n1', 'op', 100n * COIN));
    expectRefused(await postTx(t, t.contribute('n1', 'a', COIN)), 'invalid-node-state');
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const t = await ledgerFor();
    const response = await post(t, '/tx', `"${'x'.repeat(70_000)}"`);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: 'TOO_LARGE' });
  });

  it('answers 503 when the mempool is full', async () => {
    const t = await ledgerFor({ maxMempoolSize: 1 });
    t.fund({ alice: 10n * COIN });
    const response = await postTx(t, t.transfer('alice', 'bob', COIN));
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'OVERLOADED' });
  });
});

describe('devnet routes', () => {
  it('POST /faucet mints through the authority, refuses over the limit and bad bodies', async () => {
    const t = await ledgerFor();
    const ok = await post(t, '/faucet', { address: t.address('alice'), amount: String(5n * COIN) });
    expect(ok.statusCode).toBe(200);
    t.ledger.produceBlock();
    expect((await (await t.app()).inject(`/wallet/${t.address('alice')}`)).json().balance).toBe(
      String(5n * COIN),
    );
    const max = t.ledger.genesis.params.faucetMaxAmount as bigint;
    expectRefused(
      await post(t, '/faucet', { address: t.address('alice'), amount: String(max + 1n) }),
      'invalid-amount',
      /at most/,
    );
    expectRefused(
      await post(t, '/faucet', { address: 'nope', amount: '1' }),
      'malformed',
      /address/,
    );
    expectRefused(await post(t, '/faucet', { address: t.address('a') }), 'malformed', /amount/);
    expectRefused(await post(t, '/faucet', 'x'), 'malformed');
  });

  it('answers the devnet routes only from this machine', async () => {
    const t = await ledgerFor();
    const app = await t.app();
    const response = await app.inject({
      method: 'POST',
      url: '/faucet',
      remoteAddress: '192.0.2.7',
      payload: JSON.stringify({ address: t.address('alice'), amount: '1' }),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: 'FORBIDDEN' });
  });

  it('POST /state-change decommissions and recommissions a node, and refuses what does not apply', async () => {
    const t = await ledgerFor();
    t.fund({ op: 100n * COIN });
    t.accept(t.register('n1', 'op', 100n * COIN));
    t.ledger.produceBlock();
    const node = t.address('n1');
    expectRefused(
      await post(t, '/state-change', { node, change: 'recommission', reason: 'drill' }),
      'invalid-state-change',
    );
    const down = await post(t, '/state-change', { node, change: 'decommission', reason: 'drill' });
    expect(down.statusCode).toBe(200);
    t.ledger.produceBlock();
    const app = await t.app();
    const answer = (await app.inject(`/node/${node}`)).json();
    expect(answer.node.status).toBe('decommissioned');
    expect(answer.history.at(-1)).toMatchObject({ type: 'decommissioned', reason: 'drill' });
    expectRefused(await post(t, '/state-change', { node, change: 'explode' }), 'malformed');
  });

  it('has no faucet or state-change routes on a chain without a faucet (oxen parameters)', async () => {
    const t = await ledgerFor({ base: 'oxen' });
    const response = await post(t, '/faucet', { address: t.address('a'), amount: '1' });
    expect(response.statusCode).toBe(404);
    expect((await post(t, '/state-change', {})).statusCode).toBe(404);
  });
});

import type { Identity } from '@murmur/crypto';
import { MAX_MESSAGE_BYTES, parseResponse } from '@murmur/wire';
import { MAX_MESSAGE_BASE64_LENGTH, RETRIEVE_MAX_SIZE } from '@murmur/wire/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectStoreUnchanged, okBody } from '../../test-support/assertions.js';
import { createHarness, type Harness, OTHER_SWARM, TEST_NOW } from '../../test-support/harness.js';
import { ANSWER_BUDGET_BYTES } from '../context.js';

let h: Harness;
let alice: Identity;

beforeEach(async () => {
  h = await createHarness();
  alice = h.account();
});

afterEach(() => {
  h.close();
});

/** Message `i`'s data: `size` bytes of i + 1 (past 255, the first two bytes are 0x8000 + i: unique up to 383). */
function dataOf(i: number, size: number): Buffer {
  const data = Buffer.alloc(size, i + 1);
  if (i >= 255 && size >= 2) data.writeUInt16BE(0x8000 + i, 0);
  return data;
}

async function storeSome(count: number, namespace = 0, size = 10): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    const params: Record<string, unknown> = {
      pubkey: alice.sessionId,
      namespace,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: dataOf(i, size).toString('base64'),
    };
    const signed =
      namespace % 10 === 0 ? params : h.sign('store', alice, { namespace, timestamp: TEST_NOW });
    const result = await h.dispatcher.call('store', { ...params, ...signed, ...params });
    hashes.push(okBody(result).hash as string);
  }
  return hashes;
}

function signedRetrieve(extra: Record<string, unknown> = {}, namespace = 0) {
  return {
    pubkey: alice.sessionId,
    namespace,
    timestamp: TEST_NOW,
    ...h.sign('retrieve', alice, { namespace, timestamp: TEST_NOW }),
    ...extra,
  };
}

describe('retrieve', () => {
  it('returns messages in order with Session’s fields (expiration, base64 data, more)', async () => {
    const hashes = await storeSome(3);
    const body = okBody(await h.dispatcher.call('retrieve', signedRetrieve()));
    const answer = parseResponse('retrieve', body);
    expect(answer.messages.map((m) => m.hash)).toEqual(hashes);
    expect(answer.messages[0]).toEqual({
      hash: hashes[0],
      timestamp: TEST_NOW,
      expiration: TEST_NOW + 60_000,
      data: Buffer.alloc(10, 1).toString('base64'),
    });
    expect(answer.more).toBe(false);
    expect(answer.t).toBe(TEST_NOW);
  });

  it('sends its answer as JSON text identical to serialising its body', async () => {
    await storeSome(3, 0, 50);
    for (const extra of [{}, { max_count: 2 }, { max_count: 1, last_hash: 'x'.repeat(43) }]) {
      const result = await h.dispatcher.call('retrieve', signedRetrieve(extra));
      expect(result.status).toBe(200);
      expect(result.encoded?.toString()).toBe(JSON.stringify(result.body));
    }
    // An empty page too.
    const empty = await h.dispatcher.call('retrieve', signedRetrieve({}, 5));
    expect(empty.encoded?.toString()).toBe(JSON.stringify(empty.body));
  });

  it('pages through more than one chunk of rows (256) in order, within max_count', async () => {
    const hashes = await storeSome(300, 0, 2);
    const first = okBody(await h.dispatcher.call('retrieve', signedRetrieve({ max_count: 280 })));
    const firstPage = parseResponse('retrieve', first);
    expect(firstPage.messages.map((m) => m.hash)).toEqual(hashes.slice(0, 280));
    expect(firstPage.more).toBe(true);
    const all = parseResponse(
      'retrieve',
      okBody(await h.dispatcher.call('retrieve', signedRetrieve({ max_count: 1000 }))),
    );
    expect(all.messages.map((m) => m.hash)).toEqual(hashes);
    expect(all.more).toBe(false);
  });

  it('serves a client that sends pubkey_ed25519 and pubkeyEd25519 (and other aliases) in every signed retrieve', async () => {
    const hashes = await storeSome(3);
    // Desktop's signed retrieve (SnodeRequestTypes.ts: pubkey, namespace, timestamp, signature,
    // pubkey_ed25519, last_hash, max_size), plus the camelCase copies a third-party client sends.
    const signed = signedRetrieve({ last_hash: hashes[0], max_size: -1 });
    const both = {
      ...signed,
      pubkeyEd25519: signed.pubkey_ed25519,
      lastHash: hashes[1],
      maxSize: -2,
      unknown_future_key: [1, 2],
    };
    const body = okBody(await h.dispatcher.call('retrieve', both));
    // snake_case wins: after hashes[0], not hashes[1].
    expect((body.messages as { hash: string }[]).map((m) => m.hash)).toEqual(hashes.slice(1));
  });

  it('pages after last_hash (and its camelCase alias), from the start when unknown', async () => {
    const hashes = await storeSome(4);
    const after = okBody(
      await h.dispatcher.call('retrieve', signedRetrieve({ last_hash: hashes[1] })),
    );
    expect((after.messages as { hash: string }[]).map((m) => m.hash)).toEqual(hashes.slice(2));
    const alias = okBody(
      await h.dispatcher.call('retrieve', signedRetrieve({ lastHash: hashes[2] })),
    );
    expect((alias.messages as unknown[]).length).toBe(1);
    const unknown = okBody(
      await h.dispatcher.call('retrieve', signedRetrieve({ last_hash: 'A'.repeat(43) })),
    );
    expect((unknown.messages as unknown[]).length).toBe(4);
    const empty = okBody(await h.dispatcher.call('retrieve', signedRetrieve({ last_hash: '' })));
    expect((empty.messages as unknown[]).length).toBe(4);
  });

  it('applies max_count, and max_size with Session’s negative fractions', async () => {
    await storeSome(5, 0, 1000);
    const two = okBody(await h.dispatcher.call('retrieve', signedRetrieve({ max_count: 2 })));
    expect((two.messages as unknown[]).length).toBe(2);
    expect(two.more).toBe(true);
    const each = 100 + 43 + Math.ceil(1000 / 3) * 4;
    const bySize = okBody(
      await h.dispatcher.call('retrieve', signedRetrieve({ max_size: 3 * each })),
    );
    expect((bySize.messages as unknown[]).length).toBe(3);
    expect(bySize.more).toBe(true);
    // -k means RETRIEVE_MAX_SIZE / k: with k so large that the limit is below one message,
    // one message still comes back.
    const tiny = okBody(
      await h.dispatcher.call(
        'retrieve',
        signedRetrieve({ maxSize: -Math.ceil(RETRIEVE_MAX_SIZE / 10) }),
      ),
    );
    expect((tiny.messages as unknown[]).length).toBe(1);
    expect(tiny.more).toBe(true);
    const all = okBody(await h.dispatcher.call('retrieve', signedRetrieve({ max_size: -1 })));
    expect((all.messages as unknown[]).length).toBe(5);
    expect(all.more).toBe(false);
  });

  it('returns an empty list (and more: false) for an account with nothing', async () => {
    const body = okBody(await h.dispatcher.call('retrieve', signedRetrieve()));
    expect(body.messages).toEqual([]);
    expect(body.more).toBe(false);
  });

  it('public outboxes and legacy closed groups need no signature', async () => {
    const group = h.group();
    const signature = h.crypto.signRequest(
      'store',
      { namespace: -21, timestamp: TEST_NOW },
      group.secretKey,
    );
    await h.dispatcher.call('store', {
      pubkey: group.pubkey,
      namespace: -21,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: 'AAAA',
      signature,
    });
    const outbox = okBody(
      await h.dispatcher.call('retrieve', { pubkey: group.pubkey, namespace: -21 }),
    );
    expect((outbox.messages as unknown[]).length).toBe(1);
    const legacy = await h.dispatcher.call('retrieve', { pubkey: alice.sessionId, namespace: -10 });
    expect(legacy.status).toBe(200);
  });

  describe('refusals', () => {
    it('unsigned retrieve of an ordinary namespace: 401', async () => {
      await storeSome(1);
      expectRefusal(
        await h.dispatcher.call('retrieve', { pubkey: alice.sessionId }),
        401,
        /retrieve: request signature required/,
      );
    });

    it('bad signature, wrong key, stale timestamp', async () => {
      const bob = h.account();
      const forged = {
        pubkey: alice.sessionId,
        timestamp: TEST_NOW,
        ...h.sign('retrieve', bob, { namespace: 0, timestamp: TEST_NOW }),
      };
      expectRefusal(
        await h.dispatcher.call('retrieve', forged),
        401,
        /^retrieve signature verification failed$/,
      );
      const wrongNamespace = {
        ...signedRetrieve(),
        namespace: 2,
      };
      expectRefusal(
        await h.dispatcher.call('retrieve', wrongNamespace),
        401,
        /retrieve signature verification failed/,
      );
      h.clock.set(TEST_NOW + 60_001);
      expectRefusal(
        await h.dispatcher.call('retrieve', signedRetrieve()),
        406,
        /retrieve timestamp too far from current time/,
      );
    });

    it('malformed parameters: 400 naming the field', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [signedRetrieve({ last_hash: 'short' }), /`last_hash` must be a 43-character base64/],
        [signedRetrieve({ max_count: -1 }), /`max_count`/],
        [signedRetrieve({ max_size: 'big' }), /`max_size`/],
        [
          { pubkey: alice.sessionId, signature: signedRetrieve().signature },
          /^invalid request: Required field 'timestamp' missing$/,
        ],
        [
          signedRetrieve({ pubkey_ed25519: 'zz' }),
          /^invalid request: Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey$/,
        ],
      ];
      for (const [params, message] of cases) {
        await expectStoreUnchanged(h.store, async () =>
          expectRefusal(await h.dispatcher.call('retrieve', params), 400, message),
        );
      }
    });

    it('an account of another swarm: 421', async () => {
      const stranger = h.account(OTHER_SWARM);
      const result = await h.dispatcher.call('retrieve', {
        pubkey: stranger.sessionId,
        timestamp: TEST_NOW,
        ...h.sign('retrieve', stranger, { namespace: 0, timestamp: TEST_NOW }),
      });
      expect(result.status).toBe(421);
    });
  });
});

describe('the answer budget of one request', () => {
  it('a batch of 20 unsigned retrieves answers at most one full retrieve, and paging loses nothing', async () => {
    // Finding 1 of issue 10: 104 unsigned stores of 76,800 bytes into namespace -10, then one
    // batch of 20 unsigned retrieves of 7.8 MB each built a 156 MB answer.
    const count = 104;
    const size = MAX_MESSAGE_BYTES;
    const stored = new Set<string>();
    for (let i = 0; i < count; i++) {
      const data = Buffer.alloc(size, i % 251);
      data.writeUInt32BE(i, 0);
      const result = await h.dispatcher.call('store', {
        pubkey: alice.sessionId,
        namespace: -10,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: data.toString('base64'),
      });
      stored.add(okBody(result).hash as string);
    }
    const one = { pubkey: alice.sessionId, namespace: -10, max_size: -1 };
    const requests = Array.from({ length: 20 }, () => ({ method: 'retrieve', params: one }));
    const answer = await h.dispatcher.call('batch', { requests });
    const results = parseResponse('batch', okBody(answer)).results;
    let answered = 0;
    for (const result of results) {
      expect(result.code).toBe(200);
      for (const message of (result.body as { messages: { data: string }[] }).messages) {
        answered += message.data.length;
      }
    }
    // One retrieve's worth (7.8 MB counted with base64 data), plus at most one message over.
    expect(answered).toBeLessThanOrEqual(ANSWER_BUDGET_BYTES + MAX_MESSAGE_BASE64_LENGTH);
    expect(answered).toBeGreaterThan(ANSWER_BUDGET_BYTES / 2);
    const last = results[results.length - 1]?.body as { messages: unknown[]; more: boolean };
    expect(last.messages).toEqual([]);
    expect(last.more).toBe(true);

    // A client paging with single retrieves still gets every message.
    const seen = new Set<string>();
    let lastHash: string | undefined;
    for (let round = 0; round < 20; round++) {
      const page = parseResponse(
        'retrieve',
        okBody(
          await h.dispatcher.call('retrieve', {
            ...one,
            ...(lastHash === undefined ? {} : { last_hash: lastHash }),
          }),
        ),
      );
      for (const message of page.messages) seen.add(message.hash);
      lastHash = page.messages.at(-1)?.hash ?? lastHash;
      if (!page.more) break;
    }
    expect(seen).toEqual(stored);
  });
});

import type { Identity } from '@murmur/crypto';
import { base64ToBytes, parseResponse, utf8Encode } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnswerBody,
  expectRefusal,
  expectStoreUnchanged,
  type MemberAnswer,
  okBody,
} from '../../test-support/assertions.js';
import { createHarness, type Harness, OTHER_SWARM, TEST_NOW } from '../../test-support/harness.js';

let h: Harness;
let alice: Identity;

beforeEach(async () => {
  h = await createHarness();
  alice = h.account();
});

afterEach(() => {
  h.close();
});

async function put(namespace: number, fill: number, timestamp = TEST_NOW): Promise<string> {
  const params = {
    pubkey: alice.sessionId,
    namespace,
    timestamp,
    ttl: 60_000,
    data: Buffer.alloc(8, fill).toString('base64'),
  };
  const signed = namespace % 10 === 0 ? {} : h.sign('store', alice, { namespace, timestamp });
  return okBody(await h.dispatcher.call('store', { ...params, ...signed })).hash as string;
}

function mineOf(body: AnswerBody): MemberAnswer {
  return (body.swarm as Record<string, MemberAnswer>)[h.keys.ed25519Hex] as MemberAnswer;
}

function nodeSigned(text: string, signature: unknown): boolean {
  return h.crypto.verify(
    base64ToBytes(signature as string),
    utf8Encode(text),
    h.keys.ed25519.publicKey,
  );
}

describe('delete', () => {
  it('deletes by hash and signs pubkey ‖ requested ‖ deleted', async () => {
    const a = await put(0, 1);
    const b = await put(0, 2);
    const missing = 'M'.repeat(43);
    const messages = [b, missing];
    const body = okBody(
      await h.dispatcher.call(
        'delete',
        h.sign('delete', alice, { pubkey: alice.sessionId, messages }),
      ),
    );
    parseResponse('delete', body);
    const mine = mineOf(body);
    expect(mine.deleted).toEqual([b]);
    expect(nodeSigned(`${alice.sessionId}${b}${missing}${b}`, mine.signature)).toBe(true);
    expect(h.store.getExpiries(alice.sessionId, [a, b], TEST_NOW).size).toBe(1);
  });

  it('with required and nothing deleted answers 404', async () => {
    const result = await h.dispatcher.call(
      'delete',
      h.sign('delete', alice, {
        pubkey: alice.sessionId,
        messages: ['N'.repeat(43)],
        required: true,
      }),
    );
    expect(result.status).toBe(404);
  });

  it('refuses a bad signature (401), malformed hashes (400), another swarm (421)', async () => {
    await put(0, 1);
    const bob = h.account();
    await expectStoreUnchanged(h.store, async () => {
      const forged = h.sign('delete', bob, { messages: ['N'.repeat(43)] });
      expectRefusal(
        await h.dispatcher.call('delete', { ...forged, pubkey: alice.sessionId }),
        401,
        /^delete_msgs signature verification failed$/,
      );
      const signed = h.sign('delete', alice, {
        pubkey: alice.sessionId,
        messages: ['N'.repeat(43)],
      });
      expectRefusal(
        await h.dispatcher.call('delete', { ...signed, messages: ['O'.repeat(43)] }),
        401,
        /^delete_msgs signature verification failed$/,
      );
      expectRefusal(
        await h.dispatcher.call('delete', { ...signed, messages: ['bad hash'] }),
        400,
        /`messages/,
      );
      expectRefusal(
        await h.dispatcher.call('delete', { ...signed, messages: [] }),
        400,
        /`messages`/,
      );
      expectRefusal(
        await h.dispatcher.call('delete', { pubkey: alice.sessionId, messages: ['N'.repeat(43)] }),
        400,
        /^invalid request: Required field 'signature' missing$/,
      );
      const stranger = h.account(OTHER_SWARM);
      expect(
        (
          await h.dispatcher.call(
            'delete',
            h.sign('delete', stranger, { pubkey: stranger.sessionId, messages: ['N'.repeat(43)] }),
          )
        ).status,
      ).toBe(421);
    });
  });
});

describe('delete_all', () => {
  it('deletes one namespace or all, with sorted hashes grouped by namespace', async () => {
    const a = await put(0, 1);
    const b = await put(3, 2);
    const c = await put(3, 3);
    const one = okBody(
      await h.dispatcher.call(
        'delete_all',
        h.sign('delete_all', alice, { pubkey: alice.sessionId, namespace: 3, timestamp: TEST_NOW }),
      ),
    );
    parseResponse('delete_all', one);
    const sorted = [b, c].sort();
    expect(mineOf(one).deleted).toEqual(sorted);
    expect(
      nodeSigned(`${alice.sessionId}${TEST_NOW}${sorted.join('')}`, mineOf(one).signature),
    ).toBe(true);
    await put(5, 4);
    const all = okBody(
      await h.dispatcher.call(
        'delete_all',
        h.sign('delete_all', alice, {
          pubkey: alice.sessionId,
          namespace: 'all',
          timestamp: TEST_NOW,
        }),
      ),
    );
    const deleted = mineOf(all).deleted as Record<string, string[]>;
    expect(Object.keys(deleted).sort()).toEqual(['0', '5']);
    expect(deleted['0']).toEqual([a]);
    expect(h.store.stats().messages).toBe(0);
  });

  it('refuses a stale timestamp (406) and a bad signature (401)', async () => {
    await put(0, 1);
    await expectStoreUnchanged(h.store, async () => {
      const stale = h.sign('delete_all', alice, {
        pubkey: alice.sessionId,
        timestamp: TEST_NOW - 61_000,
      });
      expectRefusal(
        await h.dispatcher.call('delete_all', stale),
        406,
        /delete_all timestamp too far from current time/,
      );
      const signed = h.sign('delete_all', alice, { pubkey: alice.sessionId, timestamp: TEST_NOW });
      expectRefusal(
        await h.dispatcher.call('delete_all', { ...signed, namespace: 'all' }),
        401,
        /delete_all signature verification failed/,
      );
      expectRefusal(
        await h.dispatcher.call('delete_all', { ...signed, namespace: 'some' }),
        400,
        /`namespace`/,
      );
    });
  });
});

describe('delete_before', () => {
  it('deletes messages at or before the time', async () => {
    const old = await put(0, 1, TEST_NOW - 5000);
    await put(0, 2, TEST_NOW);
    const body = okBody(
      await h.dispatcher.call(
        'delete_before',
        h.sign('delete_before', alice, { pubkey: alice.sessionId, before: TEST_NOW - 1000 }),
      ),
    );
    parseResponse('delete_before', body);
    expect(mineOf(body).deleted).toEqual([old]);
    expect(h.store.stats().messages).toBe(1);
  });

  it('refuses a time far in the future (401, as Session) and a bad signature (401)', async () => {
    await put(0, 1);
    await expectStoreUnchanged(h.store, async () => {
      expectRefusal(
        await h.dispatcher.call(
          'delete_before',
          h.sign('delete_before', alice, { pubkey: alice.sessionId, before: TEST_NOW + 61_000 }),
        ),
        401,
        /too far in the future/,
      );
      const signed = h.sign('delete_before', alice, { pubkey: alice.sessionId, before: TEST_NOW });
      expectRefusal(
        await h.dispatcher.call('delete_before', { ...signed, before: TEST_NOW - 1 }),
        401,
        /verification failed/,
      );
    });
  });
});

import type { Identity } from '@murmur/crypto';
import { base64ToBytes, bytesToHex, parseResponse, utf8Encode } from '@murmur/wire';
import { TTL_MAX_PRIVATE_MS } from '@murmur/wire/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AnswerBody,
  expectRefusal,
  expectStoreUnchanged,
  type MemberAnswer,
  okBody,
} from '../../test-support/assertions.js';
import { createHarness, type Harness, TEST_NOW } from '../../test-support/harness.js';

let h: Harness;
let alice: Identity;

beforeEach(async () => {
  h = await createHarness();
  alice = h.account();
});

afterEach(() => {
  h.close();
});

async function put(fill: number, ttl = 60_000, namespace = 0): Promise<string> {
  const params = {
    pubkey: alice.sessionId,
    namespace,
    timestamp: TEST_NOW,
    ttl,
    data: Buffer.alloc(8, fill).toString('base64'),
  };
  const signed =
    namespace % 10 === 0 ? {} : h.sign('store', alice, { namespace, timestamp: TEST_NOW });
  return okBody(await h.dispatcher.call('store', { ...params, ...signed })).hash as string;
}

function mineOf(body: AnswerBody): MemberAnswer {
  return (body.swarm as Record<string, MemberAnswer>)[h.keys.ed25519Hex] as MemberAnswer;
}

describe('expire', () => {
  it('sets one expiry for all and signs pubkey ‖ expiry ‖ requested ‖ updated', async () => {
    const a = await put(1);
    const b = await put(2);
    const expiry = TEST_NOW + 120_000;
    const body = okBody(
      await h.dispatcher.call(
        'expire',
        h.sign('expire', alice, { pubkey: alice.sessionId, messages: [a, b], expiry }),
      ),
    );
    parseResponse('expire', body);
    const mine = mineOf(body);
    const updated = [a, b].sort();
    expect(mine).toMatchObject({ expiry, updated });
    expect(mine.unchanged).toBeUndefined();
    expect(
      h.crypto.verify(
        base64ToBytes(mine.signature as string),
        utf8Encode(`${alice.sessionId}${expiry}${a}${b}${updated.join('')}`),
        h.keys.ed25519.publicKey,
      ),
    ).toBe(true);
    expect(h.store.getExpiries(alice.sessionId, [a], TEST_NOW).get(a)).toBe(expiry);
  });

  it('extend only pushes later and reports the unchanged with their expiry', async () => {
    const short = await put(1, 30_000);
    const long = await put(2, 200_000);
    const expiry = TEST_NOW + 100_000;
    const body = okBody(
      await h.dispatcher.call(
        'expire',
        h.sign('expire', alice, {
          pubkey: alice.sessionId,
          messages: [short, long],
          expiry,
          extend: true,
        }),
      ),
    );
    expect(mineOf(body)).toMatchObject({
      updated: [short],
      unchanged: { [long]: TEST_NOW + 200_000 },
    });
  });

  it('caps expiries at now + 30 days and accepts one expiry per message', async () => {
    const a = await put(1);
    const b = await put(2);
    const far = TEST_NOW + TTL_MAX_PRIVATE_MS + 1_000_000;
    const one = okBody(
      await h.dispatcher.call(
        'expire',
        h.sign('expire', alice, { pubkey: alice.sessionId, messages: [a], expiry: far }),
      ),
    );
    expect(mineOf(one).expiry).toBe(TEST_NOW + TTL_MAX_PRIVATE_MS);
    const each = okBody(
      await h.dispatcher.call(
        'expire',
        h.sign('expire', alice, {
          pubkey: alice.sessionId,
          messages: [a, b],
          expiry: [TEST_NOW + 20_000, TEST_NOW + 40_000],
        }),
      ),
    );
    expect(h.store.getExpiries(alice.sessionId, [a, b], TEST_NOW)).toEqual(
      new Map([
        [a, TEST_NOW + 20_000],
        [b, TEST_NOW + 40_000],
      ]),
    );
    expect(Array.isArray(mineOf(each).expiry)).toBe(true);
  });

  it('refuses past expiries (401, as Session), both shorten and extend (400), bad signatures (401)', async () => {
    const a = await put(1);
    await expectStoreUnchanged(h.store, async () => {
      expectRefusal(
        await h.dispatcher.call(
          'expire',
          h.sign('expire', alice, {
            pubkey: alice.sessionId,
            messages: [a],
            expiry: TEST_NOW - 61_000,
          }),
        ),
        401,
        /expire: timestamp should be >= current time/,
      );
      const signed = h.sign('expire', alice, {
        pubkey: alice.sessionId,
        messages: [a],
        expiry: TEST_NOW + 10_000,
      });
      expectRefusal(
        await h.dispatcher.call('expire', { ...signed, shorten: true, extend: true }),
        400,
        /at most one of `shorten` and `extend`/,
      );
      expectRefusal(
        await h.dispatcher.call('expire', { ...signed, expiry: TEST_NOW + 10_001 }),
        401,
        /signature verification failed/,
      );
      expectRefusal(
        await h.dispatcher.call('expire', { ...signed, expiry: [TEST_NOW, TEST_NOW] }),
        400,
        /one timestamp or one per message/,
      );
    });
  });
});

describe('expire_all', () => {
  it('shortens every later expiry', async () => {
    const a = await put(1, 30_000);
    const b = await put(2, 200_000, 3);
    const expiry = TEST_NOW + 100_000;
    const body = okBody(
      await h.dispatcher.call(
        'expire_all',
        h.sign('expire_all', alice, { pubkey: alice.sessionId, namespace: 'all', expiry }),
      ),
    );
    parseResponse('expire_all', body);
    expect(mineOf(body).updated).toEqual({ '3': [b] });
    expect(h.store.getExpiries(alice.sessionId, [a, b], TEST_NOW)).toEqual(
      new Map([
        [a, TEST_NOW + 30_000],
        [b, expiry],
      ]),
    );
  });

  it('refuses an expiry in the past (406) and a bad signature (401)', async () => {
    await put(1);
    await expectStoreUnchanged(h.store, async () => {
      expectRefusal(
        await h.dispatcher.call(
          'expire_all',
          h.sign('expire_all', alice, { pubkey: alice.sessionId, expiry: TEST_NOW - 61_000 }),
        ),
        406,
        /expire_all timestamp should be >= current time/,
      );
      const signed = h.sign('expire_all', alice, {
        pubkey: alice.sessionId,
        expiry: TEST_NOW + 1000,
      });
      expectRefusal(
        await h.dispatcher.call('expire_all', { ...signed, namespace: 2 }),
        401,
        /expire_all signature verification failed/,
      );
    });
  });
});

describe('get_expiries', () => {
  it('answers the expiries of the given hashes, or all', async () => {
    const a = await put(1);
    const b = await put(2, 90_000);
    const body = okBody(
      await h.dispatcher.call(
        'get_expiries',
        h.sign('get_expiries', alice, {
          pubkey: alice.sessionId,
          messages: [a, 'Z'.repeat(43)],
          timestamp: TEST_NOW,
        }),
      ),
    );
    parseResponse('get_expiries', body);
    expect(body.expiries).toEqual({ [a]: TEST_NOW + 60_000 });
    const all = okBody(
      await h.dispatcher.call(
        'get_expiries',
        h.sign('get_expiries', alice, {
          pubkey: alice.sessionId,
          messages: ['all'],
          timestamp: TEST_NOW,
        }),
      ),
    );
    expect(all.expiries).toEqual({ [a]: TEST_NOW + 60_000, [b]: TEST_NOW + 90_000 });
  });

  it('refuses a stale timestamp (406), a bad signature (401), a missing field (400)', async () => {
    const signed = h.sign('get_expiries', alice, {
      pubkey: alice.sessionId,
      messages: ['Z'.repeat(43)],
      timestamp: TEST_NOW,
    });
    h.clock.set(TEST_NOW + 61_000);
    expectRefusal(await h.dispatcher.call('get_expiries', signed), 406, /get_expiries timestamp/);
    h.clock.set(TEST_NOW);
    expectRefusal(
      await h.dispatcher.call('get_expiries', { ...signed, messages: ['Y'.repeat(43)] }),
      401,
      /verification failed/,
    );
    const { timestamp: _omitted, ...withoutTimestamp } = signed;
    expectRefusal(
      await h.dispatcher.call('get_expiries', withoutTimestamp),
      400,
      /^invalid request: Required field 'timestamp' missing$/,
    );
  });
});

describe('subaccounts', () => {
  /** A token for `owner` granting `flags` to a fresh key, signed by the owner. */
  function subaccount(flags: number, prefix = 0x03) {
    const sub = h.crypto.generateIdentity();
    const token = new Uint8Array(36);
    token[0] = prefix;
    token[1] = flags;
    token.set(sub.ed25519.publicKey, 4);
    return { sub, token };
  }

  it('a group subaccount with write access stores; without it, or revoked, it may not', async () => {
    const group = h.group();
    const { sub, token } = subaccount(0x01 | 0x02);
    const subaccountSig = Buffer.from(h.crypto.sign(token, group.secretKey)).toString('base64');
    const storeParams = (fill: number) => ({
      pubkey: group.pubkey,
      namespace: 11,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: Buffer.alloc(4, fill).toString('base64'),
      subaccount: bytesToHex(token),
      subaccount_sig: subaccountSig,
      signature: h.crypto.signRequest(
        'store',
        { namespace: 11, timestamp: TEST_NOW },
        sub.ed25519.secretKey,
      ),
    });
    expect((await h.dispatcher.call('store', storeParams(1))).status).toBe(200);

    const readOnly = subaccount(0x01);
    const readOnlySig = Buffer.from(h.crypto.sign(readOnly.token, group.secretKey)).toString(
      'base64',
    );
    expectRefusal(
      await h.dispatcher.call('store', {
        ...storeParams(2),
        subaccount: Buffer.from(readOnly.token).toString('base64'),
        subaccount_sig: readOnlySig,
        signature: h.crypto.signRequest(
          'store',
          { namespace: 11, timestamp: TEST_NOW },
          readOnly.sub.ed25519.secretKey,
        ),
      }),
      401,
      /^store signature verification failed$/,
    );

    // The group revokes the token; the subaccount can no longer store.
    const revoke = {
      pubkey: group.pubkey,
      revoke: bytesToHex(token),
      timestamp: TEST_NOW,
      signature: h.crypto.signRequest(
        'revoke_subaccount',
        { timestamp: TEST_NOW, revoke: [token] },
        group.secretKey,
      ),
    };
    const revoked = okBody(await h.dispatcher.call('revoke_subaccount', revoke));
    parseResponse('revoke_subaccount', revoked);
    expectRefusal(
      await h.dispatcher.call('store', storeParams(3)),
      401,
      /^store signature verification failed$/,
    );

    const unrevoke = {
      pubkey: group.pubkey,
      unrevoke: [bytesToHex(token)],
      timestamp: TEST_NOW,
      signature: h.crypto.signRequest(
        'unrevoke_subaccount',
        { timestamp: TEST_NOW, unrevoke: [token] },
        group.secretKey,
      ),
    };
    const restored = okBody(await h.dispatcher.call('unrevoke_subaccount', unrevoke));
    expect(mineOf(restored).count).toBe(1);
    expect((await h.dispatcher.call('store', storeParams(4))).status).toBe(200);
  });

  it('a token signed by someone else, or for another prefix, is refused', async () => {
    const group = h.group();
    const other = h.group();
    const { sub, token } = subaccount(0x0f);
    const base = {
      pubkey: group.pubkey,
      namespace: 11,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: 'AAAA',
      subaccount: bytesToHex(token),
      signature: h.crypto.signRequest(
        'store',
        { namespace: 11, timestamp: TEST_NOW },
        sub.ed25519.secretKey,
      ),
    };
    expectRefusal(
      await h.dispatcher.call('store', {
        ...base,
        subaccount_sig: Buffer.from(h.crypto.sign(token, other.secretKey)).toString('base64'),
      }),
      401,
      /^store signature verification failed$/,
    );
    const wrongPrefix = subaccount(0x02, 0x05);
    expectRefusal(
      await h.dispatcher.call('store', {
        ...base,
        subaccount: bytesToHex(wrongPrefix.token),
        subaccount_sig: Buffer.from(h.crypto.sign(wrongPrefix.token, group.secretKey)).toString(
          'base64',
        ),
      }),
      401,
      /^store signature verification failed$/,
    );
    expectRefusal(
      await h.dispatcher.call('store', { ...base, subaccount_sig: undefined }),
      400,
      /^invalid request: invalid subaccount: subaccount_sig is required when using subaccount$/,
    );
  });
});

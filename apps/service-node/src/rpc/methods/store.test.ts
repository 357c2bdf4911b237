import {
  base64ToBytes,
  hexToBytes,
  MAX_MESSAGE_BYTES,
  parseResponse,
  TTL_MAX_PUBLIC_MS,
  utf8Encode,
} from '@murmur/wire';
import { TTL_MAX_PRIVATE_MS } from '@murmur/wire/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectStoreUnchanged, okBody } from '../../test-support/assertions.js';
import { createHarness, type Harness, OTHER_SWARM, TEST_NOW } from '../../test-support/harness.js';

let h: Harness;

beforeEach(async () => {
  h = await createHarness();
});

afterEach(() => {
  h.close();
});

const DATA = Buffer.from('hello swarm').toString('base64');

describe('store', () => {
  it('stores in a public inbox without a signature and answers Session’s shape', async () => {
    const alice = h.account();
    const result = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: DATA,
    });
    const body = okBody(result);
    const answer = parseResponse('store', body);
    const expected = h.crypto.messageHash(alice.sessionId, 0, Buffer.from('hello swarm'));
    expect(answer.hash).toBe(expected);
    expect(answer.t).toBe(TEST_NOW);
    expect(answer.hf).toEqual([19, 4]);
    const mine = answer.swarm[h.keys.ed25519Hex] as {
      hash: string;
      signature: string;
      expiry: number;
      already?: boolean;
    };
    expect(mine).toMatchObject({ hash: expected, expiry: TEST_NOW + 60_000 });
    expect(mine.already).toBeUndefined();
    expect(
      h.crypto.verify(
        base64ToBytes(mine.signature),
        utf8Encode(expected),
        h.keys.ed25519.publicKey,
      ),
    ).toBe(true);
    expect(h.store.stats().messages).toBe(1);
  });

  it('answers already:true for a duplicate and extends the expiry when later', async () => {
    const alice = h.account();
    const params = { pubkey: alice.sessionId, timestamp: TEST_NOW, ttl: 60_000, data: DATA };
    await h.dispatcher.call('store', params);
    const again = okBody(await h.dispatcher.call('store', { ...params, ttl: 120_000 }));
    const mine = (again.swarm as Record<string, { already?: boolean; expiry: number }>)[
      h.keys.ed25519Hex
    ];
    expect(mine).toMatchObject({ already: true, expiry: TEST_NOW + 120_000 });
    expect(h.store.stats().messages).toBe(1);
  });

  it('accepts the old string forms of timestamp and ttl, and expiry instead of ttl', async () => {
    const alice = h.account();
    const result = await h.dispatcher.call('store', {
      pubKey: alice.sessionId,
      timestamp: String(TEST_NOW),
      ttl: '60000',
      data: DATA,
    });
    expect(result.status).toBe(200);
    const withExpiry = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      timestamp: TEST_NOW,
      expiry: TEST_NOW + 30_000,
      data: Buffer.from('other').toString('base64'),
    });
    expect(okBody(withExpiry).hash).toBeTypeOf('string');
  });

  it('stores into a private namespace with a valid signature (05 and 03 accounts)', async () => {
    const alice = h.account();
    const signed = h.sign('store', alice, { namespace: 3, timestamp: TEST_NOW });
    const result = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      namespace: 3,
      timestamp: TEST_NOW,
      ttl: TTL_MAX_PRIVATE_MS,
      data: DATA,
      signature: signed.signature,
      pubkey_ed25519: signed.pubkey_ed25519,
    });
    expect(result.status).toBe(200);
    const group = h.group();
    const signature = h.crypto.signRequest(
      'store',
      { namespace: 11, timestamp: TEST_NOW },
      group.secretKey,
    );
    const groupResult = await h.dispatcher.call('store', {
      pubkey: group.pubkey,
      namespace: 11,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: DATA,
      signature,
    });
    expect(groupResult.status).toBe(200);
  });

  it('uses sig_timestamp for the signature when given', async () => {
    const alice = h.account();
    const sigTimestamp = TEST_NOW - 30_000;
    const signed = h.sign('store', alice, { namespace: 2, sig_timestamp: sigTimestamp });
    const result = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      namespace: 2,
      timestamp: TEST_NOW - 100_000,
      ttl: 200_000,
      data: DATA,
      sig_timestamp: sigTimestamp,
      signature: signed.signature,
      pubkey_ed25519: signed.pubkey_ed25519,
    });
    expect(result.status).toBe(200);
  });

  describe('refusals (status, clear message, nothing stored)', () => {
    async function refused(params: Record<string, unknown>, status: number, message: RegExp) {
      await expectStoreUnchanged(h.store, async () => {
        expectRefusal(await h.dispatcher.call('store', params), status, message);
      });
      expect(h.store.stats().messages).toBe(0);
    }

    it('missing pubkey, data, timestamp', async () => {
      await refused({ timestamp: TEST_NOW, ttl: 60_000, data: DATA }, 400, /pubkey/);
      const pubkey = h.account().sessionId;
      await refused(
        { pubkey, timestamp: TEST_NOW, ttl: 60_000 },
        400,
        /^invalid request: Required field 'data' missing$/,
      );
      await refused(
        { pubkey, ttl: 60_000, data: DATA },
        400,
        /^invalid request: Required field 'timestamp' missing$/,
      );
    });

    it('malformed fields and wrong types', async () => {
      const pubkey = h.account().sessionId;
      const base = { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: DATA };
      await refused(
        { ...base, pubkey: 'abc' },
        400,
        /^invalid request: Pubkey must be 66 hex digits/,
      );
      await refused({ ...base, pubkey: 42 }, 400, /^invalid request: Pubkey must be 66 hex digits/);
      await refused({ ...base, data: 'not base64!' }, 400, /`data` must be base64/);
      await refused({ ...base, ttl: -5 }, 400, /`ttl`/);
      await refused({ ...base, ttl: 1.5 }, 400, /`ttl`/);
      await refused({ ...base, timestamp: 'yesterday' }, 400, /`timestamp`/);
      await refused({ ...base, timestamp: 1_000 }, 400, /`timestamp`/);
      await refused(
        { ...base, namespace: 40_000 },
        400,
        /^invalid request: Invalid value given for 'namespace': value out of range$/,
      );
      await refused({ ...base, namespace: '3' }, 400, /`namespace`/);
      await refused(
        { ...base, expiry: TEST_NOW + 60_000 },
        400,
        /exactly one of `ttl` and `expiry`/,
      );
    });

    it("data over 76,800 bytes: 400 with Session's text (desktop counts a 413 against the node)", async () => {
      const pubkey = h.account().sessionId;
      const big = Buffer.alloc(MAX_MESSAGE_BYTES + 1).toString('base64');
      await refused(
        { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: big },
        400,
        /^invalid request: Message body exceeds maximum allowed length of 76800 bytes$/,
      );
      // Exactly the limit is fine.
      const limit = Buffer.alloc(MAX_MESSAGE_BYTES, 7).toString('base64');
      expect(
        (
          await h.dispatcher.call('store', {
            pubkey,
            timestamp: TEST_NOW,
            ttl: 60_000,
            data: limit,
          })
        ).status,
      ).toBe(200);
    });

    it('TTL out of range: 403', async () => {
      const pubkey = h.account().sessionId;
      const base = { pubkey, timestamp: TEST_NOW, data: DATA };
      await refused({ ...base, ttl: 9_999 }, 403, /^Provided expiry\/TTL is not valid\.$/);
      await refused({ ...base, ttl: TTL_MAX_PUBLIC_MS + 1 }, 403, /^Provided expiry\/TTL/);
      await refused({ ...base, expiry: TEST_NOW + 5_000 }, 403, /^Provided expiry\/TTL/);
    });

    it('timestamps out of tolerance: 406 with Session’s text', async () => {
      const pubkey = h.account().sessionId;
      await refused(
        { pubkey, timestamp: TEST_NOW + 10_001, ttl: 60_000, data: DATA },
        406,
        /^Timestamp error: check your clock$/,
      );
      await refused(
        { pubkey, timestamp: TEST_NOW - 100_000, ttl: 60_000, data: DATA },
        406,
        /Timestamp error: check your clock/,
      );
      // Within tolerance is accepted.
      expect(
        (
          await h.dispatcher.call('store', {
            pubkey,
            timestamp: TEST_NOW + 10_000,
            ttl: 60_000,
            data: DATA,
          })
        ).status,
      ).toBe(200);
    });

    it('private namespace without a signature: 401', async () => {
      const pubkey = h.account().sessionId;
      await refused(
        { pubkey, namespace: 3, timestamp: TEST_NOW, ttl: 60_000, data: DATA },
        401,
        /signature required to store to namespace 3/,
      );
    });

    it('bad, stale or misattributed signatures: 401 / 406', async () => {
      const alice = h.account();
      const mallory = h.account();
      const good = h.sign('store', alice, { namespace: 3, timestamp: TEST_NOW });
      const base = {
        pubkey: alice.sessionId,
        namespace: 3,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: DATA,
      };
      // Signed by someone else with their own key claimed as pubkey_ed25519.
      const forged = h.sign('store', mallory, { namespace: 3, timestamp: TEST_NOW });
      await refused({ ...base, ...forged }, 401, /^store signature verification failed$/);
      // Signature of another message.
      const other = h.sign('store', alice, { namespace: 4, timestamp: TEST_NOW });
      await refused(
        { ...base, signature: other.signature, pubkey_ed25519: other.pubkey_ed25519 },
        401,
        /store signature verification failed/,
      );
      // Missing pubkey_ed25519 on a 05 account.
      // Without pubkey_ed25519 the 05 pubkey's own bytes are the key, which did not sign it.
      await refused(
        { ...base, signature: good.signature },
        401,
        /^store signature verification failed$/,
      );
      // A malformed signature is a 400 at the schema.
      await refused(
        { ...base, signature: 'abc', pubkey_ed25519: good.pubkey_ed25519 },
        400,
        /^invalid request: invalid signature: expected base64 encoded Ed25519 signature$/,
      );
      // A stale signature timestamp (the message itself is in tolerance).
      const staleAt = TEST_NOW - 61_000;
      const stale = h.sign('store', alice, { namespace: 3, sig_timestamp: staleAt });
      await refused(
        { ...base, ...stale, sig_timestamp: staleAt },
        406,
        /^store signature timestamp too far from current time$/,
      );
    });

    it('an account of another swarm: 421 with that swarm', async () => {
      const stranger = h.account(OTHER_SWARM);
      const result = await expectStoreUnchanged(h.store, () =>
        h.dispatcher.call('store', {
          pubkey: stranger.sessionId,
          timestamp: TEST_NOW,
          ttl: 60_000,
          data: DATA,
        }),
      );
      expect(result.status).toBe(421);
      const body = result.body as {
        snodes: { pubkey_ed25519: string; port: string }[];
        swarm: string;
        t: number;
        hf: number[];
      };
      expect(body.swarm).toBe(OTHER_SWARM.toString(16));
      expect(body.snodes.map((node) => node.pubkey_ed25519).sort()).toEqual(
        h.peers
          .slice(2)
          .map((keys) => keys.ed25519Hex)
          .sort(),
      );
      expect(body.t).toBe(TEST_NOW);
      expect(body.hf).toEqual([19, 4]);
      expect(body.snodes[0]?.port).toMatch(/^\d+$/);
    });
  });

  it('a full store answers 507 and stores nothing', async () => {
    h.close();
    h = await createHarness({ sizeLimitBytes: 48 * 4096 });
    const alice = h.account();
    let last = 200;
    let message = '';
    for (let i = 0; i < 200 && last === 200; i++) {
      const result = await h.dispatcher.call('store', {
        pubkey: alice.sessionId,
        timestamp: TEST_NOW,
        ttl: 60_000,
        data: Buffer.alloc(3000, i).toString('base64'),
      });
      last = result.status;
      message = String(result.body);
    }
    expect(last).toBe(507);
    expect(message).toMatch(/storage is full/);
  });

  it('a 05 pubkey whose pubkey_ed25519 is not a curve point: 401', async () => {
    const alice = h.account();
    const signed = h.sign('store', alice, { namespace: 3, timestamp: TEST_NOW });
    const notAPoint = 'ff'.repeat(32);
    expect(hexToBytes(notAPoint)).toHaveLength(32);
    const result = await h.dispatcher.call('store', {
      pubkey: alice.sessionId,
      namespace: 3,
      timestamp: TEST_NOW,
      ttl: 60_000,
      data: DATA,
      signature: signed.signature,
      pubkey_ed25519: notAPoint,
    });
    expectRefusal(result, 401, /^store signature verification failed$/);
  });
});

describe('which account pubkeys store takes (as session-storage-server’s user_pubkey::load)', () => {
  it('takes any type byte with 32 key bytes, low-order keys included, and refuses other shapes', async () => {
    const key = h.account().sessionId.slice(2);
    const store = (pubkey: unknown) =>
      h.dispatcher.call('store', { pubkey, timestamp: TEST_NOW, ttl: 60_000, data: DATA });
    // Session's server reads the first byte as a network id and takes any: so do we. A public
    // inbox of such an account costs nothing a 05 account does not; its private namespaces
    // need a signature no low-order key can make.
    for (const prefix of ['00', '03', '05', '15', '25', 'ff']) {
      const result = await store(`${prefix}${key}`);
      expect(result.status, prefix).toBe(200);
    }
    expect((await store(`05${key.toUpperCase()}`)).status).toBe(200);
    for (const lowOrder of ['00'.repeat(32), `01${'00'.repeat(31)}`]) {
      expect([200, 421], lowOrder).toContain((await store(`05${lowOrder}`)).status);
    }
    // What it refuses: anything but 66 hex digits (the unprefixed 64-digit form is testnet only).
    for (const bad of [key, `05${key}00`, `0${key}`, `zz${key}`, '', 5]) {
      await expectStoreUnchanged(h.store, async () =>
        expectRefusal(await store(bad), 400, /^invalid request: .*(Pubkey|'pubkey')/),
      );
    }
  });
});

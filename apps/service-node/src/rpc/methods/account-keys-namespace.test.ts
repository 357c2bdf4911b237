/**
 * Namespace −21, where accounts publish their Session Protocol V2 account-key bundle: only the
 * owner may store (signed), anyone may retrieve without a signature, and a new store replaces
 * the old one. Real bundles from @murmur/crypto go through the node's dispatcher.
 */
import type { AccountKeys, Identity } from '@murmur/crypto';
import { ACCOUNT_KEYS_NAMESPACE } from '@murmur/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectStoreUnchanged, okBody } from '../../test-support/assertions.js';
import { createHarness, type Harness, TEST_NOW } from '../../test-support/harness.js';

const NS = ACCOUNT_KEYS_NAMESPACE;
const DAY_MS = 24 * 3600 * 1000;

let h: Harness;
let owner: Identity;
let mallory: Identity;

beforeEach(async () => {
  h = await createHarness();
  owner = h.account();
  mallory = h.account();
});

afterEach(() => {
  h.close();
});

function bundleOf(keys: AccountKeys, createdMs: number): string {
  const bytes = h.crypto.encodeAccountKeyBundle(
    {
      mlkem768PublicKey: keys.mlkem768.publicKey,
      x25519PublicKey: keys.x25519.publicKey,
      created: Math.floor(createdMs / 1000),
    },
    owner,
  );
  return Buffer.from(bytes).toString('base64');
}

function publish(data: string, at: number, signer: Identity = owner, ttl = 30 * DAY_MS) {
  const params = { pubkey: owner.sessionId, namespace: NS, timestamp: at, ttl, data };
  return h.dispatcher.call('store', {
    ...params,
    ...h.sign('store', signer, { namespace: NS, timestamp: at }),
  });
}

async function fetchUnsigned(pubkey = owner.sessionId) {
  const body = okBody(await h.dispatcher.call('retrieve', { pubkey, namespace: NS }));
  return body.messages as { hash: string; data: string }[];
}

describe('namespace −21 (account-key bundles)', () => {
  it('is a public outbox: the owner stores signed, anyone reads unsigned, the new bundle replaces the old', async () => {
    const first = h.crypto.generateAccountKeys();
    const second = h.crypto.generateAccountKeys();
    okBody(await publish(bundleOf(first, TEST_NOW), TEST_NOW));
    h.clock.set(TEST_NOW + 1000);
    okBody(await publish(bundleOf(second, TEST_NOW + 1000), TEST_NOW + 1000));
    const messages = await fetchUnsigned();
    expect(messages).toHaveLength(1);
    const read = h.crypto.decodeAccountKeyBundle(
      Buffer.from(messages[0]?.data as string, 'base64'),
      owner.sessionId,
      { now: TEST_NOW + 1000 },
    );
    expect(read.x25519PublicKey).toEqual(second.x25519.publicKey);
    expect(read.mlkem768PublicKey).toEqual(second.mlkem768.publicKey);
    expect(await fetchUnsigned(mallory.sessionId)).toEqual([]);
  });

  it('refuses an unsigned store and one signed by anyone but the owner: 401, nothing stored', async () => {
    const data = bundleOf(h.crypto.generateAccountKeys(), TEST_NOW);
    await expectStoreUnchanged(h.store, async () => {
      expectRefusal(
        await h.dispatcher.call('store', {
          pubkey: owner.sessionId,
          namespace: NS,
          timestamp: TEST_NOW,
          ttl: DAY_MS,
          data,
        }),
        401,
        /signature required to store to namespace -21/,
      );
      expectRefusal(
        await publish(data, TEST_NOW, mallory),
        401,
        /^store signature verification failed$/,
      );
      return undefined;
    });
    expect(await fetchUnsigned()).toEqual([]);
  });

  it('keeps a bundle up to the 30-day private TTL and refuses more: 403', async () => {
    const data = bundleOf(h.crypto.generateAccountKeys(), TEST_NOW);
    okBody(await publish(data, TEST_NOW, owner, 30 * DAY_MS));
    expectRefusal(await publish(data, TEST_NOW, owner, 31 * DAY_MS), 403, /TTL|ttl|expiry/i);
  });

  it('also answers a signed retrieve by the owner', async () => {
    okBody(await publish(bundleOf(h.crypto.generateAccountKeys(), TEST_NOW), TEST_NOW));
    const body = okBody(
      await h.dispatcher.call('retrieve', {
        pubkey: owner.sessionId,
        namespace: NS,
        timestamp: TEST_NOW,
        ...h.sign('retrieve', owner, { namespace: NS, timestamp: TEST_NOW }),
      }),
    );
    expect(body.messages).toHaveLength(1);
  });
});

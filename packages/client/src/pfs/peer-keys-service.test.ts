/**
 * The sender's key service: fetch first (holding the message), refetch a stale cache in the
 * background, NAK, failures and the hold limit, with counted fetches and a fake timer.
 */
import { type Identity, loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPeerKeyCache, PEER_KEYS_HOLD_MS } from './peer-keys.js';
import { createPeerKeysService } from './peer-keys-service.js';

const T0 = 1_800_000_000_000;
const HOUR = 3600 * 1000;
const settings = { requirePfs: false, fallback: 'v1' as const };

let crypto: MurmurCrypto;
let bob: Identity;
beforeAll(async () => {
  crypto = await loadCrypto();
  bob = crypto.generateIdentity();
});

function bundleAt(ms: number): Uint8Array {
  const keys = crypto.generateAccountKeys();
  return crypto.encodeAccountKeyBundle(
    {
      mlkem768PublicKey: keys.mlkem768.publicKey,
      x25519PublicKey: keys.x25519.publicKey,
      created: Math.floor(ms / 1000),
    },
    bob,
  );
}

function setup() {
  const clock = { now: T0 };
  const cache = createPeerKeyCache(() => clock.now);
  const answer: { data: Uint8Array[]; fail: boolean; hang: boolean } = {
    data: [],
    fail: false,
    hang: false,
  };
  let fetches = 0;
  const sleeps: (() => void)[] = [];
  const holdSignals: AbortSignal[] = [];
  const persisted: string[] = [];
  const service = createPeerKeysService({
    crypto,
    cache,
    now: () => clock.now,
    fetchersFor: () =>
      [0, 1].map(() => async () => {
        fetches++;
        if (answer.hang) await new Promise(() => undefined);
        if (answer.fail) throw new Error('unreachable');
        return answer.data;
      }),
    sleep: (_ms, signal) =>
      new Promise<void>((resolve) => {
        holdSignals.push(signal);
        sleeps.push(() => resolve());
      }),
    onSupportsPfs: (id) => persisted.push(id),
  });
  return {
    clock,
    cache,
    answer,
    service,
    sleeps,
    holdSignals,
    persisted,
    fetches: () => fetches,
  };
}

describe('peer keys service', () => {
  it('fetches first, then sends V2; a stale cache sends at once and refetches in the background', async () => {
    const s = setup();
    s.answer.data = [bundleAt(T0)];
    expect(await s.service.prepare(bob.sessionId, settings)).toMatchObject({
      action: 'send',
      protocol: 'v2',
    });
    expect(s.fetches()).toBe(2);
    expect(s.persisted).toEqual([bob.sessionId]);
    // The hold timer ended with the fetch.
    expect(s.holdSignals.map((signal) => signal.aborted)).toEqual([true]);
    // Fresh: no fetch.
    await s.service.prepare(bob.sessionId, settings);
    expect(s.fetches()).toBe(2);
    // Stale: send with the cached keys and refetch in the background.
    s.clock.now = T0 + 30 * HOUR;
    const newer = bundleAt(s.clock.now);
    s.answer.data = [newer];
    const stale = await s.service.prepare(bob.sessionId, settings);
    expect(stale).toMatchObject({ action: 'send', protocol: 'v2', refetch: true });
    await s.service.idle();
    expect(s.fetches()).toBe(4);
    expect(s.cache.get(bob.sessionId).state).toBe('fresh');
    expect(s.cache.get(bob.sessionId).fetchedAt).toBe(s.clock.now);
  });

  it('a peer that never published: NAK and the fallback; a failed fetch for a PFS-seen peer: retry', async () => {
    const s = setup();
    expect(await s.service.prepare(bob.sessionId, settings)).toEqual({
      action: 'send',
      protocol: 'v1',
      show: 'not-forward-secret',
    });
    expect(s.cache.get(bob.sessionId).state).toBe('nak');
    // Within the NAK hour no new fetch.
    await s.service.prepare(bob.sessionId, settings);
    expect(s.fetches()).toBe(2);
    s.cache.setSupportsPfs(bob.sessionId, true);
    s.clock.now += HOUR + 1;
    s.answer.fail = true;
    expect(await s.service.prepare(bob.sessionId, settings)).toMatchObject({
      action: 'retry',
      show: 'warning',
    });
    expect(await s.service.prepare(bob.sessionId, { ...settings, requirePfs: true })).toEqual({
      action: 'blocked',
      show: 'blocked',
    });
  });

  it('holds a message at most 20 s while the fetch hangs', async () => {
    const s = setup();
    s.answer.hang = true;
    const pending = s.service.prepare(bob.sessionId, settings);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.sleeps).toHaveLength(1);
    s.sleeps[0]?.();
    expect(await pending).toEqual({ action: 'send', protocol: 'v1', show: 'not-forward-secret' });
    expect(PEER_KEYS_HOLD_MS).toBe(20_000);
  });
});

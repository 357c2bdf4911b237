/**
 * The client's Session Protocol V2 pieces: the seed store (retention and wiping, checked in the
 * SQLite files themselves), the account-key manager (single device, publish, rotation with
 * messages in flight), the sender key cache, the two-member fetch and the send rules.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACCOUNT_KEY_RETENTION_SECONDS,
  type Identity,
  loadCrypto,
  type MurmurCrypto,
} from '@murmur/crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AccountKeyStore, createMemoryAccountKeyStore } from './account-key-store.js';
import { ACCOUNT_BUNDLE_TTL_MS, createAccountKeysManager } from './account-keys-manager.js';
import {
  createPeerKeyCache,
  decideSend,
  fetchPeerKeys,
  isForwardSecret,
  PEER_KEYS_HOLD_MS,
} from './peer-keys.js';
import { createSqliteAccountKeyStore } from './sqlite-account-key-store.js';

const T0 = 1_800_000_000_000;
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

let crypto: MurmurCrypto;
let alice: Identity;
let bob: Identity;
beforeAll(async () => {
  crypto = await loadCrypto();
  alice = crypto.generateIdentity();
  bob = crypto.generateIdentity();
});

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

function sqliteStore(): {
  store: AccountKeyStore;
  database: Database.Database;
  files: () => Buffer;
} {
  const directory = mkdtempSync(join(tmpdir(), 'murmur-pfs-'));
  directories.push(directory);
  const database = new Database(join(directory, 'client.sqlite'));
  database.pragma('journal_mode = WAL');
  return {
    store: createSqliteAccountKeyStore(database),
    database,
    files: () =>
      Buffer.concat(readdirSync(directory).map((name) => readFileSync(join(directory, name)))),
  };
}

describe.each(['memory', 'sqlite'] as const)('account-key store (%s)', (kind) => {
  it('keeps the active seed first, retired ones 16 days, then wipes them', () => {
    const store = kind === 'memory' ? createMemoryAccountKeyStore() : sqliteStore().store;
    const one = crypto.randomBytes(32);
    const two = crypto.randomBytes(32);
    const t = T0 / 1000;
    store.add(one, t);
    store.add(two, t + 100);
    expect(store.list().map((entry) => [hexOf(entry.seed), entry.rotated])).toEqual([
      [hexOf(two), undefined],
      [hexOf(one), t + 100],
    ]);
    expect(store.prune(t + 100 + ACCOUNT_KEY_RETENTION_SECONDS)).toBe(0);
    expect(store.prune(t + 101 + ACCOUNT_KEY_RETENTION_SECONDS)).toBe(1);
    expect(store.list().map((entry) => hexOf(entry.seed))).toEqual([hexOf(two)]);
    expect(() => store.add(new Uint8Array(31), t)).toThrow(/32 bytes/);
  });
});

describe('account-key store on disk', () => {
  it('leaves no copy of a wiped seed in the SQLite files (database and WAL)', () => {
    const { store, database, files } = sqliteStore();
    const old = crypto.randomBytes(32);
    const t = T0 / 1000;
    store.add(old, t);
    store.add(crypto.randomBytes(32), t + 10);
    database.pragma('wal_checkpoint(PASSIVE)');
    expect(files().includes(Buffer.from(old))).toBe(true);
    expect(store.prune(t + 11 + ACCOUNT_KEY_RETENTION_SECONDS)).toBe(1);
    expect(files().includes(Buffer.from(old))).toBe(false);
    database.close();
    expect(files().includes(Buffer.from(old))).toBe(false);
  });
});

describe('account-key manager', () => {
  function manager(store = createMemoryAccountKeyStore(), linked = 0) {
    const clock = { now: T0 };
    const published: { bundle: Uint8Array; ttl: number }[] = [];
    const keys = createAccountKeysManager({
      crypto,
      identity: bob,
      store,
      deviceId: crypto.randomBytes(32),
      now: () => clock.now,
      publish: async (bundle, ttl) => {
        published.push({ bundle, ttl });
      },
      linkedDevices: () => linked,
    });
    return { keys, clock, published, store };
  }

  it('refuses to turn PFS on while linked devices exist, with a clear error', async () => {
    const { keys, published } = manager(createMemoryAccountKeyStore(), 2);
    const error = await keys.enable().catch((caught: unknown) => caught);
    expect(codeOf(error)).toBe('UNSUPPORTED');
    expect((error as { details: { reason: string } }).details.reason).toBe('linked-devices');
    expect((error as Error).message).toMatch(/Unlink the other devices first/);
    expect(published).toHaveLength(0);
    expect(keys.current()).toBeUndefined();
  });

  it('publishes a bundle anyone can check from the Session ID, with t and the 30-day TTL', async () => {
    const { keys, published } = manager();
    await keys.enable();
    expect(published).toHaveLength(1);
    expect(published[0]?.ttl).toBe(ACCOUNT_BUNDLE_TTL_MS);
    const read = crypto.decodeAccountKeyBundle(published[0]?.bundle as Uint8Array, bob.sessionId, {
      now: T0,
    });
    expect(read.created).toBe(T0 / 1000);
    expect(read.x25519PublicKey).toEqual(keys.current()?.x25519.publicKey);
    await keys.enable();
    expect(keys.all()).toHaveLength(1);
  });

  it('rotates on schedule (11-13 h) and loses no message in flight; old keys go after 16 days', async () => {
    const { keys, clock, published } = manager();
    await keys.enable();
    const first = keys.current();
    const firstBundle = crypto.decodeAccountKeyBundle(
      published[0]?.bundle as Uint8Array,
      bob.sessionId,
      { now: T0 },
    );
    const due = keys.nextRotation() as number;
    expect(due).toBeGreaterThanOrEqual(T0 + 11 * HOUR);
    expect(due).toBeLessThanOrEqual(T0 + 13 * HOUR);
    clock.now = due - 1;
    expect(await keys.tick()).toBe(false);
    // Alice sends with the keys she fetched; Bob rotates before the message arrives.
    const inFlight = crypto.encryptV2(
      new TextEncoder().encode('sent before the rotation'),
      alice,
      bob.sessionId,
      firstBundle,
    );
    clock.now = due;
    expect(await keys.tick()).toBe(true);
    expect(published).toHaveLength(2);
    expect(keys.current()).not.toBe(first);
    const opened = crypto.decryptIncoming(inFlight, bob, { accountKeys: keys.all() });
    expect(opened.protocol).toBe('v2');
    expect(opened.accountKeys?.x25519.publicKey).toEqual(first?.x25519.publicKey);
    expect(isForwardSecret(opened.protocol)).toBe(true);
    // Past the retention window the retired key is wiped: the old message no longer opens.
    clock.now = due + ACCOUNT_KEY_RETENTION_SECONDS * 1000 + 1000;
    await keys.tick(); // also rotates again: the second key is overdue by then
    expect(keys.all().map((k) => hexOf(k.x25519.publicKey))).not.toContain(
      hexOf(first?.x25519.publicKey as Uint8Array),
    );
    expect(() => crypto.decryptIncoming(inFlight, bob, { accountKeys: keys.all() })).toThrow(
      /could not be decrypted/,
    );
    expect(first?.seed.every((byte) => byte === 0)).toBe(true);
  });
});

describe('sender key cache and send rules', () => {
  const settings = { requirePfs: false, fallback: 'v1' as const };
  const peer = () => crypto.generateIdentity().sessionId;
  const somekeys = () => {
    const keys = crypto.generateAccountKeys();
    return { mlkem768PublicKey: keys.mlkem768.publicKey, x25519PublicKey: keys.x25519.publicKey };
  };

  it('fresh, stale (refetch in the background), expired (fetch first, hold 20 s)', () => {
    const clock = { now: T0 };
    const cache = createPeerKeyCache(() => clock.now);
    const id = peer();
    expect(decideSend(cache.get(id), settings, clock.now)).toEqual({
      action: 'fetch',
      holdMs: PEER_KEYS_HOLD_MS,
      show: 'securing',
    });
    const keys = somekeys();
    cache.recordKeys(id, keys);
    expect(decideSend(cache.get(id), settings, clock.now)).toMatchObject({
      action: 'send',
      protocol: 'v2',
      refetch: false,
    });
    clock.now = T0 + DAY + 1;
    expect(cache.get(id).state).toBe('stale');
    expect(decideSend(cache.get(id), settings, clock.now)).toMatchObject({
      protocol: 'v2',
      refetch: true,
    });
    clock.now = T0 + 2 * DAY + 1;
    expect(cache.get(id).state).toBe('expired');
    expect(decideSend(cache.get(id), settings, clock.now).action).toBe('fetch');
  });

  it('a peer that never published: NAK for 1 h, then the fallback with a badge', () => {
    const clock = { now: T0 };
    const cache = createPeerKeyCache(() => clock.now);
    const id = peer();
    cache.recordNone(id);
    expect(cache.get(id).state).toBe('nak');
    expect(decideSend(cache.get(id), settings, clock.now)).toEqual({
      action: 'send',
      protocol: 'v1',
      show: 'not-forward-secret',
    });
    expect(
      decideSend(cache.get(id), { ...settings, fallback: 'v2-no-pfs' }, clock.now),
    ).toMatchObject({ protocol: 'v2-no-pfs' });
    clock.now = T0 + HOUR + 1;
    expect(cache.get(id).state).toBe('unknown');
  });

  it('a hidden bundle for a contact seen with PFS never downgrades silently; require-PFS blocks', () => {
    const clock = { now: T0 };
    const cache = createPeerKeyCache(() => clock.now);
    const id = peer();
    cache.recordKeys(id, somekeys());
    clock.now = T0 + 3 * DAY;
    cache.recordNone(id); // a swarm node hides the bundle
    expect(cache.get(id).supportsPfs).toBe(true);
    expect(decideSend(cache.get(id), settings, clock.now)).toEqual({
      action: 'retry',
      show: 'warning',
      askUser: false,
    });
    clock.now += HOUR;
    cache.recordFailure(id);
    expect(decideSend(cache.get(id), settings, clock.now, true)).toMatchObject({ askUser: true });
    const stranger = peer();
    cache.recordFailure(stranger);
    expect(
      decideSend(cache.get(stranger), { ...settings, requirePfs: true }, clock.now, true),
    ).toEqual({
      action: 'blocked',
      show: 'blocked',
    });
    expect(decideSend(cache.get(stranger), settings, clock.now, true)).toMatchObject({
      show: 'not-forward-secret',
    });
  });
});

describe('fetching a peer bundle from two swarm members', () => {
  function bundle(owner: Identity, createdMs: number) {
    const keys = crypto.generateAccountKeys();
    const bytes = crypto.encodeAccountKeyBundle(
      {
        mlkem768PublicKey: keys.mlkem768.publicKey,
        x25519PublicKey: keys.x25519.publicKey,
        created: Math.floor(createdMs / 1000),
      },
      owner,
    );
    return { keys, bytes };
  }
  const now = () => T0;

  it('keeps the newest valid bundle; a replayed old one (t > 48 h) from one member is ignored', async () => {
    const old = bundle(bob, T0 - 3 * DAY);
    const current = bundle(bob, T0 - HOUR);
    const found = await fetchPeerKeys(
      crypto,
      bob.sessionId,
      [async () => [old.bytes], async () => [current.bytes]],
      now,
    );
    expect(found).toMatchObject({ kind: 'keys', created: Math.floor((T0 - HOUR) / 1000) });
    expect(found.kind === 'keys' && found.keys.x25519PublicKey).toEqual(
      current.keys.x25519.publicKey,
    );
  });

  it('a NAK only when both members answer nothing; otherwise an error, not a NAK', async () => {
    expect(
      await fetchPeerKeys(crypto, bob.sessionId, [async () => [], async () => []], now),
    ).toEqual({ kind: 'none' });
    const down = async () => {
      throw new Error('connection refused');
    };
    await expect(
      fetchPeerKeys(crypto, bob.sessionId, [down, async () => []], now),
    ).rejects.toMatchObject({ code: 'UPSTREAM_FAILED' });
    const replayed = bundle(bob, T0 - 3 * DAY);
    await expect(
      fetchPeerKeys(crypto, bob.sessionId, [async () => [replayed.bytes], async () => []], now),
    ).rejects.toMatchObject({ code: 'STALE_KEYS' });
    const forged = bundle(alice, T0);
    await expect(
      fetchPeerKeys(crypto, bob.sessionId, [async () => [forged.bytes], async () => []], now),
    ).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RETRIEVE_MESSAGE_OVERHEAD, StorageFullError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExpirySweeper } from './expiry-sweeper.js';
import { type MessageStore, type NewMessage, openMessageStore } from './message-store.js';
import { SCHEMA_VERSION } from './schema.js';

const OWNER = `05${'ab'.repeat(32)}`;
const OTHER = `05${'cd'.repeat(32)}`;
const NOW = 1_800_000_000_000;

let directory: string;
let stores: MessageStore[];

function open(options: { sizeLimitBytes?: number } = {}): MessageStore {
  const store = openMessageStore({ path: join(directory, 'storage.db'), ...options });
  stores.push(store);
  return store;
}

let counter = 0;
function message(overrides: Partial<NewMessage> = {}): NewMessage {
  counter += 1;
  const hash = `${String(counter).padStart(10, '0')}${'h'.repeat(33)}`;
  return {
    owner: OWNER,
    namespace: 0,
    hash,
    timestamp: NOW,
    expiry: NOW + 60_000,
    data: new Uint8Array(30).fill(counter % 256),
    ...overrides,
  };
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'murmur-store-'));
  stores = [];
});

afterEach(() => {
  for (const store of stores) store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('store and duplicates', () => {
  it('stores a message and retrieves it', () => {
    const store = open();
    const m = message();
    expect(store.store(m)).toEqual({ status: 'stored', expiry: m.expiry });
    const page = store.retrieve(OWNER, 0, { now: NOW });
    expect(page.more).toBe(false);
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]).toMatchObject({ hash: m.hash, timestamp: NOW, expiry: m.expiry });
    expect(Array.from(page.messages[0]?.data ?? [])).toEqual(Array.from(m.data));
    expect(store.stats()).toMatchObject({ messages: 1, dataBytes: 30 });
  });

  it('answers already for a duplicate hash and extends the expiry only when later', () => {
    const store = open();
    const m = message();
    store.store(m);
    expect(store.store({ ...m, expiry: m.expiry - 1000 })).toEqual({
      status: 'already',
      expiry: m.expiry,
    });
    expect(store.store({ ...m, expiry: m.expiry + 5000 })).toEqual({
      status: 'already',
      expiry: m.expiry + 5000,
    });
    expect(store.getExpiries(OWNER, [m.hash], NOW).get(m.hash)).toBe(m.expiry + 5000);
    expect(store.stats().messages).toBe(1);
  });

  it('keeps one message per public outbox, the newest by timestamp', () => {
    const store = open();
    const first = message({ namespace: -21, timestamp: NOW });
    const second = message({ namespace: -21, timestamp: NOW + 1 });
    const older = message({ namespace: -21, timestamp: NOW - 5 });
    store.store(first);
    expect(store.store(second).status).toBe('stored');
    expect(store.store(older).status).toBe('superseded');
    const page = store.retrieve(OWNER, -21, { now: NOW });
    expect(page.messages.map((m) => m.hash)).toEqual([second.hash]);
    expect(store.stats().messages).toBe(1);
    // An ordinary negative namespace keeps everything.
    store.store(message({ namespace: -2 }));
    store.store(message({ namespace: -2 }));
    expect(store.retrieve(OWNER, -2, { now: NOW }).messages).toHaveLength(2);
  });

  it('notifies listeners of new messages only', () => {
    const store = open();
    const seen: string[] = [];
    const unsubscribe = store.onStored((m) => seen.push(m.hash));
    const m = message();
    store.store(m);
    store.store(m);
    unsubscribe();
    store.store(message());
    expect(seen).toEqual([m.hash]);
  });
});

describe('group commit', () => {
  it('commits the stores of one event-loop turn together and answers each', async () => {
    const store = open();
    const messages = [message(), message(), message()];
    const duplicate = { ...(messages[0] as NewMessage), expiry: NOW + 90_000 };
    const outcomes = await Promise.all([
      ...messages.map((m) => store.storeQueued(m)),
      store.storeQueued(duplicate),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'stored', 'stored', 'already']);
    expect(outcomes[3]?.expiry).toBe(NOW + 90_000);
    expect(store.stats().messages).toBe(3);
  });

  it('refuses a whole batch with StorageFullError when the store is full', async () => {
    const store = open({ sizeLimitBytes: 32 * 4096 });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        store.storeQueued(message({ data: new Uint8Array(2000).fill(i % 256) })),
      ),
    );
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StorageFullError);
    }
    // Exactly the acknowledged messages are stored.
    const acknowledged = results.filter((r) => r.status === 'fulfilled').length;
    expect(store.stats().messages).toBe(acknowledged);
  });

  it('commits what is queued when the store closes', async () => {
    const store = open();
    const pending = store.storeQueued(message());
    store.close();
    await expect(pending).resolves.toMatchObject({ status: 'stored' });
    const reopened = open();
    expect(reopened.stats().messages).toBe(1);
    await expect(store.storeQueued(message())).rejects.toThrow(/closed/);
  });

  it('can be turned off', async () => {
    const store = openMessageStore({ path: join(directory, 'plain.db'), groupCommit: false });
    stores.push(store);
    await expect(store.storeQueued(message())).resolves.toMatchObject({ status: 'stored' });
  });
});

describe('retrieve paging', () => {
  it('pages after last_hash in insertion order and starts over for an unknown hash', () => {
    const store = open();
    const all = [1, 2, 3, 4, 5].map(() => message());
    for (const m of all) store.store(m);
    store.store(message({ owner: OTHER }));
    store.store(message({ namespace: 5 }));
    const hashes = (page: { messages: { hash: string }[] }) => page.messages.map((m) => m.hash);
    expect(hashes(store.retrieve(OWNER, 0, { now: NOW, lastHash: all[1]?.hash }))).toEqual(
      all.slice(2).map((m) => m.hash),
    );
    expect(hashes(store.retrieve(OWNER, 0, { now: NOW, lastHash: 'x'.repeat(43) }))).toEqual(
      all.map((m) => m.hash),
    );
    // A hash of another namespace is unknown here: from the beginning.
    expect(store.retrieve(OWNER, 0, { now: NOW, lastHash: all[4]?.hash }).messages).toHaveLength(0);
  });

  it('applies max_count and reports more', () => {
    const store = open();
    for (let i = 0; i < 5; i++) store.store(message());
    const page = store.retrieve(OWNER, 0, { now: NOW, maxCount: 2 });
    expect(page.messages).toHaveLength(2);
    expect(page.more).toBe(true);
    const rest = store.retrieve(OWNER, 0, {
      now: NOW,
      maxCount: 10,
      lastHash: page.messages[1]?.hash,
    });
    expect(rest.messages).toHaveLength(3);
    expect(rest.more).toBe(false);
  });

  it('counts hash, base64 data and 100 bytes per message against max_size, returning at least one', () => {
    const store = open();
    for (let i = 0; i < 4; i++) store.store(message());
    const each = RETRIEVE_MESSAGE_OVERHEAD + 43 + 40; // 30 bytes = 40 base64 characters
    const two = store.retrieve(OWNER, 0, { now: NOW, maxBytes: 2 * each });
    expect(two.messages).toHaveLength(2);
    expect(two.more).toBe(true);
    const oneAtLeast = store.retrieve(OWNER, 0, { now: NOW, maxBytes: 1 });
    expect(oneAtLeast.messages).toHaveLength(1);
    expect(oneAtLeast.more).toBe(true);
    const all = store.retrieve(OWNER, 0, { now: NOW, maxBytes: 4 * each });
    expect(all.messages).toHaveLength(4);
    expect(all.more).toBe(false);
  });

  it('leaves out expired messages', () => {
    const store = open();
    store.store(message({ expiry: NOW - 1 }));
    const live = message();
    store.store(live);
    expect(store.retrieve(OWNER, 0, { now: NOW }).messages.map((m) => m.hash)).toEqual([live.hash]);
  });
});

describe('deletes and expiries', () => {
  it('deletes by hash only the owner’s messages', () => {
    const store = open();
    const mine = message();
    const theirs = message({ owner: OTHER });
    store.store(mine);
    store.store(theirs);
    expect(store.deleteByHashes(OWNER, [mine.hash, theirs.hash, 'n'.repeat(43)])).toEqual([
      mine.hash,
    ]);
    expect(store.stats().messages).toBe(1);
  });

  it('deletes all of a namespace or of every namespace', () => {
    const store = open();
    const a = message({ namespace: 0 });
    const b = message({ namespace: 3 });
    const c = message({ namespace: 3 });
    for (const m of [a, b, c]) store.store(m);
    store.store(message({ owner: OTHER, namespace: 3 }));
    expect(store.deleteAll(OWNER, 3).map((r) => r.hash)).toEqual([b.hash, c.hash]);
    expect(store.deleteAll(OWNER, 'all')).toEqual([{ namespace: 0, hash: a.hash }]);
    expect(store.stats().messages).toBe(1);
  });

  it('deletes before a timestamp', () => {
    const store = open();
    const old = message({ timestamp: NOW - 10 });
    const recent = message({ timestamp: NOW + 10 });
    store.store(old);
    store.store(recent);
    expect(store.deleteBefore(OWNER, 'all', NOW)).toEqual([{ namespace: 0, hash: old.hash }]);
    expect(store.deleteBefore(OWNER, 0, NOW)).toEqual([]);
  });

  it('updates expiries with extend and shorten rules', () => {
    const store = open();
    const a = message({ expiry: NOW + 10_000 });
    const b = message({ expiry: NOW + 30_000 });
    store.store(a);
    store.store(b);
    expect(store.updateExpiries(OWNER, [a.hash, b.hash], [NOW + 20_000], 'extend')).toEqual([
      { hash: a.hash, expiry: NOW + 20_000 },
    ]);
    expect(store.updateExpiries(OWNER, [a.hash, b.hash], [NOW + 15_000], 'shorten')).toEqual([
      { hash: a.hash, expiry: NOW + 15_000 },
      { hash: b.hash, expiry: NOW + 15_000 },
    ]);
    expect(
      store.updateExpiries(OWNER, [a.hash, b.hash], [NOW + 40_000, NOW + 50_000], 'any'),
    ).toEqual([
      { hash: a.hash, expiry: NOW + 40_000 },
      { hash: b.hash, expiry: NOW + 50_000 },
    ]);
    expect(store.updateExpiries(OWNER, [a.hash, a.hash], [NOW + 41_000], 'any')).toHaveLength(1);
    expect(store.getExpiries(OWNER, 'all', NOW)).toEqual(
      new Map([
        [a.hash, NOW + 41_000],
        [b.hash, NOW + 50_000],
      ]),
    );
  });

  it('shortens every later expiry', () => {
    const store = open();
    const a = message({ expiry: NOW + 10_000 });
    const b = message({ expiry: NOW + 30_000, namespace: 2 });
    store.store(a);
    store.store(b);
    expect(store.shortenAll(OWNER, 'all', NOW + 20_000)).toEqual([{ namespace: 2, hash: b.hash }]);
    expect(store.shortenAll(OWNER, 0, NOW + 20_000)).toEqual([]);
  });
});

describe('expiry sweeper', () => {
  it('deletes expired messages in batches and keeps the rest', () => {
    const store = open();
    for (let i = 0; i < 25; i++) store.store(message({ expiry: NOW - 1 }));
    const keep = message();
    store.store(keep);
    const swept: number[] = [];
    const sweeper = createExpirySweeper(
      { batchSize: 10 },
      { store, clock: { now: () => NOW }, onSwept: (count) => swept.push(count) },
    );
    expect(sweeper.sweepNow()).toBe(25);
    expect(swept).toEqual([10, 10, 5]);
    expect(store.stats().messages).toBe(1);
  });

  it('runs on its interval and stops', () => {
    vi.useFakeTimers();
    try {
      const store = open();
      store.store(message({ expiry: NOW - 1 }));
      const sweeper = createExpirySweeper(
        { intervalMs: 1000 },
        { store, clock: { now: () => NOW } },
      );
      sweeper.start();
      vi.advanceTimersByTime(999);
      expect(store.stats().messages).toBe(1);
      vi.advanceTimersByTime(1);
      expect(store.stats().messages).toBe(0);
      sweeper.stop();
      store.store(message({ expiry: NOW - 1 }));
      vi.advanceTimersByTime(5000);
      expect(store.stats().messages).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('size cap, durability, bookkeeping', () => {
  it('refuses messages with StorageFullError once the cap is reached, storing nothing', () => {
    const store = open({ sizeLimitBytes: 64 * 4096 });
    let stored = 0;
    let refusal: unknown;
    for (let i = 0; i < 1000; i++) {
      try {
        store.store(message({ data: new Uint8Array(2000).fill(i % 256) }));
        stored += 1;
      } catch (error) {
        refusal = error;
        break;
      }
    }
    expect(refusal).toBeInstanceOf(StorageFullError);
    expect((refusal as StorageFullError).status).toBe(507);
    expect((refusal as Error).message).toMatch(/storage is full/);
    expect(stored).toBeGreaterThan(10);
    expect(store.stats().messages).toBe(stored);
    expect(store.retrieve(OWNER, 0, { now: NOW, maxCount: 10_000 }).messages).toHaveLength(stored);
    // After deleting, there is room again.
    store.deleteAll(OWNER, 'all');
    expect(store.store(message()).status).toBe('stored');
  });

  it('keeps its data across close and reopen, with counters recomputed', () => {
    const first = open();
    const kept = [message(), message({ namespace: 3 })];
    for (const m of kept) first.store(m);
    first.revokeSubaccounts(OWNER, [new Uint8Array(36).fill(7)], NOW);
    first.setMeta('swarm', 'abc');
    first.close();
    const second = open();
    expect(second.stats()).toMatchObject({ messages: 2, dataBytes: 60 });
    expect(second.retrieve(OWNER, 3, { now: NOW }).messages[0]?.hash).toBe(kept[1]?.hash);
    expect(second.isSubaccountRevoked(OWNER, new Uint8Array(36).fill(7))).toBe(true);
    expect(second.getMeta('swarm')).toBe('abc');
    expect(second.getMeta('missing')).toBeUndefined();
  });

  it('keeps at most 50 revoked tokens per account, the newest', () => {
    const store = open();
    const tokens = Array.from({ length: 55 }, (_, i) => new Uint8Array(36).fill(i));
    tokens.forEach((token, i) => {
      store.revokeSubaccounts(OWNER, [token], NOW + i);
    });
    expect(store.isSubaccountRevoked(OWNER, tokens[0] as Uint8Array)).toBe(false);
    expect(store.isSubaccountRevoked(OWNER, tokens[54] as Uint8Array)).toBe(true);
    expect(
      store.unrevokeSubaccounts(OWNER, [tokens[54] as Uint8Array, tokens[0] as Uint8Array]),
    ).toBe(1);
  });

  it('lists messages after an id, owners, and deletes owners (for replication)', () => {
    const store = open();
    const a = message();
    const b = message({ owner: OTHER });
    store.store(a);
    store.store(b);
    const all = store.messagesAfter(0, 10);
    expect(all.map((m) => m.hash)).toEqual([a.hash, b.hash]);
    expect(store.messagesAfter(all[0]?.id ?? 0, 10).map((m) => m.hash)).toEqual([b.hash]);
    expect(store.owners().sort()).toEqual([OWNER, OTHER].sort());
    expect(store.deleteOwners([OTHER])).toBe(1);
    expect(store.storeMany([a, b, message()])).toBe(2);
    expect(store.stats().messages).toBe(3);
  });

  it('records the schema version', () => {
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
    const store = open();
    store.close();
    // Reopening an up-to-date database applies nothing and works.
    expect(open().stats().messages).toBe(0);
  });
});

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RETRIEVE_MESSAGE_OVERHEAD, StorageFullError } from '@murmur/wire/server';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExpirySweeper } from './expiry-sweeper.js';
import { type MessageStore, type NewMessage, openMessageStore } from './message-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

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

  it('stores a new message in one insert and leaves a hash already there untouched', () => {
    const store = open();
    const m = message();
    expect(store.store(m)).toEqual({ status: 'stored', expiry: m.expiry });
    const bytes = store.stats().dataBytes;
    // The same hash with other data, owner and namespace: nothing of it is stored or counted.
    const other = { ...m, owner: OTHER, namespace: 5, data: new Uint8Array(90).fill(7) };
    expect(store.store(other)).toEqual({ status: 'already', expiry: m.expiry });
    expect(store.stats()).toMatchObject({ messages: 1, dataBytes: bytes });
    expect(store.retrieve(OTHER, 5, { now: NOW }).messages).toEqual([]);
    const [kept] = store.retrieve(OWNER, 0, { now: NOW }).messages;
    expect(new Uint8Array(kept?.data ?? [])).toEqual(m.data);
  });

  it('keeps one message per public outbox: a client store replaces it, whatever the timestamps', () => {
    const store = open();
    const first = message({ namespace: -21, timestamp: NOW });
    const second = message({ namespace: -21, timestamp: NOW + 1 });
    const older = message({ namespace: -21, timestamp: NOW - 5 });
    store.store(first);
    expect(store.store(second).status).toBe('stored');
    // The latest arrival wins, as Session: the older timestamp is still kept, never "superseded".
    expect(store.store(older).status).toBe('stored');
    const page = store.retrieve(OWNER, -21, { now: NOW });
    expect(page.messages.map((m) => m.hash)).toEqual([older.hash]);
    expect(store.stats().messages).toBe(1);
    // An ordinary negative namespace keeps everything.
    store.store(message({ namespace: -2 }));
    store.store(message({ namespace: -2 }));
    expect(store.retrieve(OWNER, -2, { now: NOW }).messages).toHaveLength(2);
  });

  it('a synced copy replaces a public outbox only when its timestamp is later', () => {
    const store = open();
    const current = message({ namespace: -1, timestamp: NOW });
    store.store(current);
    expect(store.storeMany([message({ namespace: -1, timestamp: NOW - 5 })])).toBe(0);
    expect(store.retrieve(OWNER, -1, { now: NOW }).messages.map((m) => m.hash)).toEqual([
      current.hash,
    ]);
    const newer = message({ namespace: -1, timestamp: NOW + 5 });
    expect(store.storeMany([newer])).toBe(1);
    expect(store.retrieve(OWNER, -1, { now: NOW }).messages.map((m) => m.hash)).toEqual([
      newer.hash,
    ]);
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

  it('acknowledges a store only once its group is committed and readable from the file', async () => {
    const store = open();
    // A second connection to the same file: it sees committed transactions only.
    const reader = new Database(join(directory, 'storage.db'), { readonly: true });
    const count = reader.prepare('SELECT count(*) AS n FROM messages WHERE hash = ?');
    const group = [message(), message(), message()];
    const seenWhenAcknowledged: number[] = [];
    await Promise.all(
      group.map((m) =>
        store.storeQueued(m).then(() => {
          seenWhenAcknowledged.push((count.get(m.hash) as { n: number }).n);
        }),
      ),
    );
    // Nothing of the group was committed before the turn ended: queued, not yet written.
    const queued = message();
    const pending = store.storeQueued(queued);
    expect((count.get(queued.hash) as { n: number }).n).toBe(0);
    await pending;
    expect((count.get(queued.hash) as { n: number }).n).toBe(1);
    reader.close();
    expect(seenWhenAcknowledged).toEqual([1, 1, 1]);
  });

  it('fails every store of a group whose transaction fails, and stores none of them', async () => {
    const store = open();
    store.store(message());
    const poison = message();
    // A real SQLite failure inside the group's transaction: a trigger (made through another
    // connection to the same file) aborts the insert of one message.
    const other = new Database(join(directory, 'storage.db'));
    other.exec(
      `CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.hash = '${poison.hash}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
    other.close();
    const group = [message(), message(), poison, message()];
    const results = await Promise.allSettled(group.map((m) => store.storeQueued(m)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const result of results) {
      if (result.status === 'rejected') {
        expect((result.reason as { code?: string }).code).toBe('INTERNAL');
      }
    }
    // None of the group is on disk, and the counters did not move.
    for (const m of group) expect(store.hasMessage(m.hash)).toBe(false);
    expect(store.stats().messages).toBe(1);
    // The next group, without the poisoned message, commits.
    const next = [message(), message()];
    const stored = await Promise.all(next.map((m) => store.storeQueued(m)));
    expect(stored.map((o) => o.status)).toEqual(['stored', 'stored']);
    expect(store.stats().messages).toBe(3);
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

describe('catch-up support: ids, journal, inventory', () => {
  it('never hands out an id twice, not even after the newest message was deleted', () => {
    const store = open();
    const a = message();
    const b = message();
    store.store(a);
    store.store(b);
    const idOfB = store.inventory(0, 10)[1]?.id as number;
    store.deleteByHashes(OWNER, [b.hash]);
    const c = message();
    store.store(c);
    const ids = store.inventory(0, 10).map((item) => item.id);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBeGreaterThan(idOfB);
  });

  it('gives a replaced public outbox message a new id', () => {
    const store = open();
    store.store(message({ namespace: -1, timestamp: NOW }));
    const before = store.inventory(0, 10)[0]?.id as number;
    const newer = message({ namespace: -1, timestamp: NOW + 1 });
    store.store(newer);
    const items = store.inventory(0, 10);
    expect(items.map((item) => item.hash)).toEqual([newer.hash]);
    expect(items[0]?.id).toBeGreaterThan(before);
    expect(store.stats()).toMatchObject({ messages: 1, dataBytes: 30 });
  });

  it('journals deletions and expiry changes, not new messages, moves or sweeps', () => {
    let now = NOW;
    const store = openMessageStore(
      { path: join(directory, 'journal.db') },
      { clock: { now: () => now } },
    );
    stores.push(store);
    const [a, b, c, d, e] = [message(), message(), message({ namespace: 2 }), message(), message()];
    for (const m of [a, b, c, d, e] as NewMessage[]) store.store(m);
    expect(store.journalAfter(0, 100)).toEqual([]);
    const idOf = new Map(store.inventory(0, 10).map((item) => [item.hash, item.id]));
    store.deleteByHashes(OWNER, [a?.hash as string, 'unknown'.padEnd(43, 'x')]);
    now += 1;
    store.updateExpiries(OWNER, [b?.hash as string], [NOW + 90_000], 'extend');
    store.updateExpiries(OWNER, [b?.hash as string], [NOW + 10_000], 'extend'); // no change
    store.deleteAll(OWNER, 2);
    // A duplicate store with a later expiry extends it: journalled too.
    store.store({ ...(d as NewMessage), expiry: NOW + 120_000 });
    store.shortenAll(OWNER, 'all', NOW + 100_000);
    store.deleteOwners([OTHER]);
    store.sweepExpired(NOW + 200_000, 1);
    const entries = store.journalAfter(0, 100);
    expect(entries.map(({ kind, hash, expiry }) => ({ kind, hash, expiry }))).toEqual([
      { kind: 'delete', hash: a?.hash, expiry: undefined },
      { kind: 'expiry', hash: b?.hash, expiry: NOW + 90_000 },
      { kind: 'delete', hash: c?.hash, expiry: undefined },
      { kind: 'expiry', hash: d?.hash, expiry: NOW + 120_000 },
      { kind: 'expiry', hash: d?.hash, expiry: NOW + 100_000 },
    ]);
    expect(entries[0]).toMatchObject({
      owner: OWNER,
      messageId: idOf.get(a?.hash as string),
      at: NOW,
    });
    expect(entries[1]?.at).toBe(NOW + 1);
    const seqs = entries.map((entry) => entry.seq);
    expect(store.journalAfter(seqs[2] as number, 1).map((entry) => entry.seq)).toEqual([seqs[3]]);
    expect(store.wasDeleted(a?.hash as string)).toBe(true);
    expect(store.wasDeleted(b?.hash as string)).toBe(false);
    expect(store.trimJournal(NOW + 1)).toBe(1);
    expect(store.journalAfter(0, 100)).toHaveLength(4);
  });

  it('lists an inventory without data, fetches by hash and tells what it holds', () => {
    const store = open();
    const a = message();
    const b = message({ owner: OTHER, expiry: NOW - 1 });
    store.store(a);
    store.store(b);
    const items = store.inventory(0, 10);
    expect(items).toEqual([
      { id: items[0]?.id, owner: OWNER, hash: a.hash, expiry: a.expiry },
      { id: items[1]?.id, owner: OTHER, hash: b.hash, expiry: b.expiry },
    ]);
    expect(store.inventory(items[0]?.id as number, 10).map((item) => item.hash)).toEqual([b.hash]);
    const fetched = store.messagesByHashes([b.hash, 'nope', a.hash]);
    expect(fetched.map((m) => m.hash)).toEqual([b.hash, a.hash]);
    expect(Array.from(fetched[1]?.data ?? [])).toEqual(Array.from(a.data));
    expect(store.hasMessage(a.hash)).toBe(true);
    expect(store.hasMessage('nope')).toBe(false);
  });

  it('deletes moved owners only up to an id', () => {
    const store = open();
    store.store(message());
    const upTo = store.inventory(0, 10)[0]?.id as number;
    store.store(message());
    expect(store.deleteOwners([OWNER], { upToId: upTo })).toBe(1);
    expect(store.stats().messages).toBe(1);
  });

  it('keeps its instance ID across reopening', () => {
    const store = open();
    const id = store.instanceId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    store.close();
    expect(open().instanceId()).toBe(id);
  });

  it('upgrades a version 1 database in place, keeping its messages and ids', () => {
    const path = join(directory, 'old.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)');
    db.exec(MIGRATIONS[0]?.sql as string);
    db.prepare('INSERT INTO schema_version VALUES (1, 0)').run();
    db.prepare(
      'INSERT INTO messages (id, owner, namespace, hash, timestamp, expiry, data) VALUES (7, ?, 0, ?, ?, ?, ?)',
    ).run(OWNER, 'h'.repeat(43), NOW, NOW + 1000, Buffer.from([1, 2, 3]));
    db.close();
    const store = openMessageStore({ path });
    stores.push(store);
    expect(store.inventory(0, 10)).toEqual([
      { id: 7, owner: OWNER, hash: 'h'.repeat(43), expiry: NOW + 1000 },
    ]);
    expect(store.stats()).toMatchObject({ messages: 1, dataBytes: 3 });
    expect(store.instanceId()).toMatch(/^[0-9a-f]{32}$/);
    store.store(message());
    expect(store.inventory(7, 10)[0]?.id).toBeGreaterThan(7);
    expect(SCHEMA_VERSION).toBe(3);
  });
});

describe('saved totals (start-up without a count)', () => {
  interface FileTotals {
    saved: { messages: number; dataBytes: number; lastId: number } | undefined;
    counted: { messages: number; dataBytes: number };
    sequence: number;
  }

  /** What the file holds, through another connection: the saved row and a real count. */
  function fileTotals(path = join(directory, 'storage.db')): FileTotals {
    const db = new Database(path);
    try {
      return {
        saved: db
          .prepare(
            'SELECT messages, data_bytes AS dataBytes, last_id AS lastId FROM message_totals WHERE id = 1',
          )
          .get() as FileTotals['saved'],
        counted: db
          .prepare('SELECT count(*) AS messages, total(length(data)) AS dataBytes FROM messages')
          .get() as FileTotals['counted'],
        sequence:
          (
            db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").get() as
              | { seq: number }
              | undefined
          )?.seq ?? 0,
      };
    } finally {
      db.close();
    }
  }

  /** The saved row matches the rows, its last id the file's, and the store says the same. */
  function expectConsistent(store: MessageStore, path?: string): void {
    const file = fileTotals(path);
    expect(file.saved).toEqual({ ...file.counted, lastId: file.sequence });
    expect(store.stats()).toMatchObject(file.counted);
  }

  function rawExec(sql: string, path = join(directory, 'storage.db')): void {
    const db = new Database(path);
    db.exec(sql);
    db.close();
  }

  /** A logger that records the messages of `info` calls with a `reason` (a count at open). */
  function countingLogger() {
    const counts: unknown[] = [];
    const logger = {
      info: (fields: unknown) => {
        if (typeof fields === 'object' && fields !== null && 'reason' in fields) {
          counts.push((fields as { reason: unknown }).reason);
        }
      },
      warn: () => {},
      error: () => {},
      debug: () => {},
      trace: () => {},
      fatal: () => {},
      child: () => logger,
    };
    return { logger: logger as never, counts };
  }

  function openLogged(path = join(directory, 'storage.db')) {
    const { logger, counts } = countingLogger();
    const store = openMessageStore({ path }, { logger });
    stores.push(store);
    return { store, counts };
  }

  it('writes the totals with every write that changes them, in the same transaction', async () => {
    const store = open();
    expectConsistent(store);
    const a = message();
    store.store(a);
    expectConsistent(store);
    // A group commit, a duplicate among it.
    await Promise.all([
      store.storeQueued(message()),
      store.storeQueued(message({ data: new Uint8Array(77) })),
      store.storeQueued({ ...a, expiry: a.expiry + 1 }),
    ]);
    expectConsistent(store);
    expect(store.stats()).toMatchObject({ messages: 3, dataBytes: 137 });
    // Replication imports, a public outbox replaced by a larger message.
    store.storeMany([message({ owner: OTHER }), message({ owner: OTHER, namespace: 2 })]);
    store.store(message({ namespace: -1, data: new Uint8Array(10) }));
    store.store(message({ namespace: -1, data: new Uint8Array(20) }));
    expectConsistent(store);
    expect(store.stats().messages).toBe(6);
    // Deletes of every kind.
    store.deleteByHashes(OWNER, [a.hash]);
    expectConsistent(store);
    store.deleteAll(OTHER, 2);
    expectConsistent(store);
    store.deleteBefore(OWNER, 'all', NOW - 1);
    store.store(message({ timestamp: NOW - 5 }));
    store.deleteBefore(OWNER, 0, NOW - 1);
    expectConsistent(store);
    store.deleteOwners([OTHER]);
    expectConsistent(store);
    // Expiry changes do not move the totals; the sweeper's deletes do.
    store.store(message({ expiry: NOW + 10 }));
    store.store(message({ expiry: NOW + 20 }));
    const before = store.stats().messages;
    expect(store.sweepExpired(NOW + 15)).toBe(1);
    expect(store.stats().messages).toBe(before - 1);
    expectConsistent(store);
    store.shortenAll(OWNER, 'all', NOW + 1);
    expect(store.sweepExpired(NOW + 2, 1)).toBe(1);
    expect(store.sweepExpired(NOW + 2)).toBeGreaterThan(0);
    expectConsistent(store);
    expect(store.stats().messages).toBe(0);
    expect(store.stats().dataBytes).toBe(0);
  });

  it('keeps the totals of a failed group commit as they were', async () => {
    const store = open();
    store.store(message());
    const poison = message();
    rawExec(
      `CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.hash = '${poison.hash}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
    const results = await Promise.allSettled([message(), poison].map((m) => store.storeQueued(m)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expectConsistent(store);
    expect(fileTotals().saved?.messages).toBe(1);
  });

  it('reads the saved totals at open instead of counting', () => {
    const first = open();
    first.store(message());
    first.store(message({ data: new Uint8Array(50) }));
    first.close();
    const { store, counts } = openLogged();
    expect(counts).toEqual([]);
    expect(store.stats()).toMatchObject({ messages: 2, dataBytes: 80 });
    store.close();
    // Proof that the row is what open reads: values changed by hand (the last id kept) are
    // taken as they are.
    rawExec('UPDATE message_totals SET messages = 12345, data_bytes = 678');
    const trusting = openLogged();
    expect(trusting.counts).toEqual([]);
    expect(trusting.store.stats()).toMatchObject({ messages: 12345, dataBytes: 678 });
  });

  it('counts once when the totals row is missing, does not match the file, or is invalid', () => {
    const first = open();
    first.store(message());
    first.close();
    // Deleted by hand (the documented way to force a count).
    rawExec('DELETE FROM message_totals');
    let opened = openLogged();
    expect(opened.counts).toHaveLength(1);
    expectConsistent(opened.store);
    opened.store.close();
    // Messages inserted by something that did not count them (the last id moved).
    rawExec(
      `INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES ('${OWNER}', 0, '${'x'.repeat(43)}', ${NOW}, ${NOW + 1000}, x'010203')`,
    );
    opened = openLogged();
    expect(opened.counts).toHaveLength(1);
    expect(opened.store.stats()).toMatchObject({ messages: 2, dataBytes: 33 });
    expectConsistent(opened.store);
    opened.store.close();
    // Invalid values.
    rawExec('UPDATE message_totals SET messages = -1');
    opened = openLogged();
    expect(opened.counts).toHaveLength(1);
    expectConsistent(opened.store);
    opened.store.close();
    // Counted once: the next open reads the row.
    opened = openLogged();
    expect(opened.counts).toEqual([]);
    expect(opened.store.stats()).toMatchObject({ messages: 2, dataBytes: 33 });
  });

  it('counts an old (version 2) database once, when the migration adds the table', () => {
    const path = join(directory, 'v2.db');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)');
    db.exec(MIGRATIONS[0]?.sql as string);
    db.exec(MIGRATIONS[1]?.sql as string);
    db.prepare('INSERT INTO schema_version VALUES (1, 0), (2, 0)').run();
    const insert = db.prepare(
      'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, 0, ?, ?, ?, ?)',
    );
    for (let i = 0; i < 5; i++) {
      insert.run(OWNER, `${i}`.repeat(43), NOW, NOW + 1000, Buffer.alloc(10 + i));
    }
    db.close();
    let opened = openLogged(path);
    expect(opened.counts).toHaveLength(1);
    expect(opened.store.stats()).toMatchObject({ messages: 5, dataBytes: 60 });
    expectConsistent(opened.store, path);
    opened.store.store(message());
    opened.store.close();
    opened = openLogged(path);
    expect(opened.counts).toEqual([]);
    expect(opened.store.stats()).toMatchObject({ messages: 6, dataBytes: 90 });
  });

  it('brings the last id up to date at close after an insert that left the totals as they were', () => {
    const store = open();
    store.store(message({ namespace: -1, data: new Uint8Array(10) }));
    // A public outbox replaced by a message of the same size: one delete, one insert.
    store.store(message({ namespace: -1, data: new Uint8Array(10) }));
    const file = fileTotals();
    expect(file.saved?.messages).toBe(1);
    expect(file.saved?.lastId).toBe(file.sequence - 1);
    // Without a close (a crash) the next open would count once, and find the same totals.
    const crashed = join(directory, 'crashed');
    mkdirSync(crashed);
    copyFileSync(join(directory, 'storage.db'), join(crashed, 'storage.db'));
    copyFileSync(join(directory, 'storage.db-wal'), join(crashed, 'storage.db-wal'));
    const recounted = openLogged(join(crashed, 'storage.db'));
    expect(recounted.counts).toHaveLength(1);
    expect(recounted.store.stats()).toMatchObject({ messages: 1, dataBytes: 10 });
    // A close saves the last id: the next open reads the row.
    store.close();
    const reopened = openLogged();
    expect(reopened.counts).toEqual([]);
    expectConsistent(reopened.store);
  });

  it('finds the totals right after a crash: the files as a kill -9 leaves them', async () => {
    const store = open();
    const path = join(directory, 'storage.db');
    for (let i = 0; i < 20; i++) store.store(message());
    await Promise.all(Array.from({ length: 30 }, () => store.storeQueued(message())));
    store.deleteAll(OWNER, 'all');
    await Promise.all(Array.from({ length: 7 }, () => store.storeQueued(message())));
    store.store(message({ expiry: NOW + 1 }));
    store.sweepExpired(NOW + 2);
    // Another connection holds a transaction open that has written pages to the WAL (a tiny
    // cache spills them) and has not committed: the process "dies" in the middle of it.
    const writer = new Database(path);
    writer.pragma('cache_size = 1');
    writer.exec('BEGIN IMMEDIATE');
    const insert = writer.prepare(
      'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, 0, ?, ?, ?, ?)',
    );
    for (let i = 0; i < 200; i++) {
      insert.run(
        OTHER,
        `${String(i).padStart(8, '0')}${'u'.repeat(35)}`,
        NOW,
        NOW + 1000,
        Buffer.alloc(3000),
      );
    }
    // The crash image: the database file and its WAL as they are now (no close, no
    // checkpoint; the shared-memory index is rebuilt from the WAL at the next open).
    const crashed = join(directory, 'crashed');
    mkdirSync(crashed);
    copyFileSync(path, join(crashed, 'storage.db'));
    expect(existsSync(`${path}-wal`)).toBe(true);
    copyFileSync(`${path}-wal`, join(crashed, 'storage.db-wal'));
    writer.exec('ROLLBACK');
    writer.close();
    const copy = join(crashed, 'storage.db');
    const reopened = openLogged(copy);
    expect(reopened.counts).toEqual([]);
    expect(reopened.store.stats()).toMatchObject({ messages: 7, dataBytes: 210 });
    expectConsistent(reopened.store, copy);
    expect(reopened.store.hasMessage(`${'0'.repeat(8)}${'u'.repeat(35)}`)).toBe(false);
  });
});

/**
 * The storage compliance suite (libp2p style): every `ClientStorage` implementation runs the
 * same tests. Call it from a test file with a factory for fresh, empty storages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientStorage, OutboxEntry, StoredMessage } from '../storage/types.js';

/** Makes a fresh, empty storage (and optionally a way to tear it down). */
export interface StorageTestSetup {
  setup(): Promise<ClientStorage>;
  teardown?(storage: ClientStorage): Promise<void>;
}

const ALICE = `05${'a1'.repeat(32)}`;
const BOB = `05${'b2'.repeat(32)}`;

function hashOf(n: number): string {
  return `${n.toString().padStart(6, '0')}${'A'.repeat(37)}`;
}

function message(n: number, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: hashOf(n),
    conversationId: ALICE,
    direction: 'incoming',
    sender: ALICE,
    text: `message ${n}`,
    sentAt: 1_000 + n,
    receivedAt: 2_000 + n,
    namespace: 0,
    read: false,
    ...overrides,
  };
}

function entry(n: number, overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: hashOf(n),
    recipient: BOB,
    namespace: 0,
    data: 'aGVsbG8=',
    ttlMs: 60_000,
    createdAt: 100 + n,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 500 + n,
    ...overrides,
  };
}

/** Registers the compliance tests for one implementation. */
export function storageComplianceTests(name: string, setup: StorageTestSetup): void {
  describe(`ClientStorage compliance: ${name}`, () => {
    const opened: ClientStorage[] = [];
    const fresh = async () => {
      const storage = await setup.setup();
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      for (const storage of opened.splice(0)) await setup.teardown?.(storage);
    });

    it('stores the account and returns copies', async () => {
      const storage = await fresh();
      expect(await storage.getAccount()).toBeUndefined();
      const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
      await storage.setAccount({ seed, createdAt: 5 });
      const account = await storage.getAccount();
      expect(account).toEqual({ seed, createdAt: 5 });
      (account?.seed as Uint8Array)[0] = 99;
      expect((await storage.getAccount())?.seed[0]).toBe(0);
      await storage.setAccount({ seed: seed.slice(0, 16), createdAt: 6, displayName: 'Alice' });
      expect(await storage.getAccount()).toEqual({
        seed: seed.slice(0, 16),
        createdAt: 6,
        displayName: 'Alice',
      });
    });

    it('creates, updates, lists and deletes contacts', async () => {
      const storage = await fresh();
      await storage.putContact({ sessionId: BOB, nickname: 'Bob', createdAt: 1, updatedAt: 1 });
      await storage.putContact({ sessionId: ALICE, createdAt: 2, updatedAt: 2 });
      expect(await storage.getContact(BOB)).toEqual({
        sessionId: BOB,
        nickname: 'Bob',
        createdAt: 1,
        updatedAt: 1,
      });
      expect((await storage.listContacts()).map((c) => c.sessionId)).toEqual([ALICE, BOB]);
      await storage.putContact({ sessionId: BOB, createdAt: 1, updatedAt: 3 });
      expect(await storage.getContact(BOB)).toEqual({ sessionId: BOB, createdAt: 1, updatedAt: 3 });
      expect(await storage.deleteContact(BOB)).toBe(true);
      expect(await storage.deleteContact(BOB)).toBe(false);
      expect(await storage.getContact(BOB)).toBeUndefined();
    });

    it('inserts messages once and pages history newest first', async () => {
      const storage = await fresh();
      for (let n = 0; n < 10; n++) expect(await storage.insertMessage(message(n))).toBe(true);
      // Same sent time: ordered by ID.
      await storage.insertMessage(message(20, { sentAt: 1_005 }));
      expect(await storage.insertMessage(message(3, { text: 'changed' }))).toBe(false);
      expect((await storage.getMessage(hashOf(3)))?.text).toBe('message 3');

      const first = await storage.listMessages(ALICE, { limit: 4 });
      expect(first.map((m) => m.id)).toEqual([hashOf(9), hashOf(8), hashOf(7), hashOf(6)]);
      const second = await storage.listMessages(ALICE, { limit: 4, before: hashOf(6) });
      expect(second.map((m) => m.id)).toEqual([hashOf(20), hashOf(5), hashOf(4), hashOf(3)]);
      const third = await storage.listMessages(ALICE, { limit: 10, before: hashOf(3) });
      expect(third.map((m) => m.id)).toEqual([hashOf(2), hashOf(1), hashOf(0)]);
      expect(await storage.listMessages(ALICE, { limit: 10, before: hashOf(99) })).toEqual([]);
      expect(await storage.listMessages(BOB, { limit: 10 })).toEqual([]);
    });

    it('keeps every message field', async () => {
      const storage = await fresh();
      const outgoing = message(1, {
        direction: 'outgoing',
        sender: BOB,
        read: true,
        state: 'failed',
        error: { code: 'REQUEST_TIMEOUT', message: 'no answer' },
        namespace: -10,
      });
      const incoming = message(2, { displayName: 'Alice 🌻' });
      await storage.insertMessage(outgoing);
      await storage.insertMessage(incoming);
      expect(await storage.getMessage(outgoing.id)).toEqual(outgoing);
      expect(await storage.getMessage(incoming.id)).toEqual(incoming);
    });

    it('updates outgoing message states', async () => {
      const storage = await fresh();
      await storage.insertMessage(message(1, { direction: 'outgoing', state: 'queued' }));
      expect(
        await storage.updateMessageState(hashOf(1), 'failed', { code: 'X', message: 'y' }),
      ).toBe(true);
      expect((await storage.getMessage(hashOf(1)))?.error).toEqual({ code: 'X', message: 'y' });
      expect(await storage.updateMessageState(hashOf(1), 'sent')).toBe(true);
      const sent = await storage.getMessage(hashOf(1));
      expect(sent?.state).toBe('sent');
      expect(sent?.error).toBeUndefined();
      expect(await storage.updateMessageState(hashOf(2), 'sent')).toBe(false);
    });

    it('records how each message was sealed', async () => {
      const storage = await fresh();
      await storage.insertMessage(message(1, { protocol: 'v2' }));
      await storage.insertMessage(message(2, { direction: 'outgoing', state: 'securing' }));
      expect((await storage.getMessage(hashOf(1)))?.protocol).toBe('v2');
      expect((await storage.getMessage(hashOf(2)))?.protocol).toBeUndefined();
      expect(await storage.setMessageProtocol(hashOf(2), 'v2-no-pfs', hashOf(9))).toBe(true);
      expect(await storage.getMessage(hashOf(2))).toMatchObject({
        protocol: 'v2-no-pfs',
        hash: hashOf(9),
      });
      expect(await storage.setMessageProtocol(hashOf(1), 'v2', hashOf(1))).toBe(true);
      expect((await storage.getMessage(hashOf(1)))?.hash).toBeUndefined();
      expect((await storage.listMessages(ALICE, { limit: 10 })).map((m) => m.protocol)).toEqual([
        'v2-no-pfs',
        'v2',
      ]);
      expect(await storage.setMessageProtocol(hashOf(3), 'v1')).toBe(false);
    });

    it('keeps a held (securing) entry with its content, and finds it due', async () => {
      const storage = await fresh();
      const held = { text: 'hello 🌻', sentAt: 1_234, displayName: 'Alice' };
      await storage.putOutboxEntry(
        entry(1, { state: 'securing', data: '', held, nextAttemptAt: 10 }),
      );
      await storage.putOutboxEntry(entry(2, { nextAttemptAt: 20 }));
      expect((await storage.getOutboxEntry(hashOf(1)))?.held).toEqual(held);
      expect((await storage.dueOutboxEntries(100, 10)).map((e) => [e.id, e.state])).toEqual([
        [hashOf(1), 'securing'],
        [hashOf(2), 'queued'],
      ]);
      const sealed = { ...(await storage.getOutboxEntry(hashOf(1))) } as OutboxEntry;
      delete sealed.held;
      await storage.putOutboxEntry({ ...sealed, state: 'queued', data: 'AAAA' });
      const after = await storage.getOutboxEntry(hashOf(1));
      expect(after?.held).toBeUndefined();
      expect(after?.data).toBe('AAAA');
    });

    it('deletes one message, and only that one', async () => {
      const storage = await fresh();
      await storage.insertMessage(message(1));
      await storage.insertMessage(message(2));
      expect(await storage.deleteMessage(hashOf(1))).toBe(true);
      expect(await storage.deleteMessage(hashOf(1))).toBe(false);
      expect(await storage.getMessage(hashOf(1))).toBeUndefined();
      expect((await storage.listMessages(ALICE, { limit: 10 })).map((m) => m.id)).toEqual([
        hashOf(2),
      ]);
      // A deleted ID can be stored again (a restored account may fetch it from the swarm).
      expect(await storage.insertMessage(message(1))).toBe(true);
    });

    it('summarises conversations and marks them read', async () => {
      const storage = await fresh();
      await storage.insertMessage(message(1));
      await storage.insertMessage(message(2));
      await storage.insertMessage(
        message(3, { conversationId: BOB, sender: BOB, direction: 'incoming', sentAt: 1_500 }),
      );
      await storage.insertMessage(
        message(4, { direction: 'outgoing', sender: BOB, read: true, sentAt: 1_003 }),
      );
      let conversations = await storage.listConversations();
      expect(conversations.map((c) => [c.conversationId, c.lastMessage.id, c.unreadCount])).toEqual(
        [
          [BOB, hashOf(3), 1],
          [ALICE, hashOf(4), 2],
        ],
      );
      expect(await storage.markRead(ALICE, 1_001)).toBe(1);
      expect(await storage.markRead(ALICE)).toBe(1);
      expect(await storage.markRead(ALICE)).toBe(0);
      conversations = await storage.listConversations();
      expect(conversations.find((c) => c.conversationId === ALICE)?.unreadCount).toBe(0);
    });

    it('keeps outbox entries and finds the due ones', async () => {
      const storage = await fresh();
      await storage.putOutboxEntry(entry(1, { nextAttemptAt: 900 }));
      await storage.putOutboxEntry(entry(2, { nextAttemptAt: 400 }));
      await storage.putOutboxEntry(entry(3, { state: 'sending', nextAttemptAt: 0 }));
      await storage.putOutboxEntry(
        entry(4, {
          state: 'failed',
          lastError: { code: 'A', message: 'b' },
          failureReason: 'rejected',
        }),
      );
      await storage.putOutboxEntry(entry(5, { nextAttemptAt: 450 }));
      expect((await storage.dueOutboxEntries(500, 10)).map((e) => e.id)).toEqual([
        hashOf(2),
        hashOf(5),
      ]);
      expect((await storage.dueOutboxEntries(1_000, 1)).map((e) => e.id)).toEqual([hashOf(2)]);
      expect((await storage.listOutboxEntries()).map((e) => e.id)).toEqual([
        hashOf(1),
        hashOf(2),
        hashOf(3),
        hashOf(4),
        hashOf(5),
      ]);
      expect((await storage.listOutboxEntries(['sending', 'failed'])).map((e) => e.id)).toEqual([
        hashOf(3),
        hashOf(4),
      ]);
      expect(await storage.getOutboxEntry(hashOf(4))).toEqual(
        entry(4, {
          state: 'failed',
          lastError: { code: 'A', message: 'b' },
          failureReason: 'rejected',
        }),
      );
      await storage.putOutboxEntry(entry(2, { attempts: 3, nextAttemptAt: 2_000 }));
      expect((await storage.getOutboxEntry(hashOf(2)))?.attempts).toBe(3);
      expect(await storage.deleteOutboxEntry(hashOf(2))).toBe(true);
      expect(await storage.deleteOutboxEntry(hashOf(2))).toBe(false);
      expect(await storage.getOutboxEntry(hashOf(2))).toBeUndefined();
    });

    it('stores key-value strings', async () => {
      const storage = await fresh();
      expect(await storage.getValue('a')).toBeUndefined();
      await storage.setValue('a', '1');
      await storage.setValue('a', '2');
      await storage.setValue('b', '');
      expect(await storage.getValue('a')).toBe('2');
      expect(await storage.getValue('b')).toBe('');
      await storage.deleteValue('a');
      await storage.deleteValue('missing');
      expect(await storage.getValue('a')).toBeUndefined();
    });

    it('remembers seen hashes until they expire, within a bound', async () => {
      const storage = await fresh();
      await storage.addSeenHashes([
        { hash: hashOf(1), expiresAt: 100 },
        { hash: hashOf(2), expiresAt: 300 },
        { hash: hashOf(3), expiresAt: 200 },
      ]);
      await storage.addSeenHashes([{ hash: hashOf(1), expiresAt: 50 }]);
      expect(await storage.filterSeenHashes([hashOf(1), hashOf(4)])).toEqual(new Set([hashOf(1)]));
      // hash 1 kept its later expiry (100): still there at 99.
      expect(await storage.pruneSeenHashes(99, 10)).toBe(0);
      expect(await storage.pruneSeenHashes(101, 10)).toBe(1);
      expect(await storage.pruneSeenHashes(0, 1)).toBe(1);
      expect(await storage.filterSeenHashes([hashOf(2), hashOf(3)])).toEqual(new Set([hashOf(2)]));
    });
  });
}

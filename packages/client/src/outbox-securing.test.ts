/**
 * The outbox's `securing` state: a message held with its content until `seal` allows it
 * (forward secrecy: the recipient's keys are fetched first, and never downgraded silently).
 */
import { InvalidInputError, StaleKeysError, silentLogger, TooLargeError } from '@murmur/wire';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageStateEvent } from './events.js';
import { createOutbox, type SealedEntry } from './outbox.js';
import { createMemoryStorage } from './storage/memory.js';
import type { OutboxEntry } from './storage/types.js';

const BOB = `05${'b2'.repeat(32)}`;
const ID = `${'H'.repeat(42)}0`;
const HASH = `${'S'.repeat(42)}0`;
const START = 1_800_000_000_000;

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

function held(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: ID,
    recipient: BOB,
    namespace: 0,
    data: '',
    held: { text: 'hi', sentAt: START, displayName: 'Alice' },
    ttlMs: 60_000,
    createdAt: Date.now(),
    state: 'securing',
    attempts: 0,
    nextAttemptAt: Date.now(),
    ...overrides,
  };
}

function setup(seal: (entry: OutboxEntry) => Promise<SealedEntry>, giveUpAfterMs = 3_600_000) {
  const storage = createMemoryStorage();
  const events: MessageStateEvent[] = [];
  const sent: OutboxEntry[] = [];
  const sealMock = vi.fn(seal);
  const sealed: OutboxEntry[] = [];
  const outbox = createOutbox(
    { initialBackoffMs: 1_000, maxBackoffMs: 8_000, giveUpAfterMs },
    {
      storage,
      now: () => Date.now(),
      random: () => 1,
      logger: silentLogger(),
      onState: (event) => events.push(event),
      send: async (entry) => {
        sent.push({ ...entry });
      },
      seal: (entry) => {
        sealed.push({ ...entry });
        return sealMock(entry);
      },
      ready: () => true,
    },
  );
  return { storage, events, sent, sealed, seal: sealMock, outbox };
}

async function addHistory(storage: ReturnType<typeof createMemoryStorage>) {
  await storage.insertMessage({
    id: ID,
    conversationId: BOB,
    direction: 'outgoing',
    sender: `05${'a1'.repeat(32)}`,
    text: 'hi',
    sentAt: START,
    receivedAt: START,
    namespace: 0,
    read: true,
    state: 'securing',
  });
}

const staleKeys = (reason: string, askUser = false) =>
  new StaleKeysError('no keys', { details: { reason, askUser } });

describe('outbox: held (securing) messages', () => {
  it('seals a held message, records protocol and hash, then sends the sealed bytes', async () => {
    const { storage, events, sent, sealed, seal, outbox } = setup(async () => ({
      data: 'c2VhbGVk',
      protocol: 'v2',
      hash: HASH,
    }));
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(held());
    const delivered = outbox.waitFor(ID);
    await vi.advanceTimersByTimeAsync(10);
    // The held message keeps its local ID; the recipient sees the storage hash of its seal.
    expect(await delivered).toEqual({ id: ID, hash: HASH });
    expect(await outbox.waitFor(ID)).toEqual({ id: ID, hash: HASH });
    expect(seal).toHaveBeenCalledTimes(1);
    expect(sealed[0]?.held).toEqual({
      text: 'hi',
      sentAt: START,
      displayName: 'Alice',
    });
    expect(sent.map((entry) => [entry.data, entry.held])).toEqual([['c2VhbGVk', undefined]]);
    expect(
      events.map((e) => [e.state, e.protocol, e.forwardSecret, e.hash, e.securing?.reason]),
    ).toEqual([
      ['securing', undefined, undefined, undefined, 'fetching-keys'],
      ['queued', 'v2', true, HASH, undefined],
      ['sending', undefined, undefined, undefined, undefined],
      ['sent', undefined, undefined, undefined, undefined],
    ]);
    expect(await storage.getMessage(ID)).toMatchObject({
      state: 'sent',
      protocol: 'v2',
      hash: HASH,
    });
    expect(await storage.getOutboxEntry(ID)).toBeUndefined();
    await outbox.stop();
  });

  it('keeps holding on STALE_KEYS with backoff and no attempt used, saying why; then sends', async () => {
    let refusals = 3;
    const { storage, events, sent, seal, outbox } = setup(async () => {
      if (refusals > 0) {
        refusals--;
        throw refusals === 0 ? staleKeys('keys-missing', true) : staleKeys('require-pfs');
      }
      return { data: 'c2VhbGVk', protocol: 'v2', hash: HASH };
    });
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(held());
    await vi.advanceTimersByTimeAsync(10);
    expect(seal).toHaveBeenCalledTimes(1);
    const stored = await storage.getOutboxEntry(ID);
    expect(stored).toMatchObject({
      state: 'securing',
      attempts: 0,
      held: { text: 'hi' },
      lastError: { code: 'STALE_KEYS' },
      nextAttemptAt: START + 1_000,
    });
    expect(await storage.getMessage(ID)).toMatchObject({ state: 'securing' });
    // 1 s, then 2 s, then 4 s (backoff of the seal tries).
    await vi.advanceTimersByTimeAsync(979); // START + 989
    expect(seal).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(21); // START + 1,010
    expect(seal).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_979); // START + 2,989
    expect(seal).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(21); // START + 3,010
    expect(seal).toHaveBeenCalledTimes(3);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(seal).toHaveBeenCalledTimes(4);
    await outbox.waitFor(ID);
    const refused = events.filter((e) => e.state === 'securing' && e.error !== undefined);
    expect(refused.map((e) => [e.error?.code, e.securing?.reason, e.securing?.askUser])).toEqual([
      ['STALE_KEYS', 'require-pfs', false],
      ['STALE_KEYS', 'require-pfs', false],
      ['STALE_KEYS', 'keys-missing', true],
    ]);
    expect(refused.every((e) => e.nextAttemptAt !== undefined && e.attempts === 0)).toBe(true);
    expect(sent).toHaveLength(1);
    await outbox.stop();
  });

  it('fails a held message the seal refuses for good (TOO_LARGE), and holds it again on retry', async () => {
    let tooLarge = true;
    const { storage, events, outbox } = setup(async () => {
      if (tooLarge) throw new TooLargeError('too large once sealed');
      return { data: 'c2VhbGVk', protocol: 'v1', hash: HASH };
    });
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(held());
    await vi.advanceTimersByTimeAsync(10);
    await expect(outbox.waitFor(ID)).rejects.toMatchObject({
      code: 'TOO_LARGE',
      details: { reason: 'rejected' },
    });
    expect(events.at(-1)).toMatchObject({ state: 'failed' });
    expect((await storage.getOutboxEntry(ID))?.held?.text).toBe('hi');
    tooLarge = false;
    expect(await outbox.retry(ID)).toBe(true);
    expect((await storage.getOutboxEntry(ID))?.state).toBe('securing');
    await vi.advanceTimersByTimeAsync(10);
    await outbox.waitFor(ID);
    expect(await storage.getMessage(ID)).toMatchObject({ state: 'sent', protocol: 'v1' });
    await outbox.stop();
  });

  it('gives up on a message held past giveUpAfterMs (timed-out)', async () => {
    const { storage, outbox } = setup(async () => {
      throw staleKeys('keys-missing');
    }, 10_000);
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(held());
    const failed = outbox.waitFor(ID).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await failed).toMatchObject({ reason: 'timed-out', code: 'STALE_KEYS' });
    expect((await storage.getMessage(ID))?.state).toBe('failed');
    await outbox.stop();
  });

  it('without a seal component a held message is refused, and pending() counts held ones', async () => {
    const storage = createMemoryStorage();
    await addHistory(storage);
    const outbox = createOutbox(
      {},
      {
        storage,
        now: () => Date.now(),
        random: () => 1,
        logger: silentLogger(),
        onState: () => undefined,
        send: async () => {
          throw new InvalidInputError('never sent');
        },
        ready: () => false,
      },
    );
    await outbox.start();
    await outbox.enqueue(held());
    expect(await outbox.pending()).toBe(1);
    await outbox.stop();
    const bare = createOutbox(
      {},
      {
        storage,
        now: () => Date.now(),
        random: () => 1,
        logger: silentLogger(),
        onState: () => undefined,
        send: async () => undefined,
        ready: () => true,
      },
    );
    await bare.start();
    await vi.advanceTimersByTimeAsync(10);
    await expect(bare.waitFor(ID)).rejects.toMatchObject({ reason: 'rejected' });
    await bare.stop();
  });
});

import { PathUnavailableError } from '@murmur/onion';
import {
  RequestTimeoutError,
  silentLogger,
  TooLargeError,
  UpstreamFailedError,
} from '@murmur/wire';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryFailedError, NotSyncedError } from './errors.js';
import type { MessageStateEvent } from './events.js';
import { backoffDelay, createOutbox, type OutboxInit } from './outbox.js';
import { createMemoryStorage } from './storage/memory.js';
import type { OutboxEntry } from './storage/types.js';

const BOB = `05${'b2'.repeat(32)}`;
const ID = `${'A'.repeat(42)}0`;
const START = 1_800_000_000_000;

function entry(overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: ID,
    recipient: BOB,
    namespace: 0,
    data: 'aGVsbG8=',
    ttlMs: 60_000,
    createdAt: Date.now(),
    state: 'queued',
    attempts: 0,
    nextAttemptAt: Date.now(),
    ...overrides,
  };
}

function setup(
  init: OutboxInit,
  send: (entry: OutboxEntry) => Promise<void>,
  options: { ready?: () => boolean } = {},
) {
  const storage = createMemoryStorage();
  const events: MessageStateEvent[] = [];
  const sendMock = vi.fn(send);
  const outbox = createOutbox(
    { initialBackoffMs: 1_000, maxBackoffMs: 60_000, ...init },
    {
      storage,
      now: () => Date.now(),
      random: () => 1, // no jitter: the full delay
      logger: silentLogger(),
      onState: (event) => events.push(event),
      send: (value) => sendMock(value),
      ready: options.ready ?? (() => true),
    },
  );
  return { storage, events, send: sendMock, outbox };
}

async function addHistory(storage: ReturnType<typeof createMemoryStorage>) {
  await storage.insertMessage({
    id: ID,
    conversationId: BOB,
    direction: 'outgoing',
    sender: `05${'a1'.repeat(32)}`,
    text: 'hi',
    sentAt: Date.now(),
    receivedAt: Date.now(),
    namespace: 0,
    read: true,
    state: 'queued',
  });
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('outbox', () => {
  it('retries with exponential backoff until the message is stored', async () => {
    let failures = 3;
    const { storage, events, send, outbox } = setup({}, async () => {
      if (failures-- > 0) throw new RequestTimeoutError('no answer');
    });
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(entry());
    const delivered = outbox.waitFor(ID);
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    // Delays 1 s, 2 s, 4 s.
    for (const [wait, calls] of [
      [999, 1],
      [1, 2],
      [1_999, 2],
      [1, 3],
      [3_999, 3],
      [1, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(send).toHaveBeenCalledTimes(calls);
    }
    expect(await delivered).toEqual({ id: ID, hash: ID });
    expect(await storage.getOutboxEntry(ID)).toBeUndefined();
    expect((await storage.getMessage(ID))?.state).toBe('sent');
    expect(events.map((event) => event.state)).toEqual([
      'queued',
      'sending',
      'queued',
      'sending',
      'queued',
      'sending',
      'queued',
      'sending',
      'sent',
    ]);
    expect(events[2]).toMatchObject({
      state: 'queued',
      attempts: 1,
      nextAttemptAt: START + 1_000,
      error: { code: 'REQUEST_TIMEOUT' },
    });
    expect(events.at(-1)).toMatchObject({ state: 'sent', attempts: 4 });
    // Already sent: answered from the history, its hash its ID (it was sealed at once).
    expect(await outbox.waitFor(ID)).toEqual({ id: ID, hash: ID });
    await outbox.stop();
  });

  it('caps the delay at maxBackoffMs and gives up after maxAttempts with a clear error', async () => {
    const { storage, events, send, outbox } = setup(
      { maxAttempts: 4, initialBackoffMs: 1_000, maxBackoffMs: 1_500 },
      async () => {
        throw new RequestTimeoutError('no answer within 20000 ms');
      },
    );
    await addHistory(storage);
    await outbox.start();
    await outbox.enqueue(entry());
    const delivered = outbox.waitFor(ID);
    const outcome = delivered.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(send).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(send).toHaveBeenCalledTimes(4);
    const error = await outcome;
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error).toMatchObject({
      code: 'REQUEST_TIMEOUT',
      reason: 'attempts-exhausted',
      attempts: 4,
      messageId: ID,
      retryable: true,
    });
    expect((error as Error).message).toMatch(/4 attempts failed; last error REQUEST_TIMEOUT/);
    expect(events.at(-1)).toMatchObject({ state: 'failed', error: { code: 'REQUEST_TIMEOUT' } });
    expect((await storage.getMessage(ID))?.state).toBe('failed');
    expect((await storage.getOutboxEntry(ID))?.failureReason).toBe('attempts-exhausted');
    await expect(outbox.waitFor(ID)).rejects.toMatchObject({ reason: 'attempts-exhausted' });
    // Nothing else runs.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(send).toHaveBeenCalledTimes(4);

    // retry() queues it again with a fresh budget.
    send.mockImplementation(async () => undefined);
    expect(await outbox.retry(ID)).toBe(true);
    expect(await outbox.retry(ID)).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect((await storage.getMessage(ID))?.state).toBe('sent');
    await outbox.stop();
  });

  it('gives up after giveUpAfterMs', async () => {
    const { outbox, send } = setup({ giveUpAfterMs: 5_000, maxAttempts: 100 }, async () => {
      throw new UpstreamFailedError('unreachable');
    });
    await outbox.start();
    await outbox.enqueue(entry());
    const outcome = outbox.waitFor(ID).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10_000);
    // 0, 1 s, 3 s, then clamped to the deadline (5 s), then over it.
    expect(send).toHaveBeenCalledTimes(4);
    expect(await outcome).toMatchObject({ reason: 'timed-out', code: 'UPSTREAM_FAILED' });
    await outbox.stop();
  });

  it('fails at once when the node refuses the message itself', async () => {
    const { outbox, send } = setup({}, async () => {
      throw new TooLargeError('too large');
    });
    await outbox.start();
    await outbox.enqueue(entry());
    const outcome = outbox.waitFor(ID).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    expect(await outcome).toMatchObject({
      reason: 'rejected',
      code: 'TOO_LARGE',
      retryable: false,
    });
    await outbox.stop();
  });

  it('does not use up attempts while waiting for time or a path', async () => {
    let calls = 0;
    const { outbox, send, storage } = setup({ maxAttempts: 2 }, async () => {
      calls++;
      if (calls <= 3) throw new NotSyncedError();
      if (calls <= 6) throw new PathUnavailableError('no onion path', 'offline');
    });
    await outbox.start();
    await outbox.enqueue(entry());
    await vi.advanceTimersByTimeAsync(30_000);
    expect(send.mock.calls.length).toBeGreaterThanOrEqual(7);
    expect(await storage.getOutboxEntry(ID)).toBeUndefined();
    await outbox.stop();
  });

  it('waits while not ready and runs when woken', async () => {
    let ready = false;
    const { outbox, send } = setup({}, async () => undefined, { ready: () => ready });
    await outbox.start();
    await outbox.enqueue(entry());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(send).not.toHaveBeenCalled();
    ready = true;
    outbox.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    await outbox.stop();
  });

  it('resumes entries that were being sent when the process stopped', async () => {
    const { outbox, send, storage } = setup({}, async () => undefined);
    await storage.putOutboxEntry(entry({ state: 'sending', attempts: 2 }));
    await outbox.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    expect(await storage.getOutboxEntry(ID)).toBeUndefined();
    await outbox.stop();
  });

  it('stop() waits for in-flight attempts, keeps them queued and clears its timers', async () => {
    const slow = setup({}, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      throw new RequestTimeoutError('late');
    });
    await slow.outbox.start();
    await slow.outbox.enqueue(entry());
    const waiting = slow.outbox.waitFor(ID).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    const stopped = slow.outbox.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    expect((await slow.storage.getOutboxEntry(ID))?.state).toBe('queued');
    expect(await waiting).toMatchObject({ code: 'ABORTED' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('backoff delays stay within [base/2, base] and never exceed the maximum (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempts, initial, extra, random) => {
          const settings = { initialBackoffMs: initial, maxBackoffMs: initial + extra };
          const delay = backoffDelay(attempts, settings, () => random);
          const base = Math.min(settings.maxBackoffMs, initial * 2 ** Math.min(attempts - 1, 30));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base / 2));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base));
        },
      ),
    );
  });
});

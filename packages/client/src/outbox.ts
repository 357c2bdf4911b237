/**
 * The durable outbox: every outgoing message is sealed once, stored with its state, and sent
 * by a worker until a node of the recipient's swarm has it, or until a bound is reached.
 *
 * - State machine per message: `queued` → `sending` → `sent`, or back to `queued` with the
 *   error and the time of the next attempt, or `failed` with a final `DeliveryFailedError`.
 * - A message can also start `securing`: held with its content (not yet sealed) while the
 *   recipient's account keys are fetched or until the send rules allow sealing it (forward
 *   secrecy, docs/CLIENTS.md). The worker asks `seal` when it is due; a `STALE_KEYS` refusal
 *   (never downgrade silently) keeps it `securing` and tries again with backoff, without using
 *   up an attempt; once sealed it is `queued` and goes on as any other message.
 * - Retries: exponential backoff with jitter (`initialBackoffMs` doubling up to
 *   `maxBackoffMs`), each attempt on another path and another swarm member (the transport
 *   avoids what just failed). Waiting for network time or for a path does not count as an
 *   attempt. A node refusing the message itself (too large, TTL out of range) fails it at once.
 * - Bounds: `maxAttempts` network attempts, and `giveUpAfterMs` after it was queued.
 * - Durable and idempotent: entries live in the storage; `start()` resumes those that were
 *   queued or being sent when the process stopped. Sending the same bytes again gives the same
 *   hash, and a node that already has them answers success (`already: true`).
 */

import type { MessageProtocol } from '@murmur/crypto';
import { PathUnavailableError } from '@murmur/onion';
import {
  AbortError,
  type AbortOptions,
  type ErrorCode,
  InvalidInputError,
  type Logger,
  MAX_TIMER_DELAY_MS,
  MurmurError,
  NotFoundError,
  throwIfAborted,
} from '@murmur/wire';
import { DeliveryFailedError, type DeliveryFailureReason, NotSyncedError } from './errors.js';
import type { MessageStateEvent, SecuringState } from './events.js';
import type { ClientStorage, OutboxEntry } from './storage/types.js';
import { errorText } from './transport.js';

/** Options of the outbox (`ClientInit.outbox`). */
export interface OutboxInit {
  /** Network attempts before giving up (default 12). */
  maxAttempts?: number;
  /** Delay after the first failure, ms (default 1,000); doubles per failure. */
  initialBackoffMs?: number;
  /** Longest delay between attempts, ms (default 60,000). */
  maxBackoffMs?: number;
  /** Give up this long after the message was queued, ms (default 24 h). */
  giveUpAfterMs?: number;
  /** Messages sent at once (default 2). */
  concurrency?: number;
}

/** The outbox settings with their defaults applied. */
export interface OutboxSettings {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  concurrency: number;
}

/** What the outbox uses. */
export interface OutboxComponents {
  storage: ClientStorage;
  /** Network time, ms (entries are stamped and scheduled with it). */
  now(): number;
  /** Uniform numbers in [0, 1) for jitter. */
  random(): number;
  logger: Logger;
  /** Hears every state change. */
  onState(event: MessageStateEvent): void;
  /** One attempt to store `entry` on its recipient's swarm. Throws on failure. */
  send(entry: OutboxEntry, options: AbortOptions): Promise<void>;
  /** Whether sending may happen now (network time known, ...). */
  ready(): boolean;
  /**
   * Seals a held entry (state `securing`, content in `entry.held`) under the send rules.
   * Throws `STALE_KEYS` (with `details.reason` and `details.askUser`) to keep holding it.
   * Without it, held entries fail as `rejected`.
   */
  seal?(entry: OutboxEntry, options: AbortOptions): Promise<SealedEntry>;
  /** Hears unexpected failures of the worker itself (usually the storage). */
  onError?(error: unknown): void;
}

/** What {@link OutboxComponents.seal} returns. */
export interface SealedEntry {
  /** The sealed message, base64. */
  data: string;
  /** How it was sealed. */
  protocol: MessageProtocol;
  /** The storage hash of the sealed bytes (the ID the recipient sees). */
  hash: string;
}

/** What {@link Outbox.waitFor} (and `MurmurClient.waitForDelivery`) resolves with. */
export interface DeliveredMessage {
  /** The message's ID, as `sendMessage` returned it. */
  id: string;
  /**
   * The storage hash of the sealed message: the ID the recipient sees. It is `id` for a message
   * sealed at once, and another value for one first held as `securing` (which keeps the local
   * ID it was given).
   */
  hash: string;
}

/** The outbox worker. */
export interface Outbox {
  /** Resumes interrupted entries and starts the worker. */
  start(): Promise<void>;
  /** Stops the worker; resolves when in-flight attempts have ended (they stay queued). */
  stop(): Promise<void>;
  /**
   * Stores a new entry (state `queued`, sealed with `protocol`; or `securing`, held with its
   * content) and wakes the worker.
   */
  enqueue(entry: OutboxEntry, protocol?: MessageProtocol): Promise<void>;
  /** Runs due entries now (call when the network time or a path becomes available). */
  wake(): void;
  /** Queues a `failed` entry again with a fresh budget; false when it is not failed. */
  retry(id: string, options?: AbortOptions): Promise<boolean>;
  /**
   * Resolves when the message is stored, with its storage hash; rejects with
   * `DeliveryFailedError` when it failed.
   */
  waitFor(id: string, options?: AbortOptions): Promise<DeliveredMessage>;
  /** Entries securing, queued or sending. */
  pending(): Promise<number>;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const out = value ?? fallback;
  if (!Number.isSafeInteger(out) || out < 1) {
    throw new InvalidInputError(`outbox: \`${name}\` must be a positive integer`);
  }
  return out;
}

/** Checks `init` and applies the defaults. */
export function outboxSettings(init: OutboxInit = {}): OutboxSettings {
  const settings = {
    maxAttempts: positiveInteger(init.maxAttempts, 12, 'maxAttempts'),
    initialBackoffMs: positiveInteger(init.initialBackoffMs, 1_000, 'initialBackoffMs'),
    maxBackoffMs: positiveInteger(init.maxBackoffMs, 60_000, 'maxBackoffMs'),
    giveUpAfterMs: positiveInteger(init.giveUpAfterMs, 24 * 60 * 60_000, 'giveUpAfterMs'),
    concurrency: positiveInteger(init.concurrency, 2, 'concurrency'),
  };
  if (settings.maxBackoffMs < settings.initialBackoffMs) {
    throw new InvalidInputError('outbox: `maxBackoffMs` must be at least `initialBackoffMs`');
  }
  return settings;
}

/**
 * The delay before attempt `attempts + 1` after `attempts` failures: `initial · 2^(n−1)`
 * capped at `max`, then "equal jitter" (between half and all of it) so that clients that
 * failed together do not retry together.
 */
export function backoffDelay(
  attempts: number,
  settings: Pick<OutboxSettings, 'initialBackoffMs' | 'maxBackoffMs'>,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30);
  const base = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** exponent);
  const jitter = Math.min(Math.max(random(), 0), 1);
  return Math.round(base / 2 + (base / 2) * jitter);
}

/** How often a worker that is not ready checks again on its own, ms. */
const NOT_READY_RECHECK_MS = 5_000;

function errorSummary(error: unknown): { code: string; message: string } {
  if (MurmurError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** Failures that are not the network's answer: they do not use up an attempt. */
function isWaiting(error: unknown): boolean {
  return error instanceof NotSyncedError || error instanceof PathUnavailableError;
}

function shortId(id: string): string {
  return `${id.slice(0, 8)}…`;
}

/** The final error of a failed entry. */
export function deliveryError(
  entry: Pick<OutboxEntry, 'id' | 'recipient' | 'attempts' | 'lastError'>,
  reason: DeliveryFailureReason,
  cause?: unknown,
): DeliveryFailedError {
  const last = entry.lastError;
  const why =
    reason === 'rejected'
      ? 'the node refused the message'
      : reason === 'timed-out'
        ? 'it could not be stored in time'
        : `${entry.attempts} attempts failed`;
  const message =
    `message ${shortId(entry.id)} to ${shortId(entry.recipient)} was not delivered: ${why}` +
    (last === undefined ? '' : `; last error ${last.code}: ${last.message}`) +
    (reason === 'rejected'
      ? ''
      : '. It stays in the outbox: client.retryMessage(id) sends it again.');
  return new DeliveryFailedError(
    message,
    {
      reason,
      attempts: entry.attempts,
      messageId: entry.id,
      code: (last?.code as ErrorCode | undefined) ?? 'UPSTREAM_FAILED',
    },
    cause === undefined ? {} : { cause },
  );
}

/** The error of an entry already in state `failed` (its final error, as recorded). */
export function failedError(entry: OutboxEntry): DeliveryFailedError {
  const last = entry.lastError;
  return new DeliveryFailedError(
    last?.message ?? `message ${shortId(entry.id)} was not delivered`,
    {
      reason: entry.failureReason ?? 'attempts-exhausted',
      attempts: entry.attempts,
      messageId: entry.id,
      code: (last?.code as ErrorCode | undefined) ?? 'UPSTREAM_FAILED',
    },
  );
}

interface Waiter {
  resolve(delivered: DeliveredMessage): void;
  reject(error: unknown): void;
}

/** Creates the outbox worker. */
export function createOutbox(init: OutboxInit, components: OutboxComponents): Outbox {
  const settings = outboxSettings(init);
  const { storage, now, random } = components;
  const logger = components.logger.child({ component: 'outbox' });

  let started = false;
  let controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let runAgain = false;
  const inFlight = new Set<string>();
  const waiters = new Map<string, Set<Waiter>>();

  const settle = (id: string, outcome: { error: unknown } | { hash: string }): void => {
    const set = waiters.get(id);
    if (set === undefined) return;
    waiters.delete(id);
    for (const waiter of set) {
      if ('hash' in outcome) waiter.resolve({ id, hash: outcome.hash });
      else waiter.reject(outcome.error);
    }
  };

  /** The storage hash of a sent message (its own ID unless it was held before it was sealed). */
  const storedHash = async (id: string): Promise<string> =>
    (await storage.getMessage(id))?.hash ?? id;

  const sealTries = new Map<string, number>();

  const emit = (
    entry: OutboxEntry,
    error?: { code: string; message: string },
    extra: { protocol?: MessageProtocol; hash?: string; securing?: SecuringState } = {},
  ): void => {
    const event: MessageStateEvent = {
      id: entry.id,
      to: entry.recipient,
      state: entry.state,
      attempts: entry.attempts,
    };
    if (
      (entry.state === 'queued' && entry.attempts > 0) ||
      (entry.state === 'securing' && error !== undefined)
    ) {
      event.nextAttemptAt = entry.nextAttemptAt;
    }
    if (error !== undefined) event.error = error;
    if (extra.protocol !== undefined) {
      event.protocol = extra.protocol;
      event.forwardSecret = extra.protocol === 'v2';
    }
    if (extra.hash !== undefined) event.hash = extra.hash;
    if (extra.securing !== undefined) event.securing = extra.securing;
    components.onState(event);
  };

  const setState = async (entry: OutboxEntry): Promise<void> => {
    await storage.putOutboxEntry(entry);
    await storage.updateMessageState(
      entry.id,
      entry.state,
      entry.state === 'failed' ? entry.lastError : undefined,
    );
  };

  const fail = async (
    entry: OutboxEntry,
    reason: DeliveryFailureReason,
    cause?: unknown,
  ): Promise<void> => {
    const error = deliveryError(entry, reason, cause);
    entry.state = 'failed';
    entry.failureReason = reason;
    entry.lastError = { code: error.code, message: error.message };
    await setState(entry);
    logger.warn(
      { message: entry.id, attempts: entry.attempts, reason, code: error.code },
      'client: giving up on a message',
    );
    emit(entry, { code: error.code, message: error.message });
    settle(entry.id, { error });
  };

  /** Seals a held entry; false when it stays held (or failed). */
  const secure = async (entry: OutboxEntry, signal: AbortSignal): Promise<boolean> => {
    if (components.seal === undefined) {
      await fail(entry, 'rejected');
      return false;
    }
    let sealed: SealedEntry;
    try {
      sealed = await components.seal(entry, { signal });
    } catch (error) {
      if (signal.aborted) return false;
      entry.lastError = errorSummary(error);
      if (MurmurError.isInstance(error) && !error.retryable) {
        sealTries.delete(entry.id);
        await fail(entry, 'rejected', error);
        return false;
      }
      const tries = (sealTries.get(entry.id) ?? 0) + 1;
      sealTries.set(entry.id, tries);
      const deadline = entry.createdAt + settings.giveUpAfterMs;
      if (now() >= deadline) {
        sealTries.delete(entry.id);
        await fail(entry, 'timed-out', error);
        return false;
      }
      entry.nextAttemptAt = Math.min(now() + backoffDelay(tries, settings, random), deadline);
      await setState(entry);
      const details = MurmurError.isInstance(error) ? error.details : undefined;
      const reason = details?.['reason'] === 'require-pfs' ? 'require-pfs' : 'keys-missing';
      emit(entry, entry.lastError, {
        securing: { reason, askUser: details?.['askUser'] === true },
      });
      return false;
    }
    sealTries.delete(entry.id);
    entry.data = sealed.data;
    delete entry.held;
    delete entry.lastError;
    entry.state = 'queued';
    await storage.setMessageProtocol(entry.id, sealed.protocol, sealed.hash);
    await setState(entry);
    emit(entry, undefined, { protocol: sealed.protocol, hash: sealed.hash });
    return true;
  };

  const attempt = async (entry: OutboxEntry, signal: AbortSignal): Promise<void> => {
    const deadline = entry.createdAt + settings.giveUpAfterMs;
    if (now() > deadline) {
      await fail(entry, 'timed-out');
      return;
    }
    if (entry.state === 'securing' && !(await secure(entry, signal))) return;
    entry.state = 'sending';
    await setState(entry);
    emit(entry);
    try {
      await components.send(entry, { signal });
    } catch (error) {
      if (signal.aborted) {
        // Stopped mid-attempt: the entry waits for the next start, as it was (sealed).
        entry.state = 'queued';
        await setState(entry);
        return;
      }
      const waiting = isWaiting(error);
      if (!waiting) entry.attempts++;
      entry.lastError = errorSummary(error);
      logger.debug(
        { message: entry.id, attempts: entry.attempts, err: errorText(error) },
        'client: send attempt failed',
      );
      if (!waiting && MurmurError.isInstance(error) && !error.retryable) {
        await fail(entry, 'rejected', error);
        return;
      }
      if (entry.attempts >= settings.maxAttempts) {
        await fail(entry, 'attempts-exhausted', error);
        return;
      }
      const next = now() + backoffDelay(entry.attempts, settings, random);
      if (next > deadline && now() >= deadline) {
        await fail(entry, 'timed-out', error);
        return;
      }
      entry.state = 'queued';
      entry.nextAttemptAt = Math.min(next, deadline);
      await setState(entry);
      emit(entry, entry.lastError);
      return;
    }
    entry.attempts++;
    entry.state = 'sent';
    delete entry.lastError;
    await storage.deleteOutboxEntry(entry.id);
    await storage.updateMessageState(entry.id, 'sent');
    logger.debug({ message: entry.id, attempts: entry.attempts }, 'client: message stored');
    emit(entry);
    settle(entry.id, { hash: await storedHash(entry.id) });
  };

  const schedule = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!started) return;
    const queued = await storage.listOutboxEntries(['securing', 'queued']);
    if (!started || queued.length === 0) return;
    const next = Math.min(...queued.map((entry) => entry.nextAttemptAt));
    // Not ready (no network time yet): the owner wakes the worker when it is; check again
    // now and then anyway.
    const delay = components.ready()
      ? Math.min(Math.max(0, next - now()), MAX_TIMER_DELAY_MS)
      : NOT_READY_RECHECK_MS;
    timer = setTimeout(() => {
      timer = undefined;
      wake();
    }, delay);
  };

  const runOnce = async (signal: AbortSignal): Promise<boolean> => {
    if (!components.ready()) return false;
    const due = (await storage.dueOutboxEntries(now(), settings.concurrency * 4)).filter(
      (entry) => !inFlight.has(entry.id),
    );
    if (due.length === 0) return false;
    let index = 0;
    const worker = async () => {
      while (index < due.length && !signal.aborted && components.ready()) {
        const entry = due[index++] as OutboxEntry;
        inFlight.add(entry.id);
        try {
          await attempt(entry, signal);
        } catch (error) {
          logger.error({ message: entry.id, err: errorText(error) }, 'client: outbox step failed');
          components.onError?.(error);
        } finally {
          inFlight.delete(entry.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(settings.concurrency, due.length) }, worker));
    return !signal.aborted;
  };

  const wake = (): void => {
    if (!started) return;
    if (running !== undefined) {
      runAgain = true;
      return;
    }
    const signal = controller.signal;
    running = (async () => {
      let more = true;
      while ((more || runAgain) && !signal.aborted) {
        runAgain = false;
        more = await runOnce(signal);
      }
    })()
      .catch((error: unknown) => {
        logger.error({ err: errorText(error) }, 'client: the outbox worker failed');
        components.onError?.(error);
      })
      .then(() => schedule())
      .catch((error: unknown) => {
        logger.error({ err: errorText(error) }, 'client: the outbox could not be scheduled');
        components.onError?.(error);
      })
      .finally(() => {
        running = undefined;
        // A wake that came while the run was ending (scheduling) must not be lost.
        if (runAgain && started) {
          runAgain = false;
          wake();
        }
      });
  };

  return {
    async start() {
      if (started) return;
      // Entries being sent when the process stopped are sent again (same bytes, same hash).
      for (const entry of await storage.listOutboxEntries(['sending'])) {
        entry.state = 'queued';
        await setState(entry);
      }
      controller = new AbortController();
      started = true;
      wake();
    },

    async stop() {
      if (!started) return;
      started = false;
      controller.abort(new AbortError('the client was stopped'));
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (running !== undefined) await running;
      for (const id of [...waiters.keys()]) {
        settle(id, {
          error: new AbortError('the client was stopped before the message was delivered'),
        });
      }
    },

    async enqueue(entry, protocol) {
      await storage.putOutboxEntry(entry);
      if (entry.state === 'securing') {
        emit(entry, undefined, { securing: { reason: 'fetching-keys', askUser: false } });
      } else emit(entry, undefined, protocol === undefined ? {} : { protocol });
      wake();
    },

    wake,

    async retry(id, options = {}) {
      throwIfAborted(options.signal);
      const entry = await storage.getOutboxEntry(id);
      if (entry === undefined || entry.state !== 'failed') return false;
      // A message that failed before it was sealed is held again.
      entry.state = entry.held === undefined ? 'queued' : 'securing';
      sealTries.delete(id);
      entry.attempts = 0;
      entry.createdAt = now();
      entry.nextAttemptAt = now();
      delete entry.lastError;
      delete entry.failureReason;
      await setState(entry);
      emit(entry);
      wake();
      return true;
    },

    async waitFor(id, options = {}) {
      throwIfAborted(options.signal);
      const entry = await storage.getOutboxEntry(id);
      if (entry === undefined) {
        const message = await storage.getMessage(id);
        if (message?.direction === 'outgoing' && message.state === 'sent') {
          return { id, hash: message.hash ?? id };
        }
        throw new NotFoundError(`no outgoing message ${shortId(id)} is queued or sent`, {
          details: { id },
        });
      }
      if (entry.state === 'failed') throw failedError(entry);
      return new Promise<DeliveredMessage>((resolve, reject) => {
        const signal = options.signal;
        const onAbort = () => {
          waiters.get(id)?.delete(waiter);
          reject(new AbortError('waitForDelivery aborted', { cause: signal?.reason }));
        };
        const waiter: Waiter = {
          resolve: (delivered) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(delivered);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        let set = waiters.get(id);
        if (set === undefined) {
          set = new Set();
          waiters.set(id, set);
        }
        set.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    async pending() {
      return (await storage.listOutboxEntries(['securing', 'queued', 'sending'])).length;
    },
  };
}

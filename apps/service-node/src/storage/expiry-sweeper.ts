/**
 * Deletes expired messages every {@link EXPIRY_SWEEP_INTERVAL_MS} (Session: every 10 s), in
 * bounded batches so that one sweep never blocks the event loop for long. Each sweep also
 * trims the change journal (catch-up's record of deletions and expiry changes) of entries older
 * than the longest TTL: the messages they name have expired everywhere by then.
 */
import { type Clock, type Logger, silentLogger, systemClock } from '@murmur/wire';
import { EXPIRY_SWEEP_INTERVAL_MS, TTL_MAX_PRIVATE_MS } from '@murmur/wire/server';
import type { MessageStore } from './message-store.js';

/** Options of {@link createExpirySweeper}. */
export interface ExpirySweeperInit {
  /** Time between sweeps, ms (default 10 s). */
  intervalMs?: number | undefined;
  /** Most messages deleted per transaction (default 10,000); a full batch sweeps again at once. */
  batchSize?: number | undefined;
  /** How long journal entries are kept, ms (default {@link JOURNAL_RETENTION_MS}). */
  journalRetentionMs?: number | undefined;
}

/** How long the change journal keeps an entry: the longest TTL plus a day. */
export const JOURNAL_RETENTION_MS = TTL_MAX_PRIVATE_MS + 24 * 60 * 60 * 1000;

/** Components of {@link createExpirySweeper}. */
export interface ExpirySweeperComponents {
  store: MessageStore;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  /** Called with the number of messages each sweep deleted. */
  onSwept?: ((count: number) => void) | undefined;
}

/** The sweeper: `start()` arms its timer, `stop()` clears it; `sweepNow()` runs one sweep. */
export interface ExpirySweeper {
  start(): void;
  stop(): void;
  /** Deletes every expired message now (in batches); returns how many. */
  sweepNow(): number;
}

/** Creates the expiry sweeper of a store. */
export function createExpirySweeper(
  init: ExpirySweeperInit,
  components: ExpirySweeperComponents,
): ExpirySweeper {
  const intervalMs = init.intervalMs ?? EXPIRY_SWEEP_INTERVAL_MS;
  const batchSize = init.batchSize ?? 10_000;
  const journalRetentionMs = init.journalRetentionMs ?? JOURNAL_RETENTION_MS;
  const clock = components.clock ?? systemClock;
  const logger = components.logger ?? silentLogger();
  let timer: NodeJS.Timeout | undefined;
  let again: NodeJS.Immediate | undefined;

  function sweepBatch(): number {
    const count = components.store.sweepExpired(clock.now(), batchSize);
    if (count > 0) components.onSwept?.(count);
    return count;
  }

  function tick(): void {
    try {
      components.store.trimJournal(clock.now() - journalRetentionMs);
      const count = sweepBatch();
      if (count >= batchSize && timer !== undefined) again = setImmediate(tick);
    } catch (error) {
      logger.error({ err: error }, 'expiry sweep failed');
    }
  }

  return {
    start() {
      if (timer !== undefined) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      if (again !== undefined) clearImmediate(again);
      timer = undefined;
      again = undefined;
    },
    sweepNow() {
      let total = 0;
      for (;;) {
        const count = sweepBatch();
        total += count;
        if (count < batchSize) return total;
      }
    },
  };
}

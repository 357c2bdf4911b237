/**
 * A small queue of named background jobs (catch-up from a peer, a push to a new member, moving
 * accounts): at most `concurrency` run at once, a job asked for again while it waits runs once,
 * while it runs runs once more afterwards, and a job that fails is retried after an exponential
 * back-off with jitter, as long as its `shouldRetry` says so.
 */
import type { Logger } from '@murmur/wire';

/** A job: resolves when done; a rejection means "retry later". */
export type Job = (signal: AbortSignal) => Promise<void>;

/** Options of {@link createJobQueue}. */
export interface JobQueueInit {
  /** Jobs running at once (default 2). */
  concurrency?: number | undefined;
  /** First retry delay, ms (default 1 s); doubles per failure up to `retryMaxMs`. */
  retryMinMs?: number | undefined;
  /** Longest retry delay, ms (default 60 s). */
  retryMaxMs?: number | undefined;
  /** Called when the number of queued plus running jobs changes. */
  onSize?: ((size: number) => void) | undefined;
}

/** Options of one {@link JobQueue.schedule}. */
export interface ScheduleOptions {
  /** Run after this delay, ms (default 0). */
  delayMs?: number | undefined;
  /** Whether to retry after a failure (default: always). */
  shouldRetry?: (() => boolean) | undefined;
}

/** The queue. */
export interface JobQueue {
  /** Queues `job` under `key` (see the module comment for repeats). */
  schedule(key: string, job: Job, options?: ScheduleOptions): void;
  /** Whether a job with this key is queued, waiting for a retry, or running. */
  has(key: string): boolean;
  /** Resolves when nothing is queued or running (retries waiting on a timer do not count). */
  idle(): Promise<void>;
  /** Stops: no new jobs, running ones are aborted; resolves when they have settled. */
  stop(): Promise<void>;
}

interface Entry {
  job: Job;
  options: ScheduleOptions;
  failures: number;
  again: boolean;
  running: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** Creates a job queue. */
export function createJobQueue(init: JobQueueInit, logger: Logger): JobQueue {
  const concurrency = init.concurrency ?? 2;
  const retryMinMs = init.retryMinMs ?? 1_000;
  const retryMaxMs = init.retryMaxMs ?? 60_000;
  const entries = new Map<string, Entry>();
  const ready: string[] = [];
  const running = new Set<Promise<void>>();
  const aborter = new AbortController();
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  function size(): number {
    let count = 0;
    for (const entry of entries.values()) if (entry.timer === undefined) count += 1;
    return count;
  }

  function changed(): void {
    init.onSize?.(size());
    if (ready.length === 0 && running.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  function pump(): void {
    while (!stopped && running.size < concurrency && ready.length > 0) {
      const key = ready.shift() as string;
      const entry = entries.get(key);
      if (entry === undefined) continue;
      entry.running = true;
      entry.again = false;
      const run: Promise<void> = entry
        .job(aborter.signal)
        .then(
          () => {
            entry.failures = 0;
            if (entry.again && !stopped) ready.push(key);
            else entries.delete(key);
          },
          (error: unknown) => {
            if (stopped) {
              entries.delete(key);
              return;
            }
            entry.failures += 1;
            const retry = entry.options.shouldRetry?.() ?? true;
            logger.debug({ err: error, job: key, failures: entry.failures, retry }, 'job failed');
            if (!retry) {
              entries.delete(key);
              return;
            }
            if (entry.again) {
              ready.push(key);
              return;
            }
            const base = Math.min(retryMaxMs, retryMinMs * 2 ** (entry.failures - 1));
            const delay = Math.round(base * (0.5 + Math.random()));
            entry.timer = setTimeout(() => {
              entry.timer = undefined;
              if (!stopped) {
                ready.push(key);
                pump();
                changed();
              }
            }, delay);
            entry.timer.unref();
          },
        )
        .finally(() => {
          entry.running = false;
          running.delete(run);
          pump();
          changed();
        });
      running.add(run);
    }
    changed();
  }

  return {
    schedule(key, job, options = {}) {
      if (stopped) return;
      const existing = entries.get(key);
      if (existing !== undefined) {
        existing.job = job;
        existing.options = options;
        if (existing.running) existing.again = true;
        else if (existing.timer !== undefined && !options.delayMs) {
          // A retry was waiting: run now instead.
          clearTimeout(existing.timer);
          existing.timer = undefined;
          ready.push(key);
          pump();
        }
        return;
      }
      const entry: Entry = {
        job,
        options,
        failures: 0,
        again: false,
        running: false,
        timer: undefined,
      };
      entries.set(key, entry);
      if (options.delayMs !== undefined && options.delayMs > 0) {
        entry.timer = setTimeout(() => {
          entry.timer = undefined;
          if (!stopped) {
            ready.push(key);
            pump();
          }
        }, options.delayMs);
        entry.timer.unref();
        return;
      }
      ready.push(key);
      pump();
    },
    has: (key) => entries.has(key),
    idle() {
      if (ready.length === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      aborter.abort();
      for (const entry of entries.values())
        if (entry.timer !== undefined) clearTimeout(entry.timer);
      ready.length = 0;
      await Promise.allSettled([...running]);
      entries.clear();
      changed();
    },
  };
}

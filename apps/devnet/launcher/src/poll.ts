/**
 * Polling with a deadline, an abort signal and a way out when something fails meanwhile (a
 * process exits): the waits of the testnet are all built on {@link pollUntil}.
 */
import { AbortError, sleep } from '@murmur/wire';
import { TestnetTimeoutError } from './errors.js';

/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** Time between checks, ms (default 100). */
  intervalMs?: number | undefined;
  /** Give up after this long, ms. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Rejects when the wait must stop at once (a process died); raced with every check. */
  failure?: Promise<never> | undefined;
  /** The timeout error's message (called once, at the timeout). */
  describeTimeout: () => string;
}

/** Throws an AbortError when `signal` is aborted. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason });
}

/**
 * Calls `check` until it returns a value other than `undefined` and resolves that value. A
 * `check` that throws ends the wait with its error. Rejects with {@link TestnetTimeoutError}
 * (message from `describeTimeout`) after `timeoutMs`, with `AbortError` when `signal` aborts,
 * or with the rejection of `failure`.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: PollOptions,
): Promise<T> {
  const interval = options.intervalMs ?? 100;
  const deadline = performance.now() + options.timeoutMs;
  const failure = options.failure;
  // Keep an unobserved failure from being reported as unhandled while no check is running.
  failure?.catch(() => undefined);
  for (;;) {
    checkAborted(options.signal);
    const attempt = Promise.resolve().then(check);
    const value = failure === undefined ? await attempt : await Promise.race([attempt, failure]);
    if (value !== undefined) return value;
    const left = deadline - performance.now();
    if (left <= 0) throw new TestnetTimeoutError(options.describeTimeout());
    const pause = sleep(Math.min(interval, left), options.signal);
    if (failure === undefined) await pause;
    else await Promise.race([pause, failure]);
  }
}

/** Runs `task` over `items` with at most `limit` at a time; resolves the results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

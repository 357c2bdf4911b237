/**
 * The one abortable sleep of the code base (every package and app uses it instead of a copy).
 */
import { AbortError } from './errors.js';

/**
 * The longest delay a timer takes (2^31 − 1 ms, about 24.8 days): Node and browsers fire a
 * longer one at once. Code that waits longer clamps to it and schedules again.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms` milliseconds; rejects with an {@link AbortError} (its `cause` the signal's
 * reason) as soon as `signal` aborts, clearing the timer. The abort listener is removed when the
 * sleep ends either way, so a loop that sleeps with one long-lived signal leaks nothing.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) {
    return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

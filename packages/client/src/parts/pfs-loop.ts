/**
 * The forward-secrecy loop: while started, wipes retired account-key seeds past their retention
 * (needs no network), and once the account, network time and a path exist, publishes the bundle
 * and runs the rotation schedule (`ClientPfs.tick`) every `checkIntervalMs`; a failed tick is
 * reported and retried with backoff (1 s doubling up to 1 min).
 */
import type { AbortOptions } from '@murmur/wire';
import type { ClientPfs } from '../pfs/client-pfs.js';

/** What the loop uses. */
export interface PfsLoopComponents {
  pfs: Pick<ClientPfs, 'prune' | 'tick' | 'checkIntervalMs'>;
  /** Whether the network part can run now (account known, time synced, a path exists). */
  ready(): boolean;
  /** Hears failures (pruning, publishing, rotating). */
  onError(error: unknown): void;
}

/** The loop. */
export interface PfsLoop {
  /** Runs a first round now, then on its own timer. */
  start(signal: AbortSignal): void;
  /** Clears the timer and resolves when a running tick has ended. */
  stop(): Promise<void>;
}

/** How long to wait before checking readiness again, ms. */
export const PFS_NOT_READY_RECHECK_MS = 1_000;
/** The longest backoff after failures, ms. */
export const PFS_MAX_BACKOFF_MS = 60_000;

/** Creates the loop (stopped). */
export function createPfsLoop(components: PfsLoopComponents): PfsLoop {
  const { pfs } = components;
  let signal: AbortSignal | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let failures = 0;

  const later = (delay: number, from: AbortSignal): void => {
    // Only the round of the current start schedules the next one.
    if (signal !== from || from.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      round();
    }, delay);
  };

  const round = (): void => {
    const current = signal;
    if (current === undefined || current.aborted) return;
    try {
      pfs.prune();
    } catch (error) {
      components.onError(error);
    }
    if (!components.ready()) {
      later(PFS_NOT_READY_RECHECK_MS, current);
      return;
    }
    const options: AbortOptions = { signal: current };
    running = pfs
      .tick(options)
      .then(() => {
        failures = 0;
        later(pfs.checkIntervalMs, current);
      })
      .catch((error: unknown) => {
        if (current.aborted) return;
        components.onError(error);
        failures++;
        later(Math.min(PFS_MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(failures - 1, 10)), current);
      })
      .finally(() => {
        running = undefined;
      });
  };

  return {
    start(next) {
      if (signal !== undefined && !signal.aborted) return;
      signal = next;
      failures = 0;
      round();
    },
    async stop() {
      signal = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

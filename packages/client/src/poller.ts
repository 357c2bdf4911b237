/**
 * The poller: asks the account's own swarm for new messages every `intervalMs` and never stops
 * on its own (Session's "polling stops after sleep until restart" complaint):
 *
 * - `more: true` in an answer → poll again at once, until caught up;
 * - a failure → the next round comes after a growing delay (up to `maxBackoffMs`), on another
 *   member and path (the round itself picks them);
 * - catch-up: `pollNow()` (on start, when the app reports the network is back) and a timer
 *   that fires much later than scheduled (the machine slept) poll at once and tell the owner;
 * - `restart()` abandons a stuck round (the watchdog calls it);
 * - while a push source is connected, rounds come every `slowIntervalMs` (for safety).
 */
import {
  AbortError,
  type AbortOptions,
  type Clock,
  InvalidInputError,
  type Logger,
} from '@murmur/wire';
import type { PollerState } from './events.js';
import { errorText } from './transport.js';

/** Options of {@link createPoller}. */
export interface PollerInit {
  /** Time between rounds, ms. */
  intervalMs: number;
  /** Time between rounds while a push source is connected, ms. */
  slowIntervalMs: number;
  /** Longest delay after failures, ms (default 30 s). */
  maxBackoffMs?: number;
  /** A timer this much later than scheduled means the machine slept, ms (default max(2 × interval, 10 s)). */
  sleepGapMs?: number;
}

/** What the poller uses. */
export interface PollerComponents {
  clock: Clock;
  logger: Logger;
  /** One round: one retrieve batch; `more` when the swarm holds more. */
  poll(options: AbortOptions): Promise<{ more: boolean }>;
  /** Why polling cannot run now, or `undefined` when it can. */
  blockedBy(): 'waiting-for-account' | 'waiting-for-network' | undefined;
  /** Whether a push source is connected. */
  pushConnected(): boolean;
  /** Hears state changes. */
  onStateChange(state: PollerState): void;
  /** Hears that the machine slept for about `gapMs`. */
  onWake(gapMs: number): void;
  /** Hears a failed round. */
  onError(error: unknown): void;
}

/** The poller. */
export interface Poller {
  /** Starts polling (a first round at once). */
  start(): void;
  /** Stops; resolves when the round in flight has ended. */
  stop(): Promise<void>;
  /** Polls at once (or right after the round in flight). */
  pollNow(): void;
  /** Resolves after a round that started after this call ended caught up (`more: false`). */
  caughtUp(options?: AbortOptions): Promise<void>;
  /** Abandons the round in flight (aborting it) and starts a fresh one. */
  restart(): void;
  /** What it is doing. */
  readonly state: PollerState;
  /** Rounds that failed in a row. */
  readonly failures: number;
  /** Local time of the last completed round (success or failure), if any. */
  readonly lastCompletedAt: number | undefined;
  /** Local time of the last sign of life: a completed round, a start or a restart. */
  readonly lastProgressAt: number;
  /** The interval in force now, ms. */
  readonly currentIntervalMs: number;
}

interface CatchUpWaiter {
  round: number;
  resolve(): void;
}

/** Creates a poller (stopped). */
export function createPoller(init: PollerInit, components: PollerComponents): Poller {
  const { clock } = components;
  const logger = components.logger.child({ component: 'poller' });
  for (const [name, value] of [
    ['intervalMs', init.intervalMs],
    ['slowIntervalMs', init.slowIntervalMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new InvalidInputError(`poller: \`${name}\` must be a positive number of ms`);
    }
  }
  const maxBackoffMs = init.maxBackoffMs ?? 30_000;
  const sleepGapMs = init.sleepGapMs ?? Math.max(2 * init.intervalMs, 10_000);

  let started = false;
  let state: PollerState = 'stopped';
  let failures = 0;
  let lastCompletedAt: number | undefined;
  let lastProgressAt = clock.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expectedAt: number | undefined;
  let inFlight: { controller: AbortController; done: Promise<void>; round: number } | undefined;
  let pollAgain = false;
  let rounds = 0;
  const waiters = new Set<CatchUpWaiter>();

  const setState = (next: PollerState): void => {
    if (next === state) return;
    state = next;
    components.onStateChange(next);
  };

  // A function, not an inline read: TypeScript would narrow `inFlight` inside the round.
  const currentRound = (): number | undefined => inFlight?.round;

  const interval = (): number =>
    components.pushConnected() ? init.slowIntervalMs : init.intervalMs;

  const clearTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    expectedAt = undefined;
  };

  const schedule = (delay: number): void => {
    clearTimer();
    if (!started) return;
    expectedAt = clock.now() + delay;
    timer = setTimeout(() => {
      const late = expectedAt === undefined ? 0 : clock.now() - expectedAt;
      timer = undefined;
      expectedAt = undefined;
      if (late > sleepGapMs) {
        logger.info({ lateMs: late }, 'client: woke up after a sleep; catching up');
        components.onWake(late);
      }
      run();
    }, delay);
  };

  const run = (): void => {
    if (!started) return;
    if (inFlight !== undefined) {
      pollAgain = true;
      return;
    }
    clearTimer();
    const blocked = components.blockedBy();
    if (blocked !== undefined) {
      setState(blocked);
      lastProgressAt = clock.now();
      schedule(interval());
      return;
    }
    setState('polling');
    const controller = new AbortController();
    const round = ++rounds;
    const done = (async () => {
      let more = false;
      let failed = false;
      try {
        ({ more } = await components.poll({ signal: controller.signal }));
      } catch (error) {
        failed = true;
        if (!controller.signal.aborted) {
          failures++;
          logger.debug({ failures, err: errorText(error) }, 'client: poll failed');
          components.onError(error);
        }
      }
      if (controller.signal.aborted || currentRound() !== round) return;
      inFlight = undefined;
      lastCompletedAt = clock.now();
      lastProgressAt = lastCompletedAt;
      if (!failed) {
        failures = 0;
        if (!more) {
          for (const waiter of [...waiters]) {
            if (waiter.round <= round) {
              waiters.delete(waiter);
              waiter.resolve();
            }
          }
        }
      }
      if (!started) return;
      if (!failed && (more || pollAgain)) {
        pollAgain = false;
        run();
        return;
      }
      pollAgain = false;
      if (failed) {
        setState(failures >= 2 ? 'backing-off' : 'idle');
        schedule(Math.min(maxBackoffMs, interval() * 2 ** Math.min(failures - 1, 10)));
      } else {
        setState('idle');
        schedule(interval());
      }
    })();
    inFlight = { controller, done, round };
  };

  return {
    start() {
      if (started) return;
      started = true;
      failures = 0;
      lastProgressAt = clock.now();
      run();
    },

    async stop() {
      if (!started) return;
      started = false;
      clearTimer();
      const current = inFlight;
      inFlight = undefined;
      current?.controller.abort(new AbortError('the poller was stopped'));
      if (current !== undefined) await current.done;
      setState('stopped');
    },

    pollNow() {
      run();
    },

    caughtUp(options = {}) {
      const signal = options.signal;
      if (signal?.aborted) {
        return Promise.reject(new AbortError('catch-up aborted', { cause: signal.reason }));
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: CatchUpWaiter = {
          // A round already in flight may have started before the caller's request.
          round: rounds + 1,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          waiters.delete(waiter);
          reject(new AbortError('catch-up aborted', { cause: signal?.reason }));
        };
        waiters.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    restart() {
      if (!started) return;
      const current = inFlight;
      inFlight = undefined;
      current?.controller.abort(new AbortError('the poller was restarted'));
      lastProgressAt = clock.now();
      pollAgain = false;
      run();
    },

    get state() {
      return state;
    },
    get failures() {
      return failures;
    },
    get lastCompletedAt() {
      return lastCompletedAt;
    },
    get lastProgressAt() {
      return lastProgressAt;
    },
    get currentIntervalMs() {
      return interval();
    },
  };
}

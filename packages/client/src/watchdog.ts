/**
 * The poller's watchdog: if no round has completed for `max(3 × interval, minStallMs)` while
 * polling should be running, the round in flight is stuck (a request that ignores its time
 * limit, a build that never ends): abandon it and start again, and say so.
 */
import type { Clock, Logger } from '@murmur/wire';

/** Options of {@link createWatchdog}. */
export interface WatchdogInit {
  /** How often to check, ms (default 5 s). */
  checkIntervalMs?: number;
  /** The shortest stall worth acting on, ms (default 30 s). */
  minStallMs?: number;
}

/** What the watchdog watches. */
export interface WatchdogComponents {
  clock: Clock;
  logger: Logger;
  /** The poller's interval in force now, ms. */
  intervalMs(): number;
  /** Local time of the poller's last sign of life. */
  lastProgressAt(): number;
  /** Whether the poller should be making progress (started and not blocked). */
  active(): boolean;
  /** Called once per detected stall, with how long nothing happened. */
  onStall(stalledForMs: number): void;
}

/** The watchdog. */
export interface Watchdog {
  start(): void;
  stop(): void;
  /** The stall limit in force now, ms. */
  stallAfterMs(): number;
}

/** Creates a watchdog (stopped). */
export function createWatchdog(init: WatchdogInit, components: WatchdogComponents): Watchdog {
  const checkIntervalMs = init.checkIntervalMs ?? 5_000;
  const minStallMs = init.minStallMs ?? 30_000;
  const logger = components.logger.child({ component: 'watchdog' });
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastStallFor: number | undefined;

  const stallAfterMs = () => Math.max(3 * components.intervalMs(), minStallMs);

  const check = (): void => {
    if (!components.active()) return;
    const progress = components.lastProgressAt();
    const quiet = components.clock.now() - progress;
    if (quiet <= stallAfterMs() || lastStallFor === progress) return;
    lastStallFor = progress;
    logger.warn({ quietMs: quiet }, 'client: the poller stalled; restarting it');
    components.onStall(quiet);
  };

  return {
    start() {
      if (timer !== undefined) return;
      lastStallFor = undefined;
      timer = setInterval(check, checkIntervalMs);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    stallAfterMs,
  };
}

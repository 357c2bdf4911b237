/**
 * Pool refresh: reloads the node list (a bootstrap) every `intervalMs` while started.
 */

/** Pool refresh options. */
export interface PoolRefreshInit {
  /** Time between refreshes, ms. */
  intervalMs: number;
}

/** What pool refresh uses. */
export interface PoolRefreshComponents {
  /** Starts a refresh of the node list (returns at once). */
  refresh(): void;
}

/** Pool refresh. */
export interface PoolRefresh {
  /** Starts the timer (the first refresh comes after one interval). */
  start(): void;
  /** Clears the timer. */
  stop(): void;
}

/** Creates pool refresh (stopped). */
export function createPoolRefresh(
  init: PoolRefreshInit,
  components: PoolRefreshComponents,
): PoolRefresh {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => {
      timer = undefined;
      components.refresh();
      schedule();
    }, init.intervalMs);
  };
  return {
    start() {
      if (timer === undefined) schedule();
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

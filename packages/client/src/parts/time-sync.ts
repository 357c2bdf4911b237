/**
 * Time sync: the client's network-time estimate with change notifications, resynchronisation
 * (asking a few random nodes; the transport adds every answer's `t` as a sample), and the loop
 * that resynchronises every `resyncIntervalMs` once synced, or with backoff (1 s doubling to
 * 30 s) until then.
 */
import type { Clock, Logger } from '@murmur/wire';
import { type AbortOptions, raceAbort, UpstreamFailedError } from '@murmur/wire';
import type { TimeSyncEvent } from '../events.js';
import { createNetworkTime, type NetworkTime, type NetworkTimeInit } from '../network-time.js';

/** Time sync options. */
export interface TimeSyncInit {
  /** The estimate's options. */
  time: NetworkTimeInit;
  /** Resynchronise this often once synced, ms. */
  resyncIntervalMs: number;
  /** Nodes asked per resync. */
  resyncNodes: number;
}

/** What time sync uses. `N` is the node type. */
export interface TimeSyncComponents<N> {
  clock: Clock;
  logger: Logger;
  /** Up to `count` random known nodes. */
  randomNodes(count: number): N[];
  /** One time request to `node` (an `info` through the transport, which adds the sample). */
  ask(node: N, signal: AbortSignal): Promise<unknown>;
  /** Whether a request can be sent now (an onion path exists). */
  canSend(): boolean;
  /** The signal that ends the requests (the client's lifecycle). */
  signal(): AbortSignal;
  /** The estimate changed its synced state, or a resync ended. */
  onChange(event: TimeSyncEvent): void;
  /** A resync failed while unsynced. */
  onError(error: unknown): void;
}

/** Time sync. */
export interface TimeSync {
  /** The network time (adding a sample notifies `onChange` when the synced state changes). */
  readonly time: NetworkTime;
  /** Resynchronises now (one resync at a time: callers share the one in flight). */
  resync(options?: AbortOptions): Promise<void>;
  /** Runs the loop: resyncs now unless no path or node, then schedules the next one. */
  loop(): void;
  /** Allows the loop. */
  start(): void;
  /** Stops the loop and clears its timer. */
  stop(): void;
  /** The resync in flight, if any (to wait for after a stop). */
  readonly running: Promise<void> | undefined;
}

/** Creates time sync (stopped). */
export function createTimeSync<N>(init: TimeSyncInit, components: TimeSyncComponents<N>): TimeSync {
  const { logger } = components;
  const estimate = createNetworkTime(init.time, { clock: components.clock });
  let active = false;
  let lastSynced = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scheduled = false;
  let running: Promise<void> | undefined;

  const afterChange = (resynced: boolean): void => {
    const synced = estimate.synced;
    if (synced !== lastSynced || resynced) {
      lastSynced = synced;
      components.onChange({
        offsetMs: estimate.offsetMs,
        samples: estimate.sampleCount,
        synced,
      });
    }
  };

  const time: NetworkTime = {
    now: () => estimate.now(),
    get offsetMs() {
      return estimate.offsetMs;
    },
    get synced() {
      return estimate.synced;
    },
    get sampleCount() {
      return estimate.sampleCount;
    },
    addSample(sample) {
      const added = estimate.addSample(sample);
      if (added) afterChange(false);
      return added;
    },
    invalidate: () => estimate.invalidate(),
    reset: () => estimate.reset(),
  };

  const resync = (options: AbortOptions = {}): Promise<void> => {
    if (running === undefined) {
      running = (async () => {
        const nodes = components.randomNodes(init.resyncNodes);
        if (nodes.length === 0) throw new UpstreamFailedError('no known node to ask for the time');
        const signal = components.signal();
        const results = await Promise.allSettled(nodes.map((node) => components.ask(node, signal)));
        const answered = results.filter((result) => result.status === 'fulfilled').length;
        afterChange(true);
        if (answered === 0) {
          const failure = results.find((result) => result.status === 'rejected');
          throw new UpstreamFailedError(`no node answered a time request (${nodes.length} asked)`, {
            cause: failure?.status === 'rejected' ? failure.reason : undefined,
          });
        }
        logger.debug(
          { offsetMs: estimate.offsetMs, answered, samples: estimate.sampleCount },
          'client: network time synchronised',
        );
      })().finally(() => {
        running = undefined;
      });
    }
    return raceAbort(running, options.signal);
  };

  const loop = (): void => {
    if (!active) return;
    // Without a path or a known node there is nobody to ask: the path health listener and
    // the pool update start the loop again.
    if (!components.canSend() || components.randomNodes(1).length === 0) return;
    resync({ signal: components.signal() })
      .then(() => {
        failures = 0;
      })
      .catch((error: unknown) => {
        failures++;
        if (!estimate.synced) components.onError(error);
      })
      .finally(() => {
        if (!active || scheduled) return;
        scheduled = true;
        const delay = estimate.synced
          ? init.resyncIntervalMs
          : Math.min(30_000, 1_000 * 2 ** Math.min(failures, 10));
        timer = setTimeout(() => {
          timer = undefined;
          scheduled = false;
          if (active) loop();
        }, delay);
      });
  };

  return {
    time,
    resync,
    loop,
    start() {
      active = true;
    },
    stop() {
      active = false;
      scheduled = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    get running() {
      return running;
    },
  };
}

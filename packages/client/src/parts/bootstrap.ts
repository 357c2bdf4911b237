/**
 * Bootstrap: loads the node list from the directory (seeds or ledger) and hands it to the
 * client; on failure retries with capped exponential backoff and jitter (1 s doubling to 60 s).
 */
import type { OnionNode } from '@murmur/onion';
import { type Logger, UpstreamFailedError } from '@murmur/wire';
import type { NodeDirectory } from '../directory.js';

/** What bootstrap uses. */
export interface BootstrapComponents {
  directory: Pick<NodeDirectory, 'refresh' | 'kind'>;
  /** Takes a fresh, non-empty node list. */
  applyPool(nodes: OnionNode[]): void;
  /** Called after a node list was applied. */
  onLoaded(): void;
  /** Reports a failed load (the part retries on its own). */
  onError(error: unknown): void;
  /** Uniform numbers in [0, 1) for the jitter. */
  random(): number;
  logger: Logger;
}

/** Bootstrap. */
export interface Bootstrap {
  /** Allows loads; `signal` ends the ones in flight. */
  start(signal: AbortSignal): void;
  /** Loads the node list unless a load is in flight (returns at once; nothing when stopped). */
  run(): void;
  /** Clears the retry timer; resolves when the load in flight has ended. */
  stop(): Promise<void>;
}

/** Creates bootstrap (stopped). */
export function createBootstrap(components: BootstrapComponents): Bootstrap {
  const { directory, logger } = components;
  let active = false;
  let signal: AbortSignal = AbortSignal.abort();
  let running: Promise<void> | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const run = (): void => {
    if (!active || running !== undefined) return;
    running = (async () => {
      try {
        const nodes = await directory.refresh({ signal });
        if (nodes.length === 0) throw new UpstreamFailedError('the node list is empty');
        components.applyPool(nodes);
        failures = 0;
        components.onLoaded();
        logger.info({ nodes: nodes.length, source: directory.kind }, 'client: node list loaded');
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        components.onError(error);
        const delay = Math.min(60_000, 1_000 * 2 ** Math.min(failures - 1, 10));
        if (!active) return;
        timer = setTimeout(
          () => {
            timer = undefined;
            if (active) run();
          },
          Math.round(delay * (0.5 + components.random() / 2)),
        );
      }
    })().finally(() => {
      running = undefined;
    });
  };

  return {
    start(next) {
      signal = next;
      active = true;
    },
    run,
    async stop() {
      active = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

/**
 * The block producer: every `blockTimeMs` it asks the ledger for the next block, whether or not
 * transactions wait (time advances and uptime is judged at every block). Ticks are scheduled
 * against a fixed cadence, so a slow block does not push every later one back; a tick that
 * falls far behind (a suspended laptop) is skipped rather than replayed in a burst.
 *
 * A failure to store a block is fatal: the producer stops and calls `onFatal` (the process
 * must exit; a restart recovers from the disk).
 */
import { type Logger, type Startable, silentLogger } from '@murmur/wire';
import type { CommittedBlock, DevnetLedger } from './ledger.js';

/** Options of {@link createBlockProducer}. */
export interface BlockProducerInit {
  /** Time between blocks, ms. */
  blockTimeMs: number;
}

/** Components of {@link createBlockProducer}. */
export interface BlockProducerComponents {
  ledger: DevnetLedger;
  logger?: Logger | undefined;
  /** Monotonic milliseconds (default `performance.now`). */
  now?: (() => number) | undefined;
  /** Called once with the error when a block cannot be produced or stored. */
  onFatal?: ((error: unknown) => void) | undefined;
  /** Called after each block (metrics). */
  onBlock?: ((committed: CommittedBlock, durationMs: number) => void) | undefined;
  /**
   * Asked at every tick: while it answers true no block is made (the cadence goes on). The
   * resumed ledger's hold (see resume-hold.ts) uses it.
   */
  holdWhile?: (() => boolean) | undefined;
}

/** A running block producer. */
export interface BlockProducer extends Startable {
  /** Whether the timer is armed. */
  readonly running: boolean;
}

/** A producer for `components.ledger`; `start()` arms it, `stop()` disarms it. */
export function createBlockProducer(
  init: BlockProducerInit,
  components: BlockProducerComponents,
): BlockProducer {
  const { ledger } = components;
  const logger = components.logger ?? silentLogger();
  const now = components.now ?? (() => performance.now());
  const interval = init.blockTimeMs;
  let timer: NodeJS.Timeout | undefined;
  let next = 0;
  let running = false;

  function schedule(): void {
    if (!running) return;
    const current = now();
    next += interval;
    // Far behind (the process was suspended): restart the cadence from now.
    if (next < current - interval) next = current + interval;
    timer = setTimeout(tick, Math.max(0, next - current));
  }

  function tick(): void {
    timer = undefined;
    if (!running) return;
    if (components.holdWhile?.() === true) {
      schedule();
      return;
    }
    const started = now();
    let committed: CommittedBlock;
    try {
      committed = ledger.produceBlock();
    } catch (error) {
      running = false;
      logger.error({ err: error }, 'block production failed; stopping');
      components.onFatal?.(error);
      return;
    }
    const duration = now() - started;
    logger.debug(
      {
        height: committed.block.height,
        transactions: committed.block.transactions.length,
        ms: Math.round(duration * 10) / 10,
      },
      'block produced',
    );
    components.onBlock?.(committed, duration);
    schedule();
  }

  return {
    get running() {
      return running;
    },
    start() {
      if (running) return;
      running = true;
      next = now();
      schedule();
    },
    stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

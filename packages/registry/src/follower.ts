/**
 * A registry follower: keeps a {@link RegistryState} up to date from a {@link LedgerSource}.
 *
 * On `start()` it loads the genesis configuration (retrying until it succeeds or is stopped),
 * subscribes to the feed, and catches up with `getBlocks` in batches. Feed blocks are applied
 * when they are the next height, ignored when already applied, and trigger a catch-up when
 * they leave a gap (a dropped message, a reconnect). A poll every `pollIntervalMs` catches up
 * too, so a silent feed never leaves the state behind for long. Blocks are applied strictly in
 * order and never twice; a block that does not apply (another chain, a fork) is reported on
 * `error` and the state stays where it was.
 */
import {
  AbortError,
  type AbortOptions,
  type Clock,
  createEmitter,
  type EventSource,
  type Logger,
  raceAbort,
  type Startable,
  silentLogger,
  sleep,
  systemClock,
} from '@murmur/wire';
import { type ApplyOptions, applyBlock } from './apply.js';
import { createGenesis } from './block.js';
import { BLOCKS_MAX_LIMIT } from './ledger-api.js';
import type { LedgerSource } from './ledger-source.js';
import { activeNodes, getNode } from './queries.js';
import type {
  Block,
  GenesisConfig,
  RegistryCrypto,
  RegistryState,
  ServiceNodeRecord,
  TransactionResult,
} from './types.js';

/** Options of {@link createRegistryFollower}. */
export interface RegistryFollowerInit {
  /** Where blocks come from. */
  source: LedgerSource;
  /** How often to ask for new blocks even when the feed is quiet (default 2,000 ms). */
  pollIntervalMs?: number | undefined;
  /** Blocks per `getBlocks` call while catching up (default and maximum 1,000). */
  batchSize?: number | undefined;
  /** Delay before retrying a failed genesis or catch-up request (default `pollIntervalMs`). */
  retryDelayMs?: number | undefined;
  /** Feed blocks kept while catching up (default 1,000; older ones are refetched). */
  maxBufferedBlocks?: number | undefined;
  /** Passed to {@link applyBlock}; keep signature checks on unless the source is trusted. */
  applyOptions?: ApplyOptions | undefined;
}

/** Components of {@link createRegistryFollower}. */
export interface RegistryFollowerComponents {
  crypto: RegistryCrypto;
  logger?: Logger | undefined;
  /** For `lastBlockAt` (default the system clock). */
  clock?: Clock | undefined;
}

/** What the follower emits. */
export interface RegistryFollowerEvents extends Record<string, unknown> {
  /** A block was applied. */
  block: { block: Block; results: TransactionResult[]; state: RegistryState };
  /** The state changed (after each block, and once at genesis). */
  state: RegistryState;
  /** Something went wrong (the follower keeps going). */
  error: unknown;
}

/** A running follower. */
export interface RegistryFollower extends Startable, EventSource<RegistryFollowerEvents> {
  /** The current state (`undefined` before genesis is loaded). */
  readonly state: RegistryState | undefined;
  /** The current height (-1 before genesis is loaded). */
  readonly height: number;
  /** The genesis configuration, once loaded. */
  readonly genesis: GenesisConfig | undefined;
  /** Clock time (ms) of the last block applied, or `undefined`. */
  readonly lastBlockAt: number | undefined;
  /** Resolves once the follower has caught up the first time (rejects if stopped before). */
  readonly ready: Promise<RegistryState>;
  /** Resolves when the state reaches `height` (rejects on abort or stop). */
  waitForHeight(height: number, options?: AbortOptions): Promise<RegistryState>;
  /** Catches up now (resolves when the source has nothing newer). */
  sync(options?: AbortOptions): Promise<void>;
  /** {@link activeNodes} of the current state ([] before genesis). */
  activeNodes(): ServiceNodeRecord[];
  /** {@link getNode} on the current state. */
  getNode(ed25519: string): ServiceNodeRecord | undefined;
}

interface Waiter {
  height: number;
  resolve: (state: RegistryState) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/** A follower of `init.source`. Call `start()`; `stop()` clears every timer and subscription. */
export function createRegistryFollower(
  init: RegistryFollowerInit,
  components: RegistryFollowerComponents,
): RegistryFollower {
  const { source } = init;
  const { crypto } = components;
  const clock = components.clock ?? systemClock;
  const logger = (components.logger ?? silentLogger()).child({ component: 'registry-follower' });
  const pollIntervalMs = init.pollIntervalMs ?? 2_000;
  const retryDelayMs = init.retryDelayMs ?? pollIntervalMs;
  const batchSize = Math.min(Math.max(init.batchSize ?? BLOCKS_MAX_LIMIT, 1), BLOCKS_MAX_LIMIT);
  const maxBuffered = init.maxBufferedBlocks ?? 1_000;
  const applyOptions = init.applyOptions ?? {};
  const events = createEmitter<RegistryFollowerEvents>((error) =>
    logger.warn({ err: error }, 'a follower listener threw'),
  );

  let state: RegistryState | undefined;
  let genesis: GenesisConfig | undefined;
  let lastBlockAt: number | undefined;
  let running = false;
  let lifecycle = new AbortController();
  let unsubscribe: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  const buffer = new Map<number, Block>();
  const waiters = new Set<Waiter>();

  let resolveReady!: (state: RegistryState) => void;
  let rejectReady!: (error: unknown) => void;
  let isReady = false;
  let ready = newReady();

  function newReady(): Promise<RegistryState> {
    const promise = new Promise<RegistryState>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // Nobody has to await `ready`: never report it as an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }

  function reportError(error: unknown, message: string): void {
    if (lifecycle.signal.aborted) return;
    logger.warn({ err: error }, message);
    events.emit('error', error);
  }

  function setState(next: RegistryState): void {
    state = next;
    events.emit('state', next);
    for (const waiter of [...waiters]) {
      if (next.height >= waiter.height) {
        waiter.cleanup();
        waiter.resolve(next);
      }
    }
  }

  /** Applies `block` if it is the next one; true when applied or already applied. */
  function tryApply(block: Block): 'applied' | 'old' | 'gap' | 'failed' {
    if (state === undefined) return 'gap';
    if (block.height <= state.height) return 'old';
    if (block.height > state.height + 1) return 'gap';
    let outcome: ReturnType<typeof applyBlock>;
    try {
      outcome = applyBlock(state, block, crypto, applyOptions);
    } catch (error) {
      reportError(error, `block ${block.height} does not apply`);
      return 'failed';
    }
    lastBlockAt = clock.now();
    setState(outcome.state);
    events.emit('block', { block, results: outcome.results, state: outcome.state });
    return 'applied';
  }

  /** Applies buffered feed blocks that now follow the state. */
  function drainBuffer(): void {
    while (state !== undefined) {
      for (const height of [...buffer.keys()]) {
        if (height <= state.height) buffer.delete(height);
      }
      const next = buffer.get(state.height + 1);
      if (next === undefined) return;
      buffer.delete(next.height);
      if (tryApply(next) !== 'applied') return;
    }
  }

  function onFeedBlock(block: Block): void {
    if (!running) return;
    const outcome = tryApply(block);
    if (outcome === 'applied') {
      drainBuffer();
      return;
    }
    if (outcome === 'gap') {
      buffer.set(block.height, block);
      while (buffer.size > maxBuffered) {
        const oldest = Math.min(...buffer.keys());
        buffer.delete(oldest);
      }
      logger.debug({ height: block.height, have: state?.height }, 'gap in the feed: catching up');
      void sync().catch(() => undefined);
    }
  }

  async function loadGenesis(signal: AbortSignal): Promise<void> {
    while (state === undefined) {
      if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
      try {
        const config = await source.getGenesis({ signal });
        const created = createGenesis(config, crypto);
        genesis = config;
        setState(created.state);
        return;
      } catch (error) {
        if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
        reportError(error, 'could not load the genesis configuration; retrying');
        await sleep(retryDelayMs, signal);
      }
    }
  }

  async function catchUp(signal: AbortSignal): Promise<void> {
    await loadGenesis(signal);
    for (;;) {
      if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
      const current = state as RegistryState;
      const blocks = await source.getBlocks(current.height + 1, { limit: batchSize, signal });
      if (!running) return;
      let progressed = false;
      for (const block of blocks) {
        const outcome = tryApply(block);
        if (outcome === 'applied') progressed = true;
        else if (outcome !== 'old') break;
      }
      drainBuffer();
      if (!progressed || blocks.length < batchSize) return;
    }
  }

  /** Runs one catch-up at a time; a request during one runs another right after it. */
  function sync(options: AbortOptions = {}): Promise<void> {
    if (!running) return Promise.reject(new AbortError('the follower is not running'));
    if (syncing !== undefined) {
      syncAgain = true;
      return raceAbort(syncing, options.signal);
    }
    const signal = lifecycle.signal;
    const run = (async () => {
      try {
        do {
          syncAgain = false;
          await catchUp(signal);
        } while (syncAgain && running);
        if (!isReady && state !== undefined) {
          isReady = true;
          resolveReady(state);
        }
      } finally {
        syncing = undefined;
      }
    })();
    syncing = run;
    return raceAbort(run, options.signal);
  }

  function schedulePoll(delayMs: number): void {
    if (!running) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      sync()
        .catch((error: unknown) => {
          if (!(error instanceof AbortError)) reportError(error, 'catching up failed');
        })
        .finally(() => schedulePoll(pollIntervalMs));
    }, delayMs);
  }

  const follower: RegistryFollower = {
    get state() {
      return state;
    },
    get height() {
      return state?.height ?? -1;
    },
    get genesis() {
      return genesis;
    },
    get lastBlockAt() {
      return lastBlockAt;
    },
    get ready() {
      return ready;
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),

    start() {
      if (running) return;
      running = true;
      lifecycle = new AbortController();
      unsubscribe = source.subscribe(onFeedBlock, (error) =>
        reportError(error, 'the ledger feed reported an error'),
      );
      sync()
        .catch((error: unknown) => {
          if (!(error instanceof AbortError)) reportError(error, 'catching up failed');
        })
        .finally(() => schedulePoll(pollIntervalMs));
    },

    stop() {
      if (!running) return;
      running = false;
      lifecycle.abort(new AbortError('the follower stopped'));
      unsubscribe?.();
      unsubscribe = undefined;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      buffer.clear();
      const stopped = new AbortError('the follower stopped');
      if (!isReady) {
        rejectReady(stopped);
        ready = newReady();
      }
      for (const waiter of [...waiters]) {
        waiter.cleanup();
        waiter.reject(stopped);
      }
    },

    waitForHeight(height, options = {}) {
      if (state !== undefined && state.height >= height) return Promise.resolve(state);
      if (options.signal?.aborted) {
        return Promise.reject(new AbortError(undefined, { cause: options.signal.reason }));
      }
      return new Promise<RegistryState>((resolve, reject) => {
        const onAbort = () => {
          waiter.cleanup();
          reject(new AbortError(undefined, { cause: options.signal?.reason }));
        };
        const waiter: Waiter = {
          height,
          resolve,
          reject,
          cleanup: () => {
            waiters.delete(waiter);
            options.signal?.removeEventListener('abort', onAbort);
          },
        };
        waiters.add(waiter);
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    sync,

    activeNodes() {
      return state === undefined ? [] : activeNodes(state);
    },

    getNode(ed25519) {
      return state === undefined ? undefined : getNode(state, ed25519);
    },
  };
  return follower;
}

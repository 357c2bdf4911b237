/**
 * A registry follower: keeps a {@link RegistryState} up to date from a {@link LedgerSource}.
 *
 * On `start()` it loads the genesis configuration (retrying until it succeeds or is stopped),
 * subscribes to the feed, and catches up with `getBlocks` in batches. Feed blocks are applied
 * when they are the next height, ignored when already applied, and trigger a catch-up when
 * they leave a gap (a dropped message, a reconnect). A poll every `pollIntervalMs` catches up
 * too, so a silent feed never leaves the state behind for long. Blocks are applied strictly in
 * order and never twice; a block that does not apply (another chain) is reported on `error` and
 * the state stays where it was.
 *
 * Branch switches (a reorg of the chain behind the source, as an EVM source reports them by
 * serving other blocks at heights already applied): the follower keeps the states of the last
 * `reorgDepth` heights. Each catch-up re-reads the block at its own height; when the source has
 * another block there (or none), the follower steps back through the kept states until the
 * source's block at a height is the one it applied, rolls back to that state (event `reorg`)
 * and applies the new branch from there. A feed block whose parent is a kept state switches
 * directly. A source that never reorganises (the devnet
 * ledger) is followed exactly as before.
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
import { InvalidBlockError } from './errors.js';
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
  /**
   * Passed to {@link applyBlock}; keep signature checks on unless the source is trusted
   * (default: off for a source that {@link LedgerSource.derivesBlocks}, on otherwise).
   */
  applyOptions?: ApplyOptions | undefined;
  /** States kept for rolling back when the source switches branch (default 256 heights). */
  reorgDepth?: number | undefined;
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
  /** The source switched branch: the state rolled back from height `from` to height `to`. */
  reorg: { from: number; to: number };
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
  const applyOptions =
    init.applyOptions ?? (source.derivesBlocks === true ? { verifySignatures: false } : {});
  const reorgDepth = Math.max(init.reorgDepth ?? 256, 1);
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
  /** The states of the last `reorgDepth` heights, by height. */
  const recent = new Map<number, RegistryState>();
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
    recent.set(next.height, next);
    recent.delete(next.height - reorgDepth - 1);
    events.emit('state', next);
    for (const waiter of [...waiters]) {
      if (next.height >= waiter.height) {
        waiter.cleanup();
        waiter.resolve(next);
      }
    }
  }

  /** Rolls the state back to the kept state at `height` (which must be there). */
  function rollBack(height: number): void {
    const target = recent.get(height) as RegistryState;
    const from = state?.height ?? height;
    for (const kept of [...recent.keys()]) if (kept > height) recent.delete(kept);
    buffer.clear();
    logger.warn({ from, to: height }, 'the source switched branch: rolling back');
    setState(target);
    events.emit('reorg', { from, to: height });
  }

  /**
   * Applies `block` if it is the next one. `fork`: the block belongs to another branch than the
   * state and its parent is not a kept state (the caller steps back); when its parent is kept,
   * the state rolls back to it and the block is applied.
   */
  function tryApply(block: Block): 'applied' | 'old' | 'gap' | 'failed' | 'fork' {
    if (state === undefined) return 'gap';
    if (block.height > state.height + 1) return 'gap';
    const applied = recent.get(block.height);
    const sameBranch =
      block.height <= state.height
        ? applied === undefined || applied.hash === block.hash
        : block.previousHash === state.hash;
    if (block.height <= state.height && sameBranch) return 'old';
    if (!sameBranch) {
      const parent = recent.get(block.height - 1);
      if (parent === undefined || parent.hash !== block.previousHash) return 'fork';
      rollBack(parent.height);
    }
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
    if (outcome === 'fork') {
      reportError(
        new InvalidBlockError(
          'bad-previous-hash',
          `feed block ${block.height} is not on this follower's branch: asking the source`,
          { height: block.height },
        ),
        `block ${block.height} does not apply`,
      );
      void sync().catch(() => undefined);
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

  /**
   * The source no longer serves the block the state is at: steps back through the kept states
   * until the source's block at that height is the one applied, and rolls back to it.
   */
  async function findBranchPoint(signal: AbortSignal): Promise<boolean> {
    const current = (state as RegistryState).height;
    for (let height = current - 1; height >= Math.max(0, current - reorgDepth); height--) {
      const kept = recent.get(height);
      if (kept === undefined) break;
      const [block] = await source.getBlocks(height, { limit: 1, signal });
      if (!running) return false;
      if (height === 0 || (block !== undefined && block.hash === kept.hash)) {
        rollBack(height);
        return true;
      }
    }
    reportError(
      new InvalidBlockError(
        'bad-previous-hash',
        `the source switched branch below the ${reorgDepth} heights this follower keeps`,
        { height: current },
      ),
      'cannot follow the new branch',
    );
    return false;
  }

  async function catchUp(signal: AbortSignal): Promise<void> {
    await loadGenesis(signal);
    for (;;) {
      if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
      const current = state as RegistryState;
      // From height 1 on, re-read the block the state is at: a changed or missing one means
      // the source switched branch.
      const from = current.height === 0 ? 1 : current.height;
      const blocks = await source.getBlocks(from, { limit: batchSize, signal });
      if (!running) return;
      if (current.height > 0 && blocks[0]?.hash !== current.hash) {
        if (await findBranchPoint(signal)) continue;
        return;
      }
      let progressed = false;
      let forked = false;
      for (const block of blocks) {
        const outcome = tryApply(block);
        if (outcome === 'applied') progressed = true;
        else if (outcome === 'fork') {
          forked = true;
          break;
        } else if (outcome !== 'old') break;
      }
      drainBuffer();
      if (forked) {
        if (await findBranchPoint(signal)) continue;
        return;
      }
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

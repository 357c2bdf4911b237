/**
 * Client side: the onion paths, built from the active node list and kept healthy.
 *
 * Rules (Session desktop's, with what its users complained about fixed):
 * - a path is a guard and `hops − 1` relays; at most one node per /24 subnet on a path (guard
 *   included); no node on two paths; guards are distinct and never relays;
 * - guards are tested (`testGuard`, bounded concurrency and time) before a path uses them; a
 *   guard that fails is replaced by another candidate;
 * - strikes: a node reaching `nodeStrikeThreshold` is dropped from the pool (until the next
 *   `setPool`) and every path through it rebuilt; a path reaching `pathStrikeThreshold` is
 *   rebuilt, its guard kept if it passes its test again and its relays struck once each;
 * - a build that falls short is retried with bounded exponential backoff; after
 *   `bootstrapAfterFailures` failures in a row, or when the pool is too small or stale, the
 *   manager asks for a fresh pool from a seed (`needsBootstrap`, the `bootstrap` event);
 * - the pool and the guards are persisted; on load they are validated and expire, and anything
 *   wrong leads to a fresh bootstrap, never to a path that stays broken.
 */
import {
  AbortError,
  type AbortOptions,
  type Clock,
  createEmitter,
  GUARD_TEST_TIMEOUT_MS,
  InvalidInputError,
  type Logger,
  MAX_ONION_HOPS,
  MAX_TIMER_DELAY_MS,
  NODE_FAILURE_THRESHOLD,
  ONION_GUARD_COUNT,
  ONION_PATH_HOPS,
  PATH_FAILURE_THRESHOLD,
  RequestTimeoutError,
  type Startable,
  silentLogger,
  systemClock,
  throwIfAborted,
} from '@murmur/wire';
import { PathUnavailableError } from './errors.js';
import type {
  Emitter,
  Listener,
  PathHealth,
  PathHealthEvent,
  PathManagerEvents,
} from './events.js';
import { frozenNode, type OnionNode, toOnionNode } from './onion-node.js';
import { decodePathCache, encodePathCache } from './path-cache.js';
import {
  poolShortfall,
  type RandomSource,
  randomIndex,
  secureRandom,
  selectRelays,
  shuffled,
} from './path-selection.js';

/** A string key-value store (localStorage, a SQLite table, a file...). */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An in-memory {@link KeyValueStore} (tests, and clients that keep nothing on disk). */
export function createMemoryStore(initial: Record<string, string> = {}): KeyValueStore & {
  /** The current contents. */
  readonly entries: Map<string, string>;
} {
  const entries = new Map(Object.entries(initial));
  return {
    entries,
    async get(key) {
      return entries.get(key);
    },
    async set(key, value) {
      entries.set(key, value);
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

/** An onion path: the guard first. */
export interface OnionPath {
  /** Identifies the path in `reportPathFailure` / `reportSuccess`. */
  readonly id: string;
  /** `[guard, relay, relay, ...]`. */
  readonly nodes: readonly OnionNode[];
}

/** One path with its health, for status displays ({@link PathManager.pathDetails}). */
export interface OnionPathDetails extends OnionPath {
  /** Failures through it since its last success (strikes). */
  readonly failures: number;
  /** The failures at which it is dropped and rebuilt (`pathStrikeThreshold`). */
  readonly failureLimit: number;
  /** When this manager built it, ms (its clock). */
  readonly builtAt: number;
  /** The last request through it that succeeded, ms, if any. */
  readonly lastSuccessAt?: number;
  /** The last request through it that failed, ms, if any. */
  readonly lastFailureAt?: number;
}

/** Options of {@link createPathManager}. */
export interface PathManagerInit {
  /** Nodes per path, guard included (default 3, Session's `ONION_REQUEST_HOPS`). */
  hops?: number;
  /** Guards, and so paths, to keep (default 2). */
  guardCount?: number;
  /** Failures after which a node is dropped (default 3). */
  nodeStrikeThreshold?: number;
  /** Failures after which a path is rebuilt (default 3). */
  pathStrikeThreshold?: number;
  /** Time limit of one guard test, ms (default 10 s). */
  guardTestTimeoutMs?: number;
  /** Guard tests running at once (default 2). */
  guardTestConcurrency?: number;
  /** Guard candidates tested per build at most (default 12). */
  maxGuardTestsPerBuild?: number;
  /** How long a fetched pool (persisted or not) is trusted, ms (default 24 h). */
  cacheTtlMs?: number;
  /** First retry delay after a failed build, ms (default 1 s); doubles per failure. */
  retryInitialMs?: number;
  /** Longest retry delay, ms (default 60 s). */
  retryMaxMs?: number;
  /** Failed builds in a row after which a fresh pool is requested (default 3). */
  bootstrapAfterFailures?: number;
  /** The store key of the persisted state (default `murmur:onion:paths`). */
  storeKey?: string;
  /** Uniform numbers in [0, 1) for selection and jitter (default: crypto.getRandomValues). */
  random?: RandomSource;
}

/** What a path manager uses. */
export interface PathManagerComponents {
  /**
   * Checks that a guard candidate answers (the client calls it directly, for example with
   * `get_swarm` or `info`). Resolve when usable; throw otherwise. Honour the signal.
   */
  testGuard: (node: OnionNode, options: AbortOptions) => Promise<void>;
  /** Where the pool and the guards persist (default: nowhere). */
  store?: KeyValueStore;
  logger?: Logger;
  clock?: Clock;
}

/** Options of {@link PathManager.getPath}. */
export interface GetPathOptions extends AbortOptions {
  /** Node keys (Ed25519 or X25519 hex) that must not be on the path, such as the destination. */
  exclude?: readonly string[];
}

/** A snapshot of a path manager for status displays. */
export interface PathManagerStatus {
  health: PathHealth;
  /** Why, in words for a person. */
  reason: string;
  /** Paths ready now. */
  paths: number;
  /** Paths wanted (`guardCount`). */
  wanted: number;
  /** Nodes in the pool, dropped ones excluded. */
  usableNodes: number;
  /** True when the manager wants a fresh pool from a seed. */
  needsBootstrap: boolean;
  /** Failed builds in a row. */
  consecutiveFailures: number;
  /** When the next build attempt runs (ms), if one is scheduled. */
  nextRetryAt?: number;
}

/** The onion paths of a client. */
export interface PathManager extends Startable {
  /** Loads the persisted state (if any) and starts building paths. */
  start(): Promise<void>;
  /** Stops: cancels guard tests and timers, waits for pending writes. `start()` may follow. */
  stop(): Promise<void>;
  /**
   * Replaces the node pool (the active node list from a seed or the ledger). Malformed entries
   * are skipped and counted; dropped nodes come back; paths through nodes that left are rebuilt.
   */
  setPool(nodes: readonly OnionNode[]): { accepted: number; rejected: number };
  /**
   * A path avoiding `exclude`, built on demand. Waits while a build runs.
   *
   * @throws {@link PathUnavailableError} when offline or stopped; `AbortError` on the signal.
   */
  getPath(options?: GetPathOptions): Promise<OnionPath>;
  /** One strike against a node (Ed25519 or X25519 hex). */
  reportNodeFailure(nodeKey: string): void;
  /** One strike against a path. Unknown (already replaced) paths are ignored. */
  reportPathFailure(pathId: string): void;
  /** A request through the path succeeded: its strikes and its nodes' strikes are cleared. */
  reportSuccess(pathId: string): void;
  /** The current health. */
  readonly health: PathHealth;
  /** True when the manager wants a fresh pool (call `setPool` with a seed's list). */
  readonly needsBootstrap: boolean;
  /** A snapshot for status displays. */
  status(): PathManagerStatus;
  /** The current paths. */
  paths(): OnionPath[];
  /** The current paths with their failures and ages, for status displays. */
  pathDetails(): OnionPathDetails[];
  /** Calls `listener` on every health change; returns the unsubscribe function. */
  onHealthChange(listener: Listener<PathHealthEvent>): () => void;
  /** Subscribes to `health`, `bootstrap` or `paths` events; returns the unsubscribe function. */
  on<K extends keyof PathManagerEvents>(
    name: K,
    listener: Listener<PathManagerEvents[K]>,
  ): () => void;
}

interface PathState {
  readonly snapshot: OnionPath;
  strikes: number;
  readonly builtAt: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string, max: number) {
  const out = value ?? fallback;
  if (!Number.isSafeInteger(out) || out < 1 || out > max) {
    throw new InvalidInputError(`path manager: \`${name}\` must be an integer from 1 to ${max}`);
  }
  return out;
}

function positiveDuration(value: number | undefined, fallback: number, name: string): number {
  const out = value ?? fallback;
  if (!Number.isFinite(out) || out <= 0) {
    throw new InvalidInputError(`path manager: \`${name}\` must be a positive number of ms`);
  }
  return out;
}

class DefaultPathManager implements PathManager {
  readonly #hops: number;
  readonly #guardCount: number;
  readonly #nodeStrikeThreshold: number;
  readonly #pathStrikeThreshold: number;
  readonly #guardTestTimeoutMs: number;
  readonly #guardTestConcurrency: number;
  readonly #maxGuardTests: number;
  readonly #cacheTtlMs: number;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;
  readonly #bootstrapAfterFailures: number;
  readonly #storeKey: string;
  readonly #random: RandomSource;
  readonly #testGuard: PathManagerComponents['testGuard'];
  readonly #store: KeyValueStore | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #events: Emitter<PathManagerEvents>;

  #pool = new Map<string, OnionNode>();
  #poolFetchedAt: number | undefined;
  readonly #dropped = new Set<string>();
  readonly #nodeStrikes = new Map<string, number>();
  #paths: PathState[] = [];
  #spareGuards: OnionNode[] = [];
  #preferredGuards: string[] = [];
  readonly #avoid = new Set<string>();

  #started = false;
  #stoppedOnce = false;
  #controller: AbortController | undefined;
  #build: Promise<void> | undefined;
  #buildAgain = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #nextRetryAt: number | undefined;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #problem = '';
  #health: PathHealth = 'offline';
  #reason = 'not started';
  #needsBootstrap = false;
  #writes: Promise<void> = Promise.resolve();
  #nextPathNumber = 1;
  #poolGeneration = 0;

  constructor(init: PathManagerInit, components: PathManagerComponents) {
    if (typeof components?.testGuard !== 'function') {
      throw new InvalidInputError('path manager: components need a `testGuard` function');
    }
    this.#hops = positiveInteger(init.hops, ONION_PATH_HOPS, 'hops', MAX_ONION_HOPS);
    this.#guardCount = positiveInteger(init.guardCount, ONION_GUARD_COUNT, 'guardCount', 32);
    this.#nodeStrikeThreshold = positiveInteger(
      init.nodeStrikeThreshold,
      NODE_FAILURE_THRESHOLD,
      'nodeStrikeThreshold',
      1000,
    );
    this.#pathStrikeThreshold = positiveInteger(
      init.pathStrikeThreshold,
      PATH_FAILURE_THRESHOLD,
      'pathStrikeThreshold',
      1000,
    );
    this.#guardTestTimeoutMs = positiveDuration(
      init.guardTestTimeoutMs,
      GUARD_TEST_TIMEOUT_MS,
      'guardTestTimeoutMs',
    );
    this.#guardTestConcurrency = positiveInteger(
      init.guardTestConcurrency,
      2,
      'guardTestConcurrency',
      64,
    );
    this.#maxGuardTests = positiveInteger(
      init.maxGuardTestsPerBuild,
      12,
      'maxGuardTestsPerBuild',
      100_000,
    );
    this.#cacheTtlMs = positiveDuration(init.cacheTtlMs, 24 * 60 * 60_000, 'cacheTtlMs');
    this.#retryInitialMs = positiveDuration(init.retryInitialMs, 1_000, 'retryInitialMs');
    this.#retryMaxMs = positiveDuration(init.retryMaxMs, 60_000, 'retryMaxMs');
    if (this.#retryMaxMs < this.#retryInitialMs) {
      throw new InvalidInputError('path manager: `retryMaxMs` must be at least `retryInitialMs`');
    }
    this.#bootstrapAfterFailures = positiveInteger(
      init.bootstrapAfterFailures,
      3,
      'bootstrapAfterFailures',
      1000,
    );
    this.#storeKey = init.storeKey ?? 'murmur:onion:paths';
    if (typeof this.#storeKey !== 'string' || this.#storeKey === '') {
      throw new InvalidInputError('path manager: `storeKey` must be a non-empty string');
    }
    this.#random = init.random ?? secureRandom;
    this.#testGuard = components.testGuard;
    this.#store = components.store;
    this.#logger = (components.logger ?? silentLogger()).child({ component: 'onion-paths' });
    this.#clock = components.clock ?? systemClock;
    const logger = this.#logger;
    this.#events = createEmitter<PathManagerEvents>((error, name) =>
      logger.warn({ event: String(name), err: error }, 'onion: an event listener threw'),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.#pool.size === 0) await this.#loadCache();
    if (!this.#started || this.#controller !== controller) return;
    if (this.#pool.size === 0) this.#requestBootstrap('no node pool yet: fetch one from a seed');
    this.#scheduleExpiry();
    this.#triggerBuild();
    this.#updateHealth();
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stoppedOnce = true;
    this.#controller?.abort(new AbortError('the path manager was stopped'));
    this.#controller = undefined;
    this.#clearRetry();
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const build = this.#build;
    if (build !== undefined) await build;
    await this.#writes;
    this.#updateHealth();
  }

  // -------------------------------------------------------------------------------------------
  // Pool
  // -------------------------------------------------------------------------------------------

  setPool(nodes: readonly OnionNode[]): { accepted: number; rejected: number } {
    if (!Array.isArray(nodes)) {
      throw new InvalidInputError('path manager: setPool needs an array of nodes');
    }
    const next = new Map<string, OnionNode>();
    let rejected = 0;
    for (const [index, value] of nodes.entries()) {
      try {
        const node = frozenNode(toOnionNode(value, `nodes[${index}]`));
        next.set(node.ed25519, node);
      } catch {
        rejected++;
      }
    }
    if (rejected > 0) {
      this.#logger.warn(
        { rejected, accepted: next.size },
        'onion: setPool skipped malformed nodes',
      );
    }
    this.#applyPool(next, this.#clock.now());
    this.#needsBootstrap = false;
    this.#failures = 0;
    this.#clearRetry();
    this.#persist();
    this.#scheduleExpiry();
    this.#triggerBuild();
    this.#updateHealth();
    return { accepted: next.size, rejected };
  }

  #applyPool(next: Map<string, OnionNode>, fetchedAt: number): void {
    this.#pool = next;
    this.#poolGeneration++;
    this.#poolFetchedAt = fetchedAt;
    this.#dropped.clear();
    this.#nodeStrikes.clear();
    const same = (node: OnionNode) => {
      const current = next.get(node.ed25519);
      return (
        current !== undefined &&
        current.x25519 === node.x25519 &&
        current.ip === node.ip &&
        current.port === node.port
      );
    };
    const before = this.#paths.length;
    this.#paths = this.#paths.filter((path) => path.snapshot.nodes.every(same));
    this.#spareGuards = this.#spareGuards.filter(same);
    this.#preferredGuards = this.#preferredGuards.filter((key) => next.has(key));
    if (this.#paths.length !== before) this.#emitPaths();
  }

  #usableNodes(): OnionNode[] {
    const out: OnionNode[] = [];
    for (const node of this.#pool.values()) if (!this.#dropped.has(node.ed25519)) out.push(node);
    return out;
  }

  #requestBootstrap(reason: string): void {
    const first = !this.#needsBootstrap;
    this.#needsBootstrap = true;
    if (first) {
      this.#logger.info({ reason }, 'onion: a fresh node pool is needed');
      this.#events.emit('bootstrap', { reason });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Persistence
  // -------------------------------------------------------------------------------------------

  async #loadCache(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    let text: string | undefined;
    try {
      text = await store.get(this.#storeKey);
    } catch (error) {
      this.#logger.warn({ err: error }, 'onion: the path cache could not be read');
      this.#requestBootstrap('the path cache could not be read');
      return;
    }
    if (text === undefined) return;
    const cache =
      typeof text === 'string'
        ? decodePathCache(text, this.#clock.now(), this.#cacheTtlMs)
        : ({ ok: false, reason: 'it is not a string' } as const);
    if (!cache.ok) {
      this.#logger.warn({ reason: cache.reason }, 'onion: discarding the cached path state');
      try {
        await store.delete(this.#storeKey);
      } catch (error) {
        this.#logger.warn({ err: error }, 'onion: the cached path state could not be deleted');
      }
      this.#requestBootstrap(`the cached path state was discarded: ${cache.reason}`);
      return;
    }
    if (this.#pool.size > 0) return; // setPool ran meanwhile: the fresher list wins
    this.#applyPool(
      new Map(cache.pool.map((node) => [node.ed25519, frozenNode(node)])),
      cache.savedAt,
    );
    this.#preferredGuards = cache.guards;
    this.#logger.debug(
      { nodes: cache.pool.length, guards: cache.guards.length },
      'onion: loaded the cached path state',
    );
  }

  #persist(): void {
    const store = this.#store;
    const fetchedAt = this.#poolFetchedAt;
    if (store === undefined || fetchedAt === undefined || this.#pool.size === 0) return;
    const text = encodePathCache({
      savedAt: fetchedAt,
      pool: this.#usableNodes(),
      guards: this.#paths.map((path) => (path.snapshot.nodes[0] as OnionNode).ed25519),
    });
    this.#writes = this.#writes.then(() =>
      store.set(this.#storeKey, text).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'onion: the path state could not be saved');
      }),
    );
  }

  #scheduleExpiry(): void {
    if (this.#expiryTimer !== undefined) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const fetchedAt = this.#poolFetchedAt;
    if (!this.#started || fetchedAt === undefined) return;
    const delay = fetchedAt + this.#cacheTtlMs - this.#clock.now();
    if (delay <= 0) {
      this.#requestBootstrap('the node pool expired');
      return;
    }
    this.#expiryTimer = setTimeout(
      () => {
        this.#expiryTimer = undefined;
        if (delay > MAX_TIMER_DELAY_MS) this.#scheduleExpiry();
        else this.#requestBootstrap('the node pool expired');
      },
      Math.min(delay, MAX_TIMER_DELAY_MS),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Building
  // -------------------------------------------------------------------------------------------

  #triggerBuild(): void {
    const controller = this.#controller;
    if (!this.#started || controller === undefined) return;
    if (this.#build !== undefined) {
      this.#buildAgain = true;
      return;
    }
    this.#clearRetry();
    const signal = controller.signal;
    this.#build = (async () => {
      do {
        this.#buildAgain = false;
        await this.#buildOnce(signal);
      } while (this.#buildAgain && !signal.aborted);
    })()
      .catch((error: unknown) => {
        this.#logger.error({ err: error }, 'onion: path build failed unexpectedly');
      })
      .finally(() => {
        this.#build = undefined;
        this.#updateHealth();
      });
    this.#updateHealth();
  }

  async #buildOnce(signal: AbortSignal): Promise<void> {
    this.#clearRetry();
    const missing = this.#guardCount - this.#paths.length;
    if (missing <= 0) {
      this.#failures = 0;
      this.#problem = '';
      return;
    }
    const shortfall = poolShortfall(this.#usableNodes(), this.#hops, this.#guardCount);
    if (shortfall !== undefined) {
      // Nothing to retry with: wait for setPool.
      this.#problem = this.#pool.size === 0 ? 'no node pool yet' : shortfall;
      this.#requestBootstrap(this.#problem);
      return;
    }

    const avoid = new Set(this.#avoid);
    this.#avoid.clear();
    const avoided = (node: OnionNode) => avoid.has(node.ed25519) || avoid.has(node.x25519);
    const candidates = this.#guardCandidates(avoided);
    const generation = this.#poolGeneration;
    const { passed, failed, tested } = await this.#testGuards(candidates, missing, signal);
    if (signal.aborted) return;
    if (generation !== this.#poolGeneration) {
      // The pool changed while guards were tested: start over with the new one.
      this.#buildAgain = true;
      return;
    }

    // Paths may have changed during the tests: read the state afresh.
    const usable = this.#usableNodes();
    const used = new Set<string>();
    for (const path of this.#paths) for (const node of path.snapshot.nodes) used.add(node.ed25519);
    const guardKeys = new Set(this.#paths.map((path) => this.#guardOf(path).ed25519));
    const fresh = passed.filter(
      (guard) =>
        this.#pool.has(guard.ed25519) &&
        !this.#dropped.has(guard.ed25519) &&
        !used.has(guard.ed25519),
    );
    const spare: OnionNode[] = [];
    let built = 0;
    for (const [index, guard] of fresh.entries()) {
      if (this.#paths.length >= this.#guardCount || used.has(guard.ed25519)) {
        if (!used.has(guard.ed25519)) spare.push(guard);
        continue;
      }
      const laterGuards = new Set(fresh.slice(index + 1).map((node) => node.ed25519));
      const relaysFrom = (keepLaterGuards: boolean) =>
        selectRelays(
          usable.filter(
            (node) =>
              node.ed25519 !== guard.ed25519 &&
              !used.has(node.ed25519) &&
              !guardKeys.has(node.ed25519) &&
              !failed.has(node.ed25519) &&
              !avoided(node) &&
              !(keepLaterGuards && laterGuards.has(node.ed25519)),
          ),
          guard,
          this.#hops - 1,
          this.#random,
        );
      // Leave the other tested guards free for their own paths when the pool allows it.
      const relays = relaysFrom(true) ?? relaysFrom(false);
      if (relays === undefined) {
        spare.push(guard);
        continue;
      }
      guardKeys.add(guard.ed25519);
      used.add(guard.ed25519);
      for (const relay of relays) used.add(relay.ed25519);
      this.#paths.push(this.#newPath([guard, ...relays]));
      built++;
    }
    this.#spareGuards = spare;

    if (this.#paths.length < this.#guardCount) {
      this.#failures++;
      this.#problem =
        fresh.length < missing
          ? `only ${fresh.length} of ${missing} guard candidates passed their test (${tested} tested)`
          : `too few free nodes in distinct /24 subnets to complete ${missing} path(s)`;
      this.#logger.warn(
        { paths: this.#paths.length, wanted: this.#guardCount, failures: this.#failures },
        `onion: path build fell short: ${this.#problem}`,
      );
      if (this.#failures >= this.#bootstrapAfterFailures) {
        this.#requestBootstrap(`onion paths failed to build ${this.#failures} times in a row`);
      }
      this.#scheduleRetry();
    } else {
      this.#failures = 0;
      this.#problem = '';
    }
    if (built > 0) {
      this.#preferredGuards = this.#paths.map((path) => this.#guardOf(path).ed25519);
      this.#persist();
      this.#emitPaths();
    }
  }

  /** Guard candidates in order: spare guards, persisted guards, then the pool shuffled. */
  #guardCandidates(avoided: (node: OnionNode) => boolean): OnionNode[] {
    const used = new Set<string>();
    for (const path of this.#paths) for (const node of path.snapshot.nodes) used.add(node.ed25519);
    const ordered: OnionNode[] = [];
    const listed = new Set<string>();
    const offer = (node: OnionNode | undefined) => {
      if (node === undefined || listed.has(node.ed25519) || used.has(node.ed25519)) return;
      if (this.#dropped.has(node.ed25519) || avoided(node)) return;
      listed.add(node.ed25519);
      ordered.push(node);
    };
    for (const guard of this.#spareGuards) offer(this.#pool.get(guard.ed25519));
    for (const key of this.#preferredGuards) offer(this.#pool.get(key));
    for (const node of shuffled(this.#usableNodes(), this.#random)) offer(node);
    return ordered.slice(0, this.#maxGuardTests);
  }

  #guardOf(path: PathState): OnionNode {
    return path.snapshot.nodes[0] as OnionNode;
  }

  #newPath(nodes: OnionNode[]): PathState {
    const id = `path-${this.#nextPathNumber++}`;
    return {
      snapshot: Object.freeze({ id, nodes: Object.freeze(nodes.map(frozenNode)) }),
      strikes: 0,
      builtAt: this.#clock.now(),
    };
  }

  async #testGuards(
    candidates: readonly OnionNode[],
    needed: number,
    signal: AbortSignal,
  ): Promise<{ passed: OnionNode[]; failed: Set<string>; tested: number }> {
    const passed: OnionNode[] = [];
    const failed = new Set<string>();
    let next = 0;
    let tested = 0;
    let inFlight = 0;
    // A worker starts a test only while the tests in flight could still leave a need unmet.
    const worker = async () => {
      while (passed.length + inFlight < needed && next < candidates.length && !signal.aborted) {
        const node = candidates[next++] as OnionNode;
        tested++;
        inFlight++;
        const ok = await this.#testOne(node, signal);
        inFlight--;
        if (ok) passed.push(node);
        else failed.add(node.ed25519);
      }
    };
    const workers = Math.min(this.#guardTestConcurrency, candidates.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return { passed, failed, tested };
  }

  async #testOne(node: OnionNode, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), {
          once: true,
        });
        timer = setTimeout(() => {
          controller.abort(
            new RequestTimeoutError(`guard test: no answer within ${this.#guardTestTimeoutMs} ms`),
          );
        }, this.#guardTestTimeoutMs);
        Promise.resolve()
          .then(() => this.#testGuard(node, { signal: controller.signal }))
          .then(() => resolve(), reject);
      });
      return true;
    } catch (error) {
      if (!signal.aborted) {
        this.#logger.debug(
          { guard: node.ed25519, err: error instanceof Error ? error.message : String(error) },
          'onion: guard candidate failed its test',
        );
      }
      return false;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  #scheduleRetry(): void {
    this.#clearRetry();
    if (!this.#started) return;
    const exponent = Math.min(this.#failures - 1, 30);
    const base = Math.min(this.#retryMaxMs, this.#retryInitialMs * 2 ** exponent);
    const delay = Math.min(this.#retryMaxMs, base * (1 + 0.1 * this.#random()));
    this.#nextRetryAt = this.#clock.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#nextRetryAt = undefined;
      this.#triggerBuild();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#nextRetryAt = undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Strikes
  // -------------------------------------------------------------------------------------------

  #resolveKey(nodeKey: string): string | undefined {
    if (typeof nodeKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(nodeKey)) {
      throw new InvalidInputError('path manager: a node key must be 64 hex characters');
    }
    const key = nodeKey.toLowerCase();
    if (this.#pool.has(key)) return key;
    for (const node of this.#pool.values()) if (node.x25519 === key) return node.ed25519;
    return undefined;
  }

  reportNodeFailure(nodeKey: string): void {
    const key = this.#resolveKey(nodeKey);
    if (key === undefined || this.#dropped.has(key)) return;
    if (this.#strike(key)) {
      this.#persist();
      this.#triggerBuild();
      this.#updateHealth();
    }
  }

  /** One strike; returns true when the node was dropped. */
  #strike(key: string): boolean {
    const strikes = (this.#nodeStrikes.get(key) ?? 0) + 1;
    if (strikes < this.#nodeStrikeThreshold) {
      this.#nodeStrikes.set(key, strikes);
      return false;
    }
    this.#nodeStrikes.delete(key);
    this.#dropped.add(key);
    this.#logger.info({ node: key, strikes }, 'onion: node dropped after repeated failures');
    const hit = this.#paths.filter((path) => path.snapshot.nodes.some((n) => n.ed25519 === key));
    if (hit.length > 0) {
      this.#paths = this.#paths.filter((path) => !hit.includes(path));
      for (const path of hit) {
        const guard = path.snapshot.nodes[0] as OnionNode;
        if (guard.ed25519 !== key) this.#keepSpare(guard);
      }
      this.#emitPaths();
    }
    this.#spareGuards = this.#spareGuards.filter((node) => node.ed25519 !== key);
    this.#preferredGuards = this.#preferredGuards.filter((guard) => guard !== key);
    return true;
  }

  /** Keeps a path's guard for its next path: first in line, ahead of spare tested guards. */
  #keepSpare(guard: OnionNode): void {
    this.#spareGuards = [
      guard,
      ...this.#spareGuards.filter((node) => node.ed25519 !== guard.ed25519),
    ];
  }

  reportPathFailure(pathId: string): void {
    const path = this.#paths.find((candidate) => candidate.snapshot.id === pathId);
    if (path === undefined) return;
    path.strikes++;
    path.lastFailureAt = this.#clock.now();
    if (path.strikes < this.#pathStrikeThreshold) return;
    this.#logger.info({ path: pathId }, 'onion: path dropped after repeated failures');
    this.#paths = this.#paths.filter((candidate) => candidate !== path);
    const [guard, ...relays] = path.snapshot.nodes;
    // The guard is kept if it passes its test again; the relays share the blame.
    if (guard !== undefined) this.#keepSpare(guard);
    for (const relay of relays) if (!this.#dropped.has(relay.ed25519)) this.#strike(relay.ed25519);
    this.#emitPaths();
    this.#persist();
    this.#triggerBuild();
    this.#updateHealth();
  }

  reportSuccess(pathId: string): void {
    const path = this.#paths.find((candidate) => candidate.snapshot.id === pathId);
    if (path === undefined) return;
    path.strikes = 0;
    path.lastSuccessAt = this.#clock.now();
    for (const node of path.snapshot.nodes) this.#nodeStrikes.delete(node.ed25519);
  }

  // -------------------------------------------------------------------------------------------
  // Paths
  // -------------------------------------------------------------------------------------------

  async getPath(options: GetPathOptions = {}): Promise<OnionPath> {
    throwIfAborted(options.signal);
    const exclude = new Set<string>();
    for (const key of options.exclude ?? []) {
      if (typeof key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(key)) {
        throw new InvalidInputError('getPath: `exclude` must list 64-character hex node keys');
      }
      exclude.add(key.toLowerCase());
    }
    const excluded = (node: OnionNode) => exclude.has(node.ed25519) || exclude.has(node.x25519);
    let replaced = false;
    for (;;) {
      if (!this.#started) {
        throw new PathUnavailableError(
          this.#stoppedOnce ? 'the path manager was stopped' : 'the path manager is not started',
          'offline',
        );
      }
      const fitting = this.#paths.filter((path) => !path.snapshot.nodes.some(excluded));
      if (fitting.length > 0) {
        return (fitting[randomIndex(this.#random, fitting.length)] as PathState).snapshot;
      }
      if (this.#build !== undefined) {
        await this.#waitForBuild(options.signal);
        continue;
      }
      if (this.#paths.length > 0 && !replaced) {
        // Every path holds an excluded node: rebuild one, avoiding them.
        replaced = true;
        const victim =
          this.#paths.find((path) => !excluded(path.snapshot.nodes[0] as OnionNode)) ??
          (this.#paths[0] as PathState);
        this.#paths = this.#paths.filter((path) => path !== victim);
        const guard = victim.snapshot.nodes[0] as OnionNode;
        if (!excluded(guard)) this.#keepSpare(guard);
        for (const key of exclude) this.#avoid.add(key);
        this.#emitPaths();
        this.#triggerBuild();
        continue;
      }
      const details: { reason: string; nextRetryAt?: number } = { reason: this.#reason };
      if (this.#nextRetryAt !== undefined) details.nextRetryAt = this.#nextRetryAt;
      throw new PathUnavailableError(
        this.#paths.length > 0
          ? 'no onion path avoids the excluded nodes'
          : `no onion path: ${this.#reason}`,
        this.#health,
        { details },
      );
    }
  }

  async #waitForBuild(signal: AbortSignal | undefined): Promise<void> {
    const build = this.#build;
    if (build === undefined) return;
    if (signal === undefined) {
      await build;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new AbortError('getPath aborted', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
      void build.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  paths(): OnionPath[] {
    return this.#paths.map((path) => path.snapshot);
  }

  pathDetails(): OnionPathDetails[] {
    return this.#paths.map((path) => ({
      id: path.snapshot.id,
      nodes: path.snapshot.nodes,
      failures: path.strikes,
      failureLimit: this.#pathStrikeThreshold,
      builtAt: path.builtAt,
      ...(path.lastSuccessAt === undefined ? {} : { lastSuccessAt: path.lastSuccessAt }),
      ...(path.lastFailureAt === undefined ? {} : { lastFailureAt: path.lastFailureAt }),
    }));
  }

  #emitPaths(): void {
    this.#events.emit('paths', { paths: this.paths() });
  }

  // -------------------------------------------------------------------------------------------
  // Health
  // -------------------------------------------------------------------------------------------

  get health(): PathHealth {
    return this.#health;
  }

  get needsBootstrap(): boolean {
    return this.#needsBootstrap;
  }

  status(): PathManagerStatus {
    const out: PathManagerStatus = {
      health: this.#health,
      reason: this.#reason,
      paths: this.#paths.length,
      wanted: this.#guardCount,
      usableNodes: this.#pool.size - this.#dropped.size,
      needsBootstrap: this.#needsBootstrap,
      consecutiveFailures: this.#failures,
    };
    if (this.#nextRetryAt !== undefined) out.nextRetryAt = this.#nextRetryAt;
    return out;
  }

  onHealthChange(listener: Listener<PathHealthEvent>): () => void {
    return this.#events.on('health', listener);
  }

  on<K extends keyof PathManagerEvents>(
    name: K,
    listener: Listener<PathManagerEvents[K]>,
  ): () => void {
    return this.#events.on(name, listener);
  }

  #updateHealth(): void {
    const ready = this.#paths.length;
    let health: PathHealth;
    let reason: string;
    if (!this.#started) {
      health = 'offline';
      reason = this.#stoppedOnce ? 'stopped' : 'not started';
    } else if (ready >= this.#guardCount) {
      health = 'healthy';
      reason = `${ready} of ${this.#guardCount} paths ready`;
    } else if (this.#build !== undefined) {
      health = 'rebuilding';
      reason = `building paths (${ready} of ${this.#guardCount} ready)`;
    } else if (ready > 0) {
      health = 'degraded';
      reason = `${ready} of ${this.#guardCount} paths ready${this.#problem === '' ? '' : `: ${this.#problem}`}`;
    } else {
      health = 'offline';
      reason = this.#problem === '' ? 'no onion path' : this.#problem;
    }
    this.#reason = reason;
    if (health === this.#health) return;
    const previous = this.#health;
    this.#health = health;
    this.#logger.info({ health, previous, reason }, 'onion: path health changed');
    this.#events.emit('health', { health, previous, reason });
  }
}

/**
 * Creates a path manager. Call `setPool` with the active node list (or let `start()` load the
 * persisted one), then `start()`.
 *
 * @throws {@link InvalidInputError} for options out of range or a missing `testGuard`.
 */
export function createPathManager(
  init: PathManagerInit,
  components: PathManagerComponents,
): PathManager {
  return new DefaultPathManager(init ?? {}, components);
}

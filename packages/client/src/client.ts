/**
 * `createClient`: wires the client's parts together and runs their lifecycle.
 *
 * ```
 *   directory (seeds | ledger) ──► path manager ◄── guard tests (direct `info`: first time samples)
 *                                     │
 *   network time ◄── every `t` ── transport ──► swarm cache (421 → replace, retry once)
 *        │                          ▲    ▲
 *        └─ gates ─► outbox ────────┘    └──────── poller ◄── watchdog
 *                       ▲                            │
 *   sendMessage ────────┘                 receiver ◄─┴─◄ push source
 * ```
 *
 * The parts live in `./parts/`, each with its own tests: account-loader, bootstrap (node list
 * load with backoff), pool-refresh, time-sync, swarm-refresh, outbox-wiring (the durable outbox
 * on the transport, sealing held messages), send (`sendMessage`), pfs-loop (publish, rotate,
 * wipe), polling (one poll round), deletion, push-handling, health and readiness
 * (`whenReady`). This function checks the options and wires them.
 */
import type { Identity, LayerEncryption, MurmurCrypto } from '@murmur/crypto';
import {
  createPathManager,
  decodePathCache,
  type KeyValueStore,
  type OnionNode,
  type PathManager,
  type PathManagerInit,
} from '@murmur/onion';
import type { LedgerSource } from '@murmur/registry';
import {
  AbortError,
  type AbortOptions,
  type Clock,
  createEmitter,
  InvalidInputError,
  type Logger,
  MurmurError,
  silentLogger,
  systemClock,
  TTL_MAX_PUBLIC_MS,
  throwIfAborted,
  UpstreamFailedError,
} from '@murmur/wire';
import { type AccountApi, createAccountApi } from './account.js';
import { type ClientPushInit, createClientCircuitPush } from './circuit-push/client-push.js';
import type { WebSocketFactory } from './circuit-push/websocket-link.js';
import { type ContactsApi, createContactsApi } from './contacts.js';
import type { MessageExpiration } from './content.js';
import { type ConversationsApi, createConversationsApi } from './conversations.js';
import { createLedgerDirectory, createSeedDirectory, type NodeDirectory } from './directory.js';
import type { ClientErrorSource, ClientEvents, ClientHealth, Listener } from './events.js';
import type { NetworkTime, NetworkTimeInit } from './network-time.js';
import type { DeliveredMessage, OutboxInit } from './outbox.js';
import { createAccountLoader } from './parts/account-loader.js';
import { createBootstrap } from './parts/bootstrap.js';
import { createDeleter } from './parts/deletion.js';
import { createHealthMonitor } from './parts/health.js';
import { createClientOutbox } from './parts/outbox-wiring.js';
import { createPfsLoop } from './parts/pfs-loop.js';
import { createPollRound } from './parts/polling.js';
import { createPoolRefresh } from './parts/pool-refresh.js';
import { createPushHandling } from './parts/push-handling.js';
import { createReadiness } from './parts/readiness.js';
import {
  createSender,
  type SendOptions,
  type SendResult,
  type TimerUpdateResult,
} from './parts/send.js';
import { createSwarmRefresh } from './parts/swarm-refresh.js';
import { createTimeSync } from './parts/time-sync.js';
import type { AccountKeyStore } from './pfs/account-key-store.js';
import { type ClientPfs, createClientPfs, type PfsApi, type PfsInit } from './pfs/client-pfs.js';
import { createPoller } from './poller.js';
import type { PushSource } from './push.js';
import { createReceiver } from './receiver.js';
import type { ClientStorage } from './storage/types.js';
import { createSwarmCache, type SwarmCacheInit } from './swarm-cache.js';
import { createTransport, errorText, responseParser } from './transport.js';
import { checkDuration, checkNamespaces, checkTtl } from './validate.js';
import { createWatchdog, type WatchdogInit } from './watchdog.js';

export type { SendOptions, SendResult, TimerUpdateResult } from './parts/send.js';

/** The default poll interval, ms: chosen so that send → receive stays under 1.5 s at the median. */
export const DEFAULT_POLL_INTERVAL_MS = 1_500;
/** The default poll interval while a push source is connected, ms. */
export const DEFAULT_PUSH_POLL_INTERVAL_MS = 30_000;
/** The default TTL of a sent message: 14 days, the longest a public inbox allows. */
export const DEFAULT_MESSAGE_TTL_MS = TTL_MAX_PUBLIC_MS;
/** The storage key of the onion path state. */
export const PATH_STATE_KEY = 'murmur:onion:paths';

/** Network-time options (`ClientInit.time`). */
export interface TimeInit extends NetworkTimeInit {
  /** Resynchronise this often, ms (default 10 min). */
  resyncIntervalMs?: number;
  /** Nodes asked per resync (default 3). */
  resyncNodes?: number;
}

/** The client's options. Everything is optional except a node source (`seeds` or `ledger`). */
export interface ClientInit {
  /** Seed endpoint URLs (`get_n_service_nodes`), such as `http://127.0.0.1:38157/json_rpc`. */
  seeds?: readonly string[];
  /** A ledger to follow instead of seeds: nodes and swarms are then computed locally. */
  ledger?: LedgerSource;
  /** The account to use; otherwise the one in the storage (created or restored there). */
  identity?: Identity;
  /** Time between polls, ms (default {@link DEFAULT_POLL_INTERVAL_MS}). */
  pollIntervalMs?: number;
  /** Time between polls while a push source is connected, ms (default 30 s). */
  pushPollIntervalMs?: number;
  /** Namespaces polled (default `[0]`, direct messages). */
  namespaces?: readonly number[];
  /** TTL of sent messages, ms (default 14 days). */
  messageTtlMs?: number;
  /** Delete messages from the swarm once stored locally (default false: let them expire). */
  deleteAfterRetrieve?: boolean;
  /** Onion layer cipher (default `aes-gcm`). */
  encType?: LayerEncryption;
  /**
   * How nodes are reached: `https` (default, as Session's clients; nodes have self-signed
   * certificates, so give `components.fetch` = `createNodeFetch()` of `@murmur/wire/node` in
   * Node.js) or `http` (nodes started with `--plain-http`).
   */
  nodeScheme?: 'http' | 'https';
  /** Time limit of one onion request, ms (default 20 s). */
  requestTimeoutMs?: number;
  /** Outbox retry policy. */
  outbox?: OutboxInit;
  /** Onion path options (`@murmur/onion`'s `PathManagerInit`). */
  paths?: PathManagerInit;
  /** Network-time options. */
  time?: TimeInit;
  /** Swarm cache options. */
  swarms?: SwarmCacheInit;
  /** Watchdog options. */
  watchdog?: WatchdogInit;
  /** Refresh the node list this often, ms (default 1 h). */
  poolRefreshIntervalMs?: number;
  /** Seen message hashes kept for de-duplication at most (default 100,000). */
  maxSeenHashes?: number;
  /** A push source of your own instead of the default circuit push source. */
  pushSource?: PushSource;
  /**
   * Real-time delivery through relay circuits (docs/CLIENTS.md): on by default when relays are
   * known and a WebSocket is available; `false` keeps pure polling; an object tunes it.
   */
  push?: boolean | ClientPushInit;
  /**
   * Forward secrecy (Session Protocol V2): on by default; `{ enabled: false }` makes the client
   * a v1 Session client (docs/CLIENTS.md).
   */
  pfs?: PfsInit;
}

/** What the client uses. Only `crypto` and `storage` are required. */
export interface ClientComponents {
  /** `@murmur/crypto`'s `loadCrypto()` result. */
  crypto: MurmurCrypto;
  /** Where everything is kept (`createMemoryStorage()`, `createSqliteStorage()`, ...). */
  storage: ClientStorage;
  /**
   * The fetch to use (default the global one). Nodes speak HTTPS with self-signed certificates:
   * in Node.js pass `createNodeFetch()` from `@murmur/wire/node` (nothing global is changed).
   */
  fetch?: typeof fetch;
  /** A logger (default silent). Nothing secret is ever logged. */
  logger?: Logger;
  /** The local clock (default `Date.now`). */
  clock?: Clock;
  /** Uniform numbers in [0, 1) for jitter and choices (default `Math.random`). */
  random?: () => number;
  /**
   * Where account-key seeds are kept with PFS on (default: the storage's own
   * `accountKeyStore()` when it has one, as the SQLite storage does; otherwise in memory, lost
   * on exit, so that messages sent to the keys of a previous run cannot be read).
   */
  accountKeyStore?: AccountKeyStore;
  /**
   * Opens WebSockets to relays for the push circuit (default the global `WebSocket`; in Node.js
   * 20 give one from `ws`: `(url) => new WebSocket(url, { rejectUnauthorized: false })`).
   */
  webSocket?: WebSocketFactory;
}

/** One onion path, as {@link MurmurClient.paths} shows it. */
export interface OnionPathInfo {
  /** The path's ID (changes when the path is rebuilt). */
  id: string;
  /** Guard first, then the relays: each node's Ed25519 key, IPv4 address and port. */
  nodes: { ed25519: string; ip: string; port: number }[];
  /**
   * `ready` when the last request through it succeeded (or none failed yet); `failing` after a
   * failure, until a request succeeds again or it is rebuilt at `failureLimit`.
   */
  state: 'ready' | 'failing';
  /** Failures through it since its last success. */
  failures: number;
  /** The failures at which the client drops it and builds another. */
  failureLimit: number;
  /** When it was built, ms (the client's clock). */
  builtAt: number;
  /** The last request through it that succeeded, ms, if any. */
  lastSuccessAt?: number;
  /** The last request through it that failed, ms, if any. */
  lastFailureAt?: number;
}

/** A Murmur client. */
export interface MurmurClient {
  /**
   * Starts: loads the account, builds onion paths (bootstrapping the node list from the seeds
   * or the ledger when needed), synchronises network time, resumes the outbox and starts
   * polling. Resolves once everything is started, not once the network answered: watch the
   * `health` event or await {@link MurmurClient.whenReady}.
   */
  start(options?: AbortOptions): Promise<void>;
  /** Stops everything, clears every timer, and resolves when work in flight has ended. */
  stop(options?: AbortOptions): Promise<void>;
  /** The account's Session ID, once known. */
  readonly sessionId: string | undefined;
  /** Whether the client is started. */
  readonly started: boolean;
  /** The account. */
  readonly account: AccountApi;
  /** Contacts. */
  readonly contacts: ContactsApi;
  /** Conversations and history. */
  readonly conversations: ConversationsApi;
  /** Forward secrecy settings and state; undefined when turned off (`pfs.enabled: false`). */
  readonly pfs: PfsApi | undefined;
  /**
   * Encrypts a message for `recipient`, stores it in the durable outbox and returns at once.
   * Delivery goes on in the background (also across restarts): follow it with the
   * `message-state` event or {@link MurmurClient.waitForDelivery}. With forward secrecy, a
   * message to a contact whose account keys are not cached is held in the outbox as
   * `securing` (sealed once they are fetched, or under the send rules of docs/CLIENTS.md).
   *
   * @throws `InvalidSessionIdError`, `InvalidInputError` (empty text), `TtlOutOfRangeError`,
   * `TooLargeError` (over 76,800 bytes sealed), {@link AccountMissingError}.
   */
  sendMessage(recipient: string, text: string, options?: SendOptions): Promise<SendResult>;
  /**
   * Tells a contact that the conversation's disappearing-messages setting changed (Session's
   * expiration-timer-update control message: `DataMessage.flags` = EXPIRATION_TIMER_UPDATE with
   * the setting in `Content.expirationType` / `expirationTimer`; `null` turns it off), so the
   * contact's conversation follows (their client emits `disappearing-update`). Queued in the
   * durable outbox like a message (`message-state` events name its ID) but not kept in the
   * history. An `after-send` update is stored in the swarm only as long as its timer.
   *
   * @throws `InvalidSessionIdError`, `InvalidInputError` (a timer that is not 1 to 2^32 − 1
   * whole seconds), {@link AccountMissingError}.
   */
  sendTimerUpdate(
    recipient: string,
    expiration: MessageExpiration | null,
    options?: AbortOptions,
  ): Promise<TimerUpdateResult>;
  /**
   * Resolves when the message is stored on the recipient's swarm, with its storage hash: the ID
   * the recipient's `message` event carries (the same as `id` unless the message was held as
   * `securing` before it was sealed).
   *
   * @throws `DeliveryFailedError` when the outbox gave up; `NotFoundError` for an unknown ID;
   * `AbortError` on the signal or when the client stops first.
   */
  waitForDelivery(id: string, options?: AbortOptions): Promise<DeliveredMessage>;
  /** Queues a failed message again with a fresh retry budget; false when it is not failed. */
  retryMessage(id: string, options?: AbortOptions): Promise<boolean>;
  /**
   * Polls at once and resolves when the client has caught up with its swarm (call it when the
   * app knows the network is back, for example on the browser's `online` event).
   */
  catchUp(options?: AbortOptions): Promise<void>;
  /** Resolves when the client can send and receive: a path exists and the time is synced. */
  whenReady(options?: AbortOptions): Promise<void>;
  /** The health now. */
  health(): ClientHealth;
  /**
   * The onion paths in use now, guard first (public node data only), for a path indicator
   * such as Session's "onion path" view.
   */
  paths(): OnionPathInfo[];
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): () => void;
  /** Unsubscribes. */
  off<K extends keyof ClientEvents>(name: K, listener: Listener<ClientEvents[K]>): void;
}

/**
 * Creates a client (stopped). Give `init.seeds` or `init.ledger`, and the `crypto` and
 * `storage` components.
 *
 * @throws `InvalidInputError` for options out of range.
 */
export function createClient(init: ClientInit, components: ClientComponents): MurmurClient {
  if (typeof init !== 'object' || init === null) {
    throw new InvalidInputError('createClient: `init` must be an options object');
  }
  if (typeof components?.crypto !== 'object' || typeof components.storage !== 'object') {
    throw new InvalidInputError('createClient: components need `crypto` and `storage`');
  }
  if ((init.seeds === undefined) === (init.ledger === undefined)) {
    throw new InvalidInputError('createClient: give `seeds` (seed URLs) or `ledger`, not both');
  }
  const fetchFn = components.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchFn !== 'function') {
    throw new InvalidInputError('createClient: no `fetch` available: pass one in components');
  }
  const { crypto, storage } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'murmur-client' });
  const clock = components.clock ?? systemClock;
  const random = components.random ?? Math.random;

  const pollIntervalMs = checkDuration(
    init.pollIntervalMs,
    'pollIntervalMs',
    DEFAULT_POLL_INTERVAL_MS,
  );
  const pushPollIntervalMs = checkDuration(
    init.pushPollIntervalMs,
    'pushPollIntervalMs',
    DEFAULT_PUSH_POLL_INTERVAL_MS,
  );
  const namespaces = checkNamespaces(init.namespaces ?? [0]);
  const messageTtlMs = checkTtl(init.messageTtlMs ?? DEFAULT_MESSAGE_TTL_MS, 'messageTtlMs');
  const resyncIntervalMs = checkDuration(
    init.time?.resyncIntervalMs,
    'time.resyncIntervalMs',
    10 * 60_000,
  );
  const resyncNodes = Math.max(1, Math.floor(init.time?.resyncNodes ?? 3));
  const poolRefreshIntervalMs = checkDuration(
    init.poolRefreshIntervalMs,
    'poolRefreshIntervalMs',
    60 * 60_000,
  );
  const maxSeenHashes = Math.max(1_000, Math.floor(init.maxSeenHashes ?? 100_000));
  if (init.identity !== undefined && typeof init.identity?.sessionId !== 'string') {
    throw new InvalidInputError('createClient: `identity` must be an Identity from @murmur/crypto');
  }

  const events = createEmitter<ClientEvents>((error, name) =>
    logger.warn(
      { event: String(name), err: error instanceof Error ? error.message : String(error) },
      'client: an event listener threw',
    ),
  );
  const accountLoader = createAccountLoader({ crypto, storage, injected: init.identity });
  let started = false;
  let lifecycle = new AbortController();
  const unsubscribers: (() => void)[] = [];
  let pool: OnionNode[] = [];

  const reportError = (source: ClientErrorSource, error: unknown): void => {
    if (!started) return;
    const wrapped = MurmurError.isInstance(error)
      ? error
      : new UpstreamFailedError(errorText(error), { cause: error });
    if (wrapped instanceof AbortError && lifecycle.signal.aborted) return;
    events.emit('error', { source, error: wrapped });
  };

  // ---------------------------------------------------------------------------------------
  // Network time, with events
  // ---------------------------------------------------------------------------------------
  const timeSync = createTimeSync(
    {
      time: init.time ?? {},
      resyncIntervalMs,
      resyncNodes,
    },
    {
      clock,
      logger,
      randomNodes: (count) => randomNodes(count),
      ask: (node, signal) =>
        transport.nodeRequest(node, 'info', {}, responseParser('info'), { signal }),
      canSend: () => paths.health !== 'offline',
      signal: () => lifecycle.signal,
      onChange: (event) => {
        events.emit('time-sync', event);
        if (event.synced) {
          outbox.wake();
          poller.pollNow();
        }
        emitHealth();
      },
      onError: (error) => reportError('time-sync', error),
    },
  );
  const networkTime: NetworkTime = timeSync.time;
  const resyncTime = (options: AbortOptions = {}): Promise<void> => timeSync.resync(options);
  const timeSyncLoop = (): void => timeSync.loop();

  // ---------------------------------------------------------------------------------------
  // Node directory, paths, swarms, transport
  // ---------------------------------------------------------------------------------------
  const directory: NodeDirectory =
    init.ledger !== undefined
      ? createLedgerDirectory({ ledger: init.ledger }, { crypto, logger, clock })
      : createSeedDirectory({ seeds: init.seeds ?? [] }, { fetch: fetchFn, logger, random });

  const pathStore: KeyValueStore = {
    get: (key) => storage.getValue(key),
    set: (key, value) => storage.setValue(key, value),
    delete: (key) => storage.deleteValue(key),
  };

  const swarms = createSwarmCache(init.swarms ?? {}, { clock, random });

  // The path manager's guard test uses the transport, which needs the path manager: bind late.
  let transportRef: ReturnType<typeof createTransport> | undefined;
  const paths: PathManager = createPathManager(
    { storeKey: PATH_STATE_KEY, ...(init.paths ?? {}) },
    {
      testGuard: async (node, options) => {
        await (transportRef as ReturnType<typeof createTransport>).directRequest(
          node,
          'info',
          {},
          responseParser('info'),
          options,
        );
      },
      store: pathStore,
      logger,
      clock,
    },
  );

  const transport = createTransport(
    {
      ...(init.encType === undefined ? {} : { encType: init.encType }),
      ...(init.nodeScheme === undefined ? {} : { nodeScheme: init.nodeScheme }),
      ...(init.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: init.requestTimeoutMs }),
    },
    {
      crypto,
      fetch: fetchFn,
      logger,
      clock,
      paths,
      networkTime,
      swarms,
      refreshSwarm: (pubkey, options) => refreshSwarm(pubkey, options),
      resyncTime: (options) => resyncTime(options),
    },
  );
  transportRef = transport;

  const pfs: ClientPfs | undefined =
    init.pfs?.enabled === false
      ? undefined
      : createClientPfs(init.pfs ?? {}, {
          crypto,
          storage,
          transport,
          logger,
          store: components.accountKeyStore ?? storage.accountKeyStore?.(),
          now: () => networkTime.now(),
          identity: () => accountLoader.current(),
          signal: () => lifecycle.signal,
        });
  const pfsLoop =
    pfs === undefined
      ? undefined
      : createPfsLoop({
          pfs,
          ready: () =>
            accountLoader.current() !== undefined &&
            networkTime.synced &&
            paths.health !== 'offline',
          onError: (error) => reportError('pfs', error),
        });

  const randomNodes = (count: number, exclude: ReadonlySet<string> = new Set()): OnionNode[] => {
    const candidates = (pool.length > 0 ? pool : directory.nodes()).filter(
      (node) => !exclude.has(node.ed25519),
    );
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j] as OnionNode, candidates[i] as OnionNode];
    }
    return candidates.slice(0, count);
  };

  const swarmRefresh = createSwarmRefresh({
    directory,
    swarms,
    transport,
    randomNodes,
    signal: () => lifecycle.signal,
  });
  const refreshSwarm = (pubkey: string, options: AbortOptions): Promise<void> =>
    swarmRefresh.refresh(pubkey, options);

  // ---------------------------------------------------------------------------------------
  // Background loops: bootstrap, time sync, pool refresh
  // ---------------------------------------------------------------------------------------
  const applyPool = (nodes: OnionNode[]): void => {
    if (nodes.length === 0) return;
    pool = nodes.map((node) => ({ ...node }));
    paths.setPool(pool);
  };
  const bootstrapper = createBootstrap({
    directory,
    applyPool,
    onLoaded: () => {
      if (!networkTime.synced) timeSyncLoop();
    },
    onError: (error) => reportError('bootstrap', error),
    random,
    logger,
  });
  const bootstrap = (): void => bootstrapper.run();

  const poolRefresh = createPoolRefresh(
    { intervalMs: poolRefreshIntervalMs },
    { refresh: () => bootstrap() },
  );

  // ---------------------------------------------------------------------------------------
  // Outbox and sending
  // ---------------------------------------------------------------------------------------
  const requireIdentity = (): Promise<Identity> => accountLoader.require();
  const outbox = createClientOutbox(init.outbox ?? {}, {
    crypto,
    storage,
    transport,
    now: () => networkTime.now(),
    random,
    logger,
    ready: () => started && networkTime.synced,
    seal: (recipient, held, options) => sender.sealHeld(recipient, held, options),
    onState: (event) => {
      events.emit('message-state', event);
      // The final error is reported (below) before the health changes, as it always was.
      if (event.state !== 'failed') emitHealth();
    },
    onFailed: (event) => {
      reportError(
        'outbox',
        new UpstreamFailedError(event.error.message, { details: { messageId: event.id } }),
      );
      emitHealth();
    },
    onError: (error) => reportError('storage', error),
  });
  const sender = createSender(
    { messageTtlMs },
    { crypto, storage, outbox, pfs, now: () => networkTime.now(), identity: requireIdentity },
  );

  // ---------------------------------------------------------------------------------------
  // Receive: receiver, poller, watchdog, push
  // ---------------------------------------------------------------------------------------
  const receiver = createReceiver({
    crypto,
    storage,
    logger,
    now: () => networkTime.now(),
    onMessage: (message) => events.emit('message', message),
    onDisappearingUpdate: (update) => events.emit('disappearing-update', update),
    ...(pfs === undefined ? {} : { open: (self, data) => pfs.open(self, data) }),
  });

  const pollOnce = createPollRound(
    {
      namespaces,
      deleteAfterRetrieve: init.deleteAfterRetrieve === true,
      maxSeenHashes,
    },
    {
      crypto,
      storage,
      transport,
      receiver,
      identity: () => requireIdentity(),
      now: () => networkTime.now(),
      deleteMessages: (self, hashes) => deleteRetrieved(self, hashes),
      onDeleteError: (error) => reportError('delete', error),
    },
  );

  const deleteRetrieved = createDeleter({ crypto, transport, signal: () => lifecycle.signal });

  const poller = createPoller(
    { intervalMs: pollIntervalMs, slowIntervalMs: pushPollIntervalMs },
    {
      clock,
      logger,
      poll: pollOnce,
      blockedBy: () => {
        if (accountLoader.current() === undefined) return 'waiting-for-account';
        if (paths.health === 'offline') return 'waiting-for-network';
        if (!networkTime.synced) {
          // Samples age out (15 min of local clock): after a clock jump or a long sleep that
          // the poller's timer did not see (a poll in flight, a watchdog restart), nothing else
          // would resync before the 10-min timer. One resync runs at a time.
          timeSyncLoop();
          return 'waiting-for-network';
        }
        return undefined;
      },
      pushConnected: () => pushSource?.connected === true,
      onStateChange: () => emitHealth(),
      onWake: () => {
        // After a sleep the clock may have moved and paths may be dead: check both.
        networkTime.invalidate();
        timeSyncLoop();
      },
      onError: (error) => reportError('poller', error),
    },
  );

  const watchdog = createWatchdog(init.watchdog ?? {}, {
    clock,
    logger,
    intervalMs: () => poller.currentIntervalMs,
    lastProgressAt: () => poller.lastProgressAt,
    active: () => started && (poller.state === 'polling' || poller.state === 'idle'),
    onStall: (quietMs) => {
      reportError(
        'watchdog',
        new UpstreamFailedError(`the poller made no progress for ${quietMs} ms; restarted it`),
      );
      poller.restart();
      emitHealth();
    },
  });

  const pushSource =
    init.pushSource ??
    createClientCircuitPush(init.push, {
      ...{ crypto, logger, clock, random, directory, swarms, refreshSwarm, poller },
      webSocket: components.webSocket,
      nodeScheme: init.nodeScheme ?? 'https',
      guards: () => paths.paths().flatMap((path) => path.nodes.slice(0, 1).map((n) => n.ed25519)),
      onEvent: (event) => {
        events.emit('circuit', event);
        emitHealth();
      },
      onError: (error) => reportError('push', error),
    });
  const push = createPushHandling(
    { namespaces },
    {
      source: pushSource,
      crypto,
      receiver,
      identity: () => accountLoader.current(),
      started: () => started,
      now: () => networkTime.now(),
      onError: (error) => reportError('push', error),
    },
  );

  // ---------------------------------------------------------------------------------------
  // Health
  // ---------------------------------------------------------------------------------------
  const health = createHealthMonitor({
    started: () => started,
    pathStatus: () => paths.status(),
    time: networkTime,
    poller,
    pushConnected: () => pushSource?.connected === true,
    outboxPending: () => outbox.pendingIds.size,
    emit: (next) => events.emit('health', next),
  });
  const computeHealth = (): ClientHealth => health.compute();
  function emitHealth(): void {
    health.update();
  }

  // ---------------------------------------------------------------------------------------
  // Public API
  // ---------------------------------------------------------------------------------------
  const account = createAccountApi({
    crypto,
    storage,
    clock,
    injected: init.identity,
    onIdentity: (next) => {
      accountLoader.set(next);
      if (started) {
        poller.pollNow();
        outbox.wake();
        emitHealth();
      }
    },
  });
  const contacts = createContactsApi({ crypto, storage, clock });
  const conversations = createConversationsApi({ crypto, storage });
  const whenReady = createReadiness({
    ready: () =>
      started && networkTime.synced && (paths.health === 'healthy' || paths.health === 'degraded'),
    subscribe: (check) => [
      events.on('health', check),
      events.on('time-sync', check),
      paths.on('health', check),
    ],
  });

  const start = async (options: AbortOptions = {}): Promise<void> => {
    throwIfAborted(options.signal);
    if (started) return;
    started = true;
    lifecycle = new AbortController();
    bootstrapper.start(lifecycle.signal);
    timeSync.start();
    health.reset();
    try {
      const loaded = await accountLoader.load();
      if (pfs !== undefined && loaded !== undefined) await pfs.load(loaded);
      await outbox.loadPending();
      // The node list the path manager persisted, for get_swarm and time requests.
      const cached = await storage.getValue(PATH_STATE_KEY);
      if (cached !== undefined && pool.length === 0) {
        const decoded = decodePathCache(cached, clock.now(), init.paths?.cacheTtlMs ?? 86_400_000);
        if (decoded.ok) pool = decoded.pool;
      }
      unsubscribers.push(
        paths.on('bootstrap', () => bootstrap()),
        paths.on('health', (event) => {
          emitHealth();
          if (event.health === 'healthy' || event.health === 'degraded') {
            outbox.wake();
            poller.pollNow();
            if (!networkTime.synced) timeSyncLoop();
          }
        }),
        directory.onChange((nodes) => applyPool(nodes)),
      );
      await directory.start();
      await paths.start();
      if (pool.length === 0 || paths.needsBootstrap) bootstrap();
      timeSyncLoop();
      poolRefresh.start();
      await outbox.start();
      poller.start();
      watchdog.start();
      pfsLoop?.start(lifecycle.signal);
      await push.start(lifecycle.signal);
      emitHealth();
      logger.info({ namespaces, pollIntervalMs }, 'client: started');
    } catch (error) {
      await stop();
      throw error;
    }
  };

  const stop = async (options: AbortOptions = {}): Promise<void> => {
    throwIfAborted(options.signal);
    if (!started) return;
    started = false;
    lifecycle.abort(new AbortError('the client was stopped'));
    const pfsStopped = pfsLoop?.stop();
    timeSync.stop();
    poolRefresh.stop();
    const bootstrapStopped = bootstrapper.stop();
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    watchdog.stop();
    await poller.stop();
    await outbox.stop();
    await pfs?.idle();
    await push.stop();
    await Promise.allSettled(
      [bootstrapStopped, timeSync.running, pfsStopped, ...swarmRefresh.running()].filter(
        (promise): promise is Promise<void> => promise !== undefined,
      ),
    );
    await paths.stop();
    await directory.stop();
    health.reset();
    emitHealth();
    logger.info({}, 'client: stopped');
  };

  return {
    start,
    stop,
    get sessionId() {
      return accountLoader.current()?.sessionId;
    },
    get started() {
      return started;
    },
    account,
    contacts,
    conversations,
    pfs,

    sendMessage: (recipient, text, options) => sender.send(recipient, text, options),
    sendTimerUpdate: (recipient, expiration, options) =>
      sender.sendTimerUpdate(recipient, expiration, options),

    waitForDelivery: (id, options) => outbox.waitFor(id, options),
    retryMessage: (id, options) => outbox.retry(id, options),

    async catchUp(options = {}) {
      throwIfAborted(options.signal);
      if (!started) throw new AbortError('the client is not started');
      await requireIdentity();
      const caughtUp = poller.caughtUp(options);
      poller.pollNow();
      await caughtUp;
    },

    whenReady,

    health: computeHealth,
    paths: () =>
      paths.pathDetails().map((path) => ({
        id: path.id,
        nodes: path.nodes.map(({ ed25519, ip, port }) => ({ ed25519, ip, port })),
        state: path.failures === 0 ? 'ready' : 'failing',
        failures: path.failures,
        failureLimit: path.failureLimit,
        builtAt: path.builtAt,
        ...(path.lastSuccessAt === undefined ? {} : { lastSuccessAt: path.lastSuccessAt }),
        ...(path.lastFailureAt === undefined ? {} : { lastFailureAt: path.lastFailureAt }),
      })),
    on: (name, listener) => events.on(name, listener),
    off: (name, listener) => events.off(name, listener),
  };
}

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
 * The background parts live in `./parts/`, each with its own tests: bootstrap (node list load
 * with backoff), pool-refresh, time-sync, swarm-refresh, polling (one poll round), deletion,
 * push-handling and health. This function checks the options and wires them.
 */
import type { Identity, LayerEncryption, MessageProtocol, MurmurCrypto } from '@murmur/crypto';
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
  InvalidResponseError,
  type Logger,
  MAX_MESSAGE_BYTES,
  MurmurError,
  parseResponse,
  silentLogger,
  systemClock,
  TooLargeError,
  TTL_MAX_PUBLIC_MS,
  throwIfAborted,
  UpstreamFailedError,
} from '@murmur/wire';
import { type AccountApi, createAccountApi } from './account.js';
import { type ClientPushInit, createClientCircuitPush } from './circuit-push/client-push.js';
import type { WebSocketFactory } from './circuit-push/websocket-link.js';
import { type ContactsApi, createContactsApi } from './contacts.js';
import { sealTextMessage } from './content.js';
import { type ConversationsApi, createConversationsApi } from './conversations.js';
import { createLedgerDirectory, createSeedDirectory, type NodeDirectory } from './directory.js';
import { AccountMissingError } from './errors.js';
import type {
  ClientErrorSource,
  ClientEvents,
  ClientHealth,
  Listener,
  MessageStateEvent,
  OutgoingState,
} from './events.js';
import type { NetworkTime, NetworkTimeInit } from './network-time.js';
import { createOutbox, type OutboxInit } from './outbox.js';
import { createBootstrap } from './parts/bootstrap.js';
import { createDeleter } from './parts/deletion.js';
import { createHealthMonitor } from './parts/health.js';
import { createPollRound } from './parts/polling.js';
import { createPoolRefresh } from './parts/pool-refresh.js';
import { createPushHandling } from './parts/push-handling.js';
import { createSwarmRefresh } from './parts/swarm-refresh.js';
import { createTimeSync } from './parts/time-sync.js';
import type { AccountKeyStore } from './pfs/account-key-store.js';
import { type ClientPfs, createClientPfs, type PfsApi, type PfsInit } from './pfs/client-pfs.js';
import { createPoller } from './poller.js';
import type { PushSource } from './push.js';
import { createReceiver } from './receiver.js';
import type { ClientStorage, OutboxEntry } from './storage/types.js';
import { createSwarmCache, type SwarmCacheInit } from './swarm-cache.js';
import { createTransport, errorText, responseParser } from './transport.js';
import { checkDuration, checkNamespaces, checkSessionId, checkText, checkTtl } from './validate.js';
import { createWatchdog, type WatchdogInit } from './watchdog.js';

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
  /** Forward secrecy (Session Protocol V2): off unless `pfs.enabled` (docs/CLIENTS.md). */
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
   * Where account-key seeds are kept with PFS on: `createSqliteAccountKeyStore(storage.database)`
   * from `@murmur/client/sqlite` beside a SQLite storage (default in memory: lost on exit).
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
}

/** What {@link MurmurClient.sendMessage} returns at once. */
export interface SendResult {
  /** The message ID: its storage hash (the recipient sees the same ID). */
  id: string;
  /** `queued`: it is in the durable outbox. */
  state: OutgoingState;
  /** The sent time written in the message (network time, ms). */
  sentAt: number;
  /** How it was sealed: `v1`, `v2` (forward-secret) or `v2-no-pfs`. */
  protocol: MessageProtocol;
  /** True only for `v2`. */
  forwardSecret: boolean;
}

/** Options of {@link MurmurClient.sendMessage}. */
export interface SendOptions extends AbortOptions {
  /** TTL, ms (10 s to 14 days; default `messageTtlMs`). */
  ttlMs?: number;
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
  /** Forward secrecy settings and state; undefined unless `pfs.enabled`. */
  readonly pfs: PfsApi | undefined;
  /**
   * Encrypts a message for `recipient`, stores it in the durable outbox and returns at once.
   * Delivery goes on in the background (also across restarts): follow it with the
   * `message-state` event or {@link MurmurClient.waitForDelivery}.
   *
   * @throws `InvalidSessionIdError`, `InvalidInputError` (empty text), `TtlOutOfRangeError`,
   * `TooLargeError` (over 76,800 bytes sealed), {@link AccountMissingError}.
   */
  sendMessage(recipient: string, text: string, options?: SendOptions): Promise<SendResult>;
  /**
   * Resolves when the message is stored on the recipient's swarm.
   *
   * @throws `DeliveryFailedError` when the outbox gave up; `NotFoundError` for an unknown ID;
   * `AbortError` on the signal or when the client stops first.
   */
  waitForDelivery(id: string, options?: AbortOptions): Promise<void>;
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
  let identity: Identity | undefined = init.identity;
  let started = false;
  let lifecycle = new AbortController();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const unsubscribers: (() => void)[] = [];
  const pendingIds = new Set<string>();
  let pool: OnionNode[] = [];
  let lastSentAt = 0;

  const reportError = (source: ClientErrorSource, error: unknown): void => {
    if (!started) return;
    const wrapped = MurmurError.isInstance(error)
      ? error
      : new UpstreamFailedError(errorText(error), { cause: error });
    if (wrapped instanceof AbortError && lifecycle.signal.aborted) return;
    events.emit('error', { source, error: wrapped });
  };

  const later = (delay: number, run: () => void): void => {
    if (!started) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (started) run();
    }, delay);
    timers.add(timer);
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
    init.pfs?.enabled === true
      ? createClientPfs(init.pfs, {
          crypto,
          storage,
          transport,
          logger,
          store: components.accountKeyStore,
          now: () => networkTime.now(),
          identity: () => identity,
          signal: () => lifecycle.signal,
        })
      : undefined;
  let pfsFailures = 0;
  let pfsRunning: Promise<void> | undefined;
  const pfsLoop = (): void => {
    if (pfs === undefined || !started) return;
    try {
      pfs.prune();
    } catch (error) {
      reportError('pfs', error);
    }
    const ready = identity !== undefined && networkTime.synced && paths.health !== 'offline';
    if (!ready) {
      later(1_000, pfsLoop);
      return;
    }
    pfsRunning = pfs
      .tick({ signal: lifecycle.signal })
      .then(() => {
        pfsFailures = 0;
        later(pfs.checkIntervalMs, pfsLoop);
      })
      .catch((error: unknown) => {
        reportError('pfs', error);
        pfsFailures++;
        later(Math.min(60_000, 1_000 * 2 ** Math.min(pfsFailures - 1, 10)), pfsLoop);
      })
      .finally(() => {
        pfsRunning = undefined;
      });
  };

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
  // Identity
  // ---------------------------------------------------------------------------------------
  const loadIdentity = async (): Promise<Identity | undefined> => {
    if (identity !== undefined) return identity;
    const account = await storage.getAccount();
    if (account !== undefined && identity === undefined) {
      identity = crypto.identityFromSeed(account.seed);
    }
    return identity;
  };
  const requireIdentity = async (): Promise<Identity> => {
    const found = await loadIdentity();
    if (found === undefined) throw new AccountMissingError();
    return found;
  };

  // ---------------------------------------------------------------------------------------
  // Outbox
  // ---------------------------------------------------------------------------------------
  const storeParser = (entry: OutboxEntry) => (body: unknown) => {
    const answer = parseResponse('store', body);
    if (answer.hash !== entry.id) {
      throw new InvalidResponseError(
        'store: the node computed another hash for the message than the client',
        { details: { expected: entry.id, got: answer.hash } },
      );
    }
    const stored = Object.values(answer.swarm).filter((result) => result.failed !== true).length;
    if (stored === 0) {
      throw new UpstreamFailedError('store: no member of the swarm stored the message');
    }
    return stored;
  };

  const outbox = createOutbox(init.outbox ?? {}, {
    storage,
    now: () => networkTime.now(),
    random,
    logger,
    ready: () => started && networkTime.synced,
    onError: (error) => reportError('storage', error),
    onState: (event: MessageStateEvent) => {
      if (event.state === 'queued' || event.state === 'sending') pendingIds.add(event.id);
      else pendingIds.delete(event.id);
      events.emit('message-state', event);
      if (event.state === 'failed' && event.error !== undefined) {
        reportError(
          'outbox',
          new UpstreamFailedError(event.error.message, { details: { messageId: event.id } }),
        );
      }
      emitHealth();
    },
    send: async (entry, options) => {
      await transport.swarmRequest(
        {
          pubkey: entry.recipient,
          method: 'store',
          params: (now) => ({
            pubkey: entry.recipient,
            namespace: entry.namespace,
            timestamp: now,
            ttl: entry.ttlMs,
            data: entry.data,
          }),
          parse: storeParser(entry),
        },
        options,
      );
    },
  });

  // ---------------------------------------------------------------------------------------
  // Receive: receiver, poller, watchdog, push
  // ---------------------------------------------------------------------------------------
  const receiver = createReceiver({
    crypto,
    storage,
    logger,
    now: () => networkTime.now(),
    onMessage: (message) => events.emit('message', message),
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
        if (identity === undefined) return 'waiting-for-account';
        if (!networkTime.synced || paths.health === 'offline') return 'waiting-for-network';
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
      identity: () => identity,
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
    outboxPending: () => pendingIds.size,
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
      identity = next;
      if (started) {
        poller.pollNow();
        outbox.wake();
        emitHealth();
      }
    },
  });
  const contacts = createContactsApi({ crypto, storage, clock });
  const conversations = createConversationsApi({ crypto, storage });

  const start = async (options: AbortOptions = {}): Promise<void> => {
    throwIfAborted(options.signal);
    if (started) return;
    started = true;
    lifecycle = new AbortController();
    bootstrapper.start(lifecycle.signal);
    timeSync.start();
    health.reset();
    try {
      const loaded = await loadIdentity();
      if (pfs !== undefined && loaded !== undefined) await pfs.load(loaded);
      for (const entry of await storage.listOutboxEntries(['queued', 'sending'])) {
        pendingIds.add(entry.id);
      }
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
      pfsLoop();
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
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
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
      [bootstrapStopped, timeSync.running, pfsRunning, ...swarmRefresh.running()].filter(
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
      return identity?.sessionId;
    },
    get started() {
      return started;
    },
    account,
    contacts,
    conversations,
    pfs,

    async sendMessage(recipient, text, options = {}) {
      throwIfAborted(options.signal);
      const to = checkSessionId(crypto, recipient, 'the recipient');
      const body = checkText(text);
      const ttlMs = options.ttlMs === undefined ? messageTtlMs : checkTtl(options.ttlMs);
      const self = await requireIdentity();
      const displayName = (await storage.getAccount())?.displayName;
      // Strictly increasing per client: Session uses the sent time to refer to a message.
      const sentAt = Math.max(networkTime.now(), lastSentAt + 1);
      lastSentAt = sentAt;
      const content = {
        text: body,
        sentAt,
        ...(displayName === undefined ? {} : { displayName }),
      };
      // With PFS: the send rules (may hold up to 20 s while the keys are fetched; throws
      // STALE_KEYS rather than downgrade a contact seen with PFS).
      const sealed =
        pfs === undefined
          ? { ...sealTextMessage(crypto, self, to, content), protocol: 'v1' as const }
          : await pfs.seal(self, to, content);
      if (sealed.bytes.length > MAX_MESSAGE_BYTES) {
        throw new TooLargeError(
          `the message is ${sealed.bytes.length} bytes once sealed; at most ${MAX_MESSAGE_BYTES} fit`,
          { details: { size: sealed.bytes.length, limit: MAX_MESSAGE_BYTES } },
        );
      }
      const id = crypto.messageHash(to, 0, sealed.bytes);
      throwIfAborted(options.signal);
      await storage.insertMessage({
        id,
        conversationId: to,
        direction: 'outgoing',
        sender: self.sessionId,
        text: body,
        sentAt,
        receivedAt: sentAt,
        namespace: 0,
        read: true,
        state: 'queued',
      });
      await outbox.enqueue({
        id,
        recipient: to,
        namespace: 0,
        data: sealed.data,
        ttlMs,
        createdAt: sentAt,
        state: 'queued',
        attempts: 0,
        nextAttemptAt: sentAt,
      });
      return {
        id,
        state: 'queued',
        sentAt,
        protocol: sealed.protocol,
        forwardSecret: sealed.protocol === 'v2',
      };
    },

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

    whenReady(options = {}) {
      const ready = () =>
        started &&
        networkTime.synced &&
        (paths.health === 'healthy' || paths.health === 'degraded');
      if (ready()) return Promise.resolve();
      throwIfAborted(options.signal);
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!ready()) return;
          cleanup();
          resolve();
        };
        const onAbort = () => {
          cleanup();
          reject(new AbortError('whenReady aborted', { cause: options.signal?.reason }));
        };
        const offHealth = events.on('health', check);
        const offTime = events.on('time-sync', check);
        const offPaths = paths.on('health', check);
        const cleanup = () => {
          offHealth();
          offTime();
          offPaths();
          options.signal?.removeEventListener('abort', onAbort);
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    health: computeHealth,
    paths: () =>
      paths.paths().map((path) => ({
        id: path.id,
        nodes: path.nodes.map(({ ed25519, ip, port }) => ({ ed25519, ip, port })),
      })),
    on: (name, listener) => events.on(name, listener),
    off: (name, listener) => events.off(name, listener),
  };
}

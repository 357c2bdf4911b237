/**
 * How `createClient` makes its default push source: the circuit push source over WebSockets,
 * fed by the client's own parts (relays from the node directory, the account's swarm from the
 * swarm cache, guards from the onion paths, catch-up through the poller). On unless
 * `push: false`, a custom `pushSource` is given, or no WebSocket implementation is available.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { AbortOptions, Clock, Logger } from '@murmur/wire';
import type { NodeDirectory } from '../directory.js';
import type { SwarmCache } from '../swarm-cache.js';
import {
  type CircuitPushEvent,
  type CircuitPushInit,
  type CircuitPushSource,
  createCircuitPushSource,
} from './circuit-push-source.js';
import { type WebSocketFactory, type WebSocketLike, webSocketConnector } from './websocket-link.js';

/** `ClientInit.push`: `false` for pure polling, or options of the circuit push source. */
export interface ClientPushInit extends CircuitPushInit {
  /**
   * `ws` or `wss` to the guard (default: `ws` when nodes are reached over `http`, `wss` when
   * over `https`).
   */
  relayScheme?: 'ws' | 'wss';
}

/** What the default push source is wired to. */
export interface ClientPushDeps {
  crypto: MurmurCrypto;
  logger: Logger;
  clock: Clock;
  random: () => number;
  /** `ClientComponents.webSocket`; default the global `WebSocket` where there is one. */
  webSocket: WebSocketFactory | undefined;
  nodeScheme: 'http' | 'https';
  directory: Pick<NodeDirectory, 'relays' | 'refresh'>;
  /** The onion guards' Ed25519 keys. */
  guards(): string[];
  swarms: Pick<SwarmCache, 'get' | 'needsRefresh'>;
  refreshSwarm(pubkey: string, options: AbortOptions): Promise<void>;
  poller: { caughtUp(options?: AbortOptions): Promise<void>; pollNow(): void };
  onEvent(event: CircuitPushEvent): void;
  onError(error: unknown): void;
}

/** The global `WebSocket` as a factory, when the platform has one (browsers, Node 22+). */
export function globalWebSocketFactory(): WebSocketFactory | undefined {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  return Ctor === undefined ? undefined : (url) => new Ctor(url);
}

/** How long an empty relay list is trusted before the directory is asked again, ms. */
const RELAY_REFRESH_MS = 60_000;

/** The default push source, or `undefined` when push is off or cannot run here. */
export function createClientCircuitPush(
  push: boolean | ClientPushInit | undefined,
  deps: ClientPushDeps,
): CircuitPushSource | undefined {
  if (push === false) return undefined;
  const options: ClientPushInit = typeof push === 'object' && push !== null ? push : {};
  const factory = deps.webSocket ?? globalWebSocketFactory();
  if (factory === undefined) {
    deps.logger.info(
      {},
      'client: no WebSocket implementation (give components.webSocket): polling only',
    );
    return undefined;
  }
  const { relayScheme, ...init } = options;
  const scheme = relayScheme ?? (deps.nodeScheme === 'http' ? 'ws' : 'wss');
  let refreshedAt = Number.NEGATIVE_INFINITY;
  return createCircuitPushSource(init, {
    crypto: deps.crypto,
    connect: webSocketConnector(factory, scheme),
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger,
    async relays(callOptions) {
      const known = deps.directory.relays();
      if (known.length > 0 || deps.clock.now() - refreshedAt < RELAY_REFRESH_MS) return known;
      // A node list restored from the cache has no relay ports: ask the directory once a minute.
      refreshedAt = deps.clock.now();
      await deps.directory.refresh(callOptions).catch(() => undefined);
      return deps.directory.relays();
    },
    guards: () => deps.guards(),
    async swarm(pubkey, callOptions) {
      if (deps.swarms.needsRefresh(pubkey)) await deps.refreshSwarm(pubkey, callOptions);
      return deps.swarms.get(pubkey)?.members.map((member) => member.ed25519) ?? [];
    },
    catchUp(callOptions) {
      const done = deps.poller.caughtUp(callOptions);
      deps.poller.pollNow();
      return done;
    },
    wake: () => deps.poller.pollNow(),
    onEvent: (event) => deps.onEvent(event),
    onError: (error) => deps.onError(error),
  });
}

/**
 * Monitor subscriptions: the WebSocket endpoint (`/monitor/v1` on the storage port) where an exit
 * relay subscribes for accounts of this node's swarm and receives every new message stored for
 * them, from a client's store or from replication alike (the store's `onStored` hook fires once
 * per new message, whatever path stored it), exactly once per subscription.
 *
 * - **Auth**: the node sends `hello` with a fresh nonce; the subscriber answers `auth` with its
 *   Ed25519 key and a signature over `monitorAuthMessage` (bound to the connection's TLS
 *   exporter), and the node's `ready` carries its own signature over the same fields. Only this node's own key (its relay) or an active registered node may subscribe;
 *   a subscription's `MONITOR2` signature must name that same key as the exit.
 * - **Subscribe**: Session's checks and codes (1–6, session-storage-server
 *   `oxenss/server/mqbase.cpp`) with a ±10 minute window, then Murmur's limits (7): at most
 *   `maxSubscriptionsPerConnection` per connection and `maxSubscriptionsPerAccount` per account.
 *   The same id again replaces that subscription (a renewal). A subscription lives 65 minutes.
 * - **Renewal after a drop**: `after` names, per namespace, the last hash the subscriber saw
 *   (`""` for none); the node replays what it stored since (at most 256 per namespace, else the
 *   subscription ends with 8 and the client catches up itself), so a dropped link loses nothing.
 * - **Notify**: one `notify` frame per new message per connection, listing the ids of the
 *   connection's subscriptions it is for, with Session's fields `@ h n t z ~`.
 * - **Bounds**: connections (upgrades past the cap get 503), frames (16 KiB), a send queue per
 *   connection (a subscriber whose queue passes `maxBufferedBytes` is closed with 4008), bad
 *   frames (an `error` frame each; closed with 4003 after `maxBadFrames`).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { MurmurCrypto } from '@murmur/crypto';
import {
  bytesToBase64,
  bytesToHex,
  hexToBytes,
  type Logger,
  MurmurError,
  monitorSignatureMessage,
} from '@murmur/wire';
import {
  encodeMonitorFrame,
  MONITOR_EXPORTER_LABEL,
  MONITOR_EXPORTER_LENGTH,
  MONITOR_MAX_REPLAY,
  MONITOR_MAX_SUBSCRIBER_FRAME_BYTES,
  MONITOR_PATH,
  MONITOR_PROTOCOL_VERSION,
  MONITOR_SIGNATURE_WINDOW_SECONDS,
  MonitorCloseCode,
  MonitorErrorCode,
  type MonitorNodeFrame,
  type MonitorSubscribeFrame,
  monitorAuthMessage,
  parseMonitorSubscriberFrame,
} from '@murmur/wire/server';
import { Counter, Gauge, type Registry } from 'prom-client';
import WebSocket, { WebSocketServer } from 'ws';
import type { NodeKeys } from '../keys.js';
import type { NetworkView } from '../network/network-view.js';
import type { MessageStore, NewMessage } from '../storage/message-store.js';

/** Limits and timings of the monitor endpoint; each has a default. */
export interface MonitorServerInit {
  /** Subscriber connections at once (default 64); more upgrades get 503. */
  maxConnections?: number | undefined;
  /** Subscriptions on one connection (default 20,000: an exit relay multiplexes its circuits). */
  maxSubscriptionsPerConnection?: number | undefined;
  /** Subscriptions for one account over all connections (default 32). */
  maxSubscriptionsPerAccount?: number | undefined;
  /** Bytes queued for one connection before it is closed as a slow reader (default 8 MiB). */
  maxBufferedBytes?: number | undefined;
  /** Time a connection has to authenticate, ms (default 10 s). */
  authTimeoutMs?: number | undefined;
  /** A subscription's lifetime, ms (default 65 minutes, as Session's). */
  subscriptionLifetimeMs?: number | undefined;
  /** Frames refused by the schema before the connection is closed (default 16). */
  maxBadFrames?: number | undefined;
  /** Messages a renewal replays per namespace before it ends the subscription (default 256). */
  maxReplay?: number | undefined;
  /** How often expired subscriptions are ended, ms (default 60 s). */
  sweepIntervalMs?: number | undefined;
}

/** What the monitor endpoint needs from the node. */
export interface MonitorServerComponents {
  keys: NodeKeys;
  crypto: MurmurCrypto;
  network: NetworkView;
  store: Pick<MessageStore, 'onStored' | 'retrieve'>;
  logger: Logger;
  /** The node's metrics registry (its gauges and counters are added there). */
  registry?: Registry | undefined;
  clock?: { now(): number } | undefined;
}

/** Figures of the endpoint (also on `/metrics`). */
export interface MonitorStats {
  connections: number;
  subscriptions: number;
  accounts: number;
  notificationsSent: number;
  /** Of those, sent by renewals' replays. */
  replayed: number;
  refusals: Record<string, number>;
}

/** The running endpoint. */
export interface MonitorServer {
  readonly path: string;
  /** Serves upgrades at {@link MONITOR_PATH} on this server (others are left alone). */
  attach(server: Server): void;
  /** Starts listening to the store and the network, and the expiry sweep. */
  start(): void;
  /** Closes every connection (1001) and stops. */
  stop(): Promise<void>;
  stats(): MonitorStats;
}

interface Subscription {
  id: number;
  account: string;
  namespaces: ReadonlySet<number>;
  expiresAt: number;
  connection: Connection;
}

interface Connection {
  serial: number;
  socket: WebSocket;
  nonce: Uint8Array;
  exporter: Uint8Array;
  /** The authenticated subscriber key, once `auth` succeeded. */
  subscriber: Uint8Array | undefined;
  subscriptions: Map<number, Subscription>;
  badFrames: number;
  authTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

const REFUSAL_BY_CODE: Record<number, string> = {
  [MonitorErrorCode.BAD_ARGS]: 'bad_args',
  [MonitorErrorCode.BAD_PUBKEY]: 'bad_pubkey',
  [MonitorErrorCode.BAD_NS]: 'bad_namespace',
  [MonitorErrorCode.BAD_TS]: 'bad_timestamp',
  [MonitorErrorCode.BAD_SIG]: 'bad_signature',
  [MonitorErrorCode.WRONG_SWARM]: 'wrong_swarm',
};

class SubscribeRefused extends Error {
  constructor(
    readonly errcode: number,
    message: string,
    readonly reason: string = REFUSAL_BY_CODE[errcode] ?? 'limit',
  ) {
    super(message);
  }
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.writable) {
    const body = `${message}\n`;
    const text = status === 404 ? 'Not Found' : 'Service Unavailable';
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The connection exporter: TLS keying material, or 32 zero bytes on plain HTTP. */
export function monitorExporter(socket: unknown): Uint8Array {
  const tls = socket as TLSSocket | undefined;
  if (
    tls === undefined ||
    tls.encrypted !== true ||
    typeof tls.exportKeyingMaterial !== 'function'
  ) {
    return new Uint8Array(MONITOR_EXPORTER_LENGTH);
  }
  return new Uint8Array(
    tls.exportKeyingMaterial(MONITOR_EXPORTER_LENGTH, MONITOR_EXPORTER_LABEL, Buffer.alloc(0)),
  );
}

/** Creates the monitor endpoint of a node. */
export function createMonitorServer(
  init: MonitorServerInit,
  components: MonitorServerComponents,
): MonitorServer {
  const { keys, crypto, network, store } = components;
  const logger = components.logger.child({ component: 'monitor' });
  const clock = components.clock ?? { now: () => Date.now() };
  const maxConnections = init.maxConnections ?? 64;
  const maxPerConnection = init.maxSubscriptionsPerConnection ?? 20_000;
  const maxPerAccount = init.maxSubscriptionsPerAccount ?? 32;
  const maxBufferedBytes = init.maxBufferedBytes ?? 8 * 1024 * 1024;
  const authTimeoutMs = init.authTimeoutMs ?? 10_000;
  const lifetimeMs = init.subscriptionLifetimeMs ?? 65 * 60_000;
  const maxBadFrames = init.maxBadFrames ?? 16;
  const sweepIntervalMs = init.sweepIntervalMs ?? 60_000;
  const maxReplay = init.maxReplay ?? MONITOR_MAX_REPLAY;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MONITOR_MAX_SUBSCRIBER_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const connections = new Set<Connection>();
  /** Subscriptions by account (66 hex). */
  const byAccount = new Map<string, Set<Subscription>>();
  const servers: { server: Server; listener: typeof onUpgrade }[] = [];
  const refusals: Record<string, number> = {};
  let notificationsSent = 0;
  let replayed = 0;
  let serial = 0;
  let subscriptionCount = 0;
  let started = false;
  let stopped = false;
  let unsubscribeStore: (() => void) | undefined;
  let unsubscribeNetwork: (() => void) | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;

  const refusalsCounter =
    components.registry === undefined
      ? undefined
      : new Counter({
          name: 'murmur_monitor_refusals_total',
          help: 'Monitor subscriptions and connections refused, by reason',
          labelNames: ['reason'],
          registers: [components.registry],
        });
  const notificationsCounter =
    components.registry === undefined
      ? undefined
      : new Counter({
          name: 'murmur_monitor_notifications_total',
          help: 'Notifications sent to monitor subscriptions (one per subscription per message)',
          registers: [components.registry],
        });
  const replayedCounter =
    components.registry === undefined
      ? undefined
      : new Counter({
          name: 'murmur_monitor_replayed_total',
          help: 'Of the notifications, those a renewal replayed (stored while its link was down)',
          registers: [components.registry],
        });
  if (components.registry !== undefined) {
    new Gauge({
      name: 'murmur_monitor_subscriptions',
      help: 'Monitor subscriptions open',
      registers: [components.registry],
      collect() {
        this.set(subscriptionCount);
      },
    });
    new Gauge({
      name: 'murmur_monitor_connections',
      help: 'Monitor subscriber connections open',
      registers: [components.registry],
      collect() {
        this.set(connections.size);
      },
    });
  }

  function refused(reason: string): void {
    refusals[reason] = (refusals[reason] ?? 0) + 1;
    refusalsCounter?.inc({ reason });
  }

  function send(connection: Connection, frame: MonitorNodeFrame): boolean {
    if (connection.closed || connection.socket.readyState !== WebSocket.OPEN) return false;
    if (connection.socket.bufferedAmount > maxBufferedBytes) {
      refused('slow_reader');
      logger.warn(
        { connection: connection.serial, buffered: connection.socket.bufferedAmount },
        'monitor subscriber reads too slowly: closing it',
      );
      close(connection, MonitorCloseCode.SLOW_READER, 'send queue over its bound: read faster');
      return false;
    }
    connection.socket.send(encodeMonitorFrame(frame));
    return true;
  }

  function removeSubscription(subscription: Subscription): void {
    const { connection } = subscription;
    if (connection.subscriptions.get(subscription.id) === subscription) {
      connection.subscriptions.delete(subscription.id);
      subscriptionCount--;
    }
    const set = byAccount.get(subscription.account);
    if (set !== undefined) {
      set.delete(subscription);
      if (set.size === 0) byAccount.delete(subscription.account);
    }
  }

  function endSubscription(subscription: Subscription, errcode: number, error: string): void {
    removeSubscription(subscription);
    send(subscription.connection, { type: 'ended', id: subscription.id, errcode, error });
  }

  function close(connection: Connection, code: number, reason: string): void {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    if (connection.authTimer !== undefined) clearTimeout(connection.authTimer);
    for (const subscription of [...connection.subscriptions.values()]) {
      removeSubscription(subscription);
    }
    const { socket } = connection;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      socket.close(code, reason);
      // A reader that never drains its socket cannot complete the closing handshake.
      setTimeout(() => socket.terminate(), 2_000).unref();
    }
  }

  /** This node is a member of the account's swarm. */
  function inOwnSwarm(account: string): boolean {
    const state = network.state();
    if (state.state !== 'ready') return false;
    const swarm = network.snapshot()?.swarmFor(account);
    return swarm?.members.some((member) => member.ed25519 === keys.ed25519Hex) === true;
  }

  /** Session's checks, in Session's order; returns the account (66 hex) or throws. */
  function checkSubscribe(connection: Connection, frame: MonitorSubscribeFrame): string {
    let account: Uint8Array;
    let verifyKey: Uint8Array;
    if (frame.P !== undefined) {
      verifyKey = hexToBytes(frame.P);
      try {
        account = Uint8Array.of(0x05, ...crypto.ed25519PublicKeyToX25519(verifyKey));
      } catch {
        throw new SubscribeRefused(MonitorErrorCode.BAD_PUBKEY, 'Invalid P= ed25519 public key');
      }
    } else {
      account = hexToBytes(frame.p as string);
      verifyKey = account.subarray(1);
    }
    for (let i = 1; i < frame.n.length; i++) {
      if ((frame.n[i] as number) <= (frame.n[i - 1] as number)) {
        throw new SubscribeRefused(
          MonitorErrorCode.BAD_NS,
          'Invalid n= namespace list: namespaces must be ascending and distinct',
        );
      }
    }
    const nowSeconds = Math.floor(clock.now() / 1000);
    if (Math.abs(frame.t - nowSeconds) > MONITOR_SIGNATURE_WINDOW_SECONDS) {
      throw new SubscribeRefused(
        MonitorErrorCode.BAD_TS,
        `Invalid t= signature timestamp: it must be within ${MONITOR_SIGNATURE_WINDOW_SECONDS / 60} minutes of the node's clock (${nowSeconds}); sign again`,
      );
    }
    const message = monitorSignatureMessage(
      account,
      frame.t,
      frame.n,
      connection.subscriber as Uint8Array,
    );
    if (!crypto.verify(hexToBytes(frame.s), message, verifyKey)) {
      throw new SubscribeRefused(
        MonitorErrorCode.BAD_SIG,
        'Signature verification failed (MONITOR2 over account, t, namespaces and the exit key)',
      );
    }
    const accountHex = bytesToHex(account);
    if (!inOwnSwarm(accountHex)) {
      throw new SubscribeRefused(
        MonitorErrorCode.WRONG_SWARM,
        "this node is not a member of the account's swarm",
      );
    }
    return accountHex;
  }

  function subscribe(connection: Connection, frame: MonitorSubscribeFrame): void {
    let account: string;
    try {
      account = checkSubscribe(connection, frame);
      const previous = connection.subscriptions.get(frame.id);
      const renewing = previous !== undefined;
      if (!renewing && connection.subscriptions.size >= maxPerConnection) {
        throw new SubscribeRefused(
          MonitorErrorCode.LIMIT,
          `at most ${maxPerConnection} subscriptions on one connection`,
          'limit_connection',
        );
      }
      const forAccount = byAccount.get(account)?.size ?? 0;
      const sameAccount = previous?.account === account;
      if (!sameAccount && forAccount >= maxPerAccount) {
        throw new SubscribeRefused(
          MonitorErrorCode.LIMIT,
          `at most ${maxPerAccount} subscriptions for one account`,
          'limit_account',
        );
      }
      if (previous !== undefined) removeSubscription(previous);
    } catch (error) {
      if (!(error instanceof SubscribeRefused)) throw error;
      refused(error.reason);
      logger.debug(
        { connection: connection.serial, errcode: error.errcode, reason: error.reason },
        'monitor subscription refused',
      );
      send(connection, {
        type: 'subscribed',
        id: frame.id,
        errcode: error.errcode,
        error: error.message,
      });
      return;
    }
    const subscription: Subscription = {
      id: frame.id,
      account,
      namespaces: new Set(frame.n),
      expiresAt: clock.now() + lifetimeMs,
      connection,
    };
    connection.subscriptions.set(frame.id, subscription);
    subscriptionCount++;
    let set = byAccount.get(account);
    if (set === undefined) {
      set = new Set();
      byAccount.set(account, set);
    }
    set.add(subscription);
    send(connection, { type: 'subscribed', id: frame.id, success: 1 });
    if (frame.after !== undefined) replay(subscription, frame.after);
  }

  /**
   * Sends the messages stored after the hashes the subscriber saw. Synchronous with the
   * registration above: a message committed later reaches the subscription through `onStored`,
   * one committed earlier only through this replay, so none arrives twice.
   */
  function replay(subscription: Subscription, after: Record<string, string>): void {
    const now = clock.now();
    for (const [key, lastHash] of Object.entries(after)) {
      const namespace = Number(key);
      if (!subscription.namespaces.has(namespace)) continue;
      const { messages, more } = store.retrieve(subscription.account, namespace, {
        lastHash,
        maxCount: maxReplay,
        now,
      });
      if (more) {
        endSubscription(
          subscription,
          MonitorErrorCode.UPSTREAM,
          `more than ${maxReplay} messages to replay in namespace ${namespace}: catch up with retrieve`,
        );
        return;
      }
      for (const message of messages) {
        const sent = send(subscription.connection, {
          type: 'notify',
          subs: [subscription.id],
          '@': subscription.account,
          h: message.hash,
          n: namespace,
          t: message.timestamp,
          z: message.expiry,
          '~': bytesToBase64(message.data),
        });
        if (!sent) return;
        notificationsSent++;
        notificationsCounter?.inc();
        replayedCounter?.inc();
        replayed++;
      }
    }
  }

  function authenticate(connection: Connection, key: string, signature: string): void {
    const subscriber = hexToBytes(key);
    const allowed = key === keys.ed25519Hex || network.snapshot()?.node(key) !== undefined;
    const message = monitorAuthMessage({
      role: 'subscriber',
      nonce: connection.nonce,
      node: keys.ed25519.publicKey,
      subscriber,
      exporter: connection.exporter,
    });
    if (!allowed || !crypto.verify(hexToBytes(signature), message, subscriber)) {
      refused('auth_failed');
      close(
        connection,
        MonitorCloseCode.AUTH_FAILED,
        allowed
          ? 'auth signature does not verify'
          : 'only this node or an active node may subscribe',
      );
      return;
    }
    connection.subscriber = subscriber;
    if (connection.authTimer !== undefined) clearTimeout(connection.authTimer);
    connection.authTimer = undefined;
    // The node proves its key on this connection too (the subscriber trusts no notification
    // from anyone else).
    const proof = crypto.sign(
      monitorAuthMessage({
        role: 'node',
        nonce: connection.nonce,
        node: keys.ed25519.publicKey,
        subscriber,
        exporter: connection.exporter,
      }),
      keys.ed25519.secretKey,
    );
    send(connection, {
      type: 'ready',
      maxSubscriptions: maxPerConnection,
      signature: bytesToHex(proof),
    });
  }

  function onFrame(connection: Connection, data: WebSocket.RawData, isBinary: boolean): void {
    if (connection.closed) return;
    if (isBinary) {
      refused('bad_frame');
      close(connection, MonitorCloseCode.UNSUPPORTED, 'frames are JSON text');
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let frame: ReturnType<typeof parseMonitorSubscriberFrame>;
    try {
      frame = parseMonitorSubscriberFrame(text);
    } catch (error) {
      refused('bad_frame');
      connection.badFrames++;
      const details = MurmurError.isInstance(error)
        ? (error.details as { id?: unknown } | undefined)
        : undefined;
      const id = typeof details?.id === 'number' ? details.id : undefined;
      send(connection, {
        type: 'error',
        ...(id === undefined ? {} : { id }),
        error: (error as Error).message.slice(0, 1_000),
      });
      if (connection.badFrames >= maxBadFrames) {
        close(connection, MonitorCloseCode.BAD_FRAMES, 'too many malformed frames');
      }
      return;
    }
    if (connection.subscriber === undefined) {
      if (frame.type !== 'auth') {
        refused('auth_failed');
        close(connection, MonitorCloseCode.AUTH_FAILED, 'the first frame must be auth');
        return;
      }
      authenticate(connection, frame.key, frame.signature);
      return;
    }
    switch (frame.type) {
      case 'auth':
        send(connection, { type: 'error', error: 'already authenticated' });
        return;
      case 'subscribe':
        subscribe(connection, frame);
        return;
      case 'unsubscribe': {
        const subscription = connection.subscriptions.get(frame.id);
        if (subscription !== undefined) removeSubscription(subscription);
        send(connection, { type: 'unsubscribed', id: frame.id });
        return;
      }
    }
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== MONITOR_PATH) return;
    socket.on('error', (error) => logger.debug({ err: error }, 'monitor upgrade socket error'));
    if (!started || stopped) {
      refused('not_serving');
      refuseUpgrade(socket, 503, 'this node is not serving monitor subscriptions');
      return;
    }
    if (connections.size >= maxConnections) {
      refused('connections');
      refuseUpgrade(socket, 503, `at most ${maxConnections} monitor connections`);
      return;
    }
    const exporter = monitorExporter(request.socket);
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, exporter));
  }

  function accept(socket: WebSocket, exporter: Uint8Array): void {
    const connection: Connection = {
      serial: ++serial,
      socket,
      nonce: crypto.randomBytes(32),
      exporter,
      subscriber: undefined,
      subscriptions: new Map(),
      badFrames: 0,
      authTimer: undefined,
      closed: false,
    };
    if (stopped || connections.size >= maxConnections) {
      socket.close(MonitorCloseCode.GOING_AWAY, 'not serving');
      return;
    }
    connections.add(connection);
    socket.on('error', (error) =>
      logger.debug({ err: error.message, connection: connection.serial }, 'monitor socket error'),
    );
    socket.on('message', (data, isBinary) => {
      try {
        onFrame(connection, data, isBinary);
      } catch (error) {
        logger.warn({ err: error, connection: connection.serial }, 'monitor frame failed');
        send(connection, { type: 'error', error: 'internal error' });
      }
    });
    socket.on('close', () => close(connection, MonitorCloseCode.GOING_AWAY, 'closed'));
    connection.authTimer = setTimeout(() => {
      refused('auth_timeout');
      close(connection, MonitorCloseCode.AUTH_TIMEOUT, `no auth within ${authTimeoutMs} ms`);
    }, authTimeoutMs);
    send(connection, {
      type: 'hello',
      version: MONITOR_PROTOCOL_VERSION,
      node: keys.ed25519Hex,
      nonce: bytesToHex(connection.nonce),
    });
  }

  function onStored(message: NewMessage): void {
    const set = byAccount.get(message.owner);
    if (set === undefined) return;
    const now = clock.now();
    const byConnection = new Map<Connection, number[]>();
    for (const subscription of [...set]) {
      if (!subscription.namespaces.has(message.namespace)) continue;
      if (subscription.expiresAt <= now) {
        endSubscription(subscription, MonitorErrorCode.EXPIRED, 'subscription expired: sign again');
        continue;
      }
      const ids = byConnection.get(subscription.connection);
      if (ids === undefined) byConnection.set(subscription.connection, [subscription.id]);
      else ids.push(subscription.id);
    }
    if (byConnection.size === 0) return;
    const fields = {
      '@': message.owner,
      h: message.hash,
      n: message.namespace,
      t: message.timestamp,
      z: message.expiry,
      '~': bytesToBase64(message.data),
    };
    for (const [connection, subs] of byConnection) {
      if (send(connection, { type: 'notify', subs, ...fields })) {
        notificationsSent += subs.length;
        notificationsCounter?.inc(subs.length);
      }
    }
  }

  function sweep(): void {
    const now = clock.now();
    for (const set of [...byAccount.values()]) {
      for (const subscription of [...set]) {
        if (subscription.expiresAt <= now) {
          endSubscription(
            subscription,
            MonitorErrorCode.EXPIRED,
            'subscription expired: sign again',
          );
        }
      }
    }
  }

  /** After a network change: end the subscriptions of accounts that left this node's swarm. */
  function onNetworkChange(): void {
    for (const [account, set] of [...byAccount]) {
      if (inOwnSwarm(account)) continue;
      for (const subscription of [...set]) {
        endSubscription(
          subscription,
          MonitorErrorCode.WRONG_SWARM,
          "this node left the account's swarm: subscribe at a current member",
        );
      }
    }
  }

  return {
    path: MONITOR_PATH,
    attach(server) {
      server.on('upgrade', onUpgrade);
      servers.push({ server, listener: onUpgrade });
    },
    start() {
      if (started) return;
      started = true;
      unsubscribeStore = store.onStored(onStored);
      unsubscribeNetwork = network.onChange(onNetworkChange);
      sweepTimer = setInterval(sweep, sweepIntervalMs);
      sweepTimer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribeStore?.();
      unsubscribeNetwork?.();
      if (sweepTimer !== undefined) clearInterval(sweepTimer);
      for (const { server, listener } of servers) server.off('upgrade', listener);
      const sockets = [...connections].map((connection) => connection.socket);
      for (const connection of [...connections]) {
        close(connection, MonitorCloseCode.GOING_AWAY, 'the node is stopping');
      }
      const deadline = Date.now() + 1_000;
      while (sockets.some((s) => s.readyState !== WebSocket.CLOSED) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const socket of sockets) socket.terminate();
    },
    stats() {
      return {
        connections: connections.size,
        subscriptions: subscriptionCount,
        accounts: byAccount.size,
        notificationsSent,
        replayed,
        refusals: { ...refusals },
      };
    },
  };
}

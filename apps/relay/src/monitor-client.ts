/**
 * The exit's link to its node's monitor endpoint (`/monitor/v1`, see `docs/PROTOCOL.md`): one
 * WebSocket carrying every subscription of every circuit, each under its own id. It
 * authenticates with the node's Ed25519 key (the relay has the node's identity), re-opens after
 * a drop with an exponential back-off and subscribes everything again with the signatures it
 * holds, naming for each namespace the last message it passed on (`after`), so that the node
 * replays what it stored during the drop; a subscription the node refuses then (a signature
 * older than 10 minutes, the account left the swarm) ends, and the circuit gets SUB_ENDED so the
 * client subscribes afresh.
 */
import type { TLSSocket } from 'node:tls';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { base64ToBytes, bytesToHex, hexToBytes, type Logger } from '@murmur/wire';
import {
  encodeMonitorFrame,
  MONITOR_EXPORTER_LABEL,
  MONITOR_EXPORTER_LENGTH,
  MONITOR_MAX_NODE_FRAME_BYTES,
  MONITOR_PATH,
  MonitorErrorCode,
  type MonitorNodeFrame,
  type MonitorSubscribeFrame,
  monitorAuthMessage,
  parseMonitorNodeFrame,
} from '@murmur/wire/server';
import { type RawData, WebSocket } from 'ws';

/** One notification as the node sends it (Session's fields, decoded). */
export interface MonitorNotification {
  account: Uint8Array;
  hash: string;
  namespace: number;
  timestamp: number;
  expiry: number;
  data?: Uint8Array;
}

/** Where a subscription delivers. */
export interface MonitorSink {
  notify(notification: MonitorNotification): void;
  /** The node ended it, or it could not be renewed after a drop. */
  ended(errcode: number, text: string): void;
}

/** What to subscribe: the signed fields of a `subscribe` frame. */
export type MonitorRequest = Omit<MonitorSubscribeFrame, 'type' | 'id'>;

/** The answer to a subscription. */
export type MonitorAnswer = { success: true } | { success: false; errcode: number; error: string };

/** Settings of {@link createMonitorClient}. */
export interface MonitorClientInit {
  /** The node's base URL (`https://127.0.0.1:22021`): the endpoint is `wss://…/monitor/v1`. */
  nodeUrl: string;
  /**
   * The node's Ed25519 key, which must sign `ready` on every connection (default: the relay's
   * own key, since the relay runs with its node's identity).
   */
  nodeEd25519?: Uint8Array | undefined;
  /** A subscription waits this long for the node to be reachable and answer, ms (default 10 s). */
  timeoutMs?: number | undefined;
  /** First re-open delay after a drop, ms (default 250), doubling up to `reconnectMaxMs`. */
  reconnectMinMs?: number | undefined;
  /** Longest re-open delay, ms (default 30 s). */
  reconnectMaxMs?: number | undefined;
  /**
   * After a drop, subscriptions end (SUB_ENDED, code 8) when the node is still unreachable this
   * long, ms (default 15 s): the clients then subscribe through another exit.
   */
  giveUpMs?: number | undefined;
}

/** What the client needs. */
export interface MonitorClientComponents {
  crypto: MurmurCrypto;
  /** The relay's (= the node's) Ed25519 key pair. */
  ed25519: KeyPair;
  logger: Logger;
}

/** The client. */
export interface MonitorClient {
  /** Subscribes; resolves with the node's answer and, on success, a close function. */
  subscribe(
    request: MonitorRequest,
    sink: MonitorSink,
    options: { signal: AbortSignal },
  ): Promise<{ answer: MonitorAnswer; close?: () => void }>;
  /** Figures for `/health` and `/metrics`. */
  stats(): { connected: boolean; subscriptions: number; reconnects: number };
  /** Closes the connection and forgets every subscription. */
  close(): void;
}

interface Entry {
  id: number;
  request: MonitorRequest;
  sink: MonitorSink;
  /** Waiting for the node's answer (first subscription, or a renewal after a drop). */
  waiter: ((answer: MonitorAnswer) => void) | undefined;
  active: boolean;
  /** The last hash passed on, by namespace (what a renewal asks the node to replay after). */
  last: Map<number, string>;
}

function monitorUrl(nodeUrl: string): string {
  const url = new URL(nodeUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = MONITOR_PATH;
  url.search = '';
  return url.toString();
}

/** Creates the exit's monitor client (nothing is opened until the first subscription). */
export function createMonitorClient(
  init: MonitorClientInit,
  components: MonitorClientComponents,
): MonitorClient {
  const { crypto, ed25519 } = components;
  const logger = components.logger.child({ component: 'monitor-client' });
  const url = monitorUrl(init.nodeUrl);
  const timeoutMs = init.timeoutMs ?? 10_000;
  const reconnectMinMs = init.reconnectMinMs ?? 250;
  const reconnectMaxMs = init.reconnectMaxMs ?? 30_000;
  const giveUpMs = init.giveUpMs ?? 15_000;
  const subscriber = ed25519.publicKey;
  const nodeKey = init.nodeEd25519 ?? ed25519.publicKey;
  const nodeKeyHex = bytesToHex(nodeKey);
  /** The fields both sides sign on the current connection (set at `hello`). */
  let signed: { nonce: Uint8Array; exporter: Uint8Array } | undefined;
  const entries = new Map<number, Entry>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let ready = false;
  let closed = false;
  let failures = 0;
  let reconnects = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  /** When the link dropped with subscriptions on it (undefined while it is up). */
  let droppedAt: number | undefined;
  /** Subscriptions waiting for the link: settled when it is ready, or when an attempt fails. */
  const readyWaiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();

  function send(frame: Parameters<typeof encodeMonitorFrame>[0]): void {
    if (socket !== undefined && ready && socket.readyState === WebSocket.OPEN) {
      socket.send(encodeMonitorFrame(frame));
    }
  }

  function sendSubscribe(entry: Entry): void {
    if (!entry.active) {
      send({ type: 'subscribe', id: entry.id, ...entry.request });
      return;
    }
    // A renewal: everything after the last message seen ("" where none was: all of it).
    const after: Record<string, string> = {};
    for (const namespace of entry.request.n)
      after[String(namespace)] = entry.last.get(namespace) ?? '';
    send({ type: 'subscribe', id: entry.id, ...entry.request, after });
  }

  function onFrame(frame: MonitorNodeFrame, exporter: Uint8Array): void {
    switch (frame.type) {
      case 'hello': {
        if (frame.node !== nodeKeyHex) {
          logger.error(
            { node: frame.node, expected: nodeKeyHex },
            'the monitor endpoint belongs to another node: check --node-url',
          );
          socket?.terminate();
          return;
        }
        signed = { nonce: hexToBytes(frame.nonce), exporter };
        const signature = crypto.sign(
          monitorAuthMessage({
            role: 'subscriber',
            nonce: hexToBytes(frame.nonce),
            node: hexToBytes(frame.node),
            subscriber,
            exporter,
          }),
          ed25519.secretKey,
        );
        socket?.send(
          encodeMonitorFrame({
            type: 'auth',
            key: bytesToHex(subscriber),
            signature: bytesToHex(signature),
          }),
        );
        return;
      }
      case 'ready': {
        const proof =
          signed === undefined
            ? undefined
            : monitorAuthMessage({
                role: 'node',
                nonce: signed.nonce,
                node: nodeKey,
                subscriber,
                exporter: signed.exporter,
              });
        if (proof === undefined || !crypto.verify(hexToBytes(frame.signature), proof, nodeKey)) {
          logger.error('the node did not prove its key on the monitor link: closing it');
          socket?.terminate();
          return;
        }
        ready = true;
        failures = 0;
        droppedAt = undefined;
        logger.info({ subscriptions: entries.size }, 'monitor link to the node open');
        // Renew every subscription the previous link carried (and send those waiting).
        for (const entry of entries.values()) sendSubscribe(entry);
        for (const waiter of readyWaiters) waiter.resolve();
        readyWaiters.clear();
        return;
      }
      case 'subscribed': {
        const entry = entries.get(frame.id);
        if (entry === undefined) return;
        const answer: MonitorAnswer =
          'success' in frame
            ? { success: true }
            : { success: false, errcode: frame.errcode, error: frame.error };
        if (entry.waiter !== undefined) {
          const waiter = entry.waiter;
          entry.waiter = undefined;
          waiter(answer);
          return;
        }
        if (!answer.success) {
          // A renewal after a drop was refused: the circuit must subscribe afresh.
          entries.delete(entry.id);
          entry.sink.ended(
            answer.errcode,
            `could not renew after the node link dropped: ${answer.error}`,
          );
        }
        return;
      }
      case 'notify': {
        const notification: MonitorNotification = {
          account: hexToBytes(frame['@']),
          hash: frame.h,
          namespace: frame.n,
          timestamp: frame.t,
          expiry: frame.z,
        };
        if (frame['~'] !== undefined) notification.data = base64ToBytes(frame['~']);
        for (const id of frame.subs) {
          const entry = entries.get(id);
          if (entry?.active) {
            entry.last.set(frame.n, frame.h);
            entry.sink.notify(notification);
          }
        }
        return;
      }
      case 'ended': {
        const entry = entries.get(frame.id);
        if (entry === undefined) return;
        entries.delete(frame.id);
        entry.sink.ended(frame.errcode, frame.error);
        return;
      }
      case 'error':
        logger.warn({ id: frame.id, error: frame.error }, 'the node refused a monitor frame');
        if (frame.id !== undefined) {
          const entry = entries.get(frame.id);
          if (entry?.waiter !== undefined) {
            const waiter = entry.waiter;
            entry.waiter = undefined;
            waiter({ success: false, errcode: MonitorErrorCode.BAD_ARGS, error: frame.error });
          }
        }
        return;
      case 'unsubscribed':
        return;
    }
  }

  function connect(): void {
    if (closed || socket !== undefined) return;
    const ws = new WebSocket(url, {
      // The node's certificate is self-signed; `auth` binds this connection's TLS exporter.
      rejectUnauthorized: false,
      maxPayload: MONITOR_MAX_NODE_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    socket = ws;
    ready = false;
    signed = undefined;
    let exporter = new Uint8Array(MONITOR_EXPORTER_LENGTH);
    ws.once('upgrade', (response) => {
      const tls = response.socket as TLSSocket;
      if (tls.encrypted === true && typeof tls.exportKeyingMaterial === 'function') {
        exporter = new Uint8Array(
          tls.exportKeyingMaterial(
            MONITOR_EXPORTER_LENGTH,
            MONITOR_EXPORTER_LABEL,
            Buffer.alloc(0),
          ),
        );
      }
    });
    ws.on('message', (data: RawData, isBinary) => {
      if (isBinary) return;
      let frame: MonitorNodeFrame;
      try {
        frame = parseMonitorNodeFrame(
          Array.isArray(data) ? Buffer.concat(data).toString() : data.toString(),
        );
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'a bad frame from the node: re-opening');
        ws.terminate();
        return;
      }
      onFrame(frame, exporter);
    });
    ws.on('error', (error) => logger.debug({ err: error.message }, 'monitor link error'));
    ws.on('close', (code, reason) => {
      if (socket === ws) socket = undefined;
      const wasReady = ready;
      ready = false;
      if (closed) return;
      logger.warn({ code, reason: reason.toString(), wasReady }, 'monitor link to the node closed');
      failures++;
      // New subscriptions fail at once (the client hears error 6 and can pick another exit).
      for (const waiter of readyWaiters) {
        waiter.reject(new Error(`the node's monitor endpoint closed the link (${code})`));
      }
      readyWaiters.clear();
      if (entries.size === 0) return;
      droppedAt ??= Date.now();
      if (Date.now() - droppedAt >= giveUpMs) {
        const lost = [...entries.values()].filter((entry) => entry.active);
        for (const entry of lost) entries.delete(entry.id);
        for (const entry of lost) {
          entry.sink.ended(MonitorErrorCode.UPSTREAM, "the exit lost its node's monitor endpoint");
        }
        logger.warn({ ended: lost.length }, 'node unreachable: subscriptions ended');
        if (entries.size === 0) {
          droppedAt = undefined;
          return;
        }
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer !== undefined) return;
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.max(0, failures - 1));
    const delay = base / 2 + (Math.random() * base) / 2;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      reconnects++;
      connect();
    }, delay);
  }

  function whenReady(signal: AbortSignal): Promise<void> {
    if (ready) return Promise.resolve();
    connect();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error: Error) => {
          settle();
          reject(error);
        },
      };
      const settle = () => {
        clearTimeout(timer);
        readyWaiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => waiter.reject(new Error('aborted'));
      const timer = setTimeout(
        () =>
          waiter.reject(
            new Error(`the node's monitor endpoint did not answer within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      readyWaiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    async subscribe(request, sink, { signal }) {
      if (closed) throw new Error('the monitor client is closed');
      await whenReady(signal);
      const id = nextId;
      nextId = nextId >= 2_147_483_647 ? 1 : nextId + 1;
      const entry: Entry = {
        id,
        request,
        sink,
        waiter: undefined,
        active: false,
        last: new Map(),
      };
      const answer = await new Promise<MonitorAnswer>((resolve, reject) => {
        const timer = setTimeout(() => {
          entries.delete(id);
          reject(new Error(`the node did not answer a subscription within ${timeoutMs} ms`));
        }, timeoutMs);
        const onAbort = () => {
          clearTimeout(timer);
          entries.delete(id);
          send({ type: 'unsubscribe', id });
          reject(new Error('aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        entry.waiter = (value) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        };
        entries.set(id, entry);
        sendSubscribe(entry);
      });
      if (!answer.success) {
        entries.delete(id);
        return { answer };
      }
      entry.active = true;
      return {
        answer,
        close: () => {
          if (entries.get(id) !== entry) return;
          entries.delete(id);
          send({ type: 'unsubscribe', id });
        },
      };
    },
    stats() {
      return { connected: ready, subscriptions: entries.size, reconnects };
    },
    close() {
      closed = true;
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      entries.clear();
      socket?.close(1000);
      socket = undefined;
    },
  };
}

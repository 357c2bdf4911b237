/**
 * The block feed: WebSocket `/feed` on the ledger's HTTP server. Each committed block is sent to
 * every client as one text message, `{"type":"block","block":{…}}` (the registry's
 * `FeedMessageSchema`); a client that connects late or misses messages catches up with
 * `GET /blocks`.
 *
 * Following the `ws` guidance (STYLE-ANCHORS.md section 5): `noServer` with the HTTP server's
 * `upgrade` event (other paths get 404), an `error` listener on every socket and on the raw
 * socket during the upgrade, a heartbeat that pings and terminates clients that missed a round,
 * a small `maxPayload` (clients send nothing), no compression, slow clients dropped when their
 * buffer passes a bound, and on shutdown a close with 1001 ("going away"), then `terminate()`
 * for any still open after a deadline.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { encodeBlock } from '@murmur/registry';
import { type Logger, silentLogger } from '@murmur/wire';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DevnetLedger } from './ledger.js';

/** Options of {@link attachFeed}. */
export interface FeedInit {
  /** URL path of the feed (default `/feed`). */
  path?: string | undefined;
  /** Heartbeat period, ms (default 30 s). */
  heartbeatMs?: number | undefined;
  /** Largest message accepted from a client, bytes (default 4 KiB: clients only answer pings). */
  maxPayload?: number | undefined;
  /** A client whose unsent data passes this many bytes is dropped (default 4 MiB). */
  maxBufferedBytes?: number | undefined;
  /** Most clients at once (default 1,000); more get 503 at the upgrade. */
  maxClients?: number | undefined;
}

/** Components of {@link attachFeed}. */
export interface FeedComponents {
  server: Server;
  ledger: DevnetLedger;
  logger?: Logger | undefined;
  /** Called when the number of clients changes. */
  onClients?: ((count: number) => void) | undefined;
}

/** The attached feed. */
export interface Feed {
  /** Connected clients. */
  readonly clients: number;
  /**
   * Closes every client with 1001, waits up to `graceMs` (default 1 s) for them to go, then
   * terminates the rest and detaches from the server.
   */
  close(graceMs?: number): Promise<void>;
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.write(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
  socket.destroy();
}

/** Attaches the block feed to `components.server`. */
export function attachFeed(init: FeedInit, components: FeedComponents): Feed {
  const { server, ledger } = components;
  const logger = (components.logger ?? silentLogger()).child({ component: 'feed' });
  const path = init.path ?? '/feed';
  const heartbeatMs = init.heartbeatMs ?? 30_000;
  const maxBuffered = init.maxBufferedBytes ?? 4 * 1024 * 1024;
  const maxClients = init.maxClients ?? 1_000;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: init.maxPayload ?? 4_096,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  let closing = false;

  function report(): void {
    components.onClients?.(wss.clients.size);
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A malformed frame or a reset during the handshake must not crash the process.
    socket.on('error', (error) => logger.debug({ err: error }, 'feed socket error (upgrade)'));
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== path) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (closing || wss.clients.size >= maxClients) {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      alive.set(ws, true);
      ws.on('error', (error) => logger.debug({ err: error }, 'feed client error'));
      ws.on('pong', () => alive.set(ws, true));
      // Clients have nothing to say; anything they send is ignored.
      ws.on('message', () => undefined);
      ws.on('close', report);
      report();
      logger.debug({ clients: wss.clients.size }, 'feed client connected');
    });
  }
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      try {
        ws.ping();
      } catch (error) {
        logger.debug({ err: error }, 'feed ping failed');
        ws.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  const unsubscribe = ledger.subscribe(({ block }) => {
    if (wss.clients.size === 0) return;
    const message = JSON.stringify({ type: 'block', block: encodeBlock(block) });
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > maxBuffered) {
        logger.info('feed client too slow: dropped (it can catch up with /blocks)');
        ws.terminate();
        continue;
      }
      ws.send(message);
    }
  });

  return {
    get clients() {
      return wss.clients.size;
    },
    async close(graceMs = 1_000) {
      if (closing) return;
      closing = true;
      unsubscribe();
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      const clients = [...wss.clients];
      for (const ws of clients) ws.close(1001, 'ledger shutting down');
      const deadline = Date.now() + graceMs;
      while (wss.clients.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      report();
    },
  };
}

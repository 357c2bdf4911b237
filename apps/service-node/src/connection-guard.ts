/**
 * Connection-level limits of the storage port, applied before any request body is read, so
 * that a client cannot make the node buffer more than a bounded amount of memory however many
 * connections it opens and however slowly it sends:
 *
 * - **Connections per address group** (an IPv4 address or an IPv6 /64, see `address-group.ts`)
 *   and in all: further connections are closed at once (a plain HTTP server first answers 429
 *   or 503; a TLS server cannot answer before the handshake, so it closes). Counted on the
 *   server's `'connection'` event, which HTTP and HTTPS servers both emit for the TCP socket.
 * - **Pending TLS handshakes** (HTTPS): a handshake is CPU work on the event loop done before
 *   any request is seen, so at most `maxPendingHandshakes` connections may be between their
 *   acceptance and the end of their handshake; a connection beyond that is closed at once,
 *   before any handshake work (registered service nodes, the peer links, are exempt) — unless
 *   the oldest pending handshake is older than `staleHandshakeMs` (its request could no longer
 *   be admitted in time): that one is closed instead, so that idle connections cannot hold
 *   the slots against real clients.
 * - **Timeouts suited to a messaging RPC**: headers within `headersTimeoutMs`, the whole request
 *   (headers and body) within `requestTimeoutMs`, idle keep-alive connections closed after
 *   `keepAliveTimeoutMs` (Node's own `headersTimeout`, `requestTimeout`, `keepAliveTimeout`).
 *   Node checks the first two only every 30 s (`connectionsCheckingInterval`, fixed when the
 *   server is created), so the guard also checks every body being read once a second and
 *   closes the connection of one that is late.
 * - **Pre-body admission** (the fastify `onRequest` hook {@link ConnectionGuard.onRequest}): a
 *   declared body larger than the largest legal request is refused with 413, and every body
 *   being read reserves its declared length (or the largest legal size when it is chunked) from
 *   a budget shared by all requests; when the budget is spent the request is refused with 503
 *   before its body is read. Refusals carry `Connection: close`, so the unread body is not
 *   drained either.
 *
 * The guard also counts the requests whose headers have arrived and whose answer is not sent
 * yet ({@link ConnectionGuard.requestsInProgress}), and stamps each request's **arrival**
 * ({@link ConnectionGuard.arrivedAt}): the time the node accepted its TCP connection for the
 * first request on a connection (on HTTPS too: the TLS handshake, its CPU and its wait for the
 * loop count), so that the wait while an accepted socket sat unparsed counts; the time its
 * headers were read for a later one on a kept-alive connection. Together they are the load
 * shedder's view of the whole queue.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { addressGroup } from './address-group.js';

/**
 * The largest request body a node reads, bytes: the largest legal request is a `batch` of 20
 * stores of 76,800-byte messages (20 × 102,400 base64 characters plus their parameters, about
 * 2.1 MB), or that request inside an onion request (a few hundred bytes more per layer). 4 MiB
 * leaves room for both; Session's server reads up to 10 MiB.
 */
export const MAX_RPC_BODY_BYTES = 4 * 1024 * 1024;

/** Options of {@link createConnectionGuard} (all have defaults). */
export interface ConnectionGuardInit {
  /** Open connections per address group (default 32); more are refused. */
  maxConnectionsPerAddress?: number | undefined;
  /** Open connections in all, peer links included (default 8,192). */
  maxConnections?: number | undefined;
  /** Time to receive a request's headers, ms (default 10 s). */
  headersTimeoutMs?: number | undefined;
  /** Time to receive a whole request, headers and body, ms (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** Idle keep-alive connections close after this long, ms (default 5 s). */
  keepAliveTimeoutMs?: number | undefined;
  /** The largest body one request may declare, bytes (default {@link MAX_RPC_BODY_BYTES}). */
  maxBodyBytes?: number | undefined;
  /** Bytes of bodies being read at once, all requests together (default 64 MiB). */
  maxBodyBytesInFlight?: number | undefined;
  /**
   * Connections between their acceptance and the end of their TLS handshake, on HTTPS servers
   * (default 256); more are closed before any handshake work.
   */
  maxPendingHandshakes?: number | undefined;
  /**
   * A pending handshake older than this, ms, gives its slot to a new connection when all are
   * taken (default 2 s, the admission's wait bound).
   */
  staleHandshakeMs?: number | undefined;
  /** The clock of the arrival stamps, ms (default `performance.now`, the shedder's). */
  now?: (() => number) | undefined;
  /**
   * How long what became ready now may have waited for the event loop, ms (the shedder's
   * `loopWaitMs`): taken off each arrival stamp, so that a connection's wait in the kernel's
   * accept queue (and a kept-alive request's bytes' wait) while the loop was busy counts.
   */
  loopWaitMs?: (() => number) | undefined;
}

/** Why the guard refused a connection or a request. */
export type GuardRefusal =
  | 'connections-per-address'
  | 'connections'
  | 'body-too-large'
  | 'body-budget'
  | 'request-timeout'
  | 'pending-handshakes'
  | 'stale-handshake';

/** What {@link createConnectionGuard} reports to. */
export interface ConnectionGuardComponents {
  /** Called once per refusal. */
  onRefused?: ((reason: GuardRefusal) => void) | undefined;
  /**
   * Addresses exempt from the pending-handshake limit: the registered service nodes (peer
   * links, forwarded requests), so that a client flood cannot cut the swarm apart.
   */
  exempt?: ((address: string | undefined) => boolean) | undefined;
}

/** Figures of the guard. */
export interface ConnectionGuardStats {
  connections: number;
  addressGroups: number;
  requestsInProgress: number;
  bodyBytesReserved: number;
  pendingHandshakes: number;
}

/** The guard. */
export interface ConnectionGuard {
  /** Applies the connection limits and the timeouts to an HTTP or HTTPS server. */
  attach(server: HttpServer | NetServer): void;
  /** The pre-body admission, as a fastify `onRequest` hook. */
  onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  /** Requests whose headers arrived and whose answer is not sent yet, on attached servers. */
  requestsInProgress(): number;
  /**
   * When a request reached the node (on the guard's clock): its connection's acceptance for the
   * first request on a connection, its headers for later ones; undefined for a request the
   * guard did not see (a server it is not attached to, `inject`).
   */
  arrivedAt(request: IncomingMessage): number | undefined;
  stats(): ConnectionGuardStats;
  /** Stops the timer (it also stops once every attached server has closed). */
  close(): void;
}

const REFUSAL_TEXT: Record<'429' | '503', string> = {
  '429': 'HTTP/1.1 429 Too Many Requests',
  '503': 'HTTP/1.1 503 Service Unavailable',
};

/** Answers a raw socket (plain HTTP only) and closes it. */
function refuseSocket(socket: Socket, status: '429' | '503', message: string, tls: boolean): void {
  socket.on('error', () => undefined);
  if (tls) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  socket.end(
    `${REFUSAL_TEXT[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // Whatever the client sends now is not read; the socket goes once the answer is out.
  socket.setTimeout(1_000, () => socket.destroy());
}

/** Creates a guard; attach it to every server that serves the node's routes. */
export function createConnectionGuard(
  init: ConnectionGuardInit = {},
  components: ConnectionGuardComponents = {},
): ConnectionGuard {
  const maxPerAddress = init.maxConnectionsPerAddress ?? 32;
  const maxConnections = init.maxConnections ?? 8_192;
  const headersTimeoutMs = init.headersTimeoutMs ?? 10_000;
  const requestTimeoutMs = init.requestTimeoutMs ?? 30_000;
  const keepAliveTimeoutMs = init.keepAliveTimeoutMs ?? 5_000;
  const maxBodyBytes = init.maxBodyBytes ?? MAX_RPC_BODY_BYTES;
  const maxBodyBytesInFlight = init.maxBodyBytesInFlight ?? 64 * 1024 * 1024;
  const maxPendingHandshakes = init.maxPendingHandshakes ?? 256;
  const staleHandshakeMs = init.staleHandshakeMs ?? 2_000;
  const clock = init.now ?? (() => performance.now());
  const loopWait = init.loopWaitMs ?? (() => 0);
  /** Now, less how long what became ready now may have waited for the loop. */
  const now = (): number => clock() - loopWait();
  /** When each connection was accepted; deleted at its first request. */
  const accepted = new WeakMap<Socket, number>();
  /**
   * TLS connections whose handshake is not over, by remote address and port (unique among open
   * connections), with their acceptance time: handed to the TLS socket when it is over.
   */
  const handshaking = new Map<string, { at: number; socket: Socket }>();

  /** Whether a slot for one more pending handshake is free (or freed from a stale one). */
  function handshakeSlot(at: number, address: string | undefined): boolean {
    if (handshaking.size < maxPendingHandshakes) return true;
    if (components.exempt?.(address) === true) return true;
    // The oldest pending handshake (insertion order) gives way if it is stale.
    const oldest = handshaking.entries().next().value;
    if (oldest === undefined || at - oldest[1].at <= staleHandshakeMs) return false;
    handshaking.delete(oldest[0]);
    refused('stale-handshake');
    oldest[1].socket.destroy();
    return true;
  }
  const arrivals = new WeakMap<IncomingMessage, number>();
  const perGroup = new Map<string, number>();
  let connections = 0;
  let inProgress = 0;
  let reserved = 0;

  const refused = (reason: GuardRefusal) => components.onRefused?.(reason);

  function onConnection(socket: Socket, tls: boolean): void {
    const at = now();
    const group = addressGroup(socket.remoteAddress);
    const count = perGroup.get(group) ?? 0;
    if (count >= maxPerAddress) {
      refused('connections-per-address');
      refuseSocket(socket, '429', 'Too many connections from this address', tls);
      return;
    }
    if (connections >= maxConnections) {
      refused('connections');
      refuseSocket(socket, '503', 'Overloaded, try again shortly', tls);
      return;
    }
    let key: string | undefined;
    if (tls) {
      if (!handshakeSlot(at, socket.remoteAddress)) {
        refused('pending-handshakes');
        refuseSocket(socket, '503', 'Overloaded, try again shortly', tls);
        return;
      }
      key = `${socket.remoteAddress}|${socket.remotePort}`;
      handshaking.set(key, { at, socket });
    }
    perGroup.set(group, count + 1);
    connections += 1;
    accepted.set(socket, at);
    socket.once('close', () => {
      if (key !== undefined) handshaking.delete(key);
      connections -= 1;
      const left = (perGroup.get(group) ?? 1) - 1;
      if (left <= 0) perGroup.delete(group);
      else perGroup.set(group, left);
    });
  }

  /** Bodies being read, with the time by which they must be complete. */
  const reading = new Map<IncomingMessage, number>();
  const servers = new Set<HttpServer | NetServer>();
  let sweeper: NodeJS.Timeout | undefined;

  function sweep(): void {
    const now = Date.now();
    for (const [request, deadline] of reading) {
      if (deadline > now) continue;
      reading.delete(request);
      refused('request-timeout');
      request.socket.destroy();
    }
  }

  /** When a request's connection was accepted, if this is its first request. */
  function acceptedAt(socket: Socket): number | undefined {
    const at = accepted.get(socket);
    if (at !== undefined) accepted.delete(socket);
    return at;
  }

  function stampArrival(request: IncomingMessage): void {
    arrivals.set(request, acceptedAt(request.socket) ?? now());
  }

  function onRequestEvent(request: IncomingMessage, response: ServerResponse): void {
    inProgress += 1;
    if (!request.complete) {
      reading.set(request, Date.now() + requestTimeoutMs);
      request.once('end', () => reading.delete(request));
    }
    response.once('close', () => {
      inProgress -= 1;
      reading.delete(request);
    });
  }

  function stopSweeper(): void {
    if (sweeper !== undefined) clearInterval(sweeper);
    sweeper = undefined;
  }

  function refuseRequest(reply: FastifyReply, status: number, message: string): void {
    reply
      .code(status)
      .header('connection', 'close')
      .type('text/plain; charset=utf-8')
      .send(message);
  }

  return {
    attach(server) {
      const tls = server instanceof TlsServer;
      // Before the HTTP server's own listener, so that a refused socket is never parsed.
      server.prependListener('connection', (socket: Socket) => {
        onConnection(socket, tls);
      });
      if (tls) {
        // The TLS socket's arrival is its TCP connection's acceptance: the handshake's wait for
        // the loop and its CPU count against the request's bound.
        server.prependListener('secureConnection', (socket: Socket) => {
          const key = `${socket.remoteAddress}|${socket.remotePort}`;
          const pending = handshaking.get(key);
          handshaking.delete(key);
          accepted.set(socket, pending?.at ?? now());
        });
      }
      const http = server as HttpServer;
      if ('headersTimeout' in http) {
        http.headersTimeout = headersTimeoutMs;
        http.requestTimeout = requestTimeoutMs;
        http.keepAliveTimeout = keepAliveTimeoutMs;
        // The stamp before the app's own listener, so that it exists when the app's hooks run;
        // the count after it (the request being admitted is not among those it counts).
        http.prependListener('request', stampArrival);
        http.on('request', onRequestEvent);
      }
      servers.add(server);
      server.once('close', () => {
        servers.delete(server);
        if (servers.size === 0) stopSweeper();
      });
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, Math.min(1_000, requestTimeoutMs));
        sweeper.unref();
      }
    },
    onRequest(request, reply, done) {
      const method = request.raw.method;
      if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
        done();
        return;
      }
      const header = request.headers['content-length'];
      const declared = header === undefined ? undefined : Number(header);
      if (declared !== undefined && Number.isFinite(declared) && declared > maxBodyBytes) {
        refused('body-too-large');
        refuseRequest(reply, 413, `the request body is larger than ${maxBodyBytes} bytes`);
        return;
      }
      const chunked = request.headers['transfer-encoding'] !== undefined;
      const size = chunked || declared === undefined || !Number.isFinite(declared) ? 0 : declared;
      const reserve = chunked ? maxBodyBytes : size;
      if (reserve > 0) {
        if (reserved + reserve > maxBodyBytesInFlight) {
          refused('body-budget');
          refuseRequest(reply, 503, 'Overloaded, try again shortly');
          return;
        }
        reserved += reserve;
        reply.raw.once('close', () => {
          reserved -= reserve;
        });
      }
      done();
    },
    requestsInProgress: () => inProgress,
    arrivedAt: (request) => arrivals.get(request),
    stats: () => ({
      connections,
      addressGroups: perGroup.size,
      requestsInProgress: inProgress,
      bodyBytesReserved: reserved,
      pendingHandshakes: handshaking.size,
    }),
    close: stopSweeper,
  };
}

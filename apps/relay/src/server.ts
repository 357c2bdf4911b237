/**
 * The relay process: one HTTP server on the registered relay port that serves `/health` and
 * `/metrics` and upgrades every other request to a WebSocket link (one binary message = one
 * 2048-byte cell; `ws` itself refuses messages above 2048 bytes). The circuit logic is
 * `@murmur/circuits`' relay core; this file only wires sockets, the directory, the exit
 * service, metrics and shutdown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { getHeapStatistics } from 'node:v8';
import { type CellSink, type CellTransport, PLAIN_LINK_EXPORTER } from '@murmur/circuits';
import {
  CELL_LENGTH,
  createRelayCore,
  type ExitService,
  LINK_EXPORTER_LABEL,
  LINK_EXPORTER_LENGTH,
  type RelayCore,
  type RelayLimits,
} from '@murmur/circuits/relay';
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import type { Logger } from '@murmur/wire';
import { Counter, Gauge, Registry } from 'prom-client';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { RelayDirectoryService } from './directory.js';

/** What {@link startRelay} needs. */
export interface RelayServerInit {
  host: string;
  port: number;
  limits?: Partial<RelayLimits> | undefined;
  /**
   * TLS certificate and key (PEM): links become `wss`, relay AUTH is bound to each connection's
   * TLS exporter, and this relay dials other relays with `wss` (their certificates are not
   * checked: the AUTH signature over the exporter authenticates them). Absent: plain `ws`.
   */
  tls?: { cert: string; key: string } | undefined;
}

/** The link exporter of a socket: TLS keying material, or 32 zero bytes on plain `ws`. */
export function linkExporter(socket: Socket | TLSSocket | undefined): Uint8Array {
  const tls = socket as TLSSocket | undefined;
  if (
    tls === undefined ||
    typeof tls.exportKeyingMaterial !== 'function' ||
    tls.encrypted !== true
  ) {
    return PLAIN_LINK_EXPORTER;
  }
  return new Uint8Array(
    tls.exportKeyingMaterial(LINK_EXPORTER_LENGTH, LINK_EXPORTER_LABEL, Buffer.alloc(0)),
  );
}

/** The parts {@link startRelay} is built from. */
export interface RelayServerComponents {
  crypto: MurmurCrypto;
  keys: { ed25519: KeyPair; x25519: KeyPair; ed25519Hex: string };
  directory: RelayDirectoryService;
  exit?: ExitService | undefined;
  /** The exit's link to its node's monitor endpoint, for `/health` and `/metrics`. */
  monitorStats?:
    | (() => { connected: boolean; subscriptions: number; reconnects: number })
    | undefined;
  logger: Logger;
}

/** A running relay. */
export interface RunningRelay {
  readonly port: number;
  readonly url: string;
  readonly core: RelayCore;
  /** DESTROYs every circuit, closes links, the directory and the server. */
  close(): Promise<void>;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Wires a WebSocket to a sink and gives its transport. */
function wire(socket: WebSocket, sink: () => CellSink | undefined, logger: Logger): CellTransport {
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data, isBinary) => {
    const target = sink();
    if (target === undefined) return;
    if (!isBinary) {
      socket.close(1003, 'cells are binary');
      return;
    }
    target.receive(toBytes(data));
  });
  socket.on('close', () => sink()?.closed());
  socket.on('error', (error) => logger.debug({ err: error.message }, 'link socket error'));
  return {
    send(cell) {
      if (socket.readyState === WebSocket.OPEN) socket.send(cell, { binary: true });
    },
    close() {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
        socket.close(1000);
      }
    },
  };
}

/** Starts the relay. */
export async function startRelay(
  init: RelayServerInit,
  components: RelayServerComponents,
): Promise<RunningRelay> {
  const { crypto, keys, directory, logger } = components;
  const sockets = new Set<WebSocket>();
  const core = createRelayCore(
    { limits: init.limits ?? {} },
    {
      crypto,
      identity: { ed25519: keys.ed25519, x25519: keys.x25519 },
      directory,
      exit: components.exit,
      logger: logger.child({ component: 'circuits' }),
      // Memory pressure: the heap above 85% of its limit.
      memoryPressure: () => {
        const heap = getHeapStatistics();
        return heap.used_heap_size > 0.85 * heap.heap_size_limit;
      },
      dial: (ed25519Hex, sink) =>
        new Promise((resolve, reject) => {
          const entry = directory.address(ed25519Hex);
          if (entry === undefined) {
            reject(new Error('not an active registered relay'));
            return;
          }
          const scheme = init.tls === undefined ? 'ws' : 'wss';
          const socket = new WebSocket(`${scheme}://${entry.ip}:${entry.relayPort}/`, {
            maxPayload: CELL_LENGTH,
            handshakeTimeout: 10_000,
            rejectUnauthorized: false,
          });
          let exporter = PLAIN_LINK_EXPORTER;
          socket.once('upgrade', (response) => {
            exporter = linkExporter(response.socket);
          });
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          let opened = false;
          const transport = wire(socket, () => (opened ? sink : undefined), logger);
          socket.once('open', () => {
            opened = true;
            resolve({ transport, exporter });
          });
          socket.once('error', (error) => {
            if (!opened) reject(error);
          });
        }),
    },
  );

  const metrics = new Registry();
  const stats = () => core.stats();
  new Gauge({
    name: 'murmur_relay_circuits_open',
    help: 'Circuits open, by hop',
    labelNames: ['hop'],
    registers: [metrics],
    collect() {
      const byHop = stats().circuitsByHop;
      for (const hop of [1, 2, 3]) this.set({ hop: String(hop) }, byHop[hop - 1] ?? 0);
    },
  });
  new Gauge({
    name: 'murmur_relay_links',
    help: 'Links open, by kind',
    labelNames: ['kind'],
    registers: [metrics],
    collect() {
      for (const [kind, count] of Object.entries(stats().links)) this.set({ kind }, count);
    },
  });
  const counterOf = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [metrics],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counterOf('murmur_relay_cells_in_total', 'Cells received', () => stats().cellsIn);
  counterOf('murmur_relay_cells_out_total', 'Cells sent', () => stats().cellsOut);
  counterOf(
    'murmur_relay_creates_shed_total',
    'CREATEs refused by the rate limit',
    () => stats().createsShed,
  );
  counterOf(
    'murmur_relay_links_refused_total',
    'Relay links refused at AUTH',
    () => stats().linksRefused,
  );
  new Counter({
    name: 'murmur_relay_handshakes_total',
    help: 'murmur-ntor handshakes answered, by result',
    labelNames: ['result'],
    registers: [metrics],
    collect() {
      this.reset();
      const { ok, failed } = stats().handshakes;
      this.inc({ result: 'ok' }, ok);
      this.inc({ result: 'failed' }, failed);
    },
  });
  new Counter({
    name: 'murmur_relay_destroys_total',
    help: 'Circuits destroyed, by reason',
    labelNames: ['reason'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(stats().destroys)) this.inc({ reason }, count);
    },
  });

  const monitorStats = components.monitorStats;
  if (monitorStats !== undefined) {
    new Gauge({
      name: 'murmur_relay_monitor_link_up',
      help: "1 while the exit's link to its node's monitor endpoint is open",
      registers: [metrics],
      collect() {
        this.set(monitorStats().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'murmur_relay_monitor_subscriptions',
      help: 'Subscriptions the exit holds at its node (one per circuit and account)',
      registers: [metrics],
      collect() {
        this.set(monitorStats().subscriptions);
      },
    });
    counterOf(
      'murmur_relay_monitor_reconnects_total',
      "Times the exit opened its node's monitor link again after a drop",
      () => monitorStats().reconnects,
    );
  }

  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/health') {
      const s = stats();
      const ready = directory.ready();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          status: ready ? 'ok' : 'starting',
          ed25519: keys.ed25519Hex,
          relays: directory.size(),
          circuits: s.circuitsOpen,
          links: s.links,
          ...(monitorStats === undefined ? {} : { monitor: monitorStats() }),
          rssBytes: process.memoryUsage().rss,
          heapUsedBytes: process.memoryUsage().heapUsed,
        }),
      );
      return;
    }
    if (request.method === 'GET' && path === '/metrics') {
      metrics.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': metrics.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ error: 'not found: links are WebSocket upgrades; /health, /metrics' }),
    );
  };
  const http =
    init.tls === undefined ? createServer(handler) : createHttpsServer({ ...init.tls }, handler);
  const wss = new WebSocketServer({
    server: http,
    maxPayload: CELL_LENGTH,
    // No link, a client's or a relay's, before the directory has caught up with the ledger: the
    // relay could not yet check a linking relay's key nor extend a circuit, and /health says
    // `starting`. A relay may start before its node or the other relays (the devnet starts
    // relays early): it answers 503 until then, and links opened later are served as ever.
    verifyClient: (_info, done) => {
      if (directory.ready()) done(true);
      else done(false, 503, 'relay starting: not caught up with the ledger yet');
    },
  });
  wss.on('connection', (socket, request) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let sink: CellSink | undefined;
    const transport = wire(socket, () => sink, logger);
    sink = core.acceptLink(transport, {
      remoteAddress: request.socket.remoteAddress ?? 'unknown',
      exporter: linkExporter(request.socket),
    });
  });
  wss.on('error', (error) => logger.warn({ err: error.message }, 'websocket server error'));

  await directory.start();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(init.port, init.host, () => resolve());
  });
  core.start();
  const port = (http.address() as AddressInfo).port;
  logger.info({ port, ed25519: keys.ed25519Hex }, 'murmur-relay listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `${init.tls === undefined ? 'ws' : 'wss'}://${init.host === '0.0.0.0' ? '127.0.0.1' : init.host}:${port}/`,
    core,
    close() {
      closing ??= (async () => {
        const open = core.stats().circuitsOpen;
        core.stop();
        logger.info({ circuits: open }, 'murmur-relay stopping: circuits destroyed');
        // Let the DESTROY cells leave before the sockets close.
        await new Promise((resolve) => setTimeout(resolve, 50));
        for (const socket of sockets) socket.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await directory.stop();
      })();
      return closing;
    },
  };
}

/**
 * The peer network: this node's WebSocket links to other service nodes (see `protocol.ts` for
 * the handshake and frames).
 *
 * - **Listening**: upgrades on the storage port's HTTP server at `/peer/v1` (`ws` with
 *   `noServer`, compression off, `maxPayload` at the largest legitimate frame). The dialer's
 *   claimed key is checked against the network view *before* the upgrade is accepted: only
 *   active registered nodes, connecting from the address the registry lists for them, get a
 *   101, at most 4 handshakes at once per address group; the cryptographic proof must follow
 *   within 3 s (`authTimeoutMs`).
 * - **Dialing**: on demand ({@link PeerNetwork.request}, {@link PeerNetwork.connect}) and, for
 *   the nodes named by {@link PeerNetwork.keep} (the swarm members), all the time, with
 *   reconnection after an exponential back-off with jitter. Of two nodes that want a kept link,
 *   the one with the lower key dials at once and the other waits a moment first.
 * - **One link per pair**: when both nodes dialed at once, both keep the link dialed by the
 *   lower key and drain the other (no new requests; closed once its requests are answered).
 * - **Registry**: a link is refused to a node that is not active in this node's view, and
 *   links to nodes that leave the view are closed (4003).
 * - **Liveness**: every link pings each heartbeat and is terminated after a silent interval;
 *   links to nodes outside the kept set close after an idle period.
 * - **Shutdown**: `stop()` closes every link with 1001 and terminates those still open after a
 *   deadline.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, hexToBytes, type Logger, RequestTimeoutError } from '@murmur/wire';
import WebSocket, { WebSocketServer } from 'ws';
import { addressGroup } from '../address-group.js';
import { PeerLinkError } from '../errors.js';
import type { NodeKeys } from '../keys.js';
import { cachedCounter, type NodeMetrics } from '../metrics.js';
import type { NetworkView } from '../network/network-view.js';
import {
  createPeerLink,
  type PeerLink,
  type PeerRequestHandler,
  type PeerRequestOptions,
  type PeerResponse,
  type RequestFields,
} from './peer-link.js';
import {
  type AuthFrame,
  deriveSessionKeys,
  type HandshakeKeys,
  type HelloFrame,
  handshakeTranscript,
  MAX_PEER_PAYLOAD_BYTES,
  PEER_HEADERS,
  PEER_PATH,
  PEER_PROTOCOL_VERSION,
  type PeerRequestKind,
  parseAuthFrame,
  parseHelloFrame,
} from './protocol.js';

/** Options of {@link createPeerNetwork} (all have defaults). */
export interface PeerNetworkInit {
  /** Ping interval, ms (default 15 s); a link silent for a whole interval is terminated. */
  heartbeatMs?: number | undefined;
  /** Longest handshake when dialing, from the TCP connection to the last frame, ms (default 10 s). */
  handshakeTimeoutMs?: number | undefined;
  /** Links to nodes outside the kept set close after this long without frames, ms (default 5 min). */
  idleTimeoutMs?: number | undefined;
  /** Most links at once (default 2,000); more upgrades are refused with 503. */
  maxLinks?: number | undefined;
  /** Most handshakes in progress at once (default 256). */
  maxPendingHandshakes?: number | undefined;
  /** Most handshakes in progress at once from one address group (default 4). */
  maxPendingPerAddress?: number | undefined;
  /**
   * How long a dialer has, once upgraded, to prove its key, ms (default 3 s): the window in
   * which an unauthenticated socket holds a handshake slot.
   */
  authTimeoutMs?: number | undefined;
  /**
   * Refuse a dialer whose address is not the one the registry lists for the key it claims
   * (default true; a key without a known address is let through to the proof).
   */
  checkAddress?: boolean | undefined;
  /** Writes wait while more than this is buffered for a socket, bytes (default 4 MiB). */
  maxBufferedBytes?: number | undefined;
  /** Requests from one peer handled at once (default 512); more are answered 503. */
  maxIncomingRequests?: number | undefined;
  /** First reconnection delay of a kept link, ms (default 500); doubles up to `reconnectMaxMs`. */
  reconnectMinMs?: number | undefined;
  /** Longest reconnection delay, ms (default 30 s). */
  reconnectMaxMs?: number | undefined;
  /** How long the node with the higher key waits for the lower one to dial a kept link, ms (default 1 s). */
  dialGraceMs?: number | undefined;
  /** Longest wait for a duplicate link's requests before closing it, ms (default 10 s). */
  drainTimeoutMs?: number | undefined;
  /** At `stop()`, links still open after this long are terminated, ms (default 2 s). */
  closeTimeoutMs?: number | undefined;
  /**
   * Dial peers over TLS (`wss://`, default true: storage ports speak HTTPS). Certificates are not
   * checked (they are self-signed); the link handshake authenticates both ends by their keys.
   */
  tls?: boolean | undefined;
  /**
   * The local address peer links are dialled from (default: the system's choice). A node that
   * listens on one address dials from it too, so that peers, which accept links only from the
   * address the registry lists for a key, see that address.
   */
  localAddress?: string | undefined;
  /**
   * Upgrade paths other listeners on the same server serve (the monitor endpoint): the peer
   * network leaves those upgrades alone instead of refusing them with 404.
   */
  otherUpgradePaths?: readonly string[] | undefined;
}

/** Components of {@link createPeerNetwork}. */
export interface PeerNetworkComponents {
  keys: NodeKeys;
  crypto: MurmurCrypto;
  network: NetworkView;
  logger: Logger;
  metrics?: NodeMetrics | undefined;
}

/** Options of {@link PeerNetwork.request}. */
export interface PeerNetworkRequestOptions extends PeerRequestOptions {
  /** Dial when there is no link (default true); else fail at once with `unreachable`. */
  connect?: boolean | undefined;
}

/** A link as {@link PeerNetwork.status} lists it. */
export interface PeerLinkStatus {
  peer: string;
  role: 'dialer' | 'listener';
  state: PeerLink['state'];
  openedAt: number;
  kept: boolean;
}

/** The peer network. */
export interface PeerNetwork {
  /** The URL path of peer links. */
  readonly path: string;
  /** Serves peer links on this HTTP server's upgrades (call before it listens or after). */
  attach(server: Server): void;
  /** Sets the handler of a request kind (requests of a kind without one get 404). */
  handle(kind: PeerRequestKind, handler: PeerRequestHandler): void;
  /**
   * Sends a request to `peer` (Ed25519 hex), dialing first when there is no link, and resolves
   * to its answer (any status). The timeout covers the dial.
   *
   * @throws PeerLinkError (unreachable, closed, not-active, stopping), RequestTimeoutError, or the
   * signal's reason.
   */
  request(
    peer: string,
    fields: RequestFields,
    body: Uint8Array,
    options: PeerNetworkRequestOptions,
  ): Promise<PeerResponse>;
  /** An open link to `peer`, if there is one. */
  link(peer: string): PeerLink | undefined;
  /** Dials `peer` in the background when there is no link (errors are logged, not thrown). */
  connect(peer: string): void;
  /** Keeps links to exactly these nodes open (reconnecting); others close when idle. */
  keep(peers: Iterable<string>): void;
  /** Calls `listener` when `peer` gets its first open link (after having none). */
  onLinkUp(listener: (peer: string) => void): () => void;
  /** Every link. */
  status(): PeerLinkStatus[];
  /** Starts following the network view (closing links to nodes that leave) and the timers. */
  start(): void;
  /** Closes every link (1001) and stops dialing; resolves when they are closed. */
  stop(): Promise<void>;
}

const NO_BODY = new Uint8Array(0);

/** Close code of the duplicate of a link (both nodes keep the other one). */
const DUPLICATE_CLOSE_CODE = 4000;
/** Close code of a link to a node that left the network. */
const NOT_ACTIVE_CLOSE_CODE = 4003;

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

const HEX_KEY = /^[0-9a-f]{64}$/;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  503: 'Service Unavailable',
};

/** Refuses an upgrade with a plain HTTP answer and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (socket.writable) {
    const body = `${message}\n`;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Creates the peer network of a node. */
export function createPeerNetwork(
  init: PeerNetworkInit,
  components: PeerNetworkComponents,
): PeerNetwork {
  const { keys, crypto, network, metrics } = components;
  const countFrames = metrics === undefined ? undefined : cachedCounter(metrics.peerFrames);
  const logger = components.logger.child({ component: 'peers' });
  const self = keys.ed25519Hex;
  const heartbeatMs = init.heartbeatMs ?? 15_000;
  const handshakeTimeoutMs = init.handshakeTimeoutMs ?? 10_000;
  const tls = init.tls !== false;
  const idleTimeoutMs = init.idleTimeoutMs ?? 300_000;
  const maxLinks = init.maxLinks ?? 2_000;
  const maxPendingHandshakes = init.maxPendingHandshakes ?? 256;
  const maxPendingPerAddress = init.maxPendingPerAddress ?? 4;
  const authTimeoutMs = init.authTimeoutMs ?? 3_000;
  const checkAddress = init.checkAddress ?? true;
  const maxBufferedBytes = init.maxBufferedBytes ?? 4 * 1024 * 1024;
  const maxIncomingRequests = init.maxIncomingRequests ?? 512;
  const reconnectMinMs = init.reconnectMinMs ?? 500;
  const reconnectMaxMs = init.reconnectMaxMs ?? 30_000;
  const dialGraceMs = init.dialGraceMs ?? 1_000;
  const drainTimeoutMs = init.drainTimeoutMs ?? 10_000;
  const closeTimeoutMs = init.closeTimeoutMs ?? 2_000;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PEER_PAYLOAD_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const handlers = new Map<PeerRequestKind, PeerRequestHandler>();
  const links = new Map<string, PeerLink[]>();
  const dialing = new Map<string, Promise<PeerLink>>();
  const handshaking = new Set<WebSocket>();
  /** Handshakes in progress per address group of the dialer. */
  const pendingByAddress = new Map<string, number>();
  const kept = new Set<string>();
  const reconnectTimers = new Map<string, NodeJS.Timeout>();
  const attempts = new Map<string, number>();
  const linkUpListeners = new Set<(peer: string) => void>();
  const servers: {
    server: Server;
    listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  }[] = [];
  let stopped = false;
  let started = false;
  let unsubscribe: (() => void) | undefined;
  let idleTimer: NodeJS.Timeout | undefined;

  function updateGauge(): void {
    if (metrics === undefined) return;
    let open = 0;
    for (const list of links.values()) open += list.filter((link) => link.state === 'open').length;
    metrics.peerLinks.set({ state: 'open' }, open);
    metrics.peerLinks.set({ state: 'connecting' }, dialing.size + handshaking.size);
  }

  function handshakeFailed(reason: string, peer: string | undefined, detail?: unknown): void {
    metrics?.peerHandshakeFailures.inc({ reason });
    logger.debug({ reason, peer, err: detail }, 'peer handshake failed');
  }

  function openLinkOf(peer: string): PeerLink | undefined {
    const list = links.get(peer);
    if (list === undefined) return undefined;
    for (const link of list) if (link.state === 'open') return link;
    return undefined;
  }

  function totalLinks(): number {
    let count = 0;
    for (const list of links.values()) count += list.length;
    return count;
  }

  /** Of two open links to one peer, the one both sides keep. */
  function preferred(a: PeerLink, b: PeerLink): PeerLink {
    if (a.dialer !== b.dialer) return a.dialer < b.dialer ? a : b;
    return a.openedAt >= b.openedAt ? a : b;
  }

  function onRequest(request: Parameters<PeerRequestHandler>[0]): Promise<PeerResponse> {
    const handler = handlers.get(request.header.k);
    if (handler === undefined) {
      return Promise.resolve({
        status: 404,
        body: Buffer.from(`no handler for ${request.header.k} requests`),
      });
    }
    return handler(request);
  }

  function scheduleReconnect(peer: string): void {
    if (stopped || !kept.has(peer) || reconnectTimers.has(peer) || openLinkOf(peer)) return;
    const attempt = attempts.get(peer) ?? 0;
    attempts.set(peer, attempt + 1);
    const base = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** attempt);
    const delay = Math.round(base * (0.5 + Math.random()));
    const timer = setTimeout(() => {
      reconnectTimers.delete(peer);
      if (!stopped && kept.has(peer) && openLinkOf(peer) === undefined) connect(peer);
    }, delay);
    timer.unref();
    reconnectTimers.set(peer, timer);
  }

  function addLink(link: PeerLink): void {
    if (stopped) {
      link.close(1001, 'going away');
      return;
    }
    const list = links.get(link.peer) ?? [];
    const before = list.find((other) => other.state === 'open');
    list.push(link);
    links.set(link.peer, list);
    attempts.delete(link.peer);
    const timer = reconnectTimers.get(link.peer);
    if (timer !== undefined) {
      clearTimeout(timer);
      reconnectTimers.delete(link.peer);
    }
    if (before !== undefined) {
      const keep = preferred(before, link);
      const drop = keep === link ? before : link;
      logger.debug({ peer: link.peer, dropped: drop.role }, 'duplicate peer link: draining one');
      drop.drain(DUPLICATE_CLOSE_CODE, 'duplicate link', drainTimeoutMs);
    }
    updateGauge();
    logger.debug({ peer: link.peer, role: link.role }, 'peer link open');
    if (before === undefined) {
      for (const listener of linkUpListeners) {
        try {
          listener(link.peer);
        } catch (error) {
          logger.warn({ err: error }, 'a link-up listener threw');
        }
      }
    }
  }

  function onLinkClose(link: PeerLink, code: number, reason: string): void {
    const list = links.get(link.peer);
    if (list !== undefined) {
      const rest = list.filter((other) => other !== link);
      if (rest.length === 0) links.delete(link.peer);
      else links.set(link.peer, rest);
    }
    updateGauge();
    logger.debug({ peer: link.peer, code, reason }, 'peer link closed');
    if (code !== DUPLICATE_CLOSE_CODE) scheduleReconnect(link.peer);
  }

  function makeLink(
    socket: WebSocket,
    peer: string,
    role: 'dialer' | 'listener',
    sessionKeys: ReturnType<typeof deriveSessionKeys>,
    remoteAddress: string | undefined,
  ): PeerLink {
    return createPeerLink(
      {
        peer,
        role,
        dialer: role === 'dialer' ? self : peer,
        remoteAddress,
        socket,
        keys: sessionKeys,
        heartbeatMs,
        maxBufferedBytes,
        maxIncomingRequests,
      },
      {
        crypto,
        logger,
        onRequest,
        onClose: onLinkClose,
        onFrame:
          countFrames === undefined
            ? undefined
            : (direction, frames) => countFrames([direction], frames),
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Listening

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => logger.debug({ err: error }, 'peer upgrade socket error'));
    const path = (request.url ?? '').split('?')[0];
    if (path !== PEER_PATH) {
      if (path !== undefined && init.otherUpgradePaths?.includes(path)) return;
      refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}`);
      return;
    }
    if (stopped || !started) {
      handshakeFailed('not-serving', undefined);
      refuseUpgrade(socket, 503, 'this node is not serving peer links');
      return;
    }
    if (headerValue(request, PEER_HEADERS.version) !== PEER_PROTOCOL_VERSION) {
      handshakeFailed('version', undefined);
      refuseUpgrade(socket, 426, `peer protocol version ${PEER_PROTOCOL_VERSION} required`);
      return;
    }
    const dialer = headerValue(request, PEER_HEADERS.key);
    const ephemeral = headerValue(request, PEER_HEADERS.ephemeral);
    const target = headerValue(request, PEER_HEADERS.target);
    if (
      dialer === undefined ||
      ephemeral === undefined ||
      target === undefined ||
      !HEX_KEY.test(dialer) ||
      !HEX_KEY.test(ephemeral) ||
      !HEX_KEY.test(target)
    ) {
      handshakeFailed('malformed', dialer);
      refuseUpgrade(socket, 400, 'peer headers missing or malformed');
      return;
    }
    if (target !== self) {
      handshakeFailed('wrong-target', dialer);
      refuseUpgrade(socket, 404, `this node is ${self}, not ${target}`);
      return;
    }
    if (dialer === self) {
      handshakeFailed('self', dialer);
      refuseUpgrade(socket, 400, 'a node does not link to itself');
      return;
    }
    const claimed = network.snapshot()?.node(dialer);
    if (claimed === undefined) {
      handshakeFailed('not-active', dialer);
      refuseUpgrade(socket, 403, 'only active registered service nodes may open peer links');
      return;
    }
    const remoteAddress = request.socket.remoteAddress;
    const group = addressGroup(remoteAddress);
    // Knowing a node's key is not enough: the connection must come from its registered address.
    if (checkAddress && claimed.ip !== undefined && addressGroup(claimed.ip) !== group) {
      handshakeFailed('address', dialer);
      refuseUpgrade(
        socket,
        403,
        'this connection does not come from the address registered for that key',
      );
      return;
    }
    if ((pendingByAddress.get(group) ?? 0) >= maxPendingPerAddress) {
      handshakeFailed('capacity-address', dialer);
      refuseUpgrade(socket, 503, 'too many peer handshakes from this address');
      return;
    }
    if (handshaking.size >= maxPendingHandshakes || totalLinks() >= maxLinks) {
      handshakeFailed('capacity', dialer);
      refuseUpgrade(socket, 503, 'too many peer links');
      return;
    }
    pendingByAddress.set(group, (pendingByAddress.get(group) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (pendingByAddress.get(group) ?? 1) - 1;
      if (left <= 0) pendingByAddress.delete(group);
      else pendingByAddress.set(group, left);
    };
    // The socket may go before the upgrade completes.
    socket.once('close', release);
    wss.handleUpgrade(request, socket, head, (ws) => {
      listen(ws, dialer, hexToBytes(ephemeral), remoteAddress, release);
    });
  }

  function listen(
    ws: WebSocket,
    dialer: string,
    dialerEphemeral: Uint8Array,
    remoteAddress: string | undefined,
    release: () => void,
  ): void {
    ws.on('error', (error) => logger.debug({ err: error, peer: dialer }, 'peer socket error'));
    handshaking.add(ws);
    updateGauge();
    const ephemeral = crypto.x25519KeyPair();
    const handshakeKeys: HandshakeKeys = {
      dialer: hexToBytes(dialer),
      listener: keys.ed25519.publicKey,
      dialerEphemeral,
      listenerEphemeral: ephemeral.publicKey,
    };
    const finish = () => {
      clearTimeout(timer);
      release();
      ws.off('message', onMessage);
      ws.off('close', onClose);
      handshaking.delete(ws);
      crypto.wipe(ephemeral.secretKey);
      updateGauge();
    };
    const fail = (reason: string, detail?: unknown) => {
      finish();
      handshakeFailed(reason, dialer, detail);
      ws.close(1008, 'handshake failed');
    };
    const timer = setTimeout(() => {
      finish();
      handshakeFailed('timeout', dialer);
      ws.terminate();
    }, authTimeoutMs);
    const onClose = () => {
      finish();
      handshakeFailed('closed', dialer);
    };
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      let auth: AuthFrame;
      try {
        if (isBinary) throw new Error('binary frame during the handshake');
        auth = parseAuthFrame(textOf(data));
      } catch (error) {
        fail('protocol', error);
        return;
      }
      const signature = Buffer.from(auth.signature, 'base64');
      if (
        !crypto.verify(
          signature,
          handshakeTranscript('dialer', handshakeKeys),
          handshakeKeys.dialer,
        )
      ) {
        fail('bad-signature');
        return;
      }
      if (network.snapshot()?.node(dialer) === undefined) {
        fail('not-active');
        return;
      }
      let sessionKeys: ReturnType<typeof deriveSessionKeys>;
      try {
        sessionKeys = deriveSessionKeys(crypto, 'listener', ephemeral.secretKey, handshakeKeys);
      } catch (error) {
        fail('bad-ephemeral', error);
        return;
      }
      finish();
      // Synchronous from here: frames after `auth` go to the link's own listener.
      addLink(makeLink(ws, dialer, 'listener', sessionKeys, remoteAddress));
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    const hello: HelloFrame = {
      t: 'hello',
      key: self,
      ephemeral: bytesToHex(ephemeral.publicKey),
      signature: Buffer.from(
        crypto.sign(handshakeTranscript('listener', handshakeKeys), keys.ed25519.secretKey),
      ).toString('base64'),
    };
    ws.send(JSON.stringify(hello));
  }

  // -------------------------------------------------------------------------------------------
  // Dialing

  function dial(peer: string): Promise<PeerLink> {
    const existing = dialing.get(peer);
    if (existing !== undefined) return existing;
    const promise = dialOnce(peer).finally(() => {
      dialing.delete(peer);
      updateGauge();
    });
    dialing.set(peer, promise);
    updateGauge();
    return promise;
  }

  function dialOnce(peer: string): Promise<PeerLink> {
    return new Promise<PeerLink>((resolve, reject) => {
      if (stopped) {
        reject(new PeerLinkError('this node is stopping', 'stopping', peer));
        return;
      }
      const node = network.snapshot()?.node(peer);
      if (node === undefined) {
        reject(new PeerLinkError(`${peer} is not an active registered node`, 'not-active', peer));
        return;
      }
      if (node.ip === undefined || node.storagePort === undefined) {
        reject(new PeerLinkError(`${peer} has not announced its address yet`, 'unreachable', peer));
        return;
      }
      const ephemeral = crypto.x25519KeyPair();
      const url = `${tls ? 'wss' : 'ws'}://${node.ip}:${node.storagePort}${PEER_PATH}`;
      let settled = false;
      const ws = new WebSocket(url, {
        headers: {
          [PEER_HEADERS.version]: PEER_PROTOCOL_VERSION,
          [PEER_HEADERS.key]: self,
          [PEER_HEADERS.ephemeral]: bytesToHex(ephemeral.publicKey),
          [PEER_HEADERS.target]: peer,
        },
        perMessageDeflate: false,
        maxPayload: MAX_PEER_PAYLOAD_BYTES,
        handshakeTimeout: handshakeTimeoutMs,
        followRedirects: false,
        // Self-signed node certificates: the handshake below authenticates the peer.
        rejectUnauthorized: false,
        ...(init.localAddress === undefined ? {} : { localAddress: init.localAddress }),
      });
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        ws.off('message', onMessage);
        ws.off('close', onClose);
        crypto.wipe(ephemeral.secretKey);
      };
      const fail = (reason: string, message: string, detail?: unknown) => {
        if (settled) return;
        finish();
        handshakeFailed(reason, peer, detail);
        if (ws.readyState === WebSocket.OPEN) ws.close(1008, 'handshake failed');
        else ws.terminate();
        reject(new PeerLinkError(message, 'unreachable', peer, { cause: detail }));
        scheduleReconnect(peer);
      };
      const timer = setTimeout(
        () => fail('timeout', `the handshake with ${peer} timed out`),
        handshakeTimeoutMs,
      );
      ws.on('error', (error) => {
        if (!settled) fail('connect', `cannot reach ${peer} at ${url}: ${error.message}`, error);
        else logger.debug({ err: error, peer }, 'peer socket error');
      });
      ws.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        fail(
          status === 403 ? 'refused-not-active' : `refused-${status}`,
          `${peer} refused the peer link (HTTP ${status})`,
        );
      });
      const onClose = () => fail('closed', `${peer} closed the connection during the handshake`);
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        let hello: HelloFrame;
        try {
          if (isBinary) throw new Error('binary frame during the handshake');
          hello = parseHelloFrame(textOf(data));
        } catch (error) {
          fail('protocol', `${peer} broke the handshake`, error);
          return;
        }
        if (hello.key !== peer) {
          fail('wrong-peer', `the node at ${url} is ${hello.key}, not ${peer}`);
          return;
        }
        const handshakeKeys: HandshakeKeys = {
          dialer: keys.ed25519.publicKey,
          listener: hexToBytes(peer),
          dialerEphemeral: ephemeral.publicKey,
          listenerEphemeral: hexToBytes(hello.ephemeral),
        };
        const signature = Buffer.from(hello.signature, 'base64');
        if (
          !crypto.verify(
            signature,
            handshakeTranscript('listener', handshakeKeys),
            handshakeKeys.listener,
          )
        ) {
          fail('bad-signature', `${peer} failed to prove its key`);
          return;
        }
        let sessionKeys: ReturnType<typeof deriveSessionKeys>;
        try {
          sessionKeys = deriveSessionKeys(crypto, 'dialer', ephemeral.secretKey, handshakeKeys);
        } catch (error) {
          fail('bad-ephemeral', `${peer} sent an unusable ephemeral key`, error);
          return;
        }
        const auth: AuthFrame = {
          t: 'auth',
          signature: Buffer.from(
            crypto.sign(handshakeTranscript('dialer', handshakeKeys), keys.ed25519.secretKey),
          ).toString('base64'),
        };
        finish();
        ws.send(JSON.stringify(auth));
        const link = makeLink(ws, peer, 'dialer', sessionKeys, node.ip);
        addLink(link);
        resolve(link);
      };
      ws.on('message', onMessage);
      ws.on('close', onClose);
    });
  }

  function connect(peer: string): void {
    if (stopped || peer === self || openLinkOf(peer) !== undefined || dialing.has(peer)) return;
    dial(peer).catch((error: unknown) => {
      logger.debug({ err: error, peer }, 'peer dial failed');
    });
  }

  function idleSweep(): void {
    const now = Date.now();
    for (const [peer, list] of links) {
      if (kept.has(peer)) continue;
      for (const link of list) {
        if (link.state === 'open' && link.busy() === 0 && now - link.lastActivity > idleTimeoutMs) {
          link.close(1000, 'idle');
        }
      }
    }
  }

  function onNetworkChange(): void {
    const snapshot = network.snapshot();
    if (snapshot === undefined) return;
    for (const [peer, list] of links) {
      if (snapshot.node(peer) !== undefined) continue;
      logger.info({ peer }, 'closing the links of a node that left the network');
      for (const link of list) link.close(NOT_ACTIVE_CLOSE_CODE, 'not an active node');
    }
  }

  return {
    path: PEER_PATH,
    attach(server) {
      server.on('upgrade', onUpgrade);
      servers.push({ server, listener: onUpgrade });
    },
    handle(kind, handler) {
      handlers.set(kind, handler);
    },
    async request(peer, fields, body, options) {
      if (stopped) throw new PeerLinkError('this node is stopping', 'stopping', peer);
      const deadline = Date.now() + options.timeoutMs;
      let link = openLinkOf(peer);
      if (link === undefined) {
        if (options.connect === false) {
          throw new PeerLinkError(`no link to ${peer}`, 'unreachable', peer);
        }
        const dialed = dial(peer);
        dialed.catch(() => undefined);
        const remaining = Math.max(1, deadline - Date.now());
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new RequestTimeoutError(`could not link to ${peer} in time`, {
                  details: { peer },
                }),
              ),
            remaining,
          );
        });
        try {
          await Promise.race([dialed, timeout]);
        } finally {
          clearTimeout(timer);
        }
        link = openLinkOf(peer);
        if (link === undefined) {
          throw new PeerLinkError(`the link to ${peer} closed at once`, 'closed', peer);
        }
      }
      const payload = body.length === 0 ? NO_BODY : body;
      try {
        return await link.request(fields, payload, {
          timeoutMs: Math.max(1, deadline - Date.now()),
          signal: options.signal,
        });
      } catch (error) {
        // A duplicate link closed by the peer before it took the request: the request was not
        // processed there, so it goes again on the link both sides keep.
        const other = openLinkOf(peer);
        if (
          error instanceof PeerLinkError &&
          error.failure === 'closed' &&
          error.closeCode === DUPLICATE_CLOSE_CODE &&
          other !== undefined &&
          other !== link &&
          Date.now() < deadline
        ) {
          return other.request(fields, payload, {
            timeoutMs: Math.max(1, deadline - Date.now()),
            signal: options.signal,
          });
        }
        throw error;
      }
    },
    link: openLinkOf,
    connect,
    keep(peers) {
      const next = new Set([...peers].filter((peer) => peer !== self));
      for (const peer of kept) {
        if (next.has(peer)) continue;
        kept.delete(peer);
        const timer = reconnectTimers.get(peer);
        if (timer !== undefined) clearTimeout(timer);
        reconnectTimers.delete(peer);
        attempts.delete(peer);
      }
      for (const peer of next) {
        if (kept.has(peer)) continue;
        kept.add(peer);
        if (stopped || openLinkOf(peer) !== undefined) continue;
        if (self < peer) {
          connect(peer);
        } else {
          // The lower key dials; dial ourselves only if it has not after a moment.
          const timer = setTimeout(
            () => {
              reconnectTimers.delete(peer);
              if (kept.has(peer)) connect(peer);
            },
            Math.round(dialGraceMs * (1 + Math.random())),
          );
          timer.unref();
          reconnectTimers.set(peer, timer);
        }
      }
    },
    onLinkUp(listener) {
      linkUpListeners.add(listener);
      return () => linkUpListeners.delete(listener);
    },
    status() {
      const out: PeerLinkStatus[] = [];
      for (const [peer, list] of links) {
        for (const link of list) {
          out.push({
            peer,
            role: link.role,
            state: link.state,
            openedAt: link.openedAt,
            kept: kept.has(peer),
          });
        }
      }
      return out;
    },
    start() {
      if (started) return;
      started = true;
      unsubscribe = network.onChange(onNetworkChange);
      idleTimer = setInterval(idleSweep, Math.min(heartbeatMs, idleTimeoutMs));
      idleTimer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe?.();
      if (idleTimer !== undefined) clearInterval(idleTimer);
      for (const timer of reconnectTimers.values()) clearTimeout(timer);
      reconnectTimers.clear();
      for (const { server, listener } of servers) server.off('upgrade', listener);
      for (const ws of handshaking) ws.terminate();
      const all = [...links.values()].flat();
      for (const link of all) link.close(1001, 'going away');
      const deadline = Date.now() + closeTimeoutMs;
      while (all.some((link) => link.state !== 'closed') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (const link of all) if (link.state !== 'closed') link.terminate();
      // Give terminated sockets their close events.
      await new Promise((resolve) => setImmediate(resolve));
      wss.close();
      updateGauge();
    },
  };
}

/**
 * The relay side of MCP v1 as a state machine over injected transports: link HELLO/AUTH,
 * CREATE/CREATED, EXTEND, RELAY cells in both directions, DESTROY, the exit's SUBSCRIBE, DATA,
 * PING and SENDME, flow control, queue bounds, CREATE rate limits and circuit caps, keepalive
 * and extension timeouts. `murmur-relay` runs it over WebSockets; tests run several of them over
 * in-memory links.
 *
 * Ordering: every cell of a circuit is handled synchronously when it arrives (decrypt, decide,
 * encrypt, queue on the next link), so the counter of a cell and its place in the link's queue
 * are assigned in one step. Asynchronous work (dialing a link for EXTEND, the exit's upstream
 * calls) ends by queueing cells through the same synchronous path; forward cells that arrive
 * while an EXTEND is pending wait in the circuit's bounded queue.
 */
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import {
  bytesToHex,
  type Clock,
  concatBytes,
  hexToBytes,
  type Logger,
  silentLogger,
  systemClock,
  utf8Encode,
} from '@murmur/wire';
import { allocateCircId, type Cell, decodeCell, encodeCell, isOpenerCircId } from './cell.js';
import {
  CELL_LENGTH,
  CIRCUIT_HOPS,
  DestroyReason,
  destroyReasonName,
  EXIT_MIN_RANDOM_PADDING,
  EXTEND_TIMEOUT_MS,
  HTYPE_NTOR,
  LINK_VERSION,
  MAX_DATA_REQUESTS_IN_FLIGHT,
  MAX_NOTIFY_DATA_BYTES,
  MAX_QUEUED_CELLS_PER_CIRCUIT,
  MAX_SUBSCRIBES_PER_MINUTE,
  MAX_SUBSCRIPTIONS_PER_CIRCUIT,
  RelayCommand,
  relayDataCapacity,
  SENDME_INCREMENT,
  SENDME_WINDOW,
} from './constants.js';
import {
  createHopLayer,
  type HopLayer,
  openForward,
  sealBackwardLocal,
  sealBackwardRelay,
  wipeHopLayer,
} from './layers.js';
import { signLinkAuth, verifyLinkAuth } from './link-auth.js';
import { ntorServer } from './ntor.js';
import {
  DATA_FRAGMENT_HEADER,
  decodeExtend,
  decodeFragment,
  decodePingToken,
  decodeRelayPayload,
  decodeSendme,
  type ExtendRequest,
  encodeExtended,
  encodeFragment,
  encodeRelayPayload,
  NOTIFY_FRAGMENT_HEADER,
  Reassembler,
  splitIntoSlices,
} from './relay-payload.js';
import {
  decodeSubscribe,
  decodeUnsubscribe,
  encodeNotification,
  encodeSubscribed,
  encodeSubscriptionEnded,
  type Notification,
  SUBSCRIBE_ERROR_LIMIT,
  type SubscribeAnswer,
  type SubscribeRequest,
  type SubscriptionAccount,
} from './subscribe.js';
import type { CellSink, CellTransport } from './transport.js';

/** Who may link and be extended to: the active registered nodes. */
export interface RelayDirectory {
  /** The registry X25519 key of an active registered node, by Ed25519 hex; else `undefined`. */
  lookup(ed25519Hex: string): { x25519: Uint8Array } | undefined;
}

/** A live subscription the exit holds upstream (a monitor subscription on a service node). */
export interface ExitSubscription {
  close(): void;
}

/** Where an exit subscription delivers. */
export interface ExitSubscriptionSink {
  /** One new message stored for the account. */
  notify(notification: Notification): void;
  /** The subscription ended upstream (left the swarm, lost the node, a limit). */
  ended(reason: number, text: string): void;
}

/** What an exit relay does upstream: monitor subscriptions and storage RPC requests. */
export interface ExitService {
  /**
   * Subscribes upstream. `exitEd25519` is this relay's key (the MONITOR2 signature covers it).
   * Resolves with Session's answer, and the subscription when it succeeded.
   */
  subscribe(
    request: SubscribeRequest,
    sink: ExitSubscriptionSink,
    options: { signal: AbortSignal },
  ): Promise<{ answer: SubscribeAnswer; subscription?: ExitSubscription }>;
  /** Runs one storage RPC request (UTF-8 JSON `{method, params}`); resolves `{code, body}` JSON. */
  request(body: Uint8Array, options: { signal: AbortSignal }): Promise<Uint8Array>;
}

/** Limits of a relay; every one has an MCP v1 default. */
export interface RelayLimits {
  /** Circuits open at once (default 20,000). */
  maxCircuits: number;
  /** Circuits per client address at a guard (default 64). */
  maxCircuitsPerClientAddress: number;
  /** CREATE token bucket per source address (guards) or neighbour relay: rate per second. */
  createRatePerSecond: number;
  /** ... and burst (default 20/s, burst 40). */
  createBurst: number;
  /** Cells queued per circuit (default 256). */
  maxQueuedCellsPerCircuit: number;
  /** A hop 1 or 2 not extended this long after CREATE is destroyed (default 10 s). */
  extendTimeoutMs: number;
  /** A link must finish HELLO (and AUTH) within this (default 10 s). */
  linkHandshakeTimeoutMs: number;
  /** Keepalive: PADDING after a random idle time in [min, max] (default 45–75 s). */
  keepaliveMinMs: number;
  keepaliveMaxMs: number;
  /** Exit: DATA requests in flight per circuit (default 4). */
  maxDataInFlight: number;
  /** Exit: the largest reassembled DATA request (default 64 KiB). */
  maxDataRequestBytes: number;
  /**
   * Exit: a random delay before each notification goes down the circuit, exponential with this
   * mean (ms); 0 (the default) is off. It blurs timing correlation at the cost of latency.
   */
  exitDelayMeanMs: number;
  /** Under memory pressure, the share of circuits (stalest first) destroyed per tick (0.1). */
  pressureShedFraction: number;
}

/** The MCP v1 defaults. */
export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxCircuits: 20_000,
  maxCircuitsPerClientAddress: 64,
  createRatePerSecond: 20,
  createBurst: 40,
  maxQueuedCellsPerCircuit: MAX_QUEUED_CELLS_PER_CIRCUIT,
  extendTimeoutMs: EXTEND_TIMEOUT_MS,
  linkHandshakeTimeoutMs: 10_000,
  keepaliveMinMs: 45_000,
  keepaliveMaxMs: 75_000,
  maxDataInFlight: MAX_DATA_REQUESTS_IN_FLIGHT,
  maxDataRequestBytes: 64 * 1024,
  exitDelayMeanMs: 0,
  pressureShedFraction: 0.1,
});

/** What a relay needs from its surroundings. */
export interface RelayCoreComponents {
  crypto: MurmurCrypto;
  /** The node's registry keys (from its key file). Secret keys never leave the core. */
  identity: { ed25519: KeyPair; x25519: KeyPair };
  directory: RelayDirectory;
  /** Opens a link to a relay by Ed25519 hex; cells that arrive go to `sink`. */
  dial(
    ed25519Hex: string,
    sink: CellSink,
  ): Promise<{ transport: CellTransport; exporter: Uint8Array }>;
  /** The exit side (absent: this relay refuses to be an exit, NOSUCHSERVICE). */
  exit?: ExitService | undefined;
  clock?: Clock | undefined;
  /** True while the process is short of memory: `tick()` then destroys the stalest circuits. */
  memoryPressure?: (() => boolean) | undefined;
  /** A uniform random number in [0, 1) for keepalive and exit delays (default Math.random). */
  random?: (() => number) | undefined;
  logger?: Logger | undefined;
}

/** Counters for `/metrics`. */
export interface RelayStats {
  circuitsOpen: number;
  circuitsByHop: [number, number, number];
  links: { client: number; relay: number; pending: number };
  cellsIn: number;
  cellsOut: number;
  handshakes: { ok: number; failed: number };
  destroys: Record<string, number>;
  createsShed: number;
  linksRefused: number;
}

/** The relay state machine. */
export interface RelayCore {
  /** Our Ed25519 key, hex. */
  readonly ed25519Hex: string;
  /** A link someone opened to us. Feed what arrives into the returned sink. */
  acceptLink(
    transport: CellTransport,
    info: { remoteAddress: string; exporter: Uint8Array },
  ): CellSink;
  /** Starts the timer of keepalives and timeouts. */
  start(): void;
  /** Runs keepalives and timeouts now (the timer calls it every second). */
  tick(): void;
  /** DESTROYs every circuit (HIBERNATING), closes every link, stops the timer. */
  stop(): void;
  stats(): RelayStats;
}

type LinkStage = 'await-hello' | 'await-auth' | 'ready' | 'closed';

interface Link {
  readonly serial: number;
  readonly transport: CellTransport;
  /** We opened it: our CircIDs have the top bit set. */
  readonly opener: boolean;
  kind: 'pending' | 'client' | 'relay';
  stage: LinkStage;
  readonly remoteAddress: string;
  readonly exporter: Uint8Array;
  /** For links we dial: the key we expect; for accepted relay links: the key that AUTHed. */
  peerHex: string | undefined;
  readonly myNonce: Uint8Array;
  peerNonce: Uint8Array | undefined;
  readonly ends: Map<number, CircuitEnd>;
  readonly openedAt: number;
  lastSent: number;
  keepaliveAfter: number;
  ready: Promise<Link> | undefined;
  resolveReady: ((link: Link) => void) | undefined;
  rejectReady: ((error: Error) => void) | undefined;
}

interface CircuitEnd {
  circuit: Circuit;
  side: 'prev' | 'next';
}

interface ExitState {
  readonly abort: AbortController;
  readonly subscriptions: Map<string, ExitSubscription>;
  subscribeTimes: number[];
  dataInFlight: number;
  readonly requests: Reassembler;
  /** NOTIFY/DATA cells sent and acknowledged. */
  sent: number;
  acked: number;
  readonly tags: Map<number, Uint8Array>;
  /**
   * Messages waiting for the window, each cut into fragment cells lazily as the window opens
   * (a DATA answer is held as its bytes, not as 2 KiB cells).
   */
  readonly queue: QueuedMessage[];
  /** NOTIFY cells waiting (bounded by `maxQueuedCellsPerCircuit`). */
  queuedNotifyCells: number;
  nextMessageId: number;
  readonly delays: Set<ReturnType<typeof setTimeout>>;
}

interface QueuedMessage {
  readonly command: typeof RelayCommand.NOTIFY | typeof RelayCommand.DATA;
  /** The request id (DATA) or 0. */
  readonly id: number;
  /** The NOTIFY message id (0 for DATA). */
  readonly messageId: number;
  readonly slices: Uint8Array[];
  next: number;
}

interface Circuit {
  readonly serial: number;
  readonly hop: number;
  readonly prev: { link: Link; circId: number };
  next: { link: Link; circId: number } | undefined;
  readonly layer: HopLayer;
  state: 'open' | 'extending' | 'extended' | 'exit' | 'dead';
  readonly pending: Uint8Array[];
  readonly createdAt: number;
  /** The last cell this circuit carried (either way): "stalest" means the oldest. */
  lastActivity: number;
  readonly clientAddress: string | undefined;
  exit: ExitState | undefined;
}

class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= 50_000) {
        const oldest = this.#buckets.keys().next().value as string;
        this.#buckets.delete(oldest);
      }
      bucket = { tokens: this.burst, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** Slice sizes of the exit's fragments: capacity minus header, keeping 16 random padding bytes. */
const NOTIFY_SLICE = relayDataCapacity(3) - NOTIFY_FRAGMENT_HEADER - EXIT_MIN_RANDOM_PADDING;
const DATA_SLICE = relayDataCapacity(3) - DATA_FRAGMENT_HEADER - EXIT_MIN_RANDOM_PADDING;

/** Creates the relay state machine. */
export function createRelayCore(
  init: { limits?: Partial<RelayLimits> },
  components: RelayCoreComponents,
): RelayCore {
  const limits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...init.limits };
  const { crypto, identity, directory } = components;
  const clock = components.clock ?? systemClock;
  const logger = components.logger ?? silentLogger();
  const ownHex = bytesToHex(identity.ed25519.publicKey);
  const buckets = new TokenBuckets(limits.createRatePerSecond, limits.createBurst);
  const links = new Set<Link>();
  const relayLinks = new Map<string, Link>();
  const dialing = new Map<string, Promise<Link>>();
  const circuits = new Set<Circuit>();
  const perAddress = new Map<string, number>();
  const counters = {
    cellsIn: 0,
    cellsOut: 0,
    handshakesOk: 0,
    handshakesFailed: 0,
    createsShed: 0,
    linksRefused: 0,
  };
  const destroys: Record<string, number> = {};
  let linkSerial = 0;
  let circuitSerial = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const random = components.random ?? Math.random;
  const keepaliveDelay = () =>
    limits.keepaliveMinMs + random() * (limits.keepaliveMaxMs - limits.keepaliveMinMs);

  function newLink(
    transport: CellTransport,
    opener: boolean,
    remoteAddress: string,
    exporter: Uint8Array,
    peerHex: string | undefined,
  ): Link {
    const now = clock.now();
    const link: Link = {
      serial: ++linkSerial,
      transport,
      opener,
      kind: 'pending',
      stage: 'await-hello',
      remoteAddress,
      exporter,
      peerHex,
      myNonce: crypto.randomBytes(32),
      peerNonce: undefined,
      ends: new Map(),
      openedAt: now,
      lastSent: now,
      keepaliveAfter: keepaliveDelay(),
      ready: undefined,
      resolveReady: undefined,
      rejectReady: undefined,
    };
    links.add(link);
    return link;
  }

  function send(link: Link, cell: Cell): void {
    if (link.stage === 'closed') return;
    link.transport.send(encodeCell(cell));
    link.lastSent = clock.now();
    counters.cellsOut++;
  }

  function closeLink(link: Link, why: string): void {
    if (link.stage === 'closed') return;
    link.stage = 'closed';
    links.delete(link);
    if (link.peerHex !== undefined && relayLinks.get(link.peerHex) === link) {
      relayLinks.delete(link.peerHex);
    }
    link.rejectReady?.(new Error(`link closed: ${why}`));
    logger.debug({ link: link.serial, kind: link.kind, why }, 'link closed');
    for (const [, end] of [...link.ends]) {
      destroyCircuit(
        end.circuit,
        DestroyReason.CHANNEL_CLOSED,
        end.side === 'prev' ? 'prev-link' : 'next-link',
      );
    }
    try {
      link.transport.close();
    } catch {
      // Already closed.
    }
  }

  // -------------------------------------------------------------------------------------------
  // Circuits
  // -------------------------------------------------------------------------------------------

  function destroyCircuit(
    circuit: Circuit,
    reason: number,
    from: 'prev' | 'next' | 'self' | 'prev-link' | 'next-link',
  ): void {
    if (circuit.state === 'dead') return;
    circuit.state = 'dead';
    circuits.delete(circuit);
    const name = destroyReasonName(reason);
    destroys[name] = (destroys[name] ?? 0) + 1;
    const towardsPrev =
      from === 'self'
        ? reason
        : from === 'next'
          ? DestroyReason.DESTROYED
          : from === 'next-link'
            ? DestroyReason.CHANNEL_CLOSED
            : undefined;
    const towardsNext =
      from === 'self'
        ? reason
        : from === 'prev'
          ? DestroyReason.DESTROYED
          : from === 'prev-link'
            ? DestroyReason.CHANNEL_CLOSED
            : undefined;
    circuit.prev.link.ends.delete(circuit.prev.circId);
    if (towardsPrev !== undefined) {
      send(circuit.prev.link, {
        type: 'DESTROY',
        circId: circuit.prev.circId,
        reason: towardsPrev,
      });
    }
    if (circuit.next !== undefined) {
      circuit.next.link.ends.delete(circuit.next.circId);
      if (towardsNext !== undefined) {
        send(circuit.next.link, {
          type: 'DESTROY',
          circId: circuit.next.circId,
          reason: towardsNext,
        });
      }
    }
    if (circuit.clientAddress !== undefined) {
      const count = (perAddress.get(circuit.clientAddress) ?? 1) - 1;
      if (count <= 0) perAddress.delete(circuit.clientAddress);
      else perAddress.set(circuit.clientAddress, count);
    }
    circuit.pending.length = 0;
    if (circuit.exit !== undefined) {
      circuit.exit.abort.abort();
      for (const delay of circuit.exit.delays) clearTimeout(delay);
      circuit.exit.delays.clear();
      for (const subscription of circuit.exit.subscriptions.values()) subscription.close();
      circuit.exit.subscriptions.clear();
      circuit.exit.queue.length = 0;
      circuit.exit.requests.clear();
    }
    wipeHopLayer(crypto, circuit.layer);
    logger.debug(
      { circuit: circuit.serial, hop: circuit.hop, reason: name, from },
      'circuit destroyed',
    );
  }

  function sendBackwardLocal(
    circuit: Circuit,
    command: RelayCommand,
    id: number,
    data: Uint8Array,
    randomPadding = false,
  ): Uint8Array {
    const payload = encodeRelayPayload(
      circuit.hop,
      { command, id, data },
      randomPadding ? (n) => crypto.randomBytes(n) : undefined,
    );
    const { body, tag } = sealBackwardLocal(crypto, circuit.layer, circuit.hop, payload);
    send(circuit.prev.link, { type: 'RELAY', circId: circuit.prev.circId, body });
    return tag;
  }

  function handleCreate(link: Link, cell: Extract<Cell, { type: 'CREATE' }>): void {
    const refuse = (reason: number) => send(link, { type: 'DESTROY', circId: cell.circId, reason });
    // The peer allocated this CircID: its top bit is set exactly when the peer opened the link.
    if (isOpenerCircId(cell.circId) === link.opener) {
      refuse(DestroyReason.PROTOCOL);
      return;
    }
    if (link.ends.has(cell.circId)) return; // in use: dropped
    if (link.kind === 'pending') link.kind = 'client';
    const fromClient = link.kind === 'client';
    if (fromClient ? cell.hop !== 1 : cell.hop === 1 || cell.hop > CIRCUIT_HOPS) {
      refuse(DestroyReason.PROTOCOL);
      return;
    }
    if (
      cell.htype !== HTYPE_NTOR ||
      !crypto.equalConstantTime(cell.id, identity.ed25519.publicKey) ||
      !crypto.equalConstantTime(cell.b, identity.x25519.publicKey)
    ) {
      refuse(DestroyReason.OR_IDENTITY);
      return;
    }
    const source = fromClient ? `address:${link.remoteAddress}` : `relay:${link.peerHex}`;
    if (!buckets.take(source, clock.now())) {
      counters.createsShed++;
      refuse(DestroyReason.RESOURCELIMIT);
      return;
    }
    if (circuits.size >= limits.maxCircuits) {
      refuse(DestroyReason.RESOURCELIMIT);
      return;
    }
    if (
      fromClient &&
      (perAddress.get(link.remoteAddress) ?? 0) >= limits.maxCircuitsPerClientAddress
    ) {
      refuse(DestroyReason.RESOURCELIMIT);
      return;
    }
    let answer: ReturnType<typeof ntorServer>;
    try {
      answer = ntorServer(
        crypto,
        { id: identity.ed25519.publicKey, x25519: identity.x25519 },
        cell.x,
      );
    } catch {
      counters.handshakesFailed++;
      refuse(DestroyReason.PROTOCOL);
      return;
    }
    counters.handshakesOk++;
    const circuit: Circuit = {
      serial: ++circuitSerial,
      hop: cell.hop,
      prev: { link, circId: cell.circId },
      next: undefined,
      layer: createHopLayer({ kf: answer.kf, kb: answer.kb }),
      state: cell.hop === CIRCUIT_HOPS ? 'exit' : 'open',
      pending: [],
      createdAt: clock.now(),
      lastActivity: clock.now(),
      clientAddress: fromClient ? link.remoteAddress : undefined,
      exit: undefined,
    };
    if (circuit.clientAddress !== undefined) {
      perAddress.set(circuit.clientAddress, (perAddress.get(circuit.clientAddress) ?? 0) + 1);
    }
    circuits.add(circuit);
    link.ends.set(cell.circId, { circuit, side: 'prev' });
    send(link, { type: 'CREATED', circId: cell.circId, y: answer.y, auth: answer.auth });
  }

  function handleForward(circuit: Circuit, body: Uint8Array): void {
    const opened = openForward(crypto, circuit.layer, circuit.hop, body);
    if (opened.kind === 'refused') {
      destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      return;
    }
    if (opened.kind === 'forward') {
      if (circuit.state === 'extended' && circuit.next !== undefined) {
        send(circuit.next.link, { type: 'RELAY', circId: circuit.next.circId, body: opened.body });
      } else if (circuit.state === 'extending') {
        if (circuit.pending.length >= limits.maxQueuedCellsPerCircuit) {
          destroyCircuit(circuit, DestroyReason.RESOURCELIMIT, 'self');
          return;
        }
        circuit.pending.push(opened.body);
      } else {
        destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      }
      return;
    }
    let payload: ReturnType<typeof decodeRelayPayload>;
    try {
      payload = decodeRelayPayload(circuit.hop, opened.payload);
    } catch {
      destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      return;
    }
    if (payload.command === RelayCommand.DROP) return;
    if (circuit.hop < CIRCUIT_HOPS) {
      if (payload.command !== RelayCommand.EXTEND || circuit.state !== 'open') {
        destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
        return;
      }
      let request: ExtendRequest;
      try {
        request = decodeExtend(payload.data);
      } catch {
        destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
        return;
      }
      void extend(circuit, request);
      return;
    }
    handleExitCommand(circuit, payload.command, payload.id, payload.data);
  }

  async function extend(circuit: Circuit, request: ExtendRequest): Promise<void> {
    circuit.state = 'extending';
    const targetHex = bytesToHex(request.id);
    const previousHex = circuit.prev.link.kind === 'relay' ? circuit.prev.link.peerHex : undefined;
    if (targetHex === ownHex || targetHex === previousHex) {
      return destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
    }
    const entry = directory.lookup(targetHex);
    if (entry === undefined || !crypto.equalConstantTime(entry.x25519, request.b)) {
      return destroyCircuit(circuit, DestroyReason.OR_IDENTITY, 'self');
    }
    let link: Link;
    try {
      link = await linkTo(targetHex);
    } catch (error) {
      logger.debug({ circuit: circuit.serial, err: String(error) }, 'extend: link failed');
      return destroyCircuit(circuit, DestroyReason.CONNECTFAILED, 'self');
    }
    if (circuit.state !== 'extending' || link.stage !== 'ready') {
      if (circuit.state === 'extending') {
        destroyCircuit(circuit, DestroyReason.CONNECTFAILED, 'self');
      }
      return;
    }
    const circId = allocateCircId(link.opener, link.ends, (n) => crypto.randomBytes(n));
    circuit.next = { link, circId };
    link.ends.set(circId, { circuit, side: 'next' });
    send(link, {
      type: 'CREATE',
      circId,
      hop: circuit.hop + 1,
      htype: HTYPE_NTOR,
      id: request.id,
      b: request.b,
      x: request.x,
    });
  }

  function handleCreated(circuit: Circuit, cell: Extract<Cell, { type: 'CREATED' }>): void {
    if (circuit.state !== 'extending') {
      destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      return;
    }
    circuit.state = 'extended';
    sendBackwardLocal(circuit, RelayCommand.EXTENDED, 0, encodeExtended(cell));
    const next = circuit.next as { link: Link; circId: number };
    for (const body of circuit.pending.splice(0)) {
      send(next.link, { type: 'RELAY', circId: next.circId, body });
    }
  }

  function handleBackward(circuit: Circuit, body: Uint8Array): void {
    if (circuit.state !== 'extended') {
      destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      return;
    }
    const sealed = sealBackwardRelay(crypto, circuit.layer, circuit.hop, body);
    send(circuit.prev.link, { type: 'RELAY', circId: circuit.prev.circId, body: sealed });
  }

  // -------------------------------------------------------------------------------------------
  // The exit
  // -------------------------------------------------------------------------------------------

  function exitState(circuit: Circuit): ExitState {
    if (circuit.exit === undefined) {
      circuit.exit = {
        abort: new AbortController(),
        subscriptions: new Map(),
        subscribeTimes: [],
        dataInFlight: 0,
        requests: new Reassembler({
          maxBytes: limits.maxDataRequestBytes,
          maxPending: limits.maxDataInFlight,
        }),
        sent: 0,
        acked: 0,
        tags: new Map(),
        queue: [],
        queuedNotifyCells: 0,
        nextMessageId: 1,
        delays: new Set(),
      };
    }
    return circuit.exit;
  }

  /** Sends queued NOTIFY/DATA cells while the window is open. */
  function pump(circuit: Circuit): void {
    const exit = circuit.exit;
    if (exit === undefined) return;
    while (
      circuit.state === 'exit' &&
      exit.queue.length > 0 &&
      exit.sent - exit.acked < SENDME_WINDOW
    ) {
      const item = exit.queue[0] as QueuedMessage;
      const index = item.next++;
      const slice = item.slices[index] as Uint8Array;
      if (item.next >= item.slices.length) exit.queue.shift();
      const isNotify = item.command === RelayCommand.NOTIFY;
      if (isNotify) exit.queuedNotifyCells--;
      const data = encodeFragment(isNotify ? 'NOTIFY' : 'DATA', {
        messageId: item.messageId,
        index,
        count: item.slices.length,
        slice,
      });
      const tag = sendBackwardLocal(circuit, item.command, item.id, data, true);
      exit.sent++;
      if (exit.sent % SENDME_INCREMENT === 0) exit.tags.set(exit.sent, tag);
    }
  }

  function enqueue(circuit: Circuit, message: Omit<QueuedMessage, 'next'>): boolean {
    const exit = exitState(circuit);
    if (message.command === RelayCommand.NOTIFY) {
      // Notifications are unsolicited: bound the cells they may hold at the exit.
      if (exit.queuedNotifyCells + message.slices.length > limits.maxQueuedCellsPerCircuit) {
        destroyCircuit(circuit, DestroyReason.RESOURCELIMIT, 'self');
        return false;
      }
      exit.queuedNotifyCells += message.slices.length;
    }
    exit.queue.push({ ...message, next: 0 });
    return true;
  }

  function accountOf(request: SubscriptionAccount): Uint8Array {
    if ('account' in request) return request.account;
    return concatBytes(Uint8Array.of(0x05), crypto.ed25519PublicKeyToX25519(request.ed25519));
  }

  function deliverNotification(circuit: Circuit, notification: Notification): void {
    if (circuit.state !== 'exit') return;
    const exit = exitState(circuit);
    if (limits.exitDelayMeanMs > 0) {
      const delayMs = -Math.log(1 - random()) * limits.exitDelayMeanMs;
      const delay = setTimeout(() => {
        exit.delays.delete(delay);
        sendNotification(circuit, exit, notification);
      }, delayMs);
      exit.delays.add(delay);
      return;
    }
    sendNotification(circuit, exit, notification);
  }

  function sendNotification(circuit: Circuit, exit: ExitState, notification: Notification): void {
    if (circuit.state !== 'exit') return;
    let announced = notification;
    if (notification.data !== undefined && notification.data.length > MAX_NOTIFY_DATA_BYTES) {
      const { data: _data, ...withoutData } = notification;
      announced = withoutData;
    }
    const slices = splitIntoSlices(encodeNotification(announced), NOTIFY_SLICE);
    const messageId = exit.nextMessageId;
    exit.nextMessageId = (exit.nextMessageId + 1) >>> 0 || 1;
    if (!enqueue(circuit, { command: RelayCommand.NOTIFY, id: 0, messageId, slices })) return;
    pump(circuit);
  }

  function sendDataAnswer(circuit: Circuit, id: number, answer: Uint8Array): void {
    if (circuit.state !== 'exit') return;
    let slices: Uint8Array[];
    try {
      slices = splitIntoSlices(answer, DATA_SLICE);
    } catch {
      slices = [utf8Encode(JSON.stringify({ code: 507, body: 'answer too large for a circuit' }))];
    }
    // DATA answers are bounded by the requests in flight (and 255 fragments each).
    if (!enqueue(circuit, { command: RelayCommand.DATA, id, messageId: 0, slices })) return;
    pump(circuit);
  }

  function handleExitCommand(
    circuit: Circuit,
    command: RelayCommand,
    id: number,
    data: Uint8Array,
  ): void {
    const exitService = components.exit;
    switch (command) {
      case RelayCommand.PING: {
        let token: Uint8Array;
        try {
          token = decodePingToken(data);
        } catch {
          destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
          return;
        }
        sendBackwardLocal(circuit, RelayCommand.PONG, 0, token);
        return;
      }
      case RelayCommand.SENDME: {
        const exit = exitState(circuit);
        let sendme: ReturnType<typeof decodeSendme>;
        try {
          sendme = decodeSendme(data);
        } catch {
          destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
          return;
        }
        const expected = exit.tags.get(sendme.count);
        if (
          sendme.count !== exit.acked + SENDME_INCREMENT ||
          expected === undefined ||
          !crypto.equalConstantTime(expected, sendme.tag)
        ) {
          destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
          return;
        }
        exit.tags.delete(sendme.count);
        exit.acked = sendme.count;
        pump(circuit);
        return;
      }
      case RelayCommand.SUBSCRIBE:
      case RelayCommand.UNSUBSCRIBE:
      case RelayCommand.DATA:
        if (exitService === undefined) {
          destroyCircuit(circuit, DestroyReason.NOSUCHSERVICE, 'self');
          return;
        }
        if (command === RelayCommand.SUBSCRIBE) {
          subscribe(circuit, exitService, id, data);
          return;
        }
        if (command === RelayCommand.UNSUBSCRIBE) {
          unsubscribe(circuit, id, data);
          return;
        }
        dataRequest(circuit, exitService, id, data);
        return;
      default:
        // EXTEND at the exit, or a command that only travels backwards.
        destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
        return;
    }
  }

  function subscribe(
    circuit: Circuit,
    exitService: ExitService,
    id: number,
    data: Uint8Array,
  ): void {
    const exit = exitState(circuit);
    const answer = (value: SubscribeAnswer) => {
      if (circuit.state === 'exit')
        sendBackwardLocal(circuit, RelayCommand.SUBSCRIBED, id, encodeSubscribed(value));
    };
    let request: SubscribeRequest;
    try {
      request = decodeSubscribe(data);
    } catch {
      answer({ success: false, errcode: 1, error: 'invalid SUBSCRIBE arguments' });
      return;
    }
    const now = clock.now();
    exit.subscribeTimes = exit.subscribeTimes.filter((t) => now - t < 60_000);
    if (exit.subscribeTimes.length >= MAX_SUBSCRIBES_PER_MINUTE) {
      answer({
        success: false,
        errcode: SUBSCRIBE_ERROR_LIMIT,
        error: 'too many SUBSCRIBEs a minute',
      });
      return;
    }
    exit.subscribeTimes.push(now);
    let key: string;
    try {
      key = bytesToHex(accountOf(request));
    } catch {
      answer({ success: false, errcode: 2, error: 'P is not a valid Ed25519 key' });
      return;
    }
    if (!exit.subscriptions.has(key) && exit.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CIRCUIT) {
      answer({
        success: false,
        errcode: SUBSCRIBE_ERROR_LIMIT,
        error: 'too many accounts on this circuit',
      });
      return;
    }
    const account = hexToBytes(key);
    const sink: ExitSubscriptionSink = {
      notify: (notification) => deliverNotification(circuit, notification),
      ended: (reason, text) => {
        if (circuit.state !== 'exit') return;
        exit.subscriptions.delete(key);
        sendBackwardLocal(
          circuit,
          RelayCommand.SUB_ENDED,
          0,
          encodeSubscriptionEnded({ account, reason, text }),
        );
      },
    };
    exitService.subscribe(request, sink, { signal: exit.abort.signal }).then(
      ({ answer: result, subscription }) => {
        if (circuit.state !== 'exit') {
          subscription?.close();
          return;
        }
        if (result.success && subscription !== undefined) {
          exit.subscriptions.get(key)?.close();
          exit.subscriptions.set(key, subscription);
        }
        answer(result);
      },
      (error: unknown) => {
        logger.debug({ circuit: circuit.serial, err: String(error) }, 'exit subscribe failed');
        answer({ success: false, errcode: 6, error: 'upstream unavailable' });
      },
    );
  }

  function unsubscribe(circuit: Circuit, id: number, data: Uint8Array): void {
    const exit = exitState(circuit);
    let key: string;
    try {
      key = bytesToHex(accountOf(decodeUnsubscribe(data)));
    } catch {
      sendBackwardLocal(
        circuit,
        RelayCommand.SUBSCRIBED,
        id,
        encodeSubscribed({ success: false, errcode: 1, error: 'invalid UNSUBSCRIBE arguments' }),
      );
      return;
    }
    exit.subscriptions.get(key)?.close();
    exit.subscriptions.delete(key);
    sendBackwardLocal(circuit, RelayCommand.SUBSCRIBED, id, encodeSubscribed({ success: true }));
  }

  function dataRequest(
    circuit: Circuit,
    exitService: ExitService,
    id: number,
    data: Uint8Array,
  ): void {
    const exit = exitState(circuit);
    let body: Uint8Array | undefined;
    try {
      body = exit.requests.add(id, decodeFragment('DATA', data));
    } catch {
      destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
      return;
    }
    if (body === undefined) return;
    if (exit.dataInFlight >= limits.maxDataInFlight) {
      sendDataAnswer(
        circuit,
        id,
        utf8Encode(JSON.stringify({ code: 429, body: 'too many DATA requests in flight' })),
      );
      return;
    }
    exit.dataInFlight++;
    exitService.request(body, { signal: exit.abort.signal }).then(
      (answer) => {
        exit.dataInFlight--;
        sendDataAnswer(circuit, id, answer);
      },
      (error: unknown) => {
        exit.dataInFlight--;
        logger.debug({ circuit: circuit.serial, err: String(error) }, 'exit request failed');
        sendDataAnswer(
          circuit,
          id,
          utf8Encode(JSON.stringify({ code: 502, body: 'upstream request failed' })),
        );
      },
    );
  }

  // -------------------------------------------------------------------------------------------
  // Links
  // -------------------------------------------------------------------------------------------

  function authInput(link: Link, role: 'I' | 'R') {
    const peer = link.peerHex === undefined ? new Uint8Array(32) : hexToBytes(link.peerHex);
    const own = identity.ed25519.publicKey;
    return {
      role,
      initiatorNonce: link.opener ? link.myNonce : (link.peerNonce as Uint8Array),
      responderNonce: link.opener ? (link.peerNonce as Uint8Array) : link.myNonce,
      initiatorEd25519: link.opener ? own : peer,
      responderEd25519: link.opener ? peer : own,
      exporter: link.exporter,
    };
  }

  function onLinkCell(link: Link, bytes: Uint8Array): void {
    if (link.stage === 'closed') return;
    counters.cellsIn++;
    if (bytes.length !== CELL_LENGTH) {
      closeLink(link, `a message of ${bytes.length} bytes`);
      return;
    }
    let cell: Cell;
    try {
      cell = decodeCell(bytes);
    } catch {
      // A well-sized but malformed cell: destroy its circuit, if it names one.
      const circId = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
      const end = link.ends.get(circId);
      if (end !== undefined) destroyCircuit(end.circuit, DestroyReason.PROTOCOL, 'self');
      else if (link.stage !== 'ready' && link.kind !== 'client') {
        closeLink(link, 'malformed cell during the handshake');
      }
      return;
    }
    if (link.stage === 'await-hello') {
      if (cell.type !== 'HELLO' || cell.version !== LINK_VERSION) {
        closeLink(link, 'expected HELLO');
        return;
      }
      link.peerNonce = cell.nonce;
      if (link.opener) {
        link.stage = 'await-auth';
        send(link, {
          type: 'AUTH',
          circId: 0,
          ed25519: identity.ed25519.publicKey,
          signature: signLinkAuth(crypto, identity.ed25519.secretKey, authInput(link, 'I')),
        });
      } else {
        send(link, { type: 'HELLO', circId: 0, version: LINK_VERSION, nonce: link.myNonce });
        link.stage = 'ready';
      }
      return;
    }
    if (link.stage === 'await-auth') {
      // Only links we opened wait for the responder's AUTH.
      if (cell.type !== 'AUTH') {
        closeLink(link, 'expected AUTH');
        return;
      }
      const input = authInput(link, 'R');
      if (
        bytesToHex(cell.ed25519) !== link.peerHex ||
        !verifyLinkAuth(crypto, cell.signature, input)
      ) {
        counters.linksRefused++;
        closeLink(link, 'the responder AUTH does not hold');
        return;
      }
      link.stage = 'ready';
      link.kind = 'relay';
      link.resolveReady?.(link);
      return;
    }
    switch (cell.type) {
      case 'PADDING':
        return;
      case 'HELLO':
        closeLink(link, 'a second HELLO');
        return;
      case 'AUTH': {
        if (link.kind !== 'pending' || link.opener) {
          closeLink(link, 'AUTH on a client link');
          return;
        }
        const peerHex = bytesToHex(cell.ed25519);
        link.peerHex = peerHex;
        const input = authInput(link, 'I');
        if (
          peerHex === ownHex ||
          directory.lookup(peerHex) === undefined ||
          !verifyLinkAuth(crypto, cell.signature, input)
        ) {
          counters.linksRefused++;
          closeLink(link, 'link AUTH refused (unregistered, own key or bad signature)');
          return;
        }
        link.kind = 'relay';
        if (!relayLinks.has(peerHex)) relayLinks.set(peerHex, link);
        send(link, {
          type: 'AUTH',
          circId: 0,
          ed25519: identity.ed25519.publicKey,
          signature: signLinkAuth(crypto, identity.ed25519.secretKey, authInput(link, 'R')),
        });
        return;
      }
      case 'CREATE':
        handleCreate(link, cell);
        return;
      default: {
        const end = link.ends.get(cell.circId);
        if (end === undefined) return; // unknown CircID: dropped
        const { circuit, side } = end;
        if (cell.type === 'DESTROY') {
          destroyCircuit(circuit, cell.reason, side);
          return;
        }
        if (cell.type === 'CREATED') {
          if (side !== 'next') {
            destroyCircuit(circuit, DestroyReason.PROTOCOL, 'self');
            return;
          }
          handleCreated(circuit, cell);
          return;
        }
        circuit.lastActivity = clock.now();
        if (side === 'prev') {
          handleForward(circuit, cell.body);
          return;
        }
        handleBackward(circuit, cell.body);
        return;
      }
    }
  }

  function sinkOf(link: Link): CellSink {
    return {
      receive: (bytes) => {
        try {
          onLinkCell(link, bytes);
        } catch (error) {
          logger.error(
            { link: link.serial, err: String(error) },
            'relay: internal error on a cell',
          );
          closeLink(link, 'internal error');
        }
      },
      closed: () => closeLink(link, 'closed by peer'),
    };
  }

  function linkTo(peerHex: string): Promise<Link> {
    const existing = relayLinks.get(peerHex);
    if (existing !== undefined && existing.stage !== 'closed') {
      if (existing.stage === 'ready') return Promise.resolve(existing);
      if (existing.ready !== undefined) return existing.ready;
    }
    // Two EXTENDs to the same relay while its link is being dialled share one dial.
    const pending = dialing.get(peerHex);
    if (pending !== undefined) return pending;
    let holder: CellSink | undefined;
    let holderLink: Link | undefined;
    const pendingSink: CellSink = {
      receive: (bytes) => {
        holder?.receive(bytes);
      },
      closed: () => {
        if (holderLink !== undefined) closeLink(holderLink, 'closed by peer');
      },
    };
    const ready = components.dial(peerHex, pendingSink).then(({ transport, exporter }) => {
      if (stopped) {
        transport.close();
        throw new Error('relay stopped');
      }
      const link = newLink(transport, true, peerHex, exporter, peerHex);
      holderLink = link;
      holder = sinkOf(link);
      relayLinks.set(peerHex, link);
      const promise = new Promise<Link>((resolve, reject) => {
        link.resolveReady = resolve;
        link.rejectReady = reject;
      });
      link.ready = promise;
      send(link, { type: 'HELLO', circId: 0, version: LINK_VERSION, nonce: link.myNonce });
      return promise;
    });
    dialing.set(peerHex, ready);
    const forget = () => {
      if (dialing.get(peerHex) === ready) dialing.delete(peerHex);
    };
    ready.then(forget, forget);
    return ready;
  }

  return {
    ed25519Hex: ownHex,

    acceptLink(transport, info) {
      const link = newLink(transport, false, info.remoteAddress, info.exporter, undefined);
      if (stopped) closeLink(link, 'relay stopped');
      return sinkOf(link);
    },

    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => this.tick(), 1000);
      (timer as { unref?: () => void }).unref?.();
    },

    tick() {
      const now = clock.now();
      for (const link of [...links]) {
        if (link.stage !== 'ready' || link.kind === 'pending') {
          if (now - link.openedAt > limits.linkHandshakeTimeoutMs) {
            closeLink(link, 'handshake timeout');
            continue;
          }
        }
        if (link.stage !== 'ready') continue;
        if (now - link.lastSent >= link.keepaliveAfter) {
          send(link, { type: 'PADDING', circId: 0 });
          link.keepaliveAfter = keepaliveDelay();
        }
      }
      if (components.memoryPressure?.() === true && circuits.size > 0) {
        const stalest = [...circuits].sort((a, b) => a.lastActivity - b.lastActivity);
        const count = Math.max(1, Math.floor(stalest.length * limits.pressureShedFraction));
        logger.warn(
          { circuits: circuits.size, destroying: count },
          'memory pressure: destroying the stalest circuits',
        );
        for (const circuit of stalest.slice(0, count)) {
          destroyCircuit(circuit, DestroyReason.RESOURCELIMIT, 'self');
        }
      }
      for (const circuit of [...circuits]) {
        if (
          circuit.hop < CIRCUIT_HOPS &&
          circuit.state !== 'extended' &&
          now - circuit.createdAt > limits.extendTimeoutMs
        ) {
          destroyCircuit(circuit, DestroyReason.TIMEOUT, 'self');
        }
      }
    },

    stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const circuit of [...circuits])
        destroyCircuit(circuit, DestroyReason.HIBERNATING, 'self');
      for (const link of [...links]) closeLink(link, 'relay stopping');
    },

    stats() {
      const byHop: [number, number, number] = [0, 0, 0];
      for (const circuit of circuits) byHop[circuit.hop - 1] = (byHop[circuit.hop - 1] ?? 0) + 1;
      const kinds = { client: 0, relay: 0, pending: 0 };
      for (const link of links) kinds[link.kind]++;
      return {
        circuitsOpen: circuits.size,
        circuitsByHop: byHop,
        links: kinds,
        cellsIn: counters.cellsIn,
        cellsOut: counters.cellsOut,
        handshakes: { ok: counters.handshakesOk, failed: counters.handshakesFailed },
        destroys: { ...destroys },
        createsShed: counters.createsShed,
        linksRefused: counters.linksRefused,
      };
    },
  };
}

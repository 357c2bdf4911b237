/**
 * The client side of MCP v1: pick guard / middle / exit (the exit inside the account's swarm),
 * open an anonymous link to the guard (HELLO, never AUTH), CREATE hop 1, EXTEND to hops 2 and 3
 * one at a time, and hand back a {@link Circuit} that speaks SUBSCRIBE, UNSUBSCRIBE, DATA, PING
 * and DROP, answers every 32 NOTIFY/DATA cells with SENDME, and checks who may say what: EXTENDED
 * only from the hop asked, everything else only from the exit.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { type RandomSource, secureRandom, subnetOf } from '@murmur/onion';
import {
  AbortError,
  bytesToHex,
  type Clock,
  createEmitter,
  type EventSource,
  hexToBytes,
  type Logger,
  RequestTimeoutError,
  raceAbort,
  silentLogger,
  systemClock,
  utf8Decode,
  utf8Encode,
} from '@murmur/wire';
import { allocateCircId, type Cell, decodeCell, encodeCell } from './cell.js';
import {
  BUILD_TIMEOUT_MS,
  CELL_LENGTH,
  CIRCUIT_HOPS,
  DestroyReason,
  destroyReasonName,
  HTYPE_NTOR,
  LINK_VERSION,
  MAX_DATA_REQUESTS_IN_FLIGHT,
  PING_TIMEOUT_MS,
  PING_TOKEN_LENGTH,
  RelayCommand,
  relayDataCapacity,
  SENDME_INCREMENT,
} from './constants.js';
import { CircuitClosedError, NoCircuitPathError } from './errors.js';
import {
  createHopLayer,
  type HopLayer,
  openBackward,
  sealForward,
  wipeHopLayer,
} from './layers.js';
import { type NtorClientState, ntorClientFinish, ntorClientStart, wipeNtorClient } from './ntor.js';
import {
  DATA_FRAGMENT_HEADER,
  decodeExtended,
  decodeFragment,
  decodePingToken,
  decodeRelayPayload,
  encodeExtend,
  encodeFragment,
  encodeRelayPayload,
  encodeSendme,
  Reassembler,
  splitIntoSlices,
} from './relay-payload.js';
import {
  decodeNotification,
  decodeSubscribed,
  decodeSubscriptionEnded,
  encodeSubscribe,
  encodeUnsubscribe,
  type Notification,
  type SubscribeAnswer,
  type SubscribeRequest,
  type SubscriptionEnded,
  type UnsubscribeRequest,
} from './subscribe.js';
import type { CellSink, CellTransport } from './transport.js';

/** A relay as the client knows it (from the node list: the node's keys and its relay port). */
export interface CircuitRelay {
  /** Ed25519 key, 64 hex (the relay's identity, `ID`). */
  ed25519: string;
  /** Registry X25519 key, 64 hex (`B`). */
  x25519: string;
  /** IPv4 address. */
  ip: string;
  /** The registered relay port. */
  port: number;
  /** The operator (staking address), when known: no two hops share one. */
  operator?: string | undefined;
}

/** Options of the builder. */
export interface CircuitBuilderInit {
  /** Give up building after this long (default 10 s). */
  buildTimeoutMs?: number;
  /** A PING without PONG after this long kills the circuit (default 20 s). */
  pingTimeoutMs?: number;
  /** Keepalive on a guard link: PADDING after this idle time (default random 45–75 s). */
  keepaliveMinMs?: number;
  keepaliveMaxMs?: number;
}

/** What the builder needs. */
export interface CircuitBuilderComponents {
  crypto: MurmurCrypto;
  /** Opens a link to a guard (a WebSocket to `ws(s)://ip:port`); arriving cells go to `sink`. */
  connect(
    relay: CircuitRelay,
    sink: CellSink,
    options: { signal: AbortSignal },
  ): Promise<CellTransport>;
  random?: RandomSource | undefined;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
}

/** Events of a circuit. */
export interface CircuitEvents {
  /** A new message for a subscribed account (its bencoded bytes and the decoded fields). */
  notify: { notification: Notification; bytes: Uint8Array };
  /** The exit ended a subscription. */
  subscriptionEnded: SubscriptionEnded;
  /** The circuit closed; `error.reason` is the DESTROY reason. Emitted once. */
  closed: { error: CircuitClosedError };
}

/** The answer of a storage RPC through the exit. */
export interface CircuitDataAnswer {
  code: number;
  body: unknown;
}

/** A built circuit. */
export interface Circuit extends EventSource<CircuitEvents> {
  /** Guard, middle, exit. */
  readonly path: readonly [CircuitRelay, CircuitRelay, CircuitRelay];
  /** The exit's Ed25519 key (the MONITOR2 signature covers it). */
  readonly exitEd25519: Uint8Array;
  /** `open` until it closes. */
  readonly state: 'open' | 'closed';
  /** Subscribes an account's namespaces at the exit: SUBSCRIBED's answer. */
  subscribe(
    request: SubscribeRequest,
    options?: { signal?: AbortSignal },
  ): Promise<SubscribeAnswer>;
  /** Ends a subscription at the exit. */
  unsubscribe(
    request: UnsubscribeRequest,
    options?: { signal?: AbortSignal },
  ): Promise<SubscribeAnswer>;
  /** A storage RPC through the exit (`{method, params}`), answered `{code, body}`. */
  request(
    request: { method: string; params: unknown },
    options?: { signal?: AbortSignal },
  ): Promise<CircuitDataAnswer>;
  /** PING to the exit; resolves on PONG, or closes the circuit after the PING timeout. */
  ping(options?: { signal?: AbortSignal }): Promise<void>;
  /** A DROP cell to hop `hop` (default the exit): cover and keepalive. */
  drop(hop?: number): void;
  /** Sends DESTROY (reason 0) and closes. */
  destroy(): void;
}

/** The client's circuit factory. */
export interface CircuitBuilder {
  /** Picks guard, middle and exit; {@link NoCircuitPathError} when the pools cannot. */
  pickPath(
    pools: {
      guards: readonly CircuitRelay[];
      relays: readonly CircuitRelay[];
      exits: readonly CircuitRelay[];
    },
    options?: { exclude?: readonly string[] },
  ): [CircuitRelay, CircuitRelay, CircuitRelay];
  /** Builds a circuit hop by hop; rejects with {@link CircuitClosedError} or a timeout. */
  build(
    path: readonly [CircuitRelay, CircuitRelay, CircuitRelay],
    options?: { signal?: AbortSignal },
  ): Promise<Circuit>;
  /** Open circuits. */
  readonly circuits: number;
  /** Destroys every circuit and closes every guard link. */
  close(): void;
}

/** What a guard link sees of a circuit on it. */
interface CircuitEndpoint {
  onCell(cell: Cell): void;
  fail(error: CircuitClosedError, sendDestroy: boolean): void;
  protocolFailure(what: string, hop?: number): void;
}

interface GuardLink {
  readonly relay: CircuitRelay;
  transport: CellTransport | undefined;
  readonly ends: Map<number, CircuitEndpoint>;
  hello: Promise<void>;
  closed: boolean;
  lastSent: number;
  keepalive: ReturnType<typeof setInterval> | undefined;
}

type Waiter<T> = { resolve: (value: T) => void; reject: (error: Error) => void };

function pick<T>(items: readonly T[], random: RandomSource): T | undefined {
  if (items.length === 0) return undefined;
  const index = Math.min(items.length - 1, Math.max(0, Math.floor(random() * items.length)));
  return items[index];
}

/** Creates a circuit builder. */
export function createCircuitBuilder(
  init: CircuitBuilderInit,
  components: CircuitBuilderComponents,
): CircuitBuilder {
  const { crypto } = components;
  const random = components.random ?? secureRandom;
  const clock = components.clock ?? systemClock;
  const logger = components.logger ?? silentLogger();
  const buildTimeoutMs = init.buildTimeoutMs ?? BUILD_TIMEOUT_MS;
  const pingTimeoutMs = init.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const keepaliveMinMs = init.keepaliveMinMs ?? 45_000;
  const keepaliveMaxMs = init.keepaliveMaxMs ?? 75_000;
  const links = new Map<string, GuardLink>();
  const open = new Set<ClientCircuit>();

  function sendOn(link: GuardLink, cell: Cell): void {
    if (link.closed || link.transport === undefined) return;
    link.transport.send(encodeCell(cell));
    link.lastSent = clock.now();
  }

  function closeLink(link: GuardLink): void {
    if (link.closed) return;
    link.closed = true;
    if (links.get(link.relay.ed25519) === link) links.delete(link.relay.ed25519);
    if (link.keepalive !== undefined) clearInterval(link.keepalive);
    for (const circuit of [...link.ends.values()]) {
      circuit.fail(
        new CircuitClosedError('the guard link closed', {
          reason: DestroyReason.CHANNEL_CLOSED,
          hop: 1,
        }),
        false,
      );
    }
    try {
      link.transport?.close();
    } catch {
      // Already closed.
    }
  }

  function guardLink(relay: CircuitRelay, signal: AbortSignal): Promise<GuardLink> {
    const existing = links.get(relay.ed25519);
    if (existing !== undefined && !existing.closed) return existing.hello.then(() => existing);
    let helloWaiter: Waiter<void> | undefined;
    const link: GuardLink = {
      relay,
      transport: undefined,
      ends: new Map(),
      hello: Promise.resolve(),
      closed: false,
      lastSent: clock.now(),
      keepalive: undefined,
    };
    link.hello = new Promise<void>((resolve, reject) => {
      helloWaiter = { resolve, reject };
    });
    link.hello.catch(() => undefined);
    links.set(relay.ed25519, link);
    let greeted = false;
    const sink: CellSink = {
      receive(bytes) {
        if (link.closed) return;
        if (bytes.length !== CELL_LENGTH) return closeLink(link);
        let cell: Cell;
        try {
          cell = decodeCell(bytes);
        } catch {
          const circId = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
          link.ends.get(circId)?.protocolFailure('a malformed cell');
          return;
        }
        if (!greeted) {
          if (cell.type !== 'HELLO' || cell.version !== LINK_VERSION) {
            helloWaiter?.reject(
              new CircuitClosedError('the guard did not answer HELLO', {
                reason: DestroyReason.PROTOCOL,
                hop: 1,
              }),
            );
            return closeLink(link);
          }
          greeted = true;
          helloWaiter?.resolve();
          return;
        }
        if (cell.type === 'PADDING') return;
        if (cell.type === 'HELLO' || cell.type === 'AUTH' || cell.type === 'CREATE')
          return closeLink(link);
        link.ends.get(cell.circId)?.onCell(cell);
      },
      closed() {
        helloWaiter?.reject(
          new CircuitClosedError('the guard link closed', {
            reason: DestroyReason.CHANNEL_CLOSED,
            hop: 1,
          }),
        );
        closeLink(link);
      },
    };
    return components.connect(relay, sink, { signal }).then(
      (transport) => {
        link.transport = transport;
        if (link.closed) {
          transport.close();
          throw new CircuitClosedError('the guard link closed', {
            reason: DestroyReason.CHANNEL_CLOSED,
            hop: 1,
          });
        }
        sendOn(link, {
          type: 'HELLO',
          circId: 0,
          version: LINK_VERSION,
          nonce: crypto.randomBytes(32),
        });
        const delay = keepaliveMinMs + random() * (keepaliveMaxMs - keepaliveMinMs);
        link.keepalive = setInterval(
          () => {
            if (clock.now() - link.lastSent >= delay) sendOn(link, { type: 'PADDING', circId: 0 });
          },
          Math.max(1000, Math.min(5000, keepaliveMinMs / 4)),
        );
        (link.keepalive as { unref?: () => void }).unref?.();
        return link.hello.then(() => link);
      },
      (error: unknown) => {
        closeLink(link);
        throw new CircuitClosedError('could not connect to the guard', {
          reason: DestroyReason.CONNECTFAILED,
          hop: 1,
          cause: error,
        });
      },
    );
  }

  class ClientCircuit implements Circuit {
    readonly path: readonly [CircuitRelay, CircuitRelay, CircuitRelay];
    readonly exitEd25519: Uint8Array;
    readonly #link: GuardLink;
    readonly #circId: number;
    readonly #layers: HopLayer[] = [];
    readonly #events = createEmitter<CircuitEvents>((error) =>
      logger.warn({ err: String(error) }, 'a circuit listener threw'),
    );
    #state: 'building' | 'open' | 'closed' = 'building';
    #step:
      | {
          kind: 'CREATED' | 'EXTENDED';
          hop: number;
          waiter: Waiter<{ y: Uint8Array; auth: Uint8Array }>;
        }
      | undefined;
    #received = 0;
    #nextId = 1;
    readonly #subscribes = new Map<number, Waiter<SubscribeAnswer>>();
    readonly #requests = new Map<number, Waiter<CircuitDataAnswer>>();
    readonly #pings = new Map<string, Waiter<void>>();
    readonly #notifications = new Reassembler({ maxBytes: 64 * 1024, maxPending: 16 });
    readonly #answers = new Reassembler({
      maxBytes: 512 * 1024,
      maxPending: MAX_DATA_REQUESTS_IN_FLIGHT,
    });

    constructor(path: readonly [CircuitRelay, CircuitRelay, CircuitRelay], link: GuardLink) {
      this.path = path;
      this.exitEd25519 = hexToBytes(path[2].ed25519);
      this.#link = link;
      this.#circId = allocateCircId(true, link.ends, (n) => crypto.randomBytes(n));
      link.ends.set(this.#circId, this);
    }

    get state(): 'open' | 'closed' {
      return this.#state === 'closed' ? 'closed' : 'open';
    }

    on<K extends keyof CircuitEvents>(
      name: K,
      listener: (event: CircuitEvents[K]) => void,
    ): () => void {
      return this.#events.on(name, listener);
    }

    off<K extends keyof CircuitEvents>(name: K, listener: (event: CircuitEvents[K]) => void): void {
      this.#events.off(name, listener);
    }

    /** Runs the handshakes: CREATE to the guard, EXTEND to the middle and the exit. */
    async build(signal: AbortSignal): Promise<void> {
      for (let hop = 1; hop <= CIRCUIT_HOPS; hop++) {
        const relay = this.path[hop - 1] as CircuitRelay;
        const ntor = ntorClientStart(crypto, {
          id: hexToBytes(relay.ed25519),
          b: hexToBytes(relay.x25519),
        });
        try {
          const reply = await this.#await(hop === 1 ? 'CREATED' : 'EXTENDED', hop, signal, () => {
            if (hop === 1) {
              sendOn(this.#link, {
                type: 'CREATE',
                circId: this.#circId,
                hop: 1,
                htype: HTYPE_NTOR,
                id: ntor.id,
                b: ntor.b,
                x: ntor.x,
              });
            } else {
              this.#sendLocal(
                hop - 1,
                RelayCommand.EXTEND,
                0,
                encodeExtend({ id: ntor.id, b: ntor.b, x: ntor.x }),
              );
            }
          });
          this.#layers.push(createHopLayer(this.#finish(ntor, reply, hop)));
        } finally {
          wipeNtorClient(crypto, ntor);
        }
      }
      this.#state = 'open';
      open.add(this);
    }

    #finish(ntor: NtorClientState, reply: { y: Uint8Array; auth: Uint8Array }, hop: number) {
      try {
        return ntorClientFinish(crypto, ntor, reply);
      } catch (error) {
        const failure = new CircuitClosedError(`hop ${hop} failed its handshake`, {
          reason: DestroyReason.PROTOCOL,
          hop,
          cause: error,
        });
        this.fail(failure, true);
        throw failure;
      }
    }

    #await(
      kind: 'CREATED' | 'EXTENDED',
      hop: number,
      signal: AbortSignal,
      sendRequest: () => void,
    ): Promise<{ y: Uint8Array; auth: Uint8Array }> {
      return new Promise((resolve, reject) => {
        if (this.#state === 'closed') {
          reject(
            new CircuitClosedError('the circuit closed while building', {
              reason: DestroyReason.NONE,
              hop,
            }),
          );
          return;
        }
        const onAbort = () => {
          this.#step = undefined;
          reject(signal.reason instanceof Error ? signal.reason : new AbortError());
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#step = {
          kind,
          hop,
          waiter: {
            resolve: (value) => {
              signal.removeEventListener('abort', onAbort);
              resolve(value);
            },
            reject: (error) => {
              signal.removeEventListener('abort', onAbort);
              reject(error);
            },
          },
        };
        sendRequest();
      });
    }

    #sendLocal(hop: number, command: RelayCommand, id: number, data: Uint8Array): void {
      if (this.#state === 'closed') {
        throw new CircuitClosedError('the circuit is closed', { reason: DestroyReason.NONE });
      }
      const payload = encodeRelayPayload(hop, { command, id, data });
      sendOn(this.#link, {
        type: 'RELAY',
        circId: this.#circId,
        body: sealForward(crypto, this.#layers, hop, payload),
      });
    }

    #requireOpen(): void {
      if (this.#state !== 'open')
        throw new CircuitClosedError('the circuit is not open', { reason: DestroyReason.NONE });
    }

    #allocateId(): number {
      for (let i = 0; i < 0x10000; i++) {
        const id = this.#nextId;
        this.#nextId = this.#nextId >= 0xffff ? 1 : this.#nextId + 1;
        if (!this.#subscribes.has(id) && !this.#requests.has(id)) return id;
      }
      throw new CircuitClosedError('no free request id', { reason: DestroyReason.RESOURCELIMIT });
    }

    #wait<K, T>(
      map: Map<K, Waiter<T>>,
      key: K,
      signal: AbortSignal | undefined,
      send: () => void,
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          map.delete(key);
          reject(signal?.reason instanceof Error ? signal.reason : new AbortError());
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        map.set(key, {
          resolve: (value) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(value);
          },
          reject: (error) => {
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        });
        try {
          send();
        } catch (error) {
          map.delete(key);
          signal?.removeEventListener('abort', onAbort);
          reject(error as Error);
        }
      });
    }

    subscribe(
      request: SubscribeRequest,
      options: { signal?: AbortSignal } = {},
    ): Promise<SubscribeAnswer> {
      this.#requireOpen();
      const data = encodeSubscribe(request);
      const id = this.#allocateId();
      return this.#wait(this.#subscribes, id, options.signal, () =>
        this.#sendLocal(3, RelayCommand.SUBSCRIBE, id, data),
      );
    }

    unsubscribe(
      request: UnsubscribeRequest,
      options: { signal?: AbortSignal } = {},
    ): Promise<SubscribeAnswer> {
      this.#requireOpen();
      const data = encodeUnsubscribe(request);
      const id = this.#allocateId();
      return this.#wait(this.#subscribes, id, options.signal, () =>
        this.#sendLocal(3, RelayCommand.UNSUBSCRIBE, id, data),
      );
    }

    request(
      request: { method: string; params: unknown },
      options: { signal?: AbortSignal } = {},
    ): Promise<CircuitDataAnswer> {
      this.#requireOpen();
      if (this.#requests.size >= MAX_DATA_REQUESTS_IN_FLIGHT) {
        return Promise.reject(
          new CircuitClosedError('too many DATA requests in flight on this circuit', {
            reason: DestroyReason.RESOURCELIMIT,
          }),
        );
      }
      const body = utf8Encode(JSON.stringify(request));
      const slices = splitIntoSlices(body, relayDataCapacity(3) - DATA_FRAGMENT_HEADER);
      const id = this.#allocateId();
      return this.#wait(this.#requests, id, options.signal, () => {
        for (const [index, slice] of slices.entries()) {
          this.#sendLocal(
            3,
            RelayCommand.DATA,
            id,
            encodeFragment('DATA', { messageId: 0, index, count: slices.length, slice }),
          );
        }
      });
    }

    ping(options: { signal?: AbortSignal } = {}): Promise<void> {
      this.#requireOpen();
      const token = crypto.randomBytes(PING_TOKEN_LENGTH);
      const key = bytesToHex(token);
      // One plain timer per PING (cheaper than AbortSignal.timeout + AbortSignal.any per call).
      let timedOut = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const pong = this.#wait(this.#pings, key, options.signal, () =>
        this.#sendLocal(3, RelayCommand.PING, 0, token),
      );
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          this.#pings.delete(key);
          reject(new RequestTimeoutError(`no PONG within ${pingTimeoutMs} ms`));
        }, pingTimeoutMs);
      });
      return Promise.race([pong, deadline])
        .catch((error: unknown) => {
          if (timedOut && this.#state !== 'closed') {
            const failure = new CircuitClosedError(`no PONG within ${pingTimeoutMs} ms`, {
              reason: DestroyReason.TIMEOUT,
              hop: 3,
              cause: error,
            });
            this.fail(failure, true);
            throw failure;
          }
          throw error;
        })
        .finally(() => clearTimeout(timer));
    }

    drop(hop = CIRCUIT_HOPS): void {
      this.#requireOpen();
      this.#sendLocal(hop, RelayCommand.DROP, 0, new Uint8Array(0));
    }

    destroy(): void {
      this.fail(
        new CircuitClosedError('destroyed by the client', { reason: DestroyReason.NONE }),
        true,
      );
    }

    /** Closes the circuit: DESTROY (reason 0) to the guard when `sendDestroy`, then rejects all. */
    fail(error: CircuitClosedError, sendDestroy: boolean): void {
      if (this.#state === 'closed') return;
      this.#state = 'closed';
      open.delete(this);
      this.#link.ends.delete(this.#circId);
      if (sendDestroy)
        sendOn(this.#link, { type: 'DESTROY', circId: this.#circId, reason: DestroyReason.NONE });
      for (const layer of this.#layers) wipeHopLayer(crypto, layer);
      this.#step?.waiter.reject(error);
      this.#step = undefined;
      for (const map of [this.#subscribes, this.#requests, this.#pings] as Map<
        unknown,
        Waiter<never>
      >[]) {
        for (const waiter of map.values()) waiter.reject(error);
        map.clear();
      }
      this.#notifications.clear();
      this.#answers.clear();
      this.#events.emit('closed', { error });
      this.#events.clear();
    }

    protocolFailure(what: string, hop?: number): void {
      logger.debug({ hop, what }, 'circuit protocol failure');
      this.fail(
        new CircuitClosedError(`circuit refused: ${what}`, { reason: DestroyReason.PROTOCOL, hop }),
        true,
      );
    }

    onCell(cell: Cell): void {
      if (this.#state === 'closed') return;
      if (cell.type === 'DESTROY') {
        this.fail(
          new CircuitClosedError(`the circuit was destroyed (${destroyReasonName(cell.reason)})`, {
            reason: cell.reason,
            hop: this.#step?.hop,
          }),
          false,
        );
        return;
      }
      if (cell.type === 'CREATED') {
        const step = this.#step;
        if (step?.kind !== 'CREATED') {
          this.protocolFailure('an unexpected CREATED', 1);
          return;
        }
        this.#step = undefined;
        step.waiter.resolve(cell);
        return;
      }
      if (cell.type !== 'RELAY') {
        this.protocolFailure(`an unexpected ${cell.type}`);
        return;
      }
      const opened = openBackward(crypto, this.#layers, cell.body);
      if (opened.kind === 'refused') {
        this.protocolFailure('a backward cell failed its layer');
        return;
      }
      let payload: ReturnType<typeof decodeRelayPayload>;
      try {
        payload = decodeRelayPayload(opened.hop, opened.payload, {
          fromExit: opened.hop === CIRCUIT_HOPS,
        });
      } catch {
        this.protocolFailure('a malformed relay payload', opened.hop);
        return;
      }
      try {
        this.#onLocal(opened.hop, payload.command, payload.id, payload.data, opened.tag);
      } catch {
        this.protocolFailure('a malformed relay command', opened.hop);
      }
    }

    #onLocal(
      hop: number,
      command: RelayCommand,
      id: number,
      data: Uint8Array,
      tag: Uint8Array,
    ): void {
      if (command === RelayCommand.DROP) return;
      if (command === RelayCommand.EXTENDED) {
        const step = this.#step;
        if (step?.kind !== 'EXTENDED' || step.hop - 1 !== hop) {
          this.protocolFailure('EXTENDED from a hop not asked', hop);
          return;
        }
        this.#step = undefined;
        step.waiter.resolve(decodeExtended(data));
        return;
      }
      if (hop !== CIRCUIT_HOPS || this.#state !== 'open') {
        this.protocolFailure(`command ${command} from hop ${hop}`, hop);
        return;
      }
      switch (command) {
        case RelayCommand.NOTIFY: {
          this.#countCell(tag);
          const fragment = decodeFragment('NOTIFY', data);
          const bytes = this.#notifications.add(fragment.messageId, fragment);
          if (bytes !== undefined) {
            this.#events.emit('notify', { notification: decodeNotification(bytes), bytes });
          }
          return;
        }
        case RelayCommand.DATA: {
          this.#countCell(tag);
          const fragment = decodeFragment('DATA', data);
          if (!this.#requests.has(id)) {
            this.protocolFailure('a DATA answer nobody asked for', hop);
            return;
          }
          const bytes = this.#answers.add(id, fragment);
          if (bytes === undefined) return;
          const waiter = this.#requests.get(id) as Waiter<CircuitDataAnswer>;
          this.#requests.delete(id);
          let answer: CircuitDataAnswer;
          try {
            const parsed = JSON.parse(utf8Decode(bytes)) as { code?: unknown; body?: unknown };
            if (typeof parsed.code !== 'number') throw new Error('no code');
            answer = { code: parsed.code, body: parsed.body };
          } catch {
            this.protocolFailure('a DATA answer that is not {code, body} JSON', hop);
            return;
          }
          waiter.resolve(answer);
          return;
        }
        case RelayCommand.SUBSCRIBED: {
          const waiter = this.#subscribes.get(id);
          if (waiter === undefined) {
            this.protocolFailure('a SUBSCRIBED nobody asked for', hop);
            return;
          }
          this.#subscribes.delete(id);
          waiter.resolve(decodeSubscribed(data));
          return;
        }
        case RelayCommand.PONG: {
          const key = bytesToHex(decodePingToken(data));
          const waiter = this.#pings.get(key);
          if (waiter === undefined) {
            this.protocolFailure('a PONG with an unknown token', hop);
            return;
          }
          this.#pings.delete(key);
          waiter.resolve();
          return;
        }
        case RelayCommand.SUB_ENDED:
          this.#events.emit('subscriptionEnded', decodeSubscriptionEnded(data));
          return;
        default:
          this.protocolFailure(`command ${command} travels only towards the exit`, hop);
          return;
      }
    }

    /** Counts a NOTIFY/DATA cell; every 32nd is answered with SENDME echoing its exit tag. */
    #countCell(tag: Uint8Array): void {
      this.#received++;
      if (this.#received % SENDME_INCREMENT === 0) {
        this.#sendLocal(3, RelayCommand.SENDME, 0, encodeSendme({ count: this.#received, tag }));
      }
    }
  }

  return {
    get circuits() {
      return open.size;
    },

    pickPath(pools, options = {}) {
      const exclude = new Set(options.exclude ?? []);
      const usable = (relay: CircuitRelay) => !exclude.has(relay.ed25519);
      const apart = (relay: CircuitRelay, others: CircuitRelay[]) =>
        others.every(
          (other) =>
            other.ed25519 !== relay.ed25519 &&
            subnetOf(other.ip) !== subnetOf(relay.ip) &&
            (other.operator === undefined ||
              relay.operator === undefined ||
              other.operator !== relay.operator),
        );
      const exits = pools.exits.filter(usable);
      if (exits.length === 0)
        throw new NoCircuitPathError('no usable exit relay in the account swarm');
      for (let attempt = 0; attempt < 16; attempt++) {
        const exit = pick(exits, random) as CircuitRelay;
        const guard = pick(
          pools.guards.filter((relay) => usable(relay) && apart(relay, [exit])),
          random,
        );
        if (guard === undefined) continue;
        const middle = pick(
          pools.relays.filter((relay) => usable(relay) && apart(relay, [exit, guard])),
          random,
        );
        if (middle === undefined) continue;
        return [guard, middle, exit];
      }
      throw new NoCircuitPathError(
        'too few relays apart from each other (keys, /24 subnets, operators) for a circuit',
      );
    },

    async build(path, options = {}) {
      const timeout = AbortSignal.timeout(buildTimeoutMs);
      const signal =
        options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      let link: GuardLink;
      try {
        // The guard must connect and answer HELLO within the build timeout too.
        link = await raceAbort(guardLink(path[0], signal), signal);
      } catch (error) {
        if (!timeout.aborted) throw error;
        const stuck = links.get(path[0].ed25519);
        if (stuck !== undefined) closeLink(stuck);
        throw new RequestTimeoutError(
          `circuit build timed out after ${buildTimeoutMs} ms (the guard did not answer)`,
          { cause: error },
        );
      }
      const circuit = new ClientCircuit(path, link);
      try {
        await circuit.build(signal);
        return circuit;
      } catch (error) {
        if (timeout.aborted) {
          const failure = new RequestTimeoutError(
            `circuit build timed out after ${buildTimeoutMs} ms`,
            { cause: error },
          );
          circuit.fail(
            new CircuitClosedError('build timed out', {
              reason: DestroyReason.TIMEOUT,
              cause: failure,
            }),
            true,
          );
          throw failure;
        }
        circuit.fail(
          error instanceof CircuitClosedError
            ? error
            : new CircuitClosedError('build failed', { reason: DestroyReason.NONE, cause: error }),
          true,
        );
        throw error;
      }
    },

    close() {
      for (const circuit of [...open]) circuit.destroy();
      for (const link of [...links.values()]) closeLink(link);
    },
  };
}

/**
 * An in-memory network of relays for tests: every relay is a real {@link createRelayCore} with
 * its own identity, links are ordered in-memory pipes delivered on the microtask queue, the
 * directory is a map, and the exit service is a small in-memory store that checks the MONITOR2
 * signature (±10 minutes) the way the service node's monitor endpoint will.
 */
import type { KeyPair, MurmurCrypto } from '@murmur/crypto';
import { bytesToHex, type Clock, concatBytes, utf8Decode, utf8Encode } from '@murmur/wire';
import {
  type CircuitBuilder,
  type CircuitRelay,
  createCircuitBuilder,
} from '../circuit-builder.js';
import { PLAIN_LINK_EXPORTER } from '../link-auth.js';
import {
  createRelayCore,
  type ExitService,
  type ExitSubscriptionSink,
  type RelayCore,
  type RelayLimits,
} from '../relay-core.js';
import { monitorSignatureMessage, type Notification, type SubscribeRequest } from '../subscribe.js';
import type { CellSink, CellTransport } from '../transport.js';

/** A hook on one direction of a pipe: return the bytes to deliver (or none). */
export type Tap = (bytes: Uint8Array) => Uint8Array[];

/** One direction of an in-memory link. */
class Pipe implements CellTransport {
  sink: CellSink | undefined;
  peer: Pipe | undefined;
  closed = false;
  dead = false;
  tap: Tap | undefined;
  held: Uint8Array[] | undefined;
  sent = 0;

  send(cell: Uint8Array): void {
    if (this.closed) return;
    this.sent++;
    const copies = this.tap === undefined ? [cell.slice()] : this.tap(cell.slice());
    for (const copy of copies) {
      if (this.held !== undefined) {
        this.held.push(copy);
        continue;
      }
      queueMicrotask(() => {
        if (!this.dead) this.peer?.sink?.receive(copy);
      });
    }
  }

  /** Holds cells instead of delivering them, until {@link release}. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const cell of held) {
      queueMicrotask(() => {
        if (!this.dead) this.peer?.sink?.receive(cell);
      });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    // Cells sent before the close are delivered first, as a WebSocket flushes before closing.
    queueMicrotask(() => {
      this.dead = true;
      if (peer !== undefined && !peer.dead) {
        peer.closed = true;
        peer.dead = true;
        peer.sink?.closed();
      }
      this.sink?.closed();
    });
  }
}

/** Two ends of one link. */
export function pipePair(): [Pipe, Pipe] {
  const a = new Pipe();
  const b = new Pipe();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** The in-memory exit service: messages per account, subscriptions with MONITOR2 checks. */
export class MemoryExit implements ExitService {
  readonly subscriptions = new Map<string, Set<ExitSubscriptionSink>>();
  readonly requests: unknown[] = [];
  answer: (request: unknown) => unknown = (request) => ({ code: 200, body: { echo: request } });

  constructor(
    private readonly crypto: MurmurCrypto,
    private readonly exitEd25519: Uint8Array,
    private readonly clock: Clock,
  ) {}

  async subscribe(request: SubscribeRequest, sink: ExitSubscriptionSink) {
    if (!('ed25519' in request)) {
      return {
        answer: { success: false as const, errcode: 2, error: 'tests use 05 accounts with P' },
      };
    }
    const account = concatBytes(
      Uint8Array.of(5),
      this.crypto.ed25519PublicKeyToX25519(request.ed25519),
    );
    if (Math.abs(this.clock.now() / 1000 - request.timestamp) > 600) {
      return { answer: { success: false as const, errcode: 4, error: 'timestamp out of range' } };
    }
    const text = monitorSignatureMessage(
      account,
      request.timestamp,
      request.namespaces,
      this.exitEd25519,
    );
    if (!this.crypto.verify(request.signature, text, request.ed25519)) {
      return { answer: { success: false as const, errcode: 5, error: 'bad signature' } };
    }
    const key = bytesToHex(account);
    let set = this.subscriptions.get(key);
    if (set === undefined) {
      set = new Set();
      this.subscriptions.set(key, set);
    }
    set.add(sink);
    const subscriptions = this.subscriptions;
    return {
      answer: { success: true as const },
      subscription: {
        close() {
          subscriptions.get(key)?.delete(sink);
        },
      },
    };
  }

  async request(body: Uint8Array) {
    const request = JSON.parse(utf8Decode(body)) as unknown;
    this.requests.push(request);
    return utf8Encode(JSON.stringify(this.answer(request)));
  }

  /** Delivers a notification to every subscriber of its account. */
  publish(notification: Notification): number {
    const set = this.subscriptions.get(bytesToHex(notification.account)) ?? new Set();
    for (const sink of set) sink.notify(notification);
    return set.size;
  }

  /** Ends every subscription of an account. */
  end(account: Uint8Array, reason: number, text: string): void {
    const set = this.subscriptions.get(bytesToHex(account)) ?? new Set();
    this.subscriptions.delete(bytesToHex(account));
    for (const sink of set) sink.ended(reason, text);
  }
}

/** One relay of the test network. */
export interface TestRelay {
  index: number;
  info: CircuitRelay;
  identity: { ed25519: KeyPair; x25519: KeyPair };
  core: RelayCore;
  exit: MemoryExit;
  /** Pipes this relay's side holds (for killing it). */
  pipes: Set<Pipe>;
  /** Simulates kill -9: closes every link at once. */
  kill(): void;
}

/** A network of `count` relays with registered identities, each in its own /24. */
export class TestNetwork {
  readonly relays: TestRelay[] = [];
  readonly registered = new Map<string, Uint8Array>();
  /** Relays (Ed25519 hex) whose dial never completes. */
  readonly blackholed = new Set<string>();
  /** Opens a raw link to relay `index` from `address` (nothing is sent on it). */
  rawLink(index: number, address: string): Pipe {
    const relay = this.relays[index] as TestRelay;
    const [mine, theirs] = pipePair();
    relay.pipes.add(theirs);
    theirs.sink = relay.core.acceptLink(theirs, {
      remoteAddress: address,
      exporter: PLAIN_LINK_EXPORTER,
    });
    return mine;
  }

  /** The client→guard pipes, by guard index, for taps. */
  readonly clientPipes: Pipe[] = [];

  constructor(
    readonly crypto: MurmurCrypto,
    readonly clock: Clock,
    count: number,
    limits: Partial<RelayLimits> = {},
    options: { unregistered?: number[]; memoryPressure?: () => boolean } = {},
  ) {
    for (let index = 0; index < count; index++) {
      const ed = crypto.generateIdentity();
      const identity = { ed25519: ed.ed25519, x25519: ed.x25519 };
      const hex = bytesToHex(identity.ed25519.publicKey);
      if (!(options.unregistered ?? []).includes(index))
        this.registered.set(hex, identity.x25519.publicKey);
      const exit = new MemoryExit(crypto, identity.ed25519.publicKey, clock);
      const pipes = new Set<Pipe>();
      const relay: TestRelay = {
        index,
        info: {
          ed25519: hex,
          x25519: bytesToHex(identity.x25519.publicKey),
          ip: `10.0.${index}.1`,
          port: 20_000 + index,
        },
        identity,
        exit,
        pipes,
        core: undefined as unknown as RelayCore,
        kill: () => {
          for (const pipe of pipes) pipe.close();
          relay.core.stop();
        },
      };
      relay.core = createRelayCore(
        { limits },
        {
          crypto,
          identity,
          clock,
          exit,
          memoryPressure: options.memoryPressure,
          directory: {
            lookup: (key) =>
              this.registered.has(key)
                ? { x25519: this.registered.get(key) as Uint8Array }
                : undefined,
          },
          dial: async (key, sink) => {
            const target = this.relays.find((r) => r.info.ed25519 === key);
            if (target === undefined) throw new Error(`no relay ${key}`);
            if (this.blackholed.has(key)) return new Promise<never>(() => undefined);
            const [mine, theirs] = pipePair();
            mine.sink = sink;
            pipes.add(mine);
            target.pipes.add(theirs);
            theirs.sink = target.core.acceptLink(theirs, {
              remoteAddress: relay.info.ip,
              exporter: PLAIN_LINK_EXPORTER,
            });
            return { transport: mine, exporter: PLAIN_LINK_EXPORTER };
          },
        },
      );
      this.relays.push(relay);
    }
  }

  /** A client builder whose links come from `address`. */
  client(
    address = '192.168.1.10',
    init: Parameters<typeof createCircuitBuilder>[0] = {},
  ): CircuitBuilder {
    return createCircuitBuilder(init, {
      crypto: this.crypto,
      clock: this.clock,
      connect: async (info, sink) => {
        const guard = this.relays.find((r) => r.info.ed25519 === info.ed25519);
        if (guard === undefined) throw new Error('no such guard');
        const [mine, theirs] = pipePair();
        mine.sink = sink;
        guard.pipes.add(theirs);
        this.clientPipes[guard.index] = mine;
        theirs.sink = guard.core.acceptLink(theirs, {
          remoteAddress: address,
          exporter: PLAIN_LINK_EXPORTER,
        });
        return mine;
      },
    });
  }

  /** The path of three relays by index. */
  path(a: number, b: number, c: number): [CircuitRelay, CircuitRelay, CircuitRelay] {
    return [a, b, c].map((i) => (this.relays[i] as TestRelay).info) as [
      CircuitRelay,
      CircuitRelay,
      CircuitRelay,
    ];
  }

  stop(): void {
    for (const relay of this.relays) relay.core.stop();
  }
}

/** Settles every queued microtask and timer-free promise chain a few times over. */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

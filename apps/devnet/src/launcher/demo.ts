/**
 * `murmur-devnet up --demo`: two clients of the real SDK (`@murmur/client`, memory storage),
 * Alice and Bob, bootstrap from the devnet's seed endpoint, open their push circuits through
 * the devnet's relays, and exchange a few messages through onion paths; each message is printed
 * when it is sent, when the swarm stored it, and when it arrives, with the measured send →
 * receive time and the path that delivered it (`over a circuit` or `by a poll`).
 *
 * On an EVM devnet (`up --ledger evm`) the clients follow the staking contract on the chain
 * instead of the seed endpoint, and, with no relays there, receive by polls
 * (`demo-bootstrap.ts`).
 */
import {
  createClient,
  createMemoryStorage,
  DEFAULT_POLL_INTERVAL_MS,
  type MurmurClient,
} from '@murmur/client';
import type { MurmurCrypto } from '@murmur/crypto';
import { formatSeconds, type Styles, type TerminalOutput } from '@murmur/terminal';
import { createNodeFetch } from '@murmur/wire/node';
import { WebSocket } from 'ws';
import { type DemoBootstrap, demoNetworkInit, describeBootstrap } from './demo-bootstrap.js';

/** The conversation of the demo: sender, recipient, text. */
export const DEMO_MESSAGES: readonly (readonly ['Alice' | 'Bob', string])[] = Object.freeze([
  ['Alice', 'hello Bob, this went through three onion hops'],
  ['Bob', 'hi Alice! no node saw both of us'],
  ['Alice', 'the exit relay pushed this down my circuit'],
  ['Bob', 'see you on the devnet'],
]);

/** The conversation on an EVM devnet, where no relay pushes: the clients poll their swarms. */
export const DEMO_MESSAGES_POLLING: readonly (readonly ['Alice' | 'Bob', string])[] = Object.freeze(
  [
    ['Alice', 'hello Bob, this went through three onion hops'],
    ['Bob', 'hi Alice! no node saw both of us'],
    ['Alice', 'my client polled my swarm for this'],
    ['Bob', 'see you on the chain'],
  ],
);

/** Options of {@link runDemo}. */
export interface DemoInit {
  /** Where the clients learn the network from: the seed endpoint, or the contract on an EVM devnet. */
  bootstrap: DemoBootstrap;
  /** Node names by Ed25519 key, to show the onion paths. */
  nodeNames?: ReadonlyMap<string, string> | undefined;
  /** How long the clients may take to get ready, and each message to arrive, ms (default 60 s). */
  timeoutMs?: number | undefined;
  /** The conversation (default {@link DEMO_MESSAGES}; {@link DEMO_MESSAGES_POLLING} on an EVM devnet). */
  messages?: readonly (readonly ['Alice' | 'Bob', string])[] | undefined;
  signal?: AbortSignal | undefined;
}

/** What the demo needs. */
export interface DemoComponents {
  crypto: MurmurCrypto;
  output: TerminalOutput;
  styles: Styles;
  /** Milliseconds clock (default `performance.now`). */
  now?: (() => number) | undefined;
  /**
   * How the clients talk to the seed and the nodes (default `createNodeFetch()` of
   * `@murmur/wire/node`: nodes speak HTTPS with self-signed certificates, as Session's).
   */
  fetch?: typeof fetch | undefined;
}

/** One message of the demo, as measured. */
export interface DemoDelivery {
  from: string;
  to: string;
  text: string;
  /** Send → stored on the recipient's swarm, ms. */
  storedMs: number;
  /** Send → the recipient's `message` event, ms. */
  deliveredMs: number;
  /** The path that delivered it: `circuit` (pushed by the exit relay) or `poll`. */
  via: 'circuit' | 'poll';
}

/** The outcome of the demo. */
export interface DemoResult {
  ok: boolean;
  deliveries: DemoDelivery[];
  /** Why it stopped early. */
  error?: string | undefined;
}

/** `42 ms` below a second, else `1.23 s`. */
function formatDuration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : formatSeconds(ms);
}

function shortId(sessionId: string): string {
  return `${sessionId.slice(0, 10)}…${sessionId.slice(-4)}`;
}

function waitFor<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1_000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs the demo and stops its clients; never throws (a failure is reported in the result and
 * printed).
 */
export async function runDemo(init: DemoInit, components: DemoComponents): Promise<DemoResult> {
  const { crypto, output, styles } = components;
  const now = components.now ?? (() => performance.now());
  const timeoutMs = init.timeoutMs ?? 60_000;
  const write = (line: string) => output.write(`${line}\n`);
  const deliveries: DemoDelivery[] = [];
  const clients: MurmurClient[] = [];
  const ownFetch = components.fetch === undefined ? createNodeFetch() : undefined;
  const nodeFetch = components.fetch ?? (ownFetch as typeof fetch);
  const names = init.nodeNames ?? new Map<string, string>();
  const signalOption = init.signal === undefined ? {} : { signal: init.signal };

  write('');
  write(styles.bold('Demo: two clients of @murmur/client talk through onion paths'));
  const pushing = init.bootstrap.kind === 'seed';
  try {
    // The devnet ledger's demo prints what it always did; an EVM devnet's says why it polls.
    if (!pushing) write(styles.dim(`  ${describeBootstrap(init.bootstrap)}`));
    const make = () => {
      const client = createClient(
        // The devnet's relays speak plain ws; an EVM devnet runs none.
        { ...demoNetworkInit(init.bootstrap, { crypto }), nodeScheme: 'https' },
        {
          crypto,
          storage: createMemoryStorage(),
          fetch: nodeFetch,
          webSocket: (url) => new WebSocket(url, { maxPayload: 2048 }),
        },
      );
      clients.push(client);
      return client;
    };
    const alice = make();
    const bob = make();
    await alice.account.create({ displayName: 'Alice' });
    await bob.account.create({ displayName: 'Bob' });
    const people = { Alice: alice, Bob: bob } as const;
    type Arrival = { at: number; via: 'circuit' | 'poll' };
    const arrivals = new Map<string, (arrival: Arrival) => void>();
    const early = new Map<string, Arrival>();
    const circuits = new Map<MurmurClient, string[]>();
    for (const client of [alice, bob]) {
      client.on('message', (message) => {
        const arrival = { at: now(), via: message.via };
        const waiting = arrivals.get(message.id);
        if (waiting === undefined) early.set(message.id, arrival);
        else waiting(arrival);
      });
      client.on('circuit', (event) => {
        if (event.state === 'up') circuits.set(client, event.path);
        else circuits.delete(client);
      });
    }
    const startedAt = now();
    await Promise.all([alice.start(signalOption), bob.start(signalOption)]);
    await waitFor(
      Promise.all([alice.whenReady(signalOption), bob.whenReady(signalOption)]),
      timeoutMs,
      'the clients were not ready (onion paths and network time)',
    );
    write(
      `  Alice ${styles.cyan(shortId(alice.sessionId as string))}  Bob ${styles.cyan(shortId(bob.sessionId as string))}  ${styles.dim(`ready in ${formatSeconds(now() - startedAt)}`)}`,
    );
    // Real-time delivery needs each client's circuit up and subscribed (polling otherwise).
    if (pushing) {
      await waitFor(
        (async () => {
          while (!alice.health().pushConnected || !bob.health().pushConnected) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })(),
        timeoutMs,
        'the clients opened no circuit through the relays',
      ).catch((error: unknown) =>
        write(
          styles.yellow(`  ${error instanceof Error ? error.message : String(error)}; polling`),
        ),
      );
    }
    for (const [who, client] of Object.entries(people)) {
      const path = client.paths()[0];
      if (path !== undefined) {
        const hops = path.nodes.map((node) => names.get(node.ed25519) ?? `${node.ip}:${node.port}`);
        write(styles.dim(`  ${who}'s onion path: ${hops.join(' → ')}`));
      }
      const circuit = circuits.get(client);
      if (circuit !== undefined) {
        const hops = circuit.map((key) => `${names.get(key) ?? key.slice(0, 8)}/relay`);
        write(styles.dim(`  ${who}'s circuit (guard → middle → exit): ${hops.join(' → ')}`));
      }
    }

    for (const [from, text] of init.messages ?? (pushing ? DEMO_MESSAGES : DEMO_MESSAGES_POLLING)) {
      const to = from === 'Alice' ? 'Bob' : 'Alice';
      const sender = people[from];
      const recipient = people[to];
      const route = `${from} → ${to}`.padEnd(13);
      const sentAt = now();
      const { id } = await sender.sendMessage(recipient.sessionId as string, text, signalOption);
      write(`  ${route}${styles.dim('sent     ')} "${text}"`);
      // The recipient sees the storage hash, which differs from `id` for a first message to a
      // contact (held while their forward-secrecy keys are fetched).
      const { hash } = await waitFor(
        sender.waitForDelivery(id, signalOption),
        timeoutMs,
        `"${text}" was not stored on ${to}'s swarm`,
      );
      const storedMs = now() - sentAt;
      const arrived = new Promise<Arrival>((resolve) => {
        const arrival = early.get(hash);
        if (arrival === undefined) arrivals.set(hash, resolve);
        else resolve(arrival);
      });
      const arrival = await waitFor(arrived, timeoutMs, `"${text}" did not reach ${to}`);
      arrivals.delete(hash);
      const deliveredMs = arrival.at - sentAt;
      deliveries.push({ from, to, text, storedMs, deliveredMs, via: arrival.via });
      const path = arrival.via === 'circuit' ? 'over a circuit' : 'by a poll';
      write(
        `  ${route}${styles.green('arrived  ')} "${text}"  ${styles.bold(`delivered in ${formatDuration(deliveredMs)} ${path}`)} ${styles.dim(`(stored on ${to}'s swarm after ${formatDuration(storedMs)})`)}`,
      );
    }
    const sorted = deliveries.map((entry) => entry.deliveredMs).sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
    const pushed = deliveries.filter((entry) => entry.via === 'circuit').length;
    write(
      styles.dim(
        `  ${deliveries.length} messages, median ${formatDuration(median)} send → receive; ${pushed} over circuits (the exit relay pushes each message its swarm stores), ${deliveries.length - pushed} by polls (every ${formatSeconds(DEFAULT_POLL_INTERVAL_MS)} without a circuit)`,
      ),
    );
    return { ok: true, deliveries };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    write(`  ${styles.red('✖')} demo stopped: ${message}`);
    return { ok: false, deliveries, error: message };
  } finally {
    await Promise.all(clients.map((client) => client.stop().catch(() => undefined)));
    ownFetch?.close();
  }
}

/**
 * Helpers for client tests on the fake network: a client with fast timings, and waiting for
 * events with a deadline.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import type { Clock, Logger } from '@murmur/wire';
import { type ClientInit, createClient, type MurmurClient } from '../client.js';
import type { ClientEvents } from '../events.js';
import type { AccountKeyStore } from '../pfs/account-key-store.js';
import { createMemoryStorage } from '../storage/memory.js';
import type { ClientStorage } from '../storage/types.js';
import type { FakeNetwork } from './fake-network.js';

/** Timings that keep in-process tests fast. */
export const FAST: Partial<ClientInit> = {
  pollIntervalMs: 40,
  requestTimeoutMs: 2_000,
  outbox: { initialBackoffMs: 20, maxBackoffMs: 200 },
  paths: { retryInitialMs: 20, retryMaxMs: 200, guardTestTimeoutMs: 1_000 },
  watchdog: { checkIntervalMs: 200, minStallMs: 3_000 },
};

/** A client on the fake network. */
export function testClient(
  network: FakeNetwork,
  crypto: MurmurCrypto,
  options: {
    storage?: ClientStorage;
    init?: Partial<ClientInit>;
    clock?: Clock;
    logger?: Logger;
    accountKeyStore?: AccountKeyStore;
  } = {},
): { client: MurmurClient; storage: ClientStorage } {
  const storage = options.storage ?? createMemoryStorage();
  const client = createClient(
    { seeds: [network.seedUrl], ...FAST, ...options.init },
    {
      crypto,
      storage,
      fetch: network.fetch,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.accountKeyStore === undefined
        ? {}
        : { accountKeyStore: options.accountKeyStore }),
    },
  );
  return { client, storage };
}

/**
 * The storage hash of an outgoing message (what the recipient sees as its ID): its ID, or the
 * hash recorded when a message held as `securing` was sealed.
 */
export async function storedHash(storage: ClientStorage, id: string): Promise<string> {
  const message = await storage.getMessage(id);
  if (message === undefined) throw new Error(`no message ${id}`);
  return message.hash ?? id;
}

/** Resolves with the first event `name` that satisfies `predicate`, or rejects after `ms`. */
export function nextEvent<K extends keyof ClientEvents>(
  client: MurmurClient,
  name: K,
  predicate: (event: ClientEvents[K]) => boolean = () => true,
  ms = 10_000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(name)} event within ${ms} ms`));
    }, ms);
    const off = client.on(name, (event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Collects every `message` event's text. */
export function collectMessages(client: MurmurClient): { texts: string[]; ids: string[] } {
  const out = { texts: [] as string[], ids: [] as string[] };
  client.on('message', (message) => {
    out.texts.push(message.text);
    out.ids.push(message.id);
  });
  return out;
}

/**
 * How long a test waits for something that must happen before calling it hung: a hang guard,
 * never a speed requirement. A loaded 2-core machine (another job, a 20-node devnet) runs these
 * tests several times slower than an idle one; half the 60 s test timeout leaves room for two.
 */
export const HANG_GUARD_MS = 30_000;

/** Waits until `condition()` holds (checked every 10 ms), or rejects after `ms` (a hang guard). */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  ms = HANG_GUARD_MS,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

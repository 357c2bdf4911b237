/**
 * What the client's end-to-end files share: a testnet of real processes per file (the devnet
 * ledger and murmur-node service nodes started by `@murmur/testnet`, staked through real ledger
 * transactions), clients on it with quick e2e timings and SQLite storage, and the waits for
 * messages. The directory (with every process's log) is kept when a test fails, and its path
 * printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientComponents,
  type ClientInit,
  createClient,
  type IncomingMessage,
  type MurmurClient,
} from '@murmur/client';
import { createSqliteStorage, type SqliteStorage } from '@murmur/client/sqlite';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { programsFromEnvironment, startTestnet, type Testnet } from '@murmur/testnet';
import { createNodeFetch } from '@murmur/wire/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * The testnet's nodes speak HTTPS only, with self-signed certificates (as Session's): the
 * clients' injected fetch does not check them; nothing global is changed.
 */
export const nodeFetch = createNodeFetch();

/** How long an e2e wait may take, ms (a hang guard, not a speed requirement). */
export const E2E_WAIT_MS = 90_000;

/** A fresh `{signal}` that aborts after {@link E2E_WAIT_MS}. */
export function waitSignal(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(E2E_WAIT_MS) };
}

/** A client made by {@link E2eNetwork.client}, with its storage. */
export interface E2eClient {
  client: MurmurClient;
  storage: SqliteStorage;
}

/** The network of one e2e file. */
export interface E2eNetwork {
  readonly crypto: MurmurCrypto;
  readonly testnet: Testnet;
  /** The file's temporary directory: the testnet under `net/`, the clients' databases. */
  readonly dir: string;
  /**
   * A client on the testnet (seeded from the ledger, polling every 250 ms, quick outbox and
   * path retries) with its SQLite database `<dir>/<name>.db`; `init` and `components` (given
   * the storage) add to or replace those settings. Stopped and closed after the file.
   */
  client(
    name: string,
    init?: Partial<ClientInit>,
    components?: (storage: SqliteStorage) => Partial<ClientComponents>,
  ): E2eClient;
  /** Another client object on an existing storage (a restart); stopped after the file. */
  reopen(storage: SqliteStorage, init?: Partial<ClientInit>): MurmurClient;
}

/**
 * Registers the hooks of an e2e file: before all, a `nodes`-node testnet with 250 ms blocks (no
 * pooled nodes) whose nodes are all active; after all, every client stopped, every storage
 * closed, the testnet stopped and the directory removed unless a test failed. Read the
 * returned network's fields from the tests (they throw before the testnet is up).
 */
export function useE2eNetwork(prefix: string, options: { nodes: number }): E2eNetwork {
  let crypto: MurmurCrypto | undefined;
  let testnet: Testnet | undefined;
  let dir: string | undefined;
  let failed = false;
  const clients: MurmurClient[] = [];
  const storages: SqliteStorage[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the e2e network has no ${what} before beforeAll`);
    return value;
  };

  beforeAll(async () => {
    crypto = await loadCrypto();
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    testnet = await startTestnet({
      // MURMUR_LEDGER_CLI and MURMUR_NODE_CLI, set by vitest.e2e.config.ts.
      programs: programsFromEnvironment(process.env),
      dir: join(dir, 'net'),
      nodes: options.nodes,
      blockTimeMs: 250,
      pooledEvery: 0,
      fresh: true,
    });
    await testnet.waitForActive();
  });

  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const made of clients) await made.stop().catch(() => undefined);
    for (const storage of storages) await storage.close().catch(() => undefined);
    await testnet?.stop();
    if (failed) console.log(`e2e: logs kept in ${dir}`);
    else if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const network: E2eNetwork = {
    get crypto() {
      return ready(crypto, 'crypto');
    },
    get testnet() {
      return ready(testnet, 'testnet');
    },
    get dir() {
      return ready(dir, 'directory');
    },
    client(name, init = {}, components = () => ({})) {
      const storage = createSqliteStorage({ path: join(network.dir, `${name}.db`) });
      storages.push(storage);
      const client = createClient(
        {
          seeds: [network.testnet.seedUrl],
          pollIntervalMs: 250,
          outbox: { initialBackoffMs: 200, maxBackoffMs: 2_000 },
          paths: { retryInitialMs: 200, retryMaxMs: 2_000 },
          ...init,
        },
        { crypto: network.crypto, storage, fetch: nodeFetch, ...components(storage) },
      );
      clients.push(client);
      return { client, storage };
    },
    reopen(storage, init = {}) {
      const client = createClient(
        { seeds: [network.testnet.seedUrl], pollIntervalMs: 250, ...init },
        { crypto: network.crypto, storage, fetch: nodeFetch },
      );
      clients.push(client);
      return client;
    },
  };
  return network;
}

/** Creates the account if there is none, starts the client and waits until it is ready. */
export async function online(client: MurmurClient): Promise<MurmurClient> {
  if ((await client.account.get()) === undefined) await client.account.create();
  await client.start();
  await client.whenReady(waitSignal());
  return client;
}

/**
 * Resolves with every message `client` receives from now until their texts include each of
 * `texts`; rejects after {@link E2E_WAIT_MS}, saying what came.
 */
export function receive(
  client: MurmurClient,
  texts: readonly string[],
): Promise<IncomingMessage[]> {
  const seen: IncomingMessage[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `received ${JSON.stringify(seen.map((message) => message.text))}, waiting for ${JSON.stringify(texts)}`,
        ),
      );
    }, E2E_WAIT_MS);
    const off = client.on('message', (message) => {
      seen.push(message);
      if (texts.every((text) => seen.some((entry) => entry.text === text))) {
        clearTimeout(timer);
        off();
        resolve(seen);
      }
    });
  });
}

/** The message with `text` that `client` receives next. */
export async function receiveOne(client: MurmurClient, text: string): Promise<IncomingMessage> {
  const seen = await receive(client, [text]);
  return seen.find((message) => message.text === text) as IncomingMessage;
}

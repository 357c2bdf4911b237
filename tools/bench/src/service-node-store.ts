/**
 * How fast the node stores, in-process (no HTTP): `store` RPCs through the dispatcher (schema
 * check, hash, SQLite commit, node signature) and the raw store, with `sync: normal` and
 * `sync: full`, one transaction per message against one transaction per batch of 64 (group
 * commit). The HTTP figures against a fastify echo are `service-node.ts` (`bench:node`).
 *
 * Run: `pnpm --filter @murmur/service-node build && pnpm --filter @murmur/bench exec tsx
 * src/service-node-store.ts` (workspace packages resolve to their built dist). Prints the median
 * of 5 rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@murmur/crypto';
import {
  createRpcDispatcher,
  createStaticNetworkView,
  localOnlyReplicator,
  type NewMessage,
  nodeKeysFromSeed,
  openMessageStore,
  type SyncMode,
} from '@murmur/service-node';
import { HARDFORK, silentLogger } from '@murmur/wire';
import { STORAGE_SERVER_VERSION } from '@murmur/wire/server';
import { median } from './stats.js';

const crypto = await loadCrypto();
const ROUNDS = 5;

function freshStore(sync: SyncMode) {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  const store = openMessageStore({ path: join(dir, 'storage.db'), sync });
  return {
    store,
    done() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let serial = 0;
function message(owner: string): NewMessage {
  serial += 1;
  return {
    owner,
    namespace: 0,
    hash: `${String(serial).padStart(12, '0')}${'h'.repeat(31)}`,
    timestamp: Date.now(),
    expiry: Date.now() + 3_600_000,
    data: new Uint8Array(300).fill(serial % 251),
  };
}

function rawStores(sync: SyncMode, count: number, batch: number): number {
  const { store, done } = freshStore(sync);
  const owner = `05${'ab'.repeat(32)}`;
  const started = performance.now();
  if (batch === 1) for (let i = 0; i < count; i++) store.store(message(owner));
  else {
    for (let i = 0; i < count; i += batch) {
      store.storeMany(Array.from({ length: batch }, () => message(owner)));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  done();
  return count / seconds;
}

async function rpcStores(
  sync: SyncMode,
  count: number,
  concurrency: number,
  groupCommit: boolean,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'murmur-bench-'));
  const store = openMessageStore({ path: join(dir, 'storage.db'), sync, groupCommit });
  const done = () => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const keys = nodeKeysFromSeed(crypto, new Uint8Array(32).fill(1));
  const network = createStaticNetworkView({
    self: { ed25519: keys.ed25519Hex, x25519: keys.x25519Hex },
    nodes: [
      {
        ed25519: keys.ed25519Hex,
        x25519: keys.x25519Hex,
        ip: '127.0.0.1',
        storagePort: 1,
        relayPort: 2,
        swarmId: 0n,
      },
    ],
  });
  const dispatcher = createRpcDispatcher({
    store,
    network,
    keys,
    crypto,
    clock: { now: () => Date.now() },
    logger: silentLogger(),
    replicator: localOnlyReplicator,
    hardfork: HARDFORK,
    version: STORAGE_SERVER_VERSION,
  });
  const pubkey = crypto.generateIdentity().sessionId;
  const bodies = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      method: 'store',
      params: {
        pubkey,
        timestamp: Date.now(),
        ttl: 3_600_000,
        data:
          Buffer.alloc(300, i % 251).toString('base64') + Buffer.from(String(i)).toString('base64'),
      },
    }),
  );
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const result = await dispatcher.handleBody(body);
      if (result.status !== 200) {
        throw new Error(`store failed: ${result.status} ${String(result.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  done();
  return count / seconds;
}

const rows: [string, number][] = [];
for (const sync of ['normal', 'full'] as const) {
  const count = sync === 'normal' ? 20_000 : 2_000;
  rows.push([
    `raw store, sync=${sync}, 1 message per transaction`,
    median(Array.from({ length: ROUNDS }, () => rawStores(sync, count, 1))),
  ]);
  rows.push([
    `raw store, sync=${sync}, 64 messages per transaction`,
    median(Array.from({ length: ROUNDS }, () => rawStores(sync, count, 64))),
  ]);
  for (const [concurrency, groupCommit] of [
    [1, true],
    [64, false],
    [64, true],
  ] as const) {
    const rpc: number[] = [];
    for (let i = 0; i < ROUNDS; i++)
      rpc.push(await rpcStores(sync, count, concurrency, groupCommit));
    rows.push([
      `store RPC, sync=${sync}, ${concurrency} in flight, group commit ${groupCommit ? 'on' : 'off'}`,
      median(rpc),
    ]);
  }
}
for (const [name, perSecond] of rows) {
  process.stdout.write(
    `${name.padEnd(62)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} /s\n`,
  );
}

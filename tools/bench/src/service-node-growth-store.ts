/**
 * The store's own work as the database grows, without HTTP, TLS or the crypto worker: `pnpm
 * --filter @murmur/bench exec tsx src/service-node-growth-store.ts` on the files `bench:growth`
 * filled (run `bench:growth -- --fill-only` first; build the service node first).
 *
 * Opens every size's database with the node's own store (`openMessageStore`: its schema,
 * statements and pragmas) in one process, then measures, in slices that alternate between the
 * sizes (the order turning each slice, so that load drift on a shared machine falls on every
 * size alike), the process CPU time of:
 *
 * - **retrieve**: the reader's 100 messages (`store.retrieve`, the call the RPC makes);
 * - **retrieve heavy**: the first 100 messages of the account holding 100,000;
 * - **store**: messages of a new account stored by group commits of 30 (`storeQueued`, the RPC's
 *   call), per message;
 *
 * and prints the median over the slices of each, and each size against the smallest. Also the
 * first retrieve after opening (SQLite's page cache cold; the operating system's probably warm)
 * and the time `openMessageStore` took. The stores add messages to the files (as `bench:growth`'s
 * do).
 *
 * Flags: `--sizes 10k,1m,10m`, `--dir <path>` (`/tmp/murmur-growth`), `--slices <n>` (10),
 * `--per-slice <n>` (retrieves per slice and kind, 200; stores: as many messages), `--cache-mib
 * <n>` (SQLite's page cache of the store's connection; default: the store's default).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCrypto } from '@murmur/crypto';
import { type MessageStore, openMessageStore } from '@murmur/service-node';
import { bytesToHex } from '@murmur/wire';
import { positiveInteger, scriptArgs } from './args.js';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: scriptArgs(),
  options: {
    sizes: { type: 'string', default: '10k,1m,10m' },
    dir: { type: 'string', default: '/tmp/murmur-growth' },
    slices: { type: 'string', default: '10' },
    'per-slice': { type: 'string', default: '200' },
    'cache-mib': { type: 'string' },
  },
});
const SLICES = positiveInteger('--slices', flags.slices as string);
const PER_SLICE = positiveInteger('--per-slice', flags['per-slice'] as string);
const CACHE_BYTES =
  flags['cache-mib'] === undefined
    ? undefined
    : positiveInteger('--cache-mib', flags['cache-mib']) * 1024 * 1024;
const GROUP = 30;
const DAY_MS = 86_400_000;

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (match === null) throw new Error(`--sizes: "${text}" is not a count such as 10k or 1m`);
  const unit = (match[2] ?? '').toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

const crypto = await loadCrypto();
// The identities of `bench:growth`'s fill (service-node-growth.ts `identities`).
const reader = crypto.identityFromSeed(new Uint8Array(32).fill(9)).sessionId;
const heavy = crypto.identityFromSeed(new Uint8Array(32).fill(7)).sessionId;
const now = Date.now();

interface Size {
  size: number;
  store: MessageStore;
  writer: string;
  openMs: number;
  coldMicros: number;
  retrieve: number[];
  heavy: number[];
  stores: number[];
}

const sizes: Size[] = [];
for (const size of (flags.sizes as string).split(',').map(parseSize)) {
  const path = join(flags.dir as string, `messages-${size}`, 'storage.db');
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: fill it first (bench:growth -- --sizes … --fill-only)`);
  }
  const started = performance.now();
  const store = openMessageStore({
    path,
    sizeLimitBytes: Number.MAX_SAFE_INTEGER,
    cacheBytes: CACHE_BYTES,
  });
  const openMs = performance.now() - started;
  const before = cpuMicros();
  const first = store.retrieve(reader, 0, { now });
  const coldMicros = cpuMicros() - before;
  if (first.messages.length !== 100) {
    throw new Error(`${path}: the reader has ${first.messages.length} messages, not 100`);
  }
  sizes.push({
    size,
    store,
    writer: `05${bytesToHex(crypto.randomBytes(32))}`,
    openMs,
    coldMicros,
    retrieve: [],
    heavy: [],
    stores: [],
  });
}

function timeRetrieves(store: MessageStore, owner: string, maxCount?: number): number {
  const before = cpuMicros();
  for (let i = 0; i < PER_SLICE; i++) {
    const page = store.retrieve(owner, 0, { now, maxCount, maxBytes: 1_560_000 });
    if (page.messages.length !== 100) throw new Error('a retrieve did not return 100 messages');
  }
  return (cpuMicros() - before) / PER_SLICE;
}

async function timeStores(store: MessageStore, owner: string): Promise<number> {
  const data = crypto.randomBytes(300);
  const before = cpuMicros();
  let count = 0;
  while (count < PER_SLICE) {
    await Promise.all(
      Array.from({ length: GROUP }, () =>
        store.storeQueued({
          owner,
          namespace: 3,
          hash: Buffer.from(crypto.randomBytes(32)).toString('base64').slice(0, 43),
          timestamp: now,
          expiry: now + 10 * DAY_MS,
          data,
        }),
      ),
    );
    count += GROUP;
  }
  return (cpuMicros() - before) / count;
}

for (let slice = 0; slice < SLICES; slice++) {
  const shift = slice % sizes.length;
  for (const entry of [...sizes.slice(shift), ...sizes.slice(0, shift)]) {
    entry.stores.push(await timeStores(entry.store, entry.writer));
    entry.retrieve.push(timeRetrieves(entry.store, reader));
    entry.heavy.push(timeRetrieves(entry.store, heavy, 100));
  }
}
for (const entry of sizes) entry.store.close();

const first = sizes[0] as Size;
const fmt = (value: number) => value.toFixed(1);
process.stdout.write(
  `\nstore's own work, ${SLICES} slices of ${PER_SLICE} (median µs of CPU per operation)\n\n| messages | open ms | first retrieve µs (cold cache) | retrieve 100 µs | heavy retrieve 100 µs | store µs per message | retrieve / smallest | heavy / smallest | store / smallest |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`,
);
for (const entry of sizes) {
  const ratio = (pick: (s: Size) => number[]) =>
    (median(pick(entry)) / median(pick(first))).toFixed(2);
  process.stdout.write(
    `| ${entry.size.toLocaleString('en-US')} | ${entry.openMs.toFixed(0)} | ${entry.coldMicros} | ${fmt(median(entry.retrieve))} | ${fmt(median(entry.heavy))} | ${fmt(median(entry.stores))} | ${ratio((s) => s.retrieve)} | ${ratio((s) => s.heavy)} | ${ratio((s) => s.stores)} |\n`,
  );
}

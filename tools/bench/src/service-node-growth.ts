/**
 * Is a node as fast with a full store as with an empty one? `pnpm --filter @murmur/bench run
 * bench:growth` (build the service node first).
 *
 * For each size (default 10k, 1M and 10M messages) a node's database is filled **directly in
 * SQLite**, so that 10M messages take minutes rather than the hours the RPC would: the node's
 * own store creates the file (its schema, through its migrations), then the rows go in through
 * the node's insert statement in transactions of 100,000 with the secondary indexes dropped, and
 * the indexes are created again from their own definitions (read back from the file). Many
 * accounts (one per 50 messages on average, namespaces 0, 1 and -10), one heavy account holding
 * 100,000 messages (a tenth of the store below 1M), and a reader account holding 100 messages
 * in namespace 0. Message data is 300 bytes (the same as `bench:node`); hashes are 43 base64
 * characters that rise with the fill order (so the hash index is appended to; see `hashOf`);
 * expiries are spread over 20 to 30 days after the fill.
 *
 * The files live under `--dir` (default `/tmp/murmur-growth`, never in the repository) and are
 * reused by later runs (a file is filled again only if its fill did not finish or its messages
 * are about to expire). The stores of each run add their messages (one new account per run),
 * so a reused file grows a little from run to run; the fill count is what the tables name.
 *
 * Then a real `murmur-node start` process on each size's data directory (static network, no
 * replication, rate limit off, HTTPS storage port), all running at once, measured with the load
 * generator of `bench:node` (`service-node-load.ts`, autocannon, 32 connections, 1 s warm-up,
 * then `--seconds`) in rounds (default 2); each round measures every size one after the other
 * (so that the ratios between sizes come from the same minutes of a shared machine), starting
 * one size later each round:
 *
 * - **store**: signed `store` requests of new 300-byte messages (namespace 3) of a new account;
 * - **retrieve**: the reader's 100 messages (a signed `retrieve`, ≈ 50 KB answers);
 * - **retrieve heavy**: the first 100 messages of the heavy account (`max_count: 100`);
 *
 * and prints server CPU per request (all threads, and the main thread), p99 latency, and each
 * size against the smallest (target: at 10M within 1.3× of the 10k figures). Disk bytes per
 * stored byte: the database file and its WAL over the sum of the stored messages' data.
 *
 * Flags: `--sizes 10k,1m,10m`, `--dir <path>`, `--rounds <n>` (2), `--seconds <s>` (5),
 * `--connections <n>` (32), `--cli <path>` (another build of `murmur-node`'s `cli.js`),
 * `--refill` (fill again even when a file is there), `--fill-only` (fill, measure nothing: to fill
 * several sizes in parallel before one measuring run), `--phases store,retrieve,heavy` (which
 * loads each round runs, in that order), `--start-only` (start each size's node
 * once, one after the other, print its start-up time to the listening line and stop it:
 * start-up alone, for example before and after a change with `--cli`).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCrypto, type MurmurCrypto } from '@murmur/crypto';
import { type NewMessage, openMessageStore } from '@murmur/service-node';
import {
  initLocalNode,
  type LocalNode,
  startLocalNode,
  writeLoneNetwork,
} from '@murmur/service-node/local';
import { bytesToHex } from '@murmur/wire';
import { scriptArgs } from './args.js';
import { type LoadJob, type LoadResult, runLoad } from './node-load.js';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: scriptArgs(),
  options: {
    sizes: { type: 'string', default: '10k,1m,10m' },
    dir: { type: 'string', default: '/tmp/murmur-growth' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    cli: { type: 'string' },
    refill: { type: 'boolean', default: false },
    'fill-only': { type: 'boolean', default: false },
    'start-only': { type: 'boolean', default: false },
    phases: { type: 'string', default: 'store,retrieve,heavy' },
  },
});

const MESSAGE_BYTES = 300;
/** The node's insert statement (`apps/service-node/src/storage/message-store.ts`). */
const INSERT_SQL =
  'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?)';
const HEAVY_MESSAGES = 100_000;
const READER_MESSAGES = 100;
const MESSAGES_PER_ACCOUNT = 50;
const DAY_MS = 86_400_000;
/** Fill again when the earliest expiry is closer than this. */
const EXPIRY_MARGIN_MS = 2 * DAY_MS;
const FILL_BATCH = 100_000;
const ROUNDS = Number(flags.rounds);
const SECONDS = Number(flags.seconds);
const CONNECTIONS = Number(flags.connections);
const PHASES = new Set((flags.phases ?? '').split(',').map((phase) => phase.trim()));
for (const phase of PHASES) {
  if (!['store', 'retrieve', 'heavy'].includes(phase)) {
    throw new Error(`--phases: "${phase}" is not one of store, retrieve, heavy`);
  }
}

const require = createRequire(import.meta.url);
const nodeRoot = dirname(require.resolve('@murmur/service-node/package.json'));
const cli = flags.cli === undefined ? join(nodeRoot, 'dist', 'cli.js') : resolvePath(flags.cli);
/** The node's own better-sqlite3 (resolved from its package, not a dependency of the bench). */
const Database = createRequire(join(nodeRoot, 'package.json'))('better-sqlite3') as new (
  path: string,
) => SqliteDatabase;
interface SqliteDatabase {
  pragma(text: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): {
    all(...args: unknown[]): unknown[];
    run(...args: unknown[]): unknown;
  };
  transaction<A extends unknown[]>(body: (...args: A) => void): (...args: A) => void;
  close(): void;
}
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (match === null) throw new Error(`--sizes: "${text}" is not a count such as 10k or 1m`);
  const unit = (match[2] ?? '').toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'k' ? 1e3 : unit === 'm' ? 1e6 : 1));
}

/** The 64 base64 characters in ASCII order. */
const SORTED_BASE64 = '+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Message `i`'s hash (43 base64 characters, as real ones): five characters that grow with `i`
 * (in the index's order), then 38 of a BLAKE2b hash of its data. Rising hashes let the fill
 * append to the hash index instead of inserting at random places (hours at 10M on a busy
 * 2-core machine); the node's own stores during the measurement have random hashes as usual.
 */
function hashOf(i: number, count: number, data: Uint8Array): string {
  let position = Math.floor((i * 64 ** 5) / count);
  let prefix = '';
  for (let k = 0; k < 5; k++) {
    prefix = SORTED_BASE64[position % 64] + prefix;
    position = Math.floor(position / 64);
  }
  return prefix + Buffer.from(fillCrypto.blake2b(data, 32)).toString('base64').slice(5, 43);
}

/** The fixed identities of a fill (so that later runs can sign for them). */
function identities(crypto: MurmurCrypto) {
  return {
    heavy: crypto.identityFromSeed(new Uint8Array(32).fill(7)),
    reader: crypto.identityFromSeed(new Uint8Array(32).fill(9)),
  };
}

interface FillInfo {
  messages: number;
  filledAt: number;
  earliestExpiry: number;
  seconds: number;
}

/** Fills `dataDir/storage.db` with `count` messages unless a finished fill is there. */
function fill(crypto: MurmurCrypto, dataDir: string, count: number): FillInfo {
  const infoFile = join(dataDir, 'growth-fill.json');
  if (!flags.refill && existsSync(infoFile)) {
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as FillInfo;
    if (info.messages === count && info.earliestExpiry - Date.now() > EXPIRY_MARGIN_MS) return info;
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  initLocalNode({ dataDir, program: cli });
  const started = performance.now();
  const now = Date.now();
  const path = join(dataDir, 'storage.db');
  // The node's own schema: its store creates the file through its migrations.
  openMessageStore({ path }).close();
  // Bulk load: the rows go in through the node's insert statement with the secondary indexes
  // dropped, then the indexes are created again from their own definitions (read from the
  // file), which sorts once instead of inserting at random positions 10M times. The
  // message-hash UNIQUE index stays (it is part of the table) and takes random inserts.
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma(`cache_size = -${1536 * 1024}`);
  const indexes = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL",
    )
    .all() as { name: string; sql: string }[];
  for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);
  const insert = db.prepare(INSERT_SQL);
  const insertBatch = db.transaction((batch: NewMessage[]) => {
    for (const m of batch) {
      insert.run(m.owner, m.namespace, m.hash, m.timestamp, m.expiry, m.data);
    }
  });
  const store = {
    storeMany(batch: NewMessage[]) {
      insertBatch(batch);
    },
    finish() {
      for (const index of indexes) db.exec(index.sql);
      db.pragma('journal_mode = WAL');
      db.close();
      const opened = openMessageStore({ path, sizeLimitBytes: Number.MAX_SAFE_INTEGER });
      const stats = opened.stats();
      opened.close();
      return stats;
    },
  };
  const { heavy, reader } = identities(crypto);
  const heavyCount = Math.min(HEAVY_MESSAGES, Math.floor(count / 10));
  const others = count - heavyCount - READER_MESSAGES;
  const accounts = Math.max(1, Math.round(others / MESSAGES_PER_ACCOUNT));
  const accountIds = Array.from(
    { length: accounts },
    (_, i) => `05${bytesToHex(crypto.blake2b(new Uint8Array(new Uint32Array([i, count]).buffer)))}`,
  );
  const data = new Uint8Array(MESSAGE_BYTES);
  const view = new DataView(data.buffer);
  const earliestExpiry = now + 20 * DAY_MS;
  let written = 0;
  /** Message `i` of the fill: the heavy account's interleaved with everyone else's. */
  const messageOf = (i: number): NewMessage => {
    view.setUint32(0, i);
    view.setUint32(4, count);
    let owner: string;
    let namespace = 0;
    if (i < READER_MESSAGES) owner = reader.sessionId;
    else if ((i - READER_MESSAGES) % Math.max(1, Math.floor(count / heavyCount)) === 0) {
      owner = heavy.sessionId;
    } else {
      const pick = crypto.randomBytes(4);
      const x = new DataView(pick.buffer, pick.byteOffset, 4).getUint32(0);
      owner = accountIds[x % accounts] as string;
      namespace = [0, 0, 0, 1, -10][x % 5] as number;
    }
    return {
      owner,
      namespace,
      hash: hashOf(i, count, data),
      timestamp: now - (count - i),
      expiry: earliestExpiry + Math.floor(Math.random() * 10 * DAY_MS),
      data: new Uint8Array(data),
    };
  };
  let heavyWritten = 0;
  while (written < count) {
    const batch: NewMessage[] = [];
    for (let i = written; i < Math.min(count, written + FILL_BATCH); i++) {
      const message = messageOf(i);
      if (message.owner === heavy.sessionId) {
        if (heavyWritten >= heavyCount) message.owner = accountIds[i % accounts] as string;
        else heavyWritten += 1;
      }
      batch.push(message);
    }
    store.storeMany(batch);
    written += batch.length;
    if (written % 500_000 < FILL_BATCH) {
      process.stdout.write(
        `  filled ${written.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} (${Math.round((performance.now() - started) / 1000)} s)\n`,
      );
    }
  }
  const stats = store.finish();
  const info: FillInfo = {
    messages: stats.messages,
    filledAt: now,
    earliestExpiry,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  writeFileSync(infoFile, JSON.stringify(info));
  return info;
}

interface NodeProcess {
  child: ChildProcess;
  port: number;
  startSeconds: number;
  stop: LocalNode['stop'];
}

async function startNode(dataDir: string): Promise<NodeProcess> {
  const key = (
    JSON.parse(readFileSync(join(dataDir, 'key.json'), 'utf8')) as { ed25519PublicKey: string }
  ).ed25519PublicKey;
  const networkFile = writeLoneNetwork(join(dataDir, 'network.json'), key);
  const started = performance.now();
  const node = await startLocalNode({
    dataDir,
    networkFile,
    program: cli,
    args: ['--rate-limit', 'false', '--storage-limit', '1T'],
    stderr: 'inherit',
    // The start-up time is measured to the listening line, as before.
    until: 'listening',
    // Opening a data directory of millions of messages is what this measures: no hang guard.
    readyTimeoutMs: 3_600_000,
  });
  children.add(node.child);
  return {
    child: node.child,
    port: node.port,
    startSeconds: (performance.now() - started) / 1000,
    stop: node.stop,
  };
}

async function stopNode(node: NodeProcess): Promise<void> {
  await node.stop();
  children.delete(node.child);
}

type Bodies = LoadJob['bodies'];

function load(url: string, bodies: Bodies, pid: number): Promise<LoadResult> {
  return runLoad(
    { url, connections: CONNECTIONS, seconds: SECONDS, contentType: 'application/json', bodies },
    pid,
    children,
  );
}

function retrieveBody(
  crypto: MurmurCrypto,
  who: ReturnType<MurmurCrypto['identityFromSeed']>,
  maxCount?: number,
): string {
  const params = { pubkey: who.sessionId, namespace: 0, timestamp: Date.now() };
  return JSON.stringify({
    method: 'retrieve',
    params: {
      ...params,
      ...(maxCount === undefined ? {} : { max_count: maxCount }),
      signature: crypto.signRequest('retrieve', params, who.ed25519.secretKey),
      pubkey_ed25519: bytesToHex(who.ed25519.publicKey),
    },
  });
}

/** One POST over HTTPS (the node's self-signed certificate). */
function postHttps(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}

/** Waits until the node answers the reader's retrieve with its 100 messages. */
async function waitReady(url: string, body: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await postHttps(url, body());
    if (answer.status === 200) {
      const count = (JSON.parse(answer.text) as { messages: unknown[] }).messages.length;
      if (count !== READER_MESSAGES) throw new Error(`the reader has ${count} messages, not 100`);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`the node answered ${answer.status}: ${answer.text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function diskBytes(dataDir: string): number {
  let total = 0;
  for (const name of ['storage.db', 'storage.db-wal']) {
    const path = join(dataDir, name);
    if (existsSync(path)) total += statSync(path).size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------

const crypto = await loadCrypto();
const fillCrypto = crypto;
const sizes = (flags.sizes ?? '').split(',').map(parseSize);
const { heavy, reader } = identities(crypto);
mkdirSync(flags.dir as string, { recursive: true });
process.stdout.write(
  `growth: sizes ${sizes.map((s) => s.toLocaleString('en-US')).join(', ')}; files under ${flags.dir}; ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections\n`,
);

interface SizeResult {
  size: number;
  fill: FillInfo;
  startSeconds: number;
  store: LoadResult[];
  retrieve: LoadResult[];
  heavy: LoadResult[];
  diskPerDataByte: number;
  dataBytes: number;
  diskBytes: number;
}
const results: SizeResult[] = [];
const nodes: { node: NodeProcess; base: string; dataDir: string; result: SizeResult }[] = [];
for (const size of sizes) {
  const dataDir = join(flags.dir as string, `messages-${size}`);
  process.stdout.write(`\n${size.toLocaleString('en-US')} messages: filling ${dataDir} …\n`);
  const info = fill(crypto, dataDir, size);
  process.stdout.write(
    `  fill: ${info.messages.toLocaleString('en-US')} messages (${info.seconds} s when filled)\n`,
  );
  if (flags['fill-only']) continue;
  const node = await startNode(dataDir);
  const base = `https://127.0.0.1:${node.port}/storage_rpc/v1`;
  await waitReady(base, () => retrieveBody(crypto, reader));
  process.stdout.write(`  node started in ${node.startSeconds.toFixed(1)} s\n`);
  if (flags['start-only']) {
    await stopNode(node);
    continue;
  }
  const result: SizeResult = {
    size,
    fill: info,
    startSeconds: node.startSeconds,
    store: [],
    retrieve: [],
    heavy: [],
    diskPerDataByte: 0,
    dataBytes: 0,
    diskBytes: 0,
  };
  nodes.push({ node, base, dataDir, result });
  results.push(result);
}
// Every size's node runs at once, and each round measures them one after the other, so that
// the ratios between sizes come from the same minutes of a shared machine. The order turns by
// one size each round (10k, 1M, 10M; then 1M, 10M, 10k; …), so that no size is always the one
// measured first or right after another's store load.
for (let round = 1; round <= ROUNDS; round++) {
  const shift = (round - 1) % Math.max(1, nodes.length);
  for (const { node, base, result } of [...nodes.slice(shift), ...nodes.slice(0, shift)]) {
    const pid = node.child.pid as number;
    if (PHASES.has('store')) {
      result.store.push(
        await load(base, { kind: 'store', count: 20_000, namespace: 3, bytes: MESSAGE_BYTES }, pid),
      );
    }
    if (PHASES.has('retrieve')) {
      result.retrieve.push(
        await load(base, { kind: 'fixed', body: retrieveBody(crypto, reader) }, pid),
      );
    }
    if (PHASES.has('heavy')) {
      result.heavy.push(
        await load(base, { kind: 'fixed', body: retrieveBody(crypto, heavy, 100) }, pid),
      );
    }
    const fmt = (r: LoadResult) =>
      `${Math.round(r.requestsPerSecond)}/s, ${Math.round(r.serverCpuMicros ?? 0)} µs (main ${Math.round(r.mainCpuMicros ?? 0)}), p99 ${r.latencyP99} ms`;
    process.stdout.write(
      `round ${round}, ${result.fill.messages.toLocaleString('en-US')} messages:${(
        [
          ['store', result.store],
          ['retrieve', result.retrieve],
          ['retrieve heavy', result.heavy],
        ] as const
      )
        .filter(([, list]) => list.length === round)
        .map(([name, list]) => ` ${name} ${fmt(list.at(-1) as LoadResult)}`)
        .join(';')}\n`,
    );
  }
}
for (const { node, dataDir, result } of nodes) {
  await stopNode(node);
  // The node checkpointed its WAL when it stopped; the store counts its data when it opens.
  result.diskBytes = diskBytes(dataDir);
  const store = openMessageStore({
    path: join(dataDir, 'storage.db'),
    sizeLimitBytes: Number.MAX_SAFE_INTEGER,
  });
  result.dataBytes = store.stats().dataBytes;
  store.close();
  result.diskPerDataByte = result.diskBytes / result.dataBytes;
}

if (flags['fill-only'] || flags['start-only']) process.exit(0);
const cpu = (list: LoadResult[], field: 'serverCpuMicros' | 'mainCpuMicros' | 'latencyP99') =>
  median(list.map((r) => r[field] ?? Number.NaN));
const first = results[0] as SizeResult;
process.stdout.write(
  `\n| messages in the store | store CPU µs (main) | store p99 ms | retrieve 100 CPU µs (main) | retrieve p99 ms | retrieve 100 of the heavy account CPU µs (main) | heavy p99 ms | disk bytes per data byte | start s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`,
);
for (const r of results) {
  process.stdout.write(
    `| ${r.fill.messages.toLocaleString('en-US')} | ${Math.round(cpu(r.store, 'serverCpuMicros'))} (${Math.round(cpu(r.store, 'mainCpuMicros'))}) | ${cpu(r.store, 'latencyP99')} | ${Math.round(cpu(r.retrieve, 'serverCpuMicros'))} (${Math.round(cpu(r.retrieve, 'mainCpuMicros'))}) | ${cpu(r.retrieve, 'latencyP99')} | ${Math.round(cpu(r.heavy, 'serverCpuMicros'))} (${Math.round(cpu(r.heavy, 'mainCpuMicros'))}) | ${cpu(r.heavy, 'latencyP99')} | ${r.diskPerDataByte.toFixed(2)} | ${r.startSeconds.toFixed(1)} |\n`,
  );
}
process.stdout.write(
  `\nAgainst the smallest store (${first.fill.messages.toLocaleString('en-US')} messages), target ≤ 1.30:\n\n| messages | store CPU | store p99 | retrieve CPU | retrieve p99 | heavy retrieve CPU | heavy p99 |\n|---:|---:|---:|---:|---:|---:|---:|\n`,
);
for (const r of results) {
  const x = (list: (s: SizeResult) => LoadResult[], field: 'serverCpuMicros' | 'latencyP99') =>
    (cpu(list(r), field) / cpu(list(first), field)).toFixed(2);
  process.stdout.write(
    `| ${r.fill.messages.toLocaleString('en-US')} | ${x((s) => s.store, 'serverCpuMicros')} | ${x((s) => s.store, 'latencyP99')} | ${x((s) => s.retrieve, 'serverCpuMicros')} | ${x((s) => s.retrieve, 'latencyP99')} | ${x((s) => s.heavy, 'serverCpuMicros')} | ${x((s) => s.heavy, 'latencyP99')} |\n`,
  );
}
process.exit(0);

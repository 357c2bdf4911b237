/**
 * Retrieve's own work, in one process, before and after issue 16, paired (the machine is shared:
 * the builds alternate, and the table gives the median of the per-pair ratios):
 * `pnpm --filter @murmur/service-node build && pnpm --filter @murmur/bench exec tsx
 * src/service-node-retrieve.ts`.
 *
 * - A (before): the page read row by row (`iterate`, an object per row: the statement and loop
 *   `store.retrieve` had before), the answer's objects, then `JSON.stringify` of the answer.
 * - B (first pass): the node's `store.retrieve` (rows in chunks, as arrays), the answer's
 *   objects and its JSON text built alongside by string concatenation, then `Buffer.from`.
 * - C (now): the node's `store.retrieve` and `buildRetrieveAnswer` (what the `retrieve` handler
 *   now does): the fragments sized first and written into one buffer.
 *
 * Both on the same database: an account's 100 messages of 300 bytes among 20,000 of other
 * accounts. HTTP, TLS and the signature check are left out (the same in both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildRetrieveAnswer, openMessageStore } from '@murmur/service-node';
import { median } from './stats.js';

const require = createRequire(import.meta.url);
const nodeRoot = dirname(require.resolve('@murmur/service-node/package.json'));
const Database = createRequire(join(nodeRoot, 'package.json'))('better-sqlite3') as new (
  path: string,
) => { prepare(sql: string): { iterate(...args: unknown[]): Iterable<unknown> }; close(): void };

const dir = mkdtempSync(join(tmpdir(), 'murmur-retrieve-bench-'));
const path = join(dir, 'storage.db');
const store = openMessageStore({ path });
const owner = `05${'ab'.repeat(32)}`;
const now = Date.now();
let serial = 0;
const message = (who: string) => {
  serial += 1;
  const data = new Uint8Array(300).fill(serial % 251);
  new DataView(data.buffer).setUint32(0, serial);
  return {
    owner: who,
    namespace: 0,
    hash: `${String(serial).padStart(12, '0')}${'h'.repeat(31)}`,
    timestamp: now,
    expiry: now + 3_600_000,
    data,
  };
};
for (let i = 0; i < 20_100; i++) {
  store.store(
    message(i % 201 === 0 && serial < 30_000 ? owner : `05${String(i % 400).padStart(64, '0')}`),
  );
}
const t = now;
const hf = [19, 3];
const db = new Database(path);
const before = db.prepare(
  'SELECT hash, timestamp, expiry, data FROM messages WHERE owner = ? AND namespace = ? AND id > ? AND expiry > ? ORDER BY id',
);

function answerBefore(): Buffer {
  const messages: { hash: string; timestamp: number; expiry: number; data: Uint8Array }[] = [];
  for (const raw of before.iterate(owner, 0, 0, now)) {
    const row = raw as { hash: string; timestamp: number; expiry: number; data: Uint8Array };
    messages.push({ hash: row.hash, timestamp: row.timestamp, expiry: row.expiry, data: row.data });
  }
  const body = {
    messages: messages.map((m) => ({
      hash: m.hash,
      timestamp: m.timestamp,
      expiration: m.expiry,
      data: Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length).toString('base64'),
    })),
    more: false,
    t,
    hf,
  };
  return Buffer.from(JSON.stringify(body));
}

function answerAfter(): Buffer {
  const page = store.retrieve(owner, 0, { now, maxBytes: 1_560_000 });
  const messages = new Array(page.messages.length);
  let text = '{"messages":[';
  page.messages.forEach((m, index) => {
    const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.length).toString('base64');
    messages[index] = { hash: m.hash, timestamp: m.timestamp, expiration: m.expiry, data };
    text += `${index === 0 ? '' : ','}{"hash":${JSON.stringify(m.hash)},"timestamp":${m.timestamp},"expiration":${m.expiry},"data":"${data}"}`;
  });
  text += `],"more":${page.more},"t":${t},"hf":[${hf[0]},${hf[1]}]}`;
  return Buffer.from(text);
}

function answerNow(): Buffer {
  const page = store.retrieve(owner, 0, { now, maxBytes: 1_560_000 });
  return buildRetrieveAnswer(page.messages, { more: page.more, t, hf: [hf[0] ?? 0, hf[1] ?? 0] })
    .encoded;
}

const a = answerBefore();
const b = answerAfter();
const c = answerNow();
if (!a.equals(b) || !a.equals(c)) throw new Error('the answers differ');
const count = (a.toString().match(/"hash"/g) ?? []).length;

function cpuMicros(body: () => unknown, iterations: number): number {
  const started = process.cpuUsage();
  for (let i = 0; i < iterations; i++) body();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / iterations;
}
for (let i = 0; i < 300; i++) {
  answerBefore();
  answerAfter();
  answerNow();
}
const builds = [answerBefore, answerAfter, answerNow];
const rounds: number[][] = [];
for (let round = 0; round < 15; round++) {
  // Each round runs the three in a rotated order, so that no build always goes first.
  const times = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const which = (round + k) % 3;
    times[which] = cpuMicros(builds[which] as () => unknown, 500);
  }
  rounds.push(times);
}
const col = (i: number) => median(rounds.map((r) => r[i] as number)).toFixed(1);
const ratio = (i: number, j: number) =>
  median(rounds.map((r) => (r[i] as number) / (r[j] as number))).toFixed(2);
process.stdout.write(
  `retrieve of ${count} messages (${a.length} bytes of JSON), CPU µs per answer, median of ${rounds.length} rounds:\n\n| A: iterate + JSON.stringify | B: chunks + concatenated text + Buffer.from | C: chunks + buildRetrieveAnswer | C / B | C / A |\n|---:|---:|---:|---:|---:|\n| ${col(0)} | ${col(1)} | ${col(2)} | ${ratio(2, 1)} | ${ratio(2, 0)} |\n`,
);
db.close();
store.close();
rmSync(dir, { recursive: true, force: true });

/**
 * Retrieve's own work, in one process, before and after issue 16, paired (the machine is shared:
 * A and B alternate, and the table gives the median of the per-pair ratios):
 * `pnpm --filter @murmur/service-node build && pnpm --filter @murmur/bench exec tsx
 * src/service-node-retrieve.ts`.
 *
 * - A (before): the page read row by row (`iterate`, an object per row: the statement and loop
 *   `store.retrieve` had before), the answer's objects, then `JSON.stringify` of the answer.
 * - B (after): the node's `store.retrieve` (rows in chunks, as arrays), the answer's objects and
 *   its JSON text built alongside (what the `retrieve` handler now does), no second pass.
 *
 * Both on the same database: an account's 100 messages of 300 bytes among 20,000 of other
 * accounts. HTTP, TLS and the signature check are left out (the same in both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openMessageStore } from '@murmur/service-node';
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

const a = answerBefore();
const b = answerAfter();
if (!a.equals(b)) throw new Error('the two answers differ');
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
}
const pairs: { a: number; b: number }[] = [];
for (let round = 0; round < 15; round++) {
  const first = round % 2 === 0;
  const x = cpuMicros(first ? answerBefore : answerAfter, 500);
  const y = cpuMicros(first ? answerAfter : answerBefore, 500);
  pairs.push(first ? { a: x, b: y } : { a: y, b: x });
}
process.stdout.write(
  `retrieve of ${count} messages (${a.length} bytes of JSON), CPU µs per answer, median of ${pairs.length} pairs:\n\n| A: before (iterate + JSON.stringify) | B: after (chunks + JSON built with the page) | B / A |\n|---:|---:|---:|\n| ${median(pairs.map((p) => p.a)).toFixed(1)} | ${median(pairs.map((p) => p.b)).toFixed(1)} | ${median(pairs.map((p) => p.b / p.a)).toFixed(2)} |\n`,
);
db.close();
store.close();
rmSync(dir, { recursive: true, force: true });

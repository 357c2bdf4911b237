/**
 * The statements of one stored message inside the group commit, before and after issue 16's
 * third pass, paired in one process on one database (the machine is shared: A and B alternate,
 * and the table gives the median of the per-pair ratios): `pnpm --filter @murmur/service-node
 * build && pnpm --filter @murmur/bench exec tsx src/service-node-store-row.ts`.
 *
 * - A (before): `SELECT id, expiry FROM messages WHERE hash = ?`, then the `INSERT`.
 * - B (after): one `INSERT … ON CONFLICT (hash) DO NOTHING` (the unique index is probed by the
 *   insert itself; the `SELECT` runs only for a message already there).
 *
 * The database is the node's own (`openMessageStore` makes it, WAL, synchronous NORMAL); rows of
 * 300 bytes for many accounts go in transactions of `--group` (32) rows, as a loop turn's stores
 * do under load. CPU µs per row, transaction and commit included. Flags: `--rounds` (9), `--rows`
 * per run (8,000), `--group` (32).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openMessageStore } from '@murmur/service-node';
import { median } from './stats.js';

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    rounds: { type: 'string', default: '9' },
    rows: { type: 'string', default: '8000' },
    group: { type: 'string', default: '32' },
  },
});
const ROUNDS = Number(flags.rounds);
const ROWS = Number(flags.rows);
const GROUP = Number(flags.group);

interface Statement {
  run(...args: unknown[]): { changes: number };
  get(...args: unknown[]): unknown;
}
interface Db {
  prepare(sql: string): Statement;
  pragma(text: string): unknown;
  transaction<T>(body: () => T): { immediate(): T };
  close(): void;
}
const require = createRequire(import.meta.url);
const nodeRoot = dirname(require.resolve('@murmur/service-node/package.json'));
const Database = createRequire(join(nodeRoot, 'package.json'))('better-sqlite3') as new (
  path: string,
) => Db;

const dir = mkdtempSync(join(tmpdir(), 'murmur-store-row-bench-'));
const path = join(dir, 'storage.db');
openMessageStore({ path }).close();
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const byHash = db.prepare('SELECT id, expiry FROM messages WHERE hash = ?');
const insert = db.prepare(
  'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?)',
);
const insertNew = db.prepare(
  'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
);

const now = Date.now();
let serial = 0;
function row(): [string, number, string, number, number, Uint8Array] {
  serial += 1;
  const data = new Uint8Array(300).fill(serial % 251);
  return [
    `05${String(serial % 5_000).padStart(64, '0')}`,
    0,
    `${String(serial).padStart(12, '0')}${'h'.repeat(31)}`,
    now,
    now + 3_600_000,
    data,
  ];
}

const before = (r: ReturnType<typeof row>) => {
  if (byHash.get(r[2]) !== undefined) throw new Error('a new hash was found');
  insert.run(...r);
};
const after = (r: ReturnType<typeof row>) => {
  if (insertNew.run(...r).changes !== 1) throw new Error('a new row was not inserted');
};

/** CPU µs per row of `store` over `ROWS` rows in transactions of `GROUP`. */
function run(store: (r: ReturnType<typeof row>) => void): number {
  const rows = Array.from({ length: ROWS }, row);
  const start = process.cpuUsage();
  for (let i = 0; i < rows.length; i += GROUP) {
    const part = rows.slice(i, i + GROUP);
    db.transaction(() => {
      for (const r of part) store(r);
    }).immediate();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ROWS;
}

run(before);
run(after);
const a: number[] = [];
const b: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const first = round % 2 === 0 ? run(before) : run(after);
  const second = round % 2 === 0 ? run(after) : run(before);
  const [x, y] = round % 2 === 0 ? [first, second] : [second, first];
  a.push(x);
  b.push(y);
  ratios.push(y / x);
}
db.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `store row (${ROWS} rows per run in transactions of ${GROUP}; ${serial} rows in the table at the end), CPU µs per row, median of ${ROUNDS} pairs:\n\n| A: SELECT by hash + INSERT | B: INSERT … ON CONFLICT DO NOTHING | B / A |\n|---:|---:|---:|\n| ${median(a).toFixed(2)} | ${median(b).toFixed(2)} | ${median(ratios).toFixed(2)} |\n`,
);

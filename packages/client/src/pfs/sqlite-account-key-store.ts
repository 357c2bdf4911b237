/**
 * The SQLite {@link AccountKeyStore} (exported from `@murmur/client/sqlite`, beside the SQLite
 * storage, so that the main entry does not need better-sqlite3).
 */
import { ACCOUNT_KEY_RETENTION_SECONDS } from '@murmur/crypto';
import type Database from 'better-sqlite3';
import { type AccountKeyStore, ordered, requireSeed } from './account-key-store.js';

/**
 * A store in a SQLite database (the client's own file, or another): table `pfs_account_keys`.
 * Pruning overwrites each seed with zeros, deletes the row with `secure_delete` on, and
 * checkpoints and truncates the write-ahead log, so no copy of the seed stays in the files.
 */
export function createSqliteAccountKeyStore(database: Database.Database): AccountKeyStore {
  database.exec(`CREATE TABLE IF NOT EXISTS pfs_account_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created INTEGER NOT NULL,
    rotated INTEGER,
    seed BLOB NOT NULL
  )`);
  const select = database.prepare('SELECT id, created, rotated, seed FROM pfs_account_keys');
  const rotate = database.prepare('UPDATE pfs_account_keys SET rotated = ? WHERE rotated IS NULL');
  const insert = database.prepare('INSERT INTO pfs_account_keys (created, seed) VALUES (?, ?)');
  const expired = database.prepare(
    'SELECT id FROM pfs_account_keys WHERE rotated IS NOT NULL AND rotated < ?',
  );
  const zero = database.prepare('UPDATE pfs_account_keys SET seed = zeroblob(32) WHERE id = ?');
  const remove = database.prepare('DELETE FROM pfs_account_keys WHERE id = ?');
  const addTx = database.transaction((seed: Uint8Array, created: number) => {
    rotate.run(created);
    return Number(insert.run(created, Buffer.from(seed)).lastInsertRowid);
  });
  const pruneTx = database.transaction((ids: number[]) => {
    for (const id of ids) zero.run(id);
    for (const id of ids) remove.run(id);
  });
  return {
    list() {
      const rows = select.all() as {
        id: number;
        created: number;
        rotated: number | null;
        seed: Buffer;
      }[];
      return ordered(
        rows.map((row) => ({
          id: row.id,
          created: row.created,
          rotated: row.rotated ?? undefined,
          seed: new Uint8Array(row.seed),
        })),
      );
    },
    add(seed, created) {
      requireSeed(seed, created);
      const id = addTx(seed, created);
      return { id, seed: seed.slice(), created };
    },
    prune(nowSeconds) {
      const ids = (expired.all(nowSeconds - ACCOUNT_KEY_RETENTION_SECONDS) as { id: number }[]).map(
        (row) => row.id,
      );
      if (ids.length === 0) return 0;
      const secure = database.pragma('secure_delete', { simple: true });
      database.pragma('secure_delete = ON');
      try {
        pruneTx(ids);
      } finally {
        database.pragma(`secure_delete = ${secure === 1 ? 'ON' : 'OFF'}`);
      }
      if (database.pragma('journal_mode', { simple: true }) === 'wal') {
        database.pragma('wal_checkpoint(TRUNCATE)');
      }
      return ids.length;
    },
  };
}

/**
 * The message database's schema and its migrations. Every change to the schema is a new entry
 * in {@link MIGRATIONS}; a database records the last one applied in `schema_version`, so a node
 * opens the files of any older release and upgrades them in place, inside one transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** One schema step: applied once, in order, inside a transaction. */
interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * Every schema step, oldest first. Never edit a released entry: add a new one.
 *
 * - `messages`: one row per stored message. `owner` is the 66-hex account pubkey, `data` the raw
 *   bytes. `id` orders messages by arrival (retrieve pages by it).
 * - `messages_owner` (owner, namespace, id): retrieve, delete_all, per-account queries.
 * - `messages_expiry` (expiry): the expiry sweeper.
 * - `messages_outbox`: a public outbox namespace (−1, −21, …) holds one message per account.
 * - `revoked_subaccounts`: subaccount tokens an account revoked (at most 50 each, newest kept).
 * - `meta`: small per-node bookkeeping values (for example the last swarm this node was in, or
 *   replication cursors) that must survive restarts.
 *
 * Version 2 (replication):
 * - `messages.id` becomes `AUTOINCREMENT`, so an id is never handed out twice, not even after the
 *   newest message was deleted: peers page through a node's messages by id (catch-up), and a
 *   reused id would hide a message from them.
 * - `journal`: the changes to stored messages that catch-up must replay on peers besides new
 *   messages: deletions (kind 1) and expiry changes (kind 2), one row per message hash, with the
 *   id the message had here. `seq` never repeats (AUTOINCREMENT). Rows older than the longest TTL
 *   are trimmed (a deleted message would have expired by then anyway).
 * - `meta.instance`: a random ID of this database, so that peers notice a node whose database
 *   was replaced (its ids start over) and page through it from the beginning again.
 *
 * Version 3 (start-up without a scan):
 * - `message_totals`: one row, the number of stored messages and the sum of their data bytes
 *   (what the store's size figures and its cap need), written by the store inside every write
 *   transaction that changes them (the group commit's included), so that it always matches the
 *   rows committed with it, through crashes too. `last_id` is the largest message id handed out
 *   when the row was written (`sqlite_sequence`'s): a store that finds another value at open
 *   knows someone inserted messages without counting them and counts again, once. The
 *   migration leaves the table empty: the first open counts (one scan of an old database).
 */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'messages, revoked subaccounts, node metadata',
    sql: `
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  namespace INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  timestamp INTEGER NOT NULL,
  expiry INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX messages_owner ON messages (owner, namespace, id);
CREATE INDEX messages_expiry ON messages (expiry);
CREATE UNIQUE INDEX messages_outbox ON messages (owner, namespace)
  WHERE namespace < 0 AND namespace % 20 = -1;

CREATE TABLE revoked_subaccounts (
  owner TEXT NOT NULL,
  token BLOB NOT NULL,
  revoked_at INTEGER NOT NULL,
  PRIMARY KEY (owner, token)
) WITHOUT ROWID;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    description: 'monotonic message ids, the change journal, the database instance ID',
    sql: `
CREATE TABLE messages_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner TEXT NOT NULL,
  namespace INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  timestamp INTEGER NOT NULL,
  expiry INTEGER NOT NULL,
  data BLOB NOT NULL
);
INSERT INTO messages_v2 (id, owner, namespace, hash, timestamp, expiry, data)
  SELECT id, owner, namespace, hash, timestamp, expiry, data FROM messages ORDER BY id;
DROP TABLE messages;
ALTER TABLE messages_v2 RENAME TO messages;
CREATE INDEX messages_owner ON messages (owner, namespace, id);
CREATE INDEX messages_expiry ON messages (expiry);
CREATE UNIQUE INDEX messages_outbox ON messages (owner, namespace)
  WHERE namespace < 0 AND namespace % 20 = -1;

CREATE TABLE journal (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  owner TEXT NOT NULL,
  hash TEXT NOT NULL,
  expiry INTEGER,
  message_id INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX journal_hash ON journal (hash);
CREATE INDEX journal_at ON journal (at);

INSERT INTO meta (key, value) VALUES ('instance', lower(hex(randomblob(16))))
  ON CONFLICT (key) DO NOTHING;
`,
  },
  {
    version: 3,
    description: 'message totals kept with the writes (no count at start-up)',
    sql: `
CREATE TABLE message_totals (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  messages INTEGER NOT NULL,
  data_bytes INTEGER NOT NULL,
  last_id INTEGER NOT NULL
);
`,
  },
]);

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings `db` to {@link SCHEMA_VERSION}. Throws if the database was written by a newer release
 * (its schema is unknown here, so touching it could lose data).
 */
export function migrate(db: BetterSqlite3.Database): { from: number; to: number } {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
    version: number | null;
  };
  const from = row.version ?? 0;
  if (from > SCHEMA_VERSION) {
    throw new Error(
      `the database has schema version ${from}, newer than this murmur-node understands (${SCHEMA_VERSION}); run a newer release`,
    );
  }
  const pending = MIGRATIONS.filter((migration) => migration.version > from);
  if (pending.length > 0) {
    const apply = db.transaction(() => {
      for (const migration of pending) {
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(
          migration.version,
          Date.now(),
        );
      }
    });
    apply.immediate();
  }
  return { from, to: SCHEMA_VERSION };
}

/**
 * The node's message store: SQLite through better-sqlite3, in WAL mode, one file in the node's
 * data directory.
 *
 * Every write is one transaction that has committed when the method returns, so a caller that
 * acknowledges after the call returns never acknowledges a message that a crash of the process
 * (`kill -9`) could lose: a committed WAL transaction is in the operating system's page cache
 * and SQLite replays it at the next open. With `sync: 'full'` each commit is also flushed to the
 * disk, so that a power loss cannot lose it either, at a throughput cost.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Clock, InternalError, type Logger, silentLogger, systemClock } from '@murmur/wire';
import {
  RETRIEVE_MESSAGE_OVERHEAD,
  STORAGE_SIZE_LIMIT_BYTES,
  StorageFullError,
} from '@murmur/wire/server';
import Database, { type Database as BetterSqlite3Database } from 'better-sqlite3';
import { migrate } from './schema.js';

/** How commits reach the disk: `normal` survives process crashes, `full` also power loss. */
export type SyncMode = 'normal' | 'full';

/** A message as the store keeps it. */
export interface StoredMessage {
  /** Arrival order within this node (retrieve pages by it). */
  id: number;
  /** The account, 66 lower-case hex characters. */
  owner: string;
  namespace: number;
  /** The message hash (43 base64 characters). */
  hash: string;
  /** The sender's timestamp, ms. */
  timestamp: number;
  /** When the message expires, ms. */
  expiry: number;
  /** The message bytes. */
  data: Uint8Array;
}

/** A message to store. */
export type NewMessage = Omit<StoredMessage, 'id'>;

/**
 * What {@link MessageStore.store} did:
 * - `stored`: a new message;
 * - `already`: the hash was stored before (its expiry was extended if the new one is later);
 * - `superseded`: (sync only, {@link MessageStore.storeMany}) a public outbox already holds a
 *   message with a later timestamp, so this older copy was not kept.
 *
 * A client's store into a public outbox namespace (−1, −21, …) always keeps the message and
 * replaces whatever the outbox held (the latest arrival wins, as Session's storage server,
 * `storage/database.cpp`): a client is never told a message was stored when it was not.
 */
export interface StoreOutcome {
  status: 'stored' | 'already' | 'superseded';
  /** The message's expiry after the call, ms. */
  expiry: number;
}

/** Limits of one {@link MessageStore.retrieve}. */
export interface RetrieveLimits {
  /** Return messages stored after this hash; unknown or absent: from the beginning. */
  lastHash?: string | undefined;
  /** At most this many messages. */
  maxCount?: number | undefined;
  /**
   * At most this many bytes, counting each message as its hash, its base64 data and 100 bytes
   * of overhead. At least one message is always returned.
   */
  maxBytes?: number | undefined;
  /** Messages that expired before this time (ms) are left out. */
  now: number;
}

/** A message as retrieve returns it. */
export interface RetrievedRow {
  hash: string;
  timestamp: number;
  expiry: number;
  data: Uint8Array;
}

/** A hash and the namespace it was in (the result of an operation over several namespaces). */
export interface NamespacedHash {
  namespace: number;
  hash: string;
}

/** How {@link MessageStore.updateExpiries} may change an expiry. */
export type ExpiryUpdateMode = 'any' | 'extend' | 'shorten';

/** Figures about the store, cheap to read. */
export interface StoreStats {
  /** Messages stored (expired ones included until the sweeper removes them). */
  messages: number;
  /** Sum of the stored messages' sizes, bytes. */
  dataBytes: number;
  /** Size of the database file, bytes (page count × page size). */
  databaseBytes: number;
  /** The cap beyond which stores are refused, bytes. */
  sizeLimitBytes: number;
}

/** A message as an inventory lists it (what a peer needs to decide whether to fetch it). */
export interface InventoryItem {
  /** Its id in this store. */
  id: number;
  owner: string;
  hash: string;
  expiry: number;
}

/**
 * A change to a stored message that catch-up replays on peers: a deletion, or a new expiry.
 * New messages are not journalled (peers page through the messages themselves).
 */
export interface JournalEntry {
  /** Position in this store's journal (never reused). */
  seq: number;
  kind: 'delete' | 'expiry';
  owner: string;
  hash: string;
  /** The new expiry (`expiry` entries), ms. */
  expiry?: number | undefined;
  /** The id the message had in this store. */
  messageId: number;
  /** When the change happened, ms. */
  at: number;
}

/** The message store the RPC handlers, the sweeper and replication use. */
export interface MessageStore {
  /** Stores one message; committed when this returns. Throws {@link StorageFullError} (507). */
  store(message: NewMessage): StoreOutcome;
  /**
   * Stores one message in the next group commit: every message queued during one turn of the
   * event loop is written in a single transaction (much faster under load: one WAL commit for
   * all). Resolves once that transaction has committed, never before; if the transaction fails,
   * it rolls back as a whole and every message of the group is rejected with the same error
   * ({@link StorageFullError}, 507, when the store is full), none stored. Without group commit,
   * the same as {@link MessageStore.store}.
   */
  storeQueued(message: NewMessage): Promise<StoreOutcome>;
  /**
   * Stores many messages in one transaction (replication imports). Duplicates only extend
   * expiries; outbox rules apply. Returns how many were new. Throws {@link StorageFullError}.
   */
  storeMany(messages: readonly NewMessage[]): number;
  /** One page of an account's namespace, in arrival order, and whether more remain. */
  retrieve(
    owner: string,
    namespace: number,
    limits: RetrieveLimits,
  ): { messages: RetrievedRow[]; more: boolean };
  /** Deletes the owner's messages with these hashes; returns the hashes deleted. */
  deleteByHashes(owner: string, hashes: readonly string[]): string[];
  /** Deletes all of an owner's messages in one namespace, or in all. */
  deleteAll(owner: string, namespace: number | 'all'): NamespacedHash[];
  /** Deletes an owner's messages whose timestamp is at most `before`. */
  deleteBefore(owner: string, namespace: number | 'all', before: number): NamespacedHash[];
  /**
   * Sets the expiry of the owner's messages with these hashes: one expiry for all, or one per
   * hash. `extend` only pushes expiries later, `shorten` only brings them closer. Returns the
   * hashes changed, each with its new expiry.
   */
  updateExpiries(
    owner: string,
    hashes: readonly string[],
    expiries: readonly number[],
    mode: ExpiryUpdateMode,
  ): { hash: string; expiry: number }[];
  /** Shortens to `expiry` every expiry of the owner (in one namespace or all) that is later. */
  shortenAll(owner: string, namespace: number | 'all', expiry: number): NamespacedHash[];
  /** The expiries of the owner's unexpired messages with these hashes (or of all of them). */
  getExpiries(owner: string, hashes: readonly string[] | 'all', now: number): Map<string, number>;
  /** Deletes up to `limit` expired messages; returns how many. */
  sweepExpired(now: number, limit?: number): number;
  /** Records revoked subaccount tokens (36 bytes each), keeping the newest 50 per owner. */
  revokeSubaccounts(owner: string, tokens: readonly Uint8Array[], now: number): void;
  /** Forgets revoked subaccount tokens; returns how many were revoked. */
  unrevokeSubaccounts(owner: string, tokens: readonly Uint8Array[]): number;
  /** Whether the owner revoked this subaccount token. */
  isSubaccountRevoked(owner: string, token: Uint8Array): boolean;
  /** Messages with an `id` above `afterId`, in id order (replication and push to new members). */
  messagesAfter(afterId: number, limit: number): StoredMessage[];
  /**
   * Up to `limit` messages with an `id` above `afterId`, in id order, without their data
   * (expired ones included: the caller filters). Catch-up and pushes page through it.
   */
  inventory(afterId: number, limit: number): InventoryItem[];
  /** The stored messages with these hashes (unknown hashes are left out), in the order given. */
  messagesByHashes(hashes: readonly string[]): StoredMessage[];
  /** Whether a message with this hash is stored. */
  hasMessage(hash: string): boolean;
  /** Whether this store deleted a message with this hash (still in the journal). */
  wasDeleted(hash: string): boolean;
  /** Up to `limit` journal entries after `afterSeq`, in order. */
  journalAfter(afterSeq: number, limit: number): JournalEntry[];
  /** Deletes journal entries older than `before` (ms); returns how many. */
  trimJournal(before: number): number;
  /** The random ID of this database (peers start over when it changes). */
  instanceId(): string;
  /** Every account that has messages here. */
  owners(): string[];
  /**
   * Deletes every message of these accounts (after they moved to another swarm), only those
   * with an id up to `upToId` when given. Not journalled: peers keep their copies.
   */
  deleteOwners(owners: readonly string[], options?: { upToId?: number | undefined }): number;
  /** A bookkeeping value, or undefined. */
  getMeta(key: string): string | undefined;
  /** Sets a bookkeeping value (committed when this returns). */
  setMeta(key: string, value: string): void;
  /** Calls `listener` after each new message is committed. Returns a function that unsubscribes. */
  onStored(listener: (message: NewMessage) => void): () => void;
  /** Figures for metrics and status. */
  stats(): StoreStats;
  /** Closes the database (checkpointing the WAL). Safe to call twice. */
  close(): void;
}

/** Options of {@link openMessageStore}. */
export interface MessageStoreInit {
  /** The database file (created with its directory if missing). `:memory:` for tests only. */
  path: string;
  /** `normal` (default) or `full`. */
  sync?: SyncMode | undefined;
  /** Refuse new messages once the file would grow beyond this many bytes (default 3.5 GiB). */
  sizeLimitBytes?: number | undefined;
  /** Batch the stores of one event-loop turn into one transaction (default true). */
  groupCommit?: boolean | undefined;
  /** SQLite's page cache of this connection, bytes (default SQLite's own, 2 MiB). */
  cacheBytes?: number | undefined;
}

/** Components of {@link openMessageStore}. */
export interface MessageStoreComponents {
  logger?: Logger | undefined;
  /** Times the journal entries (default the system clock). */
  clock?: Clock | undefined;
}

const JOURNAL_DELETE = 1;
const JOURNAL_EXPIRY = 2;

const OUTBOX_CONDITION = 'namespace < 0 AND namespace % 20 = -1';

function isOutbox(namespace: number): boolean {
  return namespace < 0 && -namespace % 20 === 1;
}

/** Rows per query of a retrieve page (a page of more rows takes several). */
const RETRIEVE_CHUNK_ROWS = 256;

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

function asBytes(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}

function isSqliteFull(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'SQLITE_FULL'
  );
}

/** The stored messages' count and data bytes, as the `message_totals` row keeps them. */
interface Totals {
  messages: number;
  dataBytes: number;
}

/** Writes the totals row; `last_id` is the largest message id handed out so far. */
const SAVE_TOTALS_SQL = `INSERT INTO message_totals (id, messages, data_bytes, last_id)
  VALUES (1, ?, ?, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0))
  ON CONFLICT (id) DO UPDATE SET messages = excluded.messages, data_bytes = excluded.data_bytes,
    last_id = excluded.last_id`;

/**
 * The totals at open: read from `message_totals` (no scan), or counted once, with one scan of
 * the table, when the row is missing (a database of an older release, or the row deleted by
 * hand to force a count) or does not match the file (its `last_id` is not the largest id handed
 * out: messages were inserted by something that did not count them, or the values are invalid).
 */
function loadTotals(db: BetterSqlite3Database, logger: Logger): Totals {
  const saved = db
    .prepare(
      'SELECT messages, data_bytes AS dataBytes, last_id AS lastId FROM message_totals WHERE id = 1',
    )
    .get() as (Totals & { lastId: number }) | undefined;
  const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'");
  const lastId = () => (sequence.get() as { seq: number } | undefined)?.seq ?? 0;
  const reason =
    saved === undefined
      ? 'no totals saved (a database of an older release)'
      : saved.lastId !== lastId()
        ? 'messages were inserted without updating the totals'
        : saved.messages < 0 || saved.dataBytes < 0
          ? 'the saved totals are invalid'
          : undefined;
  if (saved !== undefined && reason === undefined) {
    return { messages: saved.messages, dataBytes: saved.dataBytes };
  }
  logger.info(
    { reason },
    'counting the stored messages (one scan of the database; later starts read the saved totals)',
  );
  const count = db.prepare(
    'SELECT count(*) AS messages, total(length(data)) AS dataBytes FROM messages',
  );
  const save = db.prepare(SAVE_TOTALS_SQL);
  return db
    .transaction(() => {
      const counted = count.get() as Totals;
      save.run(counted.messages, counted.dataBytes);
      return counted;
    })
    .immediate();
}

/**
 * Opens (creating and migrating if needed) the store at `init.path`.
 *
 * @throws Error when the file cannot be opened or was written by a newer release.
 */
export function openMessageStore(
  init: MessageStoreInit,
  components: MessageStoreComponents = {},
): MessageStore {
  const logger = components.logger ?? silentLogger();
  const clock = components.clock ?? systemClock;
  const sizeLimitBytes = init.sizeLimitBytes ?? STORAGE_SIZE_LIMIT_BYTES;
  if (init.path !== ':memory:') mkdirSync(dirname(init.path), { recursive: true });
  const db = new Database(init.path);
  let closed = false;
  let totals: Totals;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${init.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // Keep the WAL file from growing without bound between checkpoints.
    db.pragma('journal_size_limit = 67108864');
    if (init.cacheBytes !== undefined) {
      db.pragma(`cache_size = -${Math.max(64, Math.floor(init.cacheBytes / 1024))}`);
    }
    migrate(db);
    // Before the cap: a first count writes the totals row (a page) into a database that may
    // already be at its cap.
    totals = loadTotals(db, logger);
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(sizeLimitBytes / pageSize))}`);
  } catch (error) {
    db.close();
    throw error;
  }
  const pageSize = db.pragma('page_size', { simple: true }) as number;

  const sql = {
    byHash: db.prepare('SELECT id, expiry FROM messages WHERE hash = ?'),
    setExpiry: db.prepare('UPDATE messages SET expiry = ? WHERE id = ?'),
    insert: db.prepare(
      'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    // A new message in one statement: the hash's unique index is probed by the insert itself
    // (no row when the message is already here; then `byHash` tells its expiry).
    insertNew: db.prepare(
      'INSERT INTO messages (owner, namespace, hash, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
    ),
    outboxCurrent: db.prepare(
      `SELECT timestamp, length(data) AS size FROM messages WHERE owner = ? AND namespace = ? AND ${OUTBOX_CONDITION}`,
    ),
    outboxDelete: db.prepare(
      `DELETE FROM messages WHERE owner = ? AND namespace = ? AND ${OUTBOX_CONDITION}`,
    ),
    lastId: db.prepare('SELECT id FROM messages WHERE owner = ? AND namespace = ? AND hash = ?'),
    // Rows as arrays, a chunk at a time (`all` with a LIMIT): one call into SQLite per chunk
    // instead of one per row, and no object per row (docs/BENCHMARKS.md).
    pageFrom: db
      .prepare(
        'SELECT id, hash, timestamp, expiry, data FROM messages WHERE owner = ? AND namespace = ? AND id > ? AND expiry > ? ORDER BY id LIMIT ?',
      )
      .raw(true),
    deleteHash: db.prepare(
      'DELETE FROM messages WHERE hash = ? AND owner = ? RETURNING id, length(data) AS size',
    ),
    deleteAll: db.prepare(
      'DELETE FROM messages WHERE owner = ? RETURNING id, namespace, hash, length(data) AS size',
    ),
    deleteAllIn: db.prepare(
      'DELETE FROM messages WHERE owner = ? AND namespace = ? RETURNING id, namespace, hash, length(data) AS size',
    ),
    deleteBefore: db.prepare(
      'DELETE FROM messages WHERE owner = ? AND timestamp <= ? RETURNING id, namespace, hash, length(data) AS size',
    ),
    deleteBeforeIn: db.prepare(
      'DELETE FROM messages WHERE owner = ? AND namespace = ? AND timestamp <= ? RETURNING id, namespace, hash, length(data) AS size',
    ),
    expiryAny: db.prepare(
      'UPDATE messages SET expiry = @expiry WHERE hash = @hash AND owner = @owner AND expiry != @expiry RETURNING id',
    ),
    expiryExtend: db.prepare(
      'UPDATE messages SET expiry = @expiry WHERE hash = @hash AND owner = @owner AND expiry < @expiry RETURNING id',
    ),
    expiryShorten: db.prepare(
      'UPDATE messages SET expiry = @expiry WHERE hash = @hash AND owner = @owner AND expiry > @expiry RETURNING id',
    ),
    shortenAll: db.prepare(
      'UPDATE messages SET expiry = @expiry WHERE owner = @owner AND expiry > @expiry RETURNING id, namespace, hash',
    ),
    shortenAllIn: db.prepare(
      'UPDATE messages SET expiry = @expiry WHERE owner = @owner AND namespace = @namespace AND expiry > @expiry RETURNING id, namespace, hash',
    ),
    journal: db.prepare(
      'INSERT INTO journal (kind, owner, hash, expiry, message_id, at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    journalAfter: db.prepare(
      'SELECT seq, kind, owner, hash, expiry, message_id AS messageId, at FROM journal WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    wasDeleted: db.prepare(
      `SELECT 1 FROM journal WHERE hash = ? AND kind = ${JOURNAL_DELETE} LIMIT 1`,
    ),
    trimJournal: db.prepare('DELETE FROM journal WHERE at < ?'),
    inventory: db.prepare(
      'SELECT id, owner, hash, expiry FROM messages WHERE id > ? ORDER BY id LIMIT ?',
    ),
    messageByHash: db.prepare(
      'SELECT id, owner, namespace, hash, timestamp, expiry, data FROM messages WHERE hash = ?',
    ),
    expiryOf: db.prepare('SELECT expiry FROM messages WHERE hash = ? AND owner = ? AND expiry > ?'),
    expiriesOfOwner: db.prepare(
      'SELECT hash, expiry FROM messages WHERE owner = ? AND expiry > ? ORDER BY id',
    ),
    deleteExpired: db.prepare(
      'DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE expiry <= ? ORDER BY expiry LIMIT ?) RETURNING length(data) AS size',
    ),
    revoke: db.prepare(
      'INSERT INTO revoked_subaccounts (owner, token, revoked_at) VALUES (?, ?, ?) ON CONFLICT (owner, token) DO UPDATE SET revoked_at = excluded.revoked_at',
    ),
    trimRevoked: db.prepare(
      'DELETE FROM revoked_subaccounts WHERE owner = @owner AND token NOT IN (SELECT token FROM revoked_subaccounts WHERE owner = @owner ORDER BY revoked_at DESC LIMIT 50)',
    ),
    unrevoke: db.prepare('DELETE FROM revoked_subaccounts WHERE owner = ? AND token = ?'),
    isRevoked: db.prepare('SELECT 1 FROM revoked_subaccounts WHERE owner = ? AND token = ?'),
    after: db.prepare(
      'SELECT id, owner, namespace, hash, timestamp, expiry, data FROM messages WHERE id > ? ORDER BY id LIMIT ?',
    ),
    owners: db.prepare('SELECT DISTINCT owner FROM messages'),
    deleteOwner: db.prepare('DELETE FROM messages WHERE owner = ? RETURNING length(data) AS size'),
    deleteOwnerUpTo: db.prepare(
      'DELETE FROM messages WHERE owner = ? AND id <= ? RETURNING length(data) AS size',
    ),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    saveTotals: db.prepare(SAVE_TOTALS_SQL),
  };

  const instance = (sql.getMeta.get('instance') as { value: string } | undefined)?.value ?? '';
  let messageCount = totals.messages;
  let dataBytes = totals.dataBytes;
  const listeners = new Set<(message: NewMessage) => void>();

  function notify(message: NewMessage): void {
    for (const listener of listeners) {
      try {
        listener(message);
      } catch (error) {
        logger.warn({ err: error }, 'a message listener threw');
      }
    }
  }

  /** Inside a transaction: records a change for catch-up. */
  function journal(
    kind: typeof JOURNAL_DELETE | typeof JOURNAL_EXPIRY,
    owner: string,
    hash: string,
    expiry: number | null,
    messageId: number,
  ): void {
    sql.journal.run(kind, owner, hash, expiry, messageId, clock.now());
  }

  /**
   * Inside a transaction: stores one message. Public outboxes: a client's store (`latest`)
   * replaces what the outbox holds; a synced copy (`newest`) replaces it only when its timestamp
   * is later, so that a late copy of an old message cannot undo a newer one.
   */
  function storeRow(message: NewMessage, outbox: 'latest' | 'newest' = 'latest'): StoreOutcome {
    if (!isOutbox(message.namespace)) {
      // The common case in one statement: inserted unless the hash is here already.
      const inserted = sql.insertNew.run(
        message.owner,
        message.namespace,
        message.hash,
        message.timestamp,
        message.expiry,
        message.data,
      ).changes;
      if (inserted === 1) {
        messageCount += 1;
        dataBytes += message.data.length;
        return { status: 'stored', expiry: message.expiry };
      }
    }
    const existing = sql.byHash.get(message.hash) as { id: number; expiry: number } | undefined;
    if (existing !== undefined) {
      if (existing.expiry < message.expiry) {
        sql.setExpiry.run(message.expiry, existing.id);
        journal(JOURNAL_EXPIRY, message.owner, message.hash, message.expiry, existing.id);
        return { status: 'already', expiry: message.expiry };
      }
      return { status: 'already', expiry: existing.expiry };
    }
    if (isOutbox(message.namespace)) {
      const current = sql.outboxCurrent.get(message.owner, message.namespace) as
        | { timestamp: number; size: number }
        | undefined;
      if (current !== undefined) {
        if (outbox === 'newest' && current.timestamp >= message.timestamp) {
          return { status: 'superseded', expiry: message.expiry };
        }
        // Replaced by a delete and an insert, so that the new message gets a new id (peers
        // page through ids). Not journalled: the newer message replaces the older one
        // wherever it arrives.
        sql.outboxDelete.run(message.owner, message.namespace);
        messageCount -= 1;
        dataBytes -= current.size;
      }
    }
    sql.insert.run(
      message.owner,
      message.namespace,
      message.hash,
      message.timestamp,
      message.expiry,
      message.data,
    );
    messageCount += 1;
    dataBytes += message.data.length;
    return { status: 'stored', expiry: message.expiry };
  }

  /**
   * One transaction function, made once (better-sqlite3 builds a wrapper and its variants at
   * each `db.transaction` call): it runs the body it is given.
   */
  const inTransaction = db.transaction((body: () => unknown) => body());

  /**
   * Runs a write transaction; SQLITE_FULL becomes a StorageFullError, counters are restored.
   * When the body changed the counters, the totals row is written in the same transaction, so
   * that the file's totals always match its committed rows (read at open instead of a count).
   */
  function write<T>(what: string, body: () => T): T {
    if (closed) throw new InternalError('the message store is closed');
    const savedCount = messageCount;
    const savedBytes = dataBytes;
    try {
      return inTransaction.immediate(() => {
        const result = body();
        if (messageCount !== savedCount || dataBytes !== savedBytes) {
          sql.saveTotals.run(messageCount, dataBytes);
        }
        return result;
      }) as T;
    } catch (error) {
      messageCount = savedCount;
      dataBytes = savedBytes;
      if (isSqliteFull(error)) {
        throw new StorageFullError(
          `this node's storage is full (limit ${sizeLimitBytes} bytes): the message was not stored; try another member of the swarm`,
          { details: { limit: sizeLimitBytes }, cause: error },
        );
      }
      logger.error({ err: error, operation: what }, 'database write failed');
      throw new InternalError('database write failed', { cause: error });
    }
  }

  function read<T>(body: () => T): T {
    if (closed) throw new InternalError('the message store is closed');
    return body();
  }

  function removed(rows: { namespace?: number; hash?: string; size: number }[]): void {
    messageCount -= rows.length;
    for (const row of rows) dataBytes -= row.size;
  }

  /** Inside a transaction: counts and journals deleted rows. */
  function deletedRows(owner: string, rows: (NamespacedHash & { id: number; size: number })[]) {
    removed(rows);
    for (const row of rows) journal(JOURNAL_DELETE, owner, row.hash, null, row.id);
    return rows.map(({ namespace: ns, hash }) => ({ namespace: ns, hash }));
  }

  interface Queued {
    message: NewMessage;
    resolve: (outcome: StoreOutcome) => void;
    reject: (error: unknown) => void;
  }
  let queue: Queued[] = [];
  let flushScheduled = false;

  function storeOne(message: NewMessage): StoreOutcome {
    const outcome = write('store', () => storeRow(message));
    if (outcome.status === 'stored') notify(message);
    return outcome;
  }

  /** Commits every queued message in one transaction. */
  function flush(): void {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    if (closed) {
      for (const item of batch) item.reject(new InternalError('the message store is closed'));
      return;
    }
    let outcomes: StoreOutcome[];
    try {
      outcomes = write('storeBatch', () => batch.map((item) => storeRow(item.message)));
    } catch (error) {
      // The group's transaction rolled back as a whole: none of its messages is stored, so
      // none is acknowledged; every request of the group gets the error (the client retries).
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index] as StoreOutcome;
      if (outcome.status === 'stored') notify(item.message);
      item.resolve(outcome);
    });
  }

  const groupCommit = init.groupCommit !== false;

  const store: MessageStore = {
    storeQueued(message) {
      if (!groupCommit) {
        try {
          return Promise.resolve(storeOne(message));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      if (closed) return Promise.reject(new InternalError('the message store is closed'));
      return new Promise<StoreOutcome>((resolve, reject) => {
        queue.push({ message, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },

    store(message) {
      return storeOne(message);
    },

    storeMany(messages) {
      const added: NewMessage[] = [];
      write('storeMany', () => {
        for (const message of messages) {
          if (storeRow(message, 'newest').status === 'stored') added.push(message);
        }
      });
      for (const message of added) notify(message);
      return added.length;
    },

    retrieve(owner, namespace, limits) {
      return read(() => {
        let afterId = 0;
        if (limits.lastHash !== undefined && limits.lastHash !== '') {
          const row = sql.lastId.get(owner, namespace, limits.lastHash) as
            | { id: number }
            | undefined;
          if (row !== undefined) afterId = row.id;
        }
        const maxCount =
          limits.maxCount === undefined ? undefined : Math.max(1, Math.floor(limits.maxCount));
        const messages: RetrievedRow[] = [];
        let more = false;
        let size = 0;
        // One more row than the count asked for tells whether more remain.
        const chunk =
          maxCount === undefined
            ? RETRIEVE_CHUNK_ROWS
            : Math.min(maxCount + 1, RETRIEVE_CHUNK_ROWS);
        for (;;) {
          const rows = sql.pageFrom.all(owner, namespace, afterId, limits.now, chunk) as [
            number,
            string,
            number,
            number,
            unknown,
          ][];
          for (const [id, hash, timestamp, expiry, raw] of rows) {
            if (maxCount !== undefined && messages.length >= maxCount) {
              more = true;
              break;
            }
            const data = asBytes(raw);
            if (limits.maxBytes !== undefined) {
              size += RETRIEVE_MESSAGE_OVERHEAD + hash.length + base64Length(data.length);
              if (messages.length > 0 && size > limits.maxBytes) {
                more = true;
                break;
              }
            }
            messages.push({ hash, timestamp, expiry, data });
            afterId = id;
          }
          if (more || rows.length < chunk) break;
        }
        return { messages, more };
      });
    },

    deleteByHashes(owner, hashes) {
      return write('deleteByHashes', () => {
        const deleted: string[] = [];
        for (const hash of hashes) {
          const row = sql.deleteHash.get(hash, owner) as { id: number; size: number } | undefined;
          if (row !== undefined) {
            deleted.push(hash);
            removed([row]);
            journal(JOURNAL_DELETE, owner, hash, null, row.id);
          }
        }
        return deleted;
      });
    },

    deleteAll(owner, namespace) {
      return write('deleteAll', () => {
        const rows = (
          namespace === 'all' ? sql.deleteAll.all(owner) : sql.deleteAllIn.all(owner, namespace)
        ) as (NamespacedHash & { id: number; size: number })[];
        return deletedRows(owner, rows);
      });
    },

    deleteBefore(owner, namespace, before) {
      return write('deleteBefore', () => {
        const rows = (
          namespace === 'all'
            ? sql.deleteBefore.all(owner, before)
            : sql.deleteBeforeIn.all(owner, namespace, before)
        ) as (NamespacedHash & { id: number; size: number })[];
        return deletedRows(owner, rows);
      });
    },

    updateExpiries(owner, hashes, expiries, mode) {
      if (expiries.length !== 1 && expiries.length !== hashes.length) {
        throw new InternalError('updateExpiries: give one expiry, or one per hash');
      }
      const statement =
        mode === 'extend'
          ? sql.expiryExtend
          : mode === 'shorten'
            ? sql.expiryShorten
            : sql.expiryAny;
      return write('updateExpiries', () => {
        const updated: { hash: string; expiry: number }[] = [];
        const seen = new Set<string>();
        hashes.forEach((hash, index) => {
          // With one expiry for all, a repeated hash counts once.
          if (expiries.length === 1) {
            if (seen.has(hash)) return;
            seen.add(hash);
          }
          const expiry = (expiries.length === 1 ? expiries[0] : expiries[index]) as number;
          const row = statement.get({ expiry, hash, owner }) as { id: number } | undefined;
          if (row !== undefined) {
            journal(JOURNAL_EXPIRY, owner, hash, expiry, row.id);
            updated.push({ hash, expiry });
          } else if (mode === 'any' && sql.expiryOf.get(hash, owner, Number.MIN_SAFE_INTEGER)) {
            // Already at that expiry: still a change the caller asked for.
            updated.push({ hash, expiry });
          }
        });
        return updated;
      });
    },

    shortenAll(owner, namespace, expiry) {
      return write('shortenAll', () => {
        const rows = (
          namespace === 'all'
            ? sql.shortenAll.all({ expiry, owner })
            : sql.shortenAllIn.all({ expiry, owner, namespace })
        ) as (NamespacedHash & { id: number })[];
        for (const row of rows) journal(JOURNAL_EXPIRY, owner, row.hash, expiry, row.id);
        return rows.map(({ namespace: ns, hash }) => ({ namespace: ns, hash }));
      });
    },

    getExpiries(owner, hashes, now) {
      return read(() => {
        const out = new Map<string, number>();
        if (hashes === 'all') {
          for (const raw of sql.expiriesOfOwner.iterate(owner, now)) {
            const row = raw as { hash: string; expiry: number };
            out.set(row.hash, row.expiry);
          }
          return out;
        }
        for (const hash of hashes) {
          const row = sql.expiryOf.get(hash, owner, now) as { expiry: number } | undefined;
          if (row !== undefined) out.set(hash, row.expiry);
        }
        return out;
      });
    },

    sweepExpired(now, limit = 10_000) {
      return write('sweepExpired', () => {
        const rows = sql.deleteExpired.all(now, limit) as { size: number }[];
        removed(rows);
        return rows.length;
      });
    },

    revokeSubaccounts(owner, tokens, now) {
      write('revokeSubaccounts', () => {
        for (const token of tokens) sql.revoke.run(owner, token, now);
        sql.trimRevoked.run({ owner });
      });
    },

    unrevokeSubaccounts(owner, tokens) {
      return write('unrevokeSubaccounts', () => {
        let count = 0;
        for (const token of tokens) count += sql.unrevoke.run(owner, token).changes;
        return count;
      });
    },

    isSubaccountRevoked(owner, token) {
      return read(() => sql.isRevoked.get(owner, token) !== undefined);
    },

    messagesAfter(afterId, limit) {
      return read(() =>
        (sql.after.all(afterId, limit) as (Omit<StoredMessage, 'data'> & { data: unknown })[]).map(
          (row) => ({ ...row, data: asBytes(row.data) }),
        ),
      );
    },

    inventory(afterId, limit) {
      return read(() => sql.inventory.all(afterId, limit) as InventoryItem[]);
    },

    messagesByHashes(hashes) {
      return read(() => {
        const out: StoredMessage[] = [];
        for (const hash of hashes) {
          const row = sql.messageByHash.get(hash) as
            | (Omit<StoredMessage, 'data'> & { data: unknown })
            | undefined;
          if (row !== undefined) out.push({ ...row, data: asBytes(row.data) });
        }
        return out;
      });
    },

    hasMessage(hash) {
      return read(() => sql.byHash.get(hash) !== undefined);
    },

    wasDeleted(hash) {
      return read(() => sql.wasDeleted.get(hash) !== undefined);
    },

    journalAfter(afterSeq, limit) {
      return read(() =>
        (
          sql.journalAfter.all(afterSeq, limit) as (Omit<JournalEntry, 'kind' | 'expiry'> & {
            kind: number;
            expiry: number | null;
          })[]
        ).map((row) => ({
          ...row,
          kind: row.kind === JOURNAL_DELETE ? ('delete' as const) : ('expiry' as const),
          expiry: row.expiry ?? undefined,
        })),
      );
    },

    trimJournal(before) {
      return write('trimJournal', () => sql.trimJournal.run(before).changes);
    },

    instanceId() {
      return instance;
    },

    owners() {
      return read(() => (sql.owners.all() as { owner: string }[]).map((row) => row.owner));
    },

    deleteOwners(owners, options = {}) {
      return write('deleteOwners', () => {
        let count = 0;
        for (const owner of owners) {
          const rows = (
            options.upToId === undefined
              ? sql.deleteOwner.all(owner)
              : sql.deleteOwnerUpTo.all(owner, options.upToId)
          ) as { size: number }[];
          removed(rows);
          count += rows.length;
        }
        return count;
      });
    },

    getMeta(key) {
      return read(() => (sql.getMeta.get(key) as { value: string } | undefined)?.value);
    },

    setMeta(key, value) {
      write('setMeta', () => sql.setMeta.run(key, value));
    },

    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stats() {
      const pages = closed ? 0 : (db.pragma('page_count', { simple: true }) as number);
      return {
        messages: messageCount,
        dataBytes,
        databaseBytes: pages * pageSize,
        sizeLimitBytes,
      };
    },

    close() {
      if (closed) return;
      // Whatever is queued was not acknowledged yet: commit it before closing.
      flush();
      closed = true;
      listeners.clear();
      try {
        // The totals are already right; this brings their `last_id` up to date after writes
        // that inserted without changing the totals (a public outbox replaced by a message of
        // the same size), so that the next open does not count again.
        inTransaction.immediate(() => sql.saveTotals.run(messageCount, dataBytes));
      } catch (error) {
        logger.warn({ err: error }, 'saving the message totals at close failed');
      }
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (error) {
        logger.warn({ err: error }, 'WAL checkpoint at close failed');
      }
      db.close();
    },
  };
  return store;
}

/**
 * The ledger's SQLite database: the genesis configuration, every block, an index of the
 * transactions blocks carry, the mempool and a few metadata values.
 *
 * Durability is the point of this file. The database runs in WAL mode with `synchronous=FULL`
 * (every commit reaches the disk before it returns; the ledger writes little, so the cost does
 * not matter), and in `locking_mode=EXCLUSIVE`, so a second ledger on the same directory is
 * refused instead of corrupting it; the operating system drops the lock when a process dies,
 * even by `kill -9`. A block and the removal of the mempool rows it consumed are one
 * transaction: after a crash the database holds either both or neither.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type Block,
  decodeBlock,
  decodeGenesis,
  decodeTransaction,
  encodeBlock,
  encodeGenesis,
  encodeTransaction,
  type GenesisConfig,
  type Transaction,
} from '@murmur/registry';
import Database from 'better-sqlite3';
import { LedgerStoreError } from '../errors.js';

/** The schema version this code writes (`PRAGMA user_version`). */
export const LEDGER_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE genesis (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  config TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;

CREATE TABLE blocks (
  height INTEGER PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  previous_hash TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  body TEXT NOT NULL
) STRICT;

CREATE TABLE block_transactions (
  id TEXT PRIMARY KEY,
  height INTEGER NOT NULL,
  position INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE mempool (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

/** A transaction waiting in the stored mempool. */
export interface StoredMempoolEntry {
  /** Transaction ID (hex). */
  id: string;
  /** The transaction. */
  tx: Transaction;
  /** When the ledger accepted it (ms since the epoch). */
  receivedAt: number;
}

/** Options of {@link openLedgerStore}. */
export interface LedgerStoreInit {
  /** Path of the database file (its directory is created if missing). */
  path: string;
  /** How long to wait for the lock before giving up (default 1,000 ms). */
  lockTimeoutMs?: number | undefined;
}

/** The ledger's database. Every method is synchronous (better-sqlite3). */
export interface LedgerStore {
  /** The database file. */
  readonly path: string;
  /** The stored genesis configuration and its block hash, or `undefined` for a new database. */
  loadGenesis(): { config: GenesisConfig; hash: string } | undefined;
  /** Stores the genesis configuration (once; a second call throws). */
  saveGenesis(config: GenesisConfig, hash: string): void;
  /** Height of the last stored block (0 when only genesis exists). */
  lastHeight(): number;
  /** Blocks from height `from` on, at most `limit` of them, in order (genesis is not stored). */
  loadBlocks(from?: number, limit?: number): Block[];
  /**
   * Stores `block`, indexes its transactions (`transactionIds[i]` is the ID of the i-th) and
   * removes the mempool rows `consumed` (included or dropped), in one transaction.
   */
  commitBlock(block: Block, transactionIds: readonly string[], consumed: readonly string[]): void;
  /** Adds an accepted transaction to the mempool (committed to disk when this returns). */
  addToMempool(entry: StoredMempoolEntry): void;
  /** Removes mempool rows (for example transactions that no longer pass after a restart). */
  removeFromMempool(ids: readonly string[]): void;
  /** The stored mempool, in the order the transactions were accepted. */
  loadMempool(): StoredMempoolEntry[];
  /** Height of the block that carries transaction `id`, or `undefined`. */
  transactionHeight(id: string): number | undefined;
  /** A metadata value. */
  getMeta(key: string): string | undefined;
  /** Sets a metadata value. */
  setMeta(key: string, value: string): void;
  /** Closes the database (idempotent). */
  close(): void;
}

function isBusy(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SQLITE_BUSY')
  );
}

/**
 * Opens (creating if needed) the ledger database at `init.path` and takes its exclusive lock.
 *
 * @throws {@link LedgerStoreError} when another process holds the database, when it was written
 * by a newer release, or when it cannot be opened.
 */
export function openLedgerStore(init: LedgerStoreInit): LedgerStore {
  const { path } = init;
  mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: init.lockTimeoutMs ?? 1_000 });
  } catch (cause) {
    throw new LedgerStoreError(`cannot open the ledger database ${path}`, { cause });
  }
  try {
    // Exclusive locking before WAL: no shared-memory file, and the lock is held until close.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Take the write lock now, so that a second ledger on this directory fails at once.
    db.exec('BEGIN IMMEDIATE; COMMIT;');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LEDGER_SCHEMA_VERSION) {
      throw new LedgerStoreError(
        `${path} was written by a newer murmur-devnet (schema ${version}, this one knows ${LEDGER_SCHEMA_VERSION})`,
      );
    }
    if (version === 0) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${LEDGER_SCHEMA_VERSION}`);
      })();
    }
  } catch (cause) {
    db.close();
    if (cause instanceof LedgerStoreError) throw cause;
    if (isBusy(cause)) {
      throw new LedgerStoreError(
        `${path} is in use by another process (is another ledger running on this directory?)`,
        { cause },
      );
    }
    throw new LedgerStoreError(`cannot open the ledger database ${path}`, { cause });
  }

  const statements = {
    genesis: db.prepare<[], { config: string; hash: string }>(
      'SELECT config, hash FROM genesis WHERE id = 0',
    ),
    insertGenesis: db.prepare<[string, string]>(
      'INSERT INTO genesis (id, config, hash) VALUES (0, ?, ?)',
    ),
    lastHeight: db.prepare<[], { height: number | null }>(
      'SELECT MAX(height) AS height FROM blocks',
    ),
    blocks: db.prepare<[number, number], { body: string }>(
      'SELECT body FROM blocks WHERE height >= ? ORDER BY height LIMIT ?',
    ),
    insertBlock: db.prepare<[number, string, string, number, string]>(
      'INSERT INTO blocks (height, hash, previous_hash, timestamp, body) VALUES (?, ?, ?, ?, ?)',
    ),
    indexTransaction: db.prepare<[string, number, number]>(
      'INSERT OR IGNORE INTO block_transactions (id, height, position) VALUES (?, ?, ?)',
    ),
    transactionHeight: db.prepare<[string], { height: number }>(
      'SELECT height FROM block_transactions WHERE id = ?',
    ),
    nextSeq: db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM mempool'),
    insertMempool: db.prepare<[string, number, string, number]>(
      'INSERT OR IGNORE INTO mempool (id, seq, body, received_at) VALUES (?, ?, ?, ?)',
    ),
    deleteMempool: db.prepare<[string]>('DELETE FROM mempool WHERE id = ?'),
    mempool: db.prepare<[], { id: string; body: string; received_at: number }>(
      'SELECT id, body, received_at FROM mempool ORDER BY seq',
    ),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };

  let seq = (statements.nextSeq.get()?.seq ?? 0) + 1;
  let closed = false;

  const commitBlock = db.transaction(
    (block: Block, transactionIds: readonly string[], consumed: readonly string[]) => {
      statements.insertBlock.run(
        block.height,
        block.hash,
        block.previousHash,
        block.timestamp,
        JSON.stringify(encodeBlock(block)),
      );
      transactionIds.forEach((id, position) => {
        statements.indexTransaction.run(id, block.height, position);
      });
      for (const id of consumed) statements.deleteMempool.run(id);
    },
  );
  const removeMany = db.transaction((ids: readonly string[]) => {
    for (const id of ids) statements.deleteMempool.run(id);
  });

  function parseStored<T>(text: string, what: string, decode: (json: unknown) => T): T {
    try {
      return decode(JSON.parse(text));
    } catch (cause) {
      throw new LedgerStoreError(`${path}: stored ${what} is damaged`, { cause });
    }
  }

  return {
    path,
    loadGenesis() {
      const row = statements.genesis.get();
      if (row === undefined) return undefined;
      return { config: parseStored(row.config, 'genesis', decodeGenesis), hash: row.hash };
    },
    saveGenesis(config, hash) {
      statements.insertGenesis.run(JSON.stringify(encodeGenesis(config)), hash);
    },
    lastHeight() {
      return statements.lastHeight.get()?.height ?? 0;
    },
    loadBlocks(from = 1, limit = Number.MAX_SAFE_INTEGER) {
      return statements.blocks
        .all(from, limit)
        .map((row, index) => parseStored(row.body, `block ${from + index}`, decodeBlock));
    },
    commitBlock(block, transactionIds, consumed) {
      commitBlock(block, transactionIds, consumed);
    },
    addToMempool(entry) {
      statements.insertMempool.run(
        entry.id,
        seq++,
        JSON.stringify(encodeTransaction(entry.tx)),
        entry.receivedAt,
      );
    },
    removeFromMempool(ids) {
      if (ids.length > 0) removeMany(ids);
    },
    loadMempool() {
      return statements.mempool.all().map((row) => ({
        id: row.id,
        tx: parseStored(row.body, `mempool transaction ${row.id}`, (json) =>
          decodeTransaction(json),
        ),
        receivedAt: row.received_at,
      }));
    },
    transactionHeight(id) {
      return statements.transactionHeight.get(id)?.height;
    },
    getMeta(key) {
      return statements.getMeta.get(key)?.value;
    },
    setMeta(key, value) {
      statements.setMeta.run(key, value);
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * The SQLite storage for Node, through better-sqlite3 (an optional peer dependency: install it
 * next to `@murmur/client` to use this entry point, `@murmur/client/sqlite`).
 *
 * One file holds the account, contacts, history, outbox, onion path state and seen hashes.
 * It runs in WAL mode with prepared statements; a schema version table lets later releases
 * migrate the file, and a file written by a newer release is refused instead of damaged.
 * The file holds the account seed: keep it readable by its owner only.
 */
import type { MessageProtocol } from '@murmur/crypto';
import { InvalidInputError, UnsupportedError } from '@murmur/wire';
import Database from 'better-sqlite3';
import type { AccountKeyStore } from '../pfs/account-key-store.js';
import { createSqliteAccountKeyStore } from '../pfs/sqlite-account-key-store.js';
import type {
  ClientStorage,
  Contact,
  ConversationRecord,
  HeldContent,
  HistoryQuery,
  OutboxEntry,
  OutgoingMessageState,
  SeenHash,
  StoredAccount,
  StoredMessage,
} from './types.js';

/** The schema version this release writes. */
export const SQLITE_SCHEMA_VERSION = 2;

const SCHEMA_V1 = `
CREATE TABLE account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seed BLOB NOT NULL,
  display_name TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE contacts (
  session_id TEXT PRIMARY KEY,
  nickname TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  namespace INTEGER NOT NULL,
  read INTEGER NOT NULL,
  display_name TEXT,
  state TEXT,
  error_code TEXT,
  error_message TEXT
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, sent_at DESC, id DESC);
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  recipient TEXT NOT NULL,
  namespace INTEGER NOT NULL,
  data TEXT NOT NULL,
  ttl_ms INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  error_code TEXT,
  error_message TEXT,
  failure_reason TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE seen_hashes (
  hash TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX seen_by_expiry ON seen_hashes (expires_at);
`;

/**
 * Version 2: how each message was sealed (`messages.protocol`, and `messages.hash` for a message
 * sealed after it was held), and the content of an outgoing
 * message held before sealing (`outbox.held`, JSON, while the entry is `securing`).
 */
const SCHEMA_V2 = `
ALTER TABLE messages ADD COLUMN protocol TEXT;
ALTER TABLE messages ADD COLUMN hash TEXT;
ALTER TABLE outbox ADD COLUMN held TEXT;
`;

const PROTOCOLS: readonly MessageProtocol[] = ['v1', 'v2', 'v2-no-pfs'];

/** Options of {@link createSqliteStorage}. */
export interface SqliteStorageInit {
  /** A file path (created if missing; `:memory:` for a throwaway database)... */
  path?: string;
  /** ...or an open better-sqlite3 database (the caller closes it). */
  database?: Database.Database;
}

/** The SQLite storage. */
export interface SqliteStorage extends ClientStorage {
  /** The database in use. */
  readonly database: Database.Database;
  /** Closes the database if this storage opened it (a path was given). */
  close(): Promise<void>;
  /** The account-key seed store in the same file (table `pfs_account_keys`), made once. */
  accountKeyStore(): AccountKeyStore;
}

interface MessageRow {
  id: string;
  conversation_id: string;
  direction: 'incoming' | 'outgoing';
  sender: string;
  text: string;
  sent_at: number;
  received_at: number;
  namespace: number;
  read: number;
  display_name: string | null;
  state: OutgoingMessageState | null;
  error_code: string | null;
  error_message: string | null;
  protocol: string | null;
  hash: string | null;
}

interface OutboxRow {
  id: string;
  recipient: string;
  namespace: number;
  data: string;
  ttl_ms: number;
  created_at: number;
  state: OutgoingMessageState;
  attempts: number;
  next_attempt_at: number;
  error_code: string | null;
  error_message: string | null;
  failure_reason: NonNullable<OutboxEntry['failureReason']> | null;
  held: string | null;
}

function messageFromRow(row: MessageRow): StoredMessage {
  const message: StoredMessage = {
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction,
    sender: row.sender,
    text: row.text,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
    namespace: row.namespace,
    read: row.read !== 0,
  };
  if (row.display_name !== null) message.displayName = row.display_name;
  if (row.state !== null) message.state = row.state;
  if (row.error_code !== null) {
    message.error = { code: row.error_code, message: row.error_message ?? '' };
  }
  if (row.protocol !== null && (PROTOCOLS as readonly string[]).includes(row.protocol)) {
    message.protocol = row.protocol as MessageProtocol;
  }
  if (row.hash !== null) message.hash = row.hash;
  return message;
}

function entryFromRow(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: row.id,
    recipient: row.recipient,
    namespace: row.namespace,
    data: row.data,
    ttlMs: row.ttl_ms,
    createdAt: row.created_at,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
  };
  if (row.error_code !== null) {
    entry.lastError = { code: row.error_code, message: row.error_message ?? '' };
  }
  if (row.failure_reason !== null) entry.failureReason = row.failure_reason;
  if (row.held !== null) entry.held = JSON.parse(row.held) as HeldContent;
  return entry;
}

function openDatabase(init: SqliteStorageInit): { database: Database.Database; owned: boolean } {
  if (typeof init !== 'object' || init === null) {
    throw new InvalidInputError('sqlite storage: give `{ path }` or `{ database }`');
  }
  if (init.database !== undefined) {
    if (init.path !== undefined) {
      throw new InvalidInputError('sqlite storage: give `path` or `database`, not both');
    }
    return { database: init.database, owned: false };
  }
  if (typeof init.path !== 'string' || init.path === '') {
    throw new InvalidInputError('sqlite storage: `path` must be a file path (or ":memory:")');
  }
  return { database: new Database(init.path), owned: true };
}

function migrate(database: Database.Database): void {
  database.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = database.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new UnsupportedError(
      `sqlite storage: the database has schema version ${current}, written by a newer @murmur/client; this release reads up to version ${SQLITE_SCHEMA_VERSION}`,
      { details: { version: current } },
    );
  }
  if (current < 1) {
    database.transaction(() => {
      database.exec(SCHEMA_V1);
      database.prepare('INSERT INTO schema_version (version) VALUES (?)').run(1);
    })();
  }
  if (current < 2) {
    database.transaction(() => {
      database.exec(SCHEMA_V2);
      database.prepare('INSERT INTO schema_version (version) VALUES (?)').run(2);
    })();
  }
}

/**
 * Opens (and creates or migrates) a SQLite storage.
 *
 * @throws `InvalidInputError` for bad options; `UnsupportedError` for a database written by a
 * newer release; better-sqlite3's own error when the file cannot be opened.
 */
export function createSqliteStorage(init: SqliteStorageInit): SqliteStorage {
  const { database, owned } = openDatabase(init);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    migrate(database);
  } catch (error) {
    if (owned) database.close();
    throw error;
  }

  const statements = {
    getAccount: database.prepare('SELECT seed, display_name, created_at FROM account WHERE id = 1'),
    setAccount: database.prepare(
      `INSERT INTO account (id, seed, display_name, created_at) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seed = excluded.seed, display_name = excluded.display_name,
         created_at = excluded.created_at`,
    ),
    getContact: database.prepare('SELECT * FROM contacts WHERE session_id = ?'),
    putContact: database.prepare(
      `INSERT INTO contacts (session_id, nickname, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET nickname = excluded.nickname,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
    ),
    deleteContact: database.prepare('DELETE FROM contacts WHERE session_id = ?'),
    listContacts: database.prepare('SELECT * FROM contacts ORDER BY session_id'),
    insertMessage: database.prepare(
      `INSERT OR IGNORE INTO messages (id, conversation_id, direction, sender, text, sent_at,
         received_at, namespace, read, display_name, state, error_code, error_message, protocol,
         hash)
       VALUES (@id, @conversation_id, @direction, @sender, @text, @sent_at, @received_at,
         @namespace, @read, @display_name, @state, @error_code, @error_message, @protocol,
         @hash)`,
    ),
    getMessage: database.prepare('SELECT * FROM messages WHERE id = ?'),
    setMessageProtocol: database.prepare('UPDATE messages SET protocol = ?, hash = ? WHERE id = ?'),
    deleteMessage: database.prepare('DELETE FROM messages WHERE id = ?'),
    updateMessageState: database.prepare(
      'UPDATE messages SET state = ?, error_code = ?, error_message = ? WHERE id = ?',
    ),
    listMessages: database.prepare(
      `SELECT * FROM messages WHERE conversation_id = ?
       ORDER BY sent_at DESC, id DESC LIMIT ?`,
    ),
    listMessagesBefore: database.prepare(
      `SELECT * FROM messages WHERE conversation_id = ?
         AND (sent_at < @sent_at OR (sent_at = @sent_at AND id < @id))
       ORDER BY sent_at DESC, id DESC LIMIT @limit`,
    ),
    markRead: database.prepare(
      `UPDATE messages SET read = 1
       WHERE conversation_id = ? AND direction = 'incoming' AND read = 0`,
    ),
    markReadUpTo: database.prepare(
      `UPDATE messages SET read = 1
       WHERE conversation_id = ? AND direction = 'incoming' AND read = 0 AND sent_at <= ?`,
    ),
    listConversations: database.prepare(
      `SELECT m.*, (SELECT COUNT(*) FROM messages u
          WHERE u.conversation_id = m.conversation_id AND u.direction = 'incoming'
            AND u.read = 0) AS unread
       FROM messages m
       WHERE m.id = (SELECT x.id FROM messages x WHERE x.conversation_id = m.conversation_id
          ORDER BY x.sent_at DESC, x.id DESC LIMIT 1)
       ORDER BY m.sent_at DESC, m.id DESC`,
    ),
    putOutbox: database.prepare(
      `INSERT INTO outbox (id, recipient, namespace, data, ttl_ms, created_at, state, attempts,
         next_attempt_at, error_code, error_message, failure_reason, held)
       VALUES (@id, @recipient, @namespace, @data, @ttl_ms, @created_at, @state, @attempts,
         @next_attempt_at, @error_code, @error_message, @failure_reason, @held)
       ON CONFLICT (id) DO UPDATE SET recipient = excluded.recipient,
         namespace = excluded.namespace, data = excluded.data, ttl_ms = excluded.ttl_ms,
         created_at = excluded.created_at, state = excluded.state, attempts = excluded.attempts,
         next_attempt_at = excluded.next_attempt_at, error_code = excluded.error_code,
         error_message = excluded.error_message, failure_reason = excluded.failure_reason,
         held = excluded.held`,
    ),
    getOutbox: database.prepare('SELECT * FROM outbox WHERE id = ?'),
    deleteOutbox: database.prepare('DELETE FROM outbox WHERE id = ?'),
    listOutbox: database.prepare('SELECT * FROM outbox ORDER BY created_at, id'),
    dueOutbox: database.prepare(
      `SELECT * FROM outbox WHERE state IN ('queued', 'securing') AND next_attempt_at <= ?
       ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    getValue: database.prepare('SELECT value FROM kv WHERE key = ?'),
    setValue: database.prepare(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    deleteValue: database.prepare('DELETE FROM kv WHERE key = ?'),
    addSeen: database.prepare(
      `INSERT INTO seen_hashes (hash, expires_at) VALUES (?, ?)
       ON CONFLICT (hash) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    ),
    hasSeen: database.prepare('SELECT 1 FROM seen_hashes WHERE hash = ?'),
    pruneExpired: database.prepare('DELETE FROM seen_hashes WHERE expires_at < ?'),
    countSeen: database.prepare('SELECT COUNT(*) AS count FROM seen_hashes'),
    pruneOldest: database.prepare(
      `DELETE FROM seen_hashes WHERE hash IN
         (SELECT hash FROM seen_hashes ORDER BY expires_at, hash LIMIT ?)`,
    ),
  };

  const addSeen = database.transaction((hashes: readonly SeenHash[]) => {
    for (const { hash, expiresAt } of hashes) statements.addSeen.run(hash, expiresAt);
  });
  const filterSeen = database.transaction((hashes: readonly string[]) => {
    const found = new Set<string>();
    for (const hash of hashes) if (statements.hasSeen.get(hash) !== undefined) found.add(hash);
    return found;
  });
  const prune = database.transaction((now: number, keep: number) => {
    let removed = statements.pruneExpired.run(now).changes;
    const { count } = statements.countSeen.get() as { count: number };
    if (count > keep) removed += statements.pruneOldest.run(count - Math.max(0, keep)).changes;
    return removed;
  });

  let closed = false;
  let keyStore: AccountKeyStore | undefined;

  return {
    database,
    accountKeyStore() {
      keyStore ??= createSqliteAccountKeyStore(database);
      return keyStore;
    },

    async getAccount() {
      const row = statements.getAccount.get() as
        | { seed: Uint8Array; display_name: string | null; created_at: number }
        | undefined;
      if (row === undefined) return undefined;
      const account: StoredAccount = { seed: Uint8Array.from(row.seed), createdAt: row.created_at };
      if (row.display_name !== null) account.displayName = row.display_name;
      return account;
    },
    async setAccount(account) {
      statements.setAccount.run(
        Buffer.from(account.seed),
        account.displayName ?? null,
        account.createdAt,
      );
    },

    async getContact(sessionId) {
      const row = statements.getContact.get(sessionId) as ContactRow | undefined;
      return row === undefined ? undefined : contactFromRow(row);
    },
    async putContact(contact) {
      statements.putContact.run(
        contact.sessionId,
        contact.nickname ?? null,
        contact.createdAt,
        contact.updatedAt,
      );
    },
    async deleteContact(sessionId) {
      return statements.deleteContact.run(sessionId).changes > 0;
    },
    async listContacts() {
      return (statements.listContacts.all() as ContactRow[]).map(contactFromRow);
    },

    async insertMessage(message) {
      const result = statements.insertMessage.run({
        id: message.id,
        conversation_id: message.conversationId,
        direction: message.direction,
        sender: message.sender,
        text: message.text,
        sent_at: message.sentAt,
        received_at: message.receivedAt,
        namespace: message.namespace,
        read: message.read ? 1 : 0,
        display_name: message.displayName ?? null,
        state: message.state ?? null,
        error_code: message.error?.code ?? null,
        error_message: message.error?.message ?? null,
        protocol: message.protocol ?? null,
        hash: message.hash ?? null,
      });
      return result.changes > 0;
    },
    async getMessage(id) {
      const row = statements.getMessage.get(id) as MessageRow | undefined;
      return row === undefined ? undefined : messageFromRow(row);
    },
    async setMessageProtocol(id, protocol, hash) {
      const other = hash === undefined || hash === id ? null : hash;
      return statements.setMessageProtocol.run(protocol, other, id).changes > 0;
    },
    async deleteMessage(id) {
      return statements.deleteMessage.run(id).changes > 0;
    },
    async updateMessageState(id, state, error) {
      const result = statements.updateMessageState.run(
        state,
        error?.code ?? null,
        error?.message ?? null,
        id,
      );
      return result.changes > 0;
    },
    async listMessages(conversationId: string, query: HistoryQuery) {
      const limit = Math.max(0, query.limit);
      if (query.before === undefined) {
        return (statements.listMessages.all(conversationId, limit) as MessageRow[]).map(
          messageFromRow,
        );
      }
      const anchor = statements.getMessage.get(query.before) as MessageRow | undefined;
      if (anchor === undefined) return [];
      return (
        statements.listMessagesBefore.all(conversationId, {
          sent_at: anchor.sent_at,
          id: anchor.id,
          limit,
        }) as MessageRow[]
      ).map(messageFromRow);
    },
    async markRead(conversationId, upTo) {
      const result =
        upTo === undefined
          ? statements.markRead.run(conversationId)
          : statements.markReadUpTo.run(conversationId, upTo);
      return result.changes;
    },
    async listConversations() {
      return (statements.listConversations.all() as (MessageRow & { unread: number })[]).map(
        (row): ConversationRecord => ({
          conversationId: row.conversation_id,
          lastMessage: messageFromRow(row),
          unreadCount: row.unread,
        }),
      );
    },

    async putOutboxEntry(entry) {
      statements.putOutbox.run({
        id: entry.id,
        recipient: entry.recipient,
        namespace: entry.namespace,
        data: entry.data,
        ttl_ms: entry.ttlMs,
        created_at: entry.createdAt,
        state: entry.state,
        attempts: entry.attempts,
        next_attempt_at: entry.nextAttemptAt,
        error_code: entry.lastError?.code ?? null,
        error_message: entry.lastError?.message ?? null,
        failure_reason: entry.failureReason ?? null,
        held: entry.held === undefined ? null : JSON.stringify(entry.held),
      });
    },
    async getOutboxEntry(id) {
      const row = statements.getOutbox.get(id) as OutboxRow | undefined;
      return row === undefined ? undefined : entryFromRow(row);
    },
    async deleteOutboxEntry(id) {
      return statements.deleteOutbox.run(id).changes > 0;
    },
    async listOutboxEntries(states?: readonly OutgoingMessageState[]) {
      return (statements.listOutbox.all() as OutboxRow[])
        .map(entryFromRow)
        .filter((entry) => states === undefined || states.includes(entry.state));
    },
    async dueOutboxEntries(now, limit) {
      return (statements.dueOutbox.all(now, Math.max(0, limit)) as OutboxRow[]).map(entryFromRow);
    },

    async getValue(key) {
      const row = statements.getValue.get(key) as { value: string } | undefined;
      return row?.value;
    },
    async setValue(key, value) {
      statements.setValue.run(key, value);
    },
    async deleteValue(key) {
      statements.deleteValue.run(key);
    },

    async addSeenHashes(hashes) {
      addSeen(hashes);
    },
    async filterSeenHashes(hashes) {
      return filterSeen(hashes);
    },
    async pruneSeenHashes(now, keep) {
      return prune(now, keep);
    },

    async close() {
      if (closed || !owned) return;
      closed = true;
      database.close();
    },
  };
}

interface ContactRow {
  session_id: string;
  nickname: string | null;
  created_at: number;
  updated_at: number;
}

function contactFromRow(row: ContactRow): Contact {
  const contact: Contact = {
    sessionId: row.session_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.nickname !== null) contact.nickname = row.nickname;
  return contact;
}

export { createSqliteAccountKeyStore } from '../pfs/sqlite-account-key-store.js';

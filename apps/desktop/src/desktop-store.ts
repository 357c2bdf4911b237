/**
 * What the desktop client keeps beside `@murmur/client`'s tables, in the same SQLite file of
 * each account: local edits of messages, each conversation's disappearing-messages setting, and
 * when each message disappears. Tables are prefixed `desktop_` so they never meet the client's.
 */
import type Database from 'better-sqlite3';
import type { DeliveryPath, DisappearingSetting } from './schemas.js';

/** An edited local copy. */
export interface LocalEdit {
  text: string;
  editedAt: number;
}

/** A message due to disappear. */
export interface Expiry {
  messageId: string;
  conversationId: string;
  expiresAt: number;
}

/** The desktop client's own tables in an account's database. */
export interface DesktopStore {
  getEdit(messageId: string): LocalEdit | undefined;
  setEdit(messageId: string, edit: LocalEdit): void;
  getDisappearing(conversationId: string): DisappearingSetting;
  setDisappearing(conversationId: string, setting: DisappearingSetting): void;
  setExpiry(expiry: Expiry): void;
  getExpiry(messageId: string): number | undefined;
  /** Messages whose time is up at `now`. */
  dueExpiries(now: number): Expiry[];
  /** The next time a message disappears, if any. */
  nextExpiry(): number | undefined;
  /** Incoming messages of after-read conversations that wait to be read. */
  addPendingRead(messageId: string, conversationId: string, seconds: number): void;
  /** Moves the pending reads of a conversation to expiries counted from `now`. */
  startReadTimers(conversationId: string, now: number): Expiry[];
  /** Records which path delivered an incoming message (the client's history does not keep it). */
  setDelivery(messageId: string, via: DeliveryPath): void;
  getDelivery(messageId: string): DeliveryPath | undefined;
  /** Forgets everything about a message (it disappeared). */
  forget(messageId: string): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS desktop_edits (
  message_id TEXT PRIMARY KEY, text TEXT NOT NULL, edited_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS desktop_disappearing (
  conversation_id TEXT PRIMARY KEY, mode TEXT NOT NULL, seconds INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS desktop_expiries (
  message_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS desktop_expiries_by_time ON desktop_expiries (expires_at);
CREATE TABLE IF NOT EXISTS desktop_pending_reads (
  message_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, seconds INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS desktop_deliveries (
  message_id TEXT PRIMARY KEY, via TEXT NOT NULL CHECK (via IN ('circuit', 'poll')));
`;

/** Creates the tables if missing and returns the store. */
export function createDesktopStore(database: Database.Database): DesktopStore {
  database.exec(SCHEMA);
  const s = {
    getEdit: database.prepare('SELECT text, edited_at FROM desktop_edits WHERE message_id = ?'),
    setEdit: database.prepare(
      'INSERT OR REPLACE INTO desktop_edits (message_id, text, edited_at) VALUES (?, ?, ?)',
    ),
    getDisappearing: database.prepare(
      'SELECT mode, seconds FROM desktop_disappearing WHERE conversation_id = ?',
    ),
    setDisappearing: database.prepare(
      'INSERT OR REPLACE INTO desktop_disappearing (conversation_id, mode, seconds) VALUES (?, ?, ?)',
    ),
    setExpiry: database.prepare(
      'INSERT OR REPLACE INTO desktop_expiries (message_id, conversation_id, expires_at) VALUES (?, ?, ?)',
    ),
    getExpiry: database.prepare('SELECT expires_at FROM desktop_expiries WHERE message_id = ?'),
    due: database.prepare(
      'SELECT message_id, conversation_id, expires_at FROM desktop_expiries WHERE expires_at <= ? ORDER BY expires_at LIMIT 500',
    ),
    next: database.prepare('SELECT MIN(expires_at) AS next FROM desktop_expiries'),
    addPending: database.prepare(
      'INSERT OR IGNORE INTO desktop_pending_reads (message_id, conversation_id, seconds) VALUES (?, ?, ?)',
    ),
    pendingOf: database.prepare(
      'SELECT message_id, seconds FROM desktop_pending_reads WHERE conversation_id = ?',
    ),
    deletePendingOf: database.prepare(
      'DELETE FROM desktop_pending_reads WHERE conversation_id = ?',
    ),
    forgetEdit: database.prepare('DELETE FROM desktop_edits WHERE message_id = ?'),
    forgetExpiry: database.prepare('DELETE FROM desktop_expiries WHERE message_id = ?'),
    forgetPending: database.prepare('DELETE FROM desktop_pending_reads WHERE message_id = ?'),
    setDelivery: database.prepare(
      'INSERT OR IGNORE INTO desktop_deliveries (message_id, via) VALUES (?, ?)',
    ),
    getDelivery: database.prepare('SELECT via FROM desktop_deliveries WHERE message_id = ?'),
    forgetDelivery: database.prepare('DELETE FROM desktop_deliveries WHERE message_id = ?'),
  };
  const startReadTimers = database.transaction((conversationId: string, now: number) => {
    const rows = s.pendingOf.all(conversationId) as { message_id: string; seconds: number }[];
    const expiries = rows.map((row) => ({
      messageId: row.message_id,
      conversationId,
      expiresAt: now + row.seconds * 1000,
    }));
    for (const expiry of expiries) {
      s.setExpiry.run(expiry.messageId, conversationId, expiry.expiresAt);
    }
    s.deletePendingOf.run(conversationId);
    return expiries;
  });
  return {
    getEdit(messageId) {
      const row = s.getEdit.get(messageId) as { text: string; edited_at: number } | undefined;
      return row === undefined ? undefined : { text: row.text, editedAt: row.edited_at };
    },
    setEdit(messageId, edit) {
      s.setEdit.run(messageId, edit.text, edit.editedAt);
    },
    getDisappearing(conversationId) {
      const row = s.getDisappearing.get(conversationId) as
        | { mode: DisappearingSetting['mode']; seconds: number }
        | undefined;
      return row === undefined
        ? { mode: 'off', seconds: 0 }
        : { mode: row.mode, seconds: row.seconds };
    },
    setDisappearing(conversationId, setting) {
      s.setDisappearing.run(conversationId, setting.mode, setting.seconds);
    },
    setExpiry(expiry) {
      s.setExpiry.run(expiry.messageId, expiry.conversationId, expiry.expiresAt);
    },
    getExpiry(messageId) {
      const row = s.getExpiry.get(messageId) as { expires_at: number } | undefined;
      return row?.expires_at;
    },
    dueExpiries(now) {
      return (
        s.due.all(now) as { message_id: string; conversation_id: string; expires_at: number }[]
      ).map((row) => ({
        messageId: row.message_id,
        conversationId: row.conversation_id,
        expiresAt: row.expires_at,
      }));
    },
    nextExpiry() {
      const row = s.next.get() as { next: number | null };
      return row.next ?? undefined;
    },
    addPendingRead(messageId, conversationId, seconds) {
      s.addPending.run(messageId, conversationId, seconds);
    },
    startReadTimers: (conversationId, now) => startReadTimers(conversationId, now),
    setDelivery(messageId, via) {
      s.setDelivery.run(messageId, via);
    },
    getDelivery(messageId) {
      const row = s.getDelivery.get(messageId) as { via: DeliveryPath } | undefined;
      return row?.via;
    },
    forget(messageId) {
      s.forgetDelivery.run(messageId);
      s.forgetEdit.run(messageId);
      s.forgetExpiry.run(messageId);
      s.forgetPending.run(messageId);
    },
  };
}

/**
 * The in-memory storage: every table in a `Map`, nothing written anywhere. For tests and for
 * clients that must leave no trace (everything is lost when the object is dropped).
 */
import type {
  ClientStorage,
  Contact,
  ConversationRecord,
  HistoryQuery,
  OutboxEntry,
  OutgoingMessageState,
  SeenHash,
  StoredAccount,
  StoredMessage,
} from './types.js';

function copyAccount(account: StoredAccount): StoredAccount {
  return { ...account, seed: account.seed.slice() };
}

function copyMessage(message: StoredMessage): StoredMessage {
  const out = { ...message };
  if (message.error !== undefined) out.error = { ...message.error };
  return out;
}

function copyEntry(entry: OutboxEntry): OutboxEntry {
  const out = { ...entry };
  if (entry.lastError !== undefined) out.lastError = { ...entry.lastError };
  if (entry.held !== undefined) out.held = { ...entry.held };
  return out;
}

/** Newest first: by sent time, then ID (both descending). */
function newestFirst(a: StoredMessage, b: StoredMessage): number {
  if (a.sentAt !== b.sentAt) return b.sentAt - a.sentAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The in-memory storage and a way to look inside (tests). */
export interface MemoryStorage extends ClientStorage {
  /** How many entries each table holds. */
  sizes(): {
    contacts: number;
    messages: number;
    outbox: number;
    values: number;
    seenHashes: number;
  };
}

/** Creates an empty in-memory storage. */
export function createMemoryStorage(): MemoryStorage {
  let account: StoredAccount | undefined;
  const contacts = new Map<string, Contact>();
  const messages = new Map<string, StoredMessage>();
  const outbox = new Map<string, OutboxEntry>();
  const values = new Map<string, string>();
  const seen = new Map<string, number>();

  return {
    async getAccount() {
      return account === undefined ? undefined : copyAccount(account);
    },
    async setAccount(next) {
      account = copyAccount(next);
    },

    async getContact(sessionId) {
      const contact = contacts.get(sessionId);
      return contact === undefined ? undefined : { ...contact };
    },
    async putContact(contact) {
      contacts.set(contact.sessionId, { ...contact });
    },
    async deleteContact(sessionId) {
      return contacts.delete(sessionId);
    },
    async listContacts() {
      return [...contacts.values()]
        .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1))
        .map((contact) => ({ ...contact }));
    },

    async insertMessage(message) {
      if (messages.has(message.id)) return false;
      messages.set(message.id, copyMessage(message));
      return true;
    },
    async getMessage(id) {
      const message = messages.get(id);
      return message === undefined ? undefined : copyMessage(message);
    },
    async setMessageProtocol(id, protocol, hash) {
      const message = messages.get(id);
      if (message === undefined) return false;
      message.protocol = protocol;
      if (hash === undefined || hash === id) delete message.hash;
      else message.hash = hash;
      return true;
    },
    async deleteMessage(id) {
      return messages.delete(id);
    },
    async updateMessageState(id, state, error) {
      const message = messages.get(id);
      if (message === undefined) return false;
      message.state = state;
      if (error === undefined) delete message.error;
      else message.error = { ...error };
      return true;
    },
    async listMessages(conversationId: string, query: HistoryQuery) {
      let list = [...messages.values()]
        .filter((message) => message.conversationId === conversationId)
        .sort(newestFirst);
      if (query.before !== undefined) {
        const anchor = messages.get(query.before);
        if (anchor === undefined) return [];
        list = list.filter((message) => newestFirst(anchor, message) < 0);
      }
      return list.slice(0, Math.max(0, query.limit)).map(copyMessage);
    },
    async markRead(conversationId, upTo) {
      let changed = 0;
      for (const message of messages.values()) {
        if (
          message.conversationId === conversationId &&
          message.direction === 'incoming' &&
          !message.read &&
          (upTo === undefined || message.sentAt <= upTo)
        ) {
          message.read = true;
          changed++;
        }
      }
      return changed;
    },
    async listConversations() {
      const byConversation = new Map<string, ConversationRecord>();
      for (const message of messages.values()) {
        const unread = message.direction === 'incoming' && !message.read ? 1 : 0;
        const current = byConversation.get(message.conversationId);
        if (current === undefined) {
          byConversation.set(message.conversationId, {
            conversationId: message.conversationId,
            lastMessage: message,
            unreadCount: unread,
          });
        } else {
          current.unreadCount += unread;
          if (newestFirst(message, current.lastMessage) < 0) current.lastMessage = message;
        }
      }
      return [...byConversation.values()]
        .sort((a, b) => newestFirst(a.lastMessage, b.lastMessage))
        .map((record) => ({ ...record, lastMessage: copyMessage(record.lastMessage) }));
    },

    async putOutboxEntry(entry) {
      outbox.set(entry.id, copyEntry(entry));
    },
    async getOutboxEntry(id) {
      const entry = outbox.get(id);
      return entry === undefined ? undefined : copyEntry(entry);
    },
    async deleteOutboxEntry(id) {
      return outbox.delete(id);
    },
    async listOutboxEntries(states?: readonly OutgoingMessageState[]) {
      return [...outbox.values()]
        .filter((entry) => states === undefined || states.includes(entry.state))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map(copyEntry);
    },
    async dueOutboxEntries(now, limit) {
      return [...outbox.values()]
        .filter(
          (entry) =>
            (entry.state === 'queued' || entry.state === 'securing') && entry.nextAttemptAt <= now,
        )
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1))
        .slice(0, Math.max(0, limit))
        .map(copyEntry);
    },

    async getValue(key) {
      return values.get(key);
    },
    async setValue(key, value) {
      values.set(key, value);
    },
    async deleteValue(key) {
      values.delete(key);
    },

    async addSeenHashes(hashes: readonly SeenHash[]) {
      for (const { hash, expiresAt } of hashes) {
        seen.set(hash, Math.max(expiresAt, seen.get(hash) ?? Number.NEGATIVE_INFINITY));
      }
    },
    async filterSeenHashes(hashes) {
      return new Set(hashes.filter((hash) => seen.has(hash)));
    },
    async pruneSeenHashes(now, keep) {
      let removed = 0;
      for (const [hash, expiresAt] of seen) {
        if (expiresAt < now) {
          seen.delete(hash);
          removed++;
        }
      }
      if (seen.size > keep) {
        const byExpiry = [...seen.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
        for (const [hash] of byExpiry.slice(0, seen.size - Math.max(0, keep))) {
          seen.delete(hash);
          removed++;
        }
      }
      return removed;
    },

    sizes() {
      return {
        contacts: contacts.size,
        messages: messages.size,
        outbox: outbox.size,
        values: values.size,
        seenHashes: seen.size,
      };
    },
  };
}

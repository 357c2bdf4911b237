/**
 * Conversations: one per other party (keyed by their Session ID), holding the history of
 * messages both ways, newest first, with unread counts.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import { type AbortOptions, InvalidInputError, throwIfAborted } from '@murmur/wire';
import type { ClientStorage, StoredMessage } from './storage/types.js';
import { checkLimit, checkSessionId } from './validate.js';

/** A conversation in the list. */
export interface Conversation {
  /** The other party's Session ID. */
  sessionId: string;
  /** Your nickname for them, if they are a contact with one. */
  nickname?: string;
  /** The newest message. */
  lastMessage: StoredMessage;
  /** Incoming messages not yet marked read. */
  unreadCount: number;
}

/** Options of {@link ConversationsApi.history}. */
export interface HistoryOptions extends AbortOptions {
  /** Return messages older than this message ID (the last of the previous page). */
  before?: string;
  /** At most this many (default 50, at most 500). */
  limit?: number;
}

/** The conversations of a client. */
export interface ConversationsApi {
  /** Every conversation, the most recently active first. */
  list(options?: AbortOptions): Promise<Conversation[]>;
  /** A page of one conversation's history, newest first. */
  history(sessionId: string, options?: HistoryOptions): Promise<StoredMessage[]>;
  /**
   * Marks incoming messages read: all of them, or those sent at or before `upTo` (ms).
   * Returns how many changed.
   */
  markRead(sessionId: string, options?: AbortOptions & { upTo?: number }): Promise<number>;
}

/** Creates the conversations API. */
export function createConversationsApi(components: {
  crypto: MurmurCrypto;
  storage: ClientStorage;
}): ConversationsApi {
  const { crypto, storage } = components;
  return {
    async list(options = {}) {
      throwIfAborted(options.signal);
      const [records, contacts] = await Promise.all([
        storage.listConversations(),
        storage.listContacts(),
      ]);
      const nicknames = new Map(contacts.map((contact) => [contact.sessionId, contact.nickname]));
      return records.map((record) => {
        const conversation: Conversation = {
          sessionId: record.conversationId,
          lastMessage: record.lastMessage,
          unreadCount: record.unreadCount,
        };
        const nickname = nicknames.get(record.conversationId);
        if (nickname !== undefined) conversation.nickname = nickname;
        return conversation;
      });
    },
    async history(sessionId, options = {}) {
      throwIfAborted(options.signal);
      const id = checkSessionId(crypto, sessionId, 'the conversation');
      const limit = checkLimit(options.limit, 50, 500);
      if (options.before !== undefined && typeof options.before !== 'string') {
        throw new InvalidInputError('`before` must be a message ID', {
          details: { field: 'before' },
        });
      }
      return storage.listMessages(
        id,
        options.before === undefined ? { limit } : { limit, before: options.before },
      );
    },
    async markRead(sessionId, options = {}) {
      throwIfAborted(options.signal);
      const id = checkSessionId(crypto, sessionId, 'the conversation');
      if (options.upTo !== undefined && !Number.isFinite(options.upTo)) {
        throw new InvalidInputError('`upTo` must be a time in ms', { details: { field: 'upTo' } });
      }
      return storage.markRead(id, options.upTo);
    },
  };
}

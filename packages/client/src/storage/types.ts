/**
 * The storage component: everything the client keeps between runs, behind one explicit
 * interface. `createMemoryStorage()` keeps it in memory (tests, throwaway clients);
 * `createSqliteStorage()` (from `@murmur/client/sqlite`) keeps it in a SQLite file on Node.
 * Other implementations (IndexedDB, a platform keystore) must pass the same compliance suite.
 *
 * The storage holds the account seed: whoever can read it can read the account's messages and
 * speak as it. Protect it as you would the recovery phrase (file permissions, disk encryption,
 * an OS keystore).
 */
import type { MessageProtocol } from '@murmur/crypto';
import type { MessageExpiration } from '../content.js';
import type { AccountKeyStore } from '../pfs/account-key-store.js';

/** The account as stored. */
export interface StoredAccount {
  /** The seed: 32 bytes, or 16 for a restored Session-style 12-word phrase. Secret. */
  seed: Uint8Array;
  /** The display name sent with messages, if set. */
  displayName?: string;
  /** When the account was created or restored here (ms). */
  createdAt: number;
}

/** A contact. */
export interface Contact {
  /** The contact's Session ID (66 lower-case hex characters). */
  sessionId: string;
  /** Your name for the contact, if set. */
  nickname?: string;
  /** When the contact was added (ms). */
  createdAt: number;
  /** When it was last changed (ms). */
  updatedAt: number;
}

/** Which way a message went. */
export type MessageDirection = 'incoming' | 'outgoing';

/**
 * The state of an outgoing message: `securing` (held, not yet sealed, while the recipient's
 * account keys are fetched or until the send rules allow sealing it), `queued`, `sending`,
 * `sent` or `failed`.
 */
export type OutgoingMessageState = 'securing' | 'queued' | 'sending' | 'sent' | 'failed';

/** A message in the history. */
export interface StoredMessage {
  /** The storage hash of the message: the same ID on both sides. */
  id: string;
  /** The other party's Session ID (the conversation the message belongs to). */
  conversationId: string;
  /** Which way it went. */
  direction: MessageDirection;
  /** The sender's Session ID. */
  sender: string;
  /** The text. */
  text: string;
  /** When it was sent (sender's network time, ms). */
  sentAt: number;
  /** When it was received (incoming) or queued (outgoing), ms. */
  receivedAt: number;
  /** The namespace it was stored in. */
  namespace: number;
  /** Incoming: whether it was read. Outgoing messages are always read. */
  read: boolean;
  /** The display name the sender attached (incoming), if any. */
  displayName?: string;
  /** Outgoing: the delivery state. */
  state?: OutgoingMessageState;
  /** Outgoing, failed: the final error. */
  error?: { code: string; message: string };
  /**
   * How it was sealed: `v1`, `v2` (forward-secret) or `v2-no-pfs`. Absent for an outgoing
   * message still `securing`, and for messages stored by releases before it was recorded.
   */
  protocol?: MessageProtocol;
  /**
   * Outgoing: the storage hash of the sealed message, when it differs from `id` (a message held
   * as `securing` before it was sealed keeps its random ID; the recipient sees this hash).
   */
  hash?: string;
}

/** A page of history: newest first, older than `before` (a message ID) when given. */
export interface HistoryQuery {
  /** Return messages older than this message (by sent time, then ID). */
  before?: string;
  /** At most this many. */
  limit: number;
}

/** A conversation as the storage summarises it. */
export interface ConversationRecord {
  /** The other party's Session ID. */
  conversationId: string;
  /** The newest message. */
  lastMessage: StoredMessage;
  /** Incoming messages not marked read. */
  unreadCount: number;
}

/** The content of a message held in the outbox before it is sealed (state `securing`). */
export interface HeldContent {
  /** The text. */
  text: string;
  /** The sent time written in the message (network time, ms). */
  sentAt: number;
  /** The display name to attach, if any. */
  displayName?: string;
  /** The disappearing timer written in the message. */
  expiration?: MessageExpiration;
  /** A disappearing-messages timer update (no text) instead of a text message. */
  timerUpdate?: boolean;
}

/** An entry of the durable outbox: a sealed message and its delivery state. */
export interface OutboxEntry {
  /**
   * The message ID: the storage hash of `data` when the message was sealed at once; a message
   * first held (`securing`) keeps the random ID it was given.
   */
  id: string;
  /** The recipient's Session ID. */
  recipient: string;
  /** The namespace to store in. */
  namespace: number;
  /**
   * The sealed message, base64 (encrypted once: retries send the same bytes); empty while the
   * entry is `securing`.
   */
  data: string;
  /**
   * While `securing`: the content to seal once the send rules allow it (kept in the storage,
   * so a held message survives a restart; removed once sealed).
   */
  held?: HeldContent;
  /** The TTL to store it with, ms. */
  ttlMs: number;
  /** When it was queued (network time, ms): the start of `giveUpAfterMs`. */
  createdAt: number;
  /** The delivery state. */
  state: OutgoingMessageState;
  /** Network attempts made. */
  attempts: number;
  /** When the next attempt may run (network time, ms). */
  nextAttemptAt: number;
  /** The last failure, if any (for a `failed` entry: the final error). */
  lastError?: { code: string; message: string };
  /** For a `failed` entry: why the outbox gave up. */
  failureReason?: 'attempts-exhausted' | 'timed-out' | 'rejected';
}

/** A hash the client has processed, kept until the message would expire anyway. */
export interface SeenHash {
  /** The storage hash. */
  hash: string;
  /** When the message expires on its swarm (ms): the hash can be forgotten after that. */
  expiresAt: number;
}

/**
 * What a client stores. Every method is async so that implementations may be remote or
 * asynchronous (IndexedDB); none may keep module-level state. Values returned are copies: the
 * caller may change them freely.
 */
export interface ClientStorage {
  // Account ------------------------------------------------------------------------------------
  /** The account, or `undefined` before one is created or restored. */
  getAccount(): Promise<StoredAccount | undefined>;
  /** Stores (replaces) the account. */
  setAccount(account: StoredAccount): Promise<void>;

  // Contacts -----------------------------------------------------------------------------------
  /** One contact, or `undefined`. */
  getContact(sessionId: string): Promise<Contact | undefined>;
  /** Creates or replaces a contact. */
  putContact(contact: Contact): Promise<void>;
  /** Deletes a contact; true when it existed. */
  deleteContact(sessionId: string): Promise<boolean>;
  /** Every contact, by Session ID. */
  listContacts(): Promise<Contact[]>;

  // Messages -----------------------------------------------------------------------------------
  /** Adds a message; false (and no change) when a message with its ID exists. */
  insertMessage(message: StoredMessage): Promise<boolean>;
  /** One message, or `undefined`. */
  getMessage(id: string): Promise<StoredMessage | undefined>;
  /**
   * Deletes a message from the history (disappearing messages, "delete for me"); false when no
   * message has this ID. Its outbox entry, if any, is the caller's to delete.
   */
  deleteMessage(id: string): Promise<boolean>;
  /**
   * Sets an outgoing message's state (and error, removed when absent); false when no message
   * has this ID.
   */
  updateMessageState(
    id: string,
    state: OutgoingMessageState,
    error?: { code: string; message: string },
  ): Promise<boolean>;
  /**
   * Records how an outgoing message was sealed (and its storage hash when it differs from the
   * ID); false when no message has this ID.
   */
  setMessageProtocol(id: string, protocol: MessageProtocol, hash?: string): Promise<boolean>;
  /** A page of one conversation, newest first (by sent time, then ID). */
  listMessages(conversationId: string, query: HistoryQuery): Promise<StoredMessage[]>;
  /**
   * Marks incoming messages of a conversation read, all of them or those sent at or before
   * `upTo` (ms). Returns how many changed.
   */
  markRead(conversationId: string, upTo?: number): Promise<number>;
  /** Every conversation with at least one message, most recent first. */
  listConversations(): Promise<ConversationRecord[]>;

  // Outbox -------------------------------------------------------------------------------------
  /** Creates or replaces an outbox entry. */
  putOutboxEntry(entry: OutboxEntry): Promise<void>;
  /** One entry, or `undefined`. */
  getOutboxEntry(id: string): Promise<OutboxEntry | undefined>;
  /** Deletes an entry; true when it existed. */
  deleteOutboxEntry(id: string): Promise<boolean>;
  /** Entries in the given states (all when omitted), oldest `createdAt` first. */
  listOutboxEntries(states?: readonly OutgoingMessageState[]): Promise<OutboxEntry[]>;
  /**
   * Entries in state `queued` or `securing` whose `nextAttemptAt` is at or before `now`,
   * earliest first, at most `limit`.
   */
  dueOutboxEntries(now: number, limit: number): Promise<OutboxEntry[]>;

  // Key-value ----------------------------------------------------------------------------------
  /** A string value (onion path state, last hashes, ...), or `undefined`. */
  getValue(key: string): Promise<string | undefined>;
  /** Stores a string value. */
  setValue(key: string, value: string): Promise<void>;
  /** Deletes a value (no error when absent). */
  deleteValue(key: string): Promise<void>;

  // Seen hashes --------------------------------------------------------------------------------
  /** Records hashes as processed (an existing hash keeps the later expiry). */
  addSeenHashes(hashes: readonly SeenHash[]): Promise<void>;
  /** Which of `hashes` were recorded. */
  filterSeenHashes(hashes: readonly string[]): Promise<Set<string>>;
  /**
   * Forgets hashes that expired before `now`, then the ones with the earliest expiry until at
   * most `keep` remain. Returns how many were forgotten.
   */
  pruneSeenHashes(now: number, keep: number): Promise<number>;

  /**
   * Optional: a store for the forward-secrecy account-key seeds kept with the rest (the SQLite
   * storage keeps them in its own file). A client uses it unless given `accountKeyStore`.
   */
  accountKeyStore?(): AccountKeyStore;

  /** Releases resources the storage opened itself (a database file). Optional. */
  close?(): Promise<void>;
}

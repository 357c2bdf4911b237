/**
 * The accounts of one desktop daemon: each in `<data>/accounts/<id>/` (0700) with `seed.json`
 * (0600, optionally sealed), `account.json` (display name, creation time, Session ID) and
 * `client.db` (the client's SQLite storage, 0600), and, once unlocked, one running
 * `@murmur/client`. Everything the API does to an account goes through here.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  AccountExistsError,
  type ClientHealth,
  type ClientInit,
  createClient,
  type MurmurClient,
  type StoredAccount,
  type StoredMessage,
  type WebSocketFactory,
} from '@murmur/client';
import { createSqliteStorage, type SqliteStorage } from '@murmur/client/sqlite';
import type { MurmurCrypto } from '@murmur/crypto';
import { fetchSeedNodes } from '@murmur/onion';
import { swarmForPubkey, swarmIdFromHex, swarmIdToHex } from '@murmur/swarm';
import {
  createChecker,
  ForbiddenError,
  InvalidInputError,
  InvalidSessionIdError,
  type Logger,
  NotFoundError,
} from '@murmur/wire';
import { ConfigError } from '@murmur/wire/program';
import { readStateFile } from '@murmur/wire/settings-file';
import Type from 'typebox';
import { createAccountStorage } from './account-storage.js';
import { createDesktopStore, type DesktopStore } from './desktop-store.js';
import { checkDisappearing } from './disappearing.js';
import { type NetworkConfig, relaySchemeFor } from './network.js';
import type {
  AccountSummary,
  ConversationSummary,
  DesktopEvent,
  DisappearingSetting,
  Health,
  MessageView,
  NetworkView,
} from './schemas.js';
import { ensurePrivateDirectory, ensurePrivateFile, writePrivateFile } from './secure-fs.js';
import {
  openSeedFile,
  readSeedFile,
  type SeedFile,
  type SeedLimits,
  writeSeedFile,
} from './seed-file.js';
import { nodeWebSocket } from './web-socket.js';

/** `account.json`. */
interface AccountMeta {
  version: 1;
  sessionId: string;
  createdAt: number;
  displayName?: string;
  phraseConfirmed: boolean;
}

/** `account.json` ({@link AccountMeta}), read through `@murmur/wire`'s state-file checker. */
const accountMetaChecker = createChecker(
  Type.Object({
    version: Type.Literal(1),
    sessionId: Type.String({ pattern: '^05[0-9a-fA-F]{64}$', description: 'a Session ID' }),
    createdAt: Type.Integer({ minimum: 0, description: 'ms since the epoch' }),
    displayName: Type.Optional(Type.String()),
    phraseConfirmed: Type.Boolean(),
  }),
);

/** One account, locked or running. */
interface AccountEntry {
  id: string;
  dir: string;
  meta: AccountMeta;
  seedFile: SeedFile;
  running?: Running;
}

interface Running {
  seed: Uint8Array;
  sqlite: SqliteStorage;
  store: DesktopStore;
  client?: MurmurClient | undefined;
  offs: (() => void)[];
}

/** Options of {@link createAccountManager}. */
export interface AccountManagerInit {
  dataDir: string;
  network: NetworkConfig | undefined;
  /** Session's development timer choices (10 s, 30 s, 1 min). */
  devTimers: boolean;
  /** Extra client options (tests poll faster). */
  clientInit?: Partial<ClientInit>;
  /** Argon2id limits of sealed seeds (tests use small ones). */
  seedLimits?: SeedLimits;
}

/** What the account manager uses. */
export interface AccountManagerComponents {
  crypto: MurmurCrypto;
  logger: Logger;
  /** Where client events go (the WebSocket hub). */
  emit: (event: DesktopEvent) => void;
  fetch: typeof fetch;
  /**
   * Opens the WebSocket to a guard relay for real-time delivery over circuits (default: `ws`,
   * see `web-socket.ts`).
   */
  webSocket?: WebSocketFactory;
  clock?: { now(): number };
}

/** A word of the confirm step does not match the phrase (`INVALID_INPUT`, reason `phrase-mismatch`). */
function phraseMismatch(position: number): InvalidInputError {
  return new InvalidInputError(`word ${position} does not match: look at the phrase again`, {
    details: { field: 'words', reason: 'phrase-mismatch', position },
  });
}

/** No network configured yet (`CONFIG_INVALID`, 409). */
function networkMissing(): ConfigError {
  return new ConfigError(
    'no network is configured: give a seed URL or a devnet.json in the settings (or --network)',
    { status: 409, details: { reason: 'network-missing' } },
  );
}

/** The accounts of the daemon. */
export interface AccountManager {
  list(): AccountSummary[];
  create(options: { displayName?: string; passphrase?: string }): Promise<{
    account: AccountSummary;
    phrase: string;
  }>;
  restore(options: {
    phrase: string;
    displayName?: string;
    passphrase?: string;
  }): Promise<AccountSummary>;
  unlock(id: string, passphrase: string): Promise<AccountSummary>;
  confirmPhrase(id: string, words: { position: number; word: string }[]): AccountSummary;
  revealPhrase(id: string, passphrase: string | undefined): string;
  setDisplayName(id: string, name: string): Promise<AccountSummary>;
  conversations(id: string): Promise<ConversationSummary[]>;
  history(
    id: string,
    sessionId: string,
    options: { before?: string; limit?: number },
  ): Promise<{ messages: MessageView[]; more: boolean }>;
  send(id: string, sessionId: string, text: string): Promise<MessageView>;
  retry(id: string, messageId: string): Promise<MessageView>;
  editLocal(id: string, messageId: string, text: string): Promise<MessageView>;
  markRead(id: string, sessionId: string): Promise<number>;
  addContact(
    id: string,
    sessionId: string,
    nickname: string | undefined,
  ): Promise<{ sessionId: string; nickname?: string; createdAt: number }>;
  setNickname(
    id: string,
    sessionId: string,
    nickname: string | null,
  ): Promise<{ sessionId: string; nickname?: string; createdAt: number }>;
  /** Sets the conversation's timer and announces it to the contact (a timer update). */
  setDisappearing(
    id: string,
    sessionId: string,
    setting: DisappearingSetting,
  ): Promise<DisappearingSetting>;
  network(id: string): Promise<NetworkView>;
  rebuildPaths(id: string): Promise<void>;
  setNetwork(network: NetworkConfig): Promise<void>;
  readonly networkConfig: NetworkConfig | undefined;
  /** Deletes the messages whose timer ran out; returns how many. */
  sweep(): Promise<number>;
  /** Accounts and how many are unlocked. */
  counts(): { accounts: number; unlocked: number };
  /** Clients' outbox sizes, for /metrics. */
  outboxPending(): number;
  /**
   * Opens every account whose seed is not sealed, and the sealed ones that `passphrase` opens
   * (the others stay locked until the UI unlocks them).
   */
  openAll(passphrase?: string): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT_ID = /^[a-z0-9]{1,32}$/;
/** The longest conversation timer the API carries (Session's longest choice, 2 weeks). */
const MAX_TIMER_SECONDS = 1_209_600;

function healthView(health: ClientHealth): Health {
  return {
    summary: health.summary,
    reason: health.reason,
    paths: health.paths,
    pathsReason: health.pathsReason,
    timeSynced: health.timeSynced,
    timeOffsetMs: health.timeOffsetMs,
    outboxPending: health.outboxPending,
  };
}

/** Opens the accounts found in `<dataDir>/accounts`. Nothing starts until unlocked. */
export function createAccountManager(
  init: AccountManagerInit,
  components: AccountManagerComponents,
): AccountManager {
  const { crypto, logger, emit } = components;
  const clock = components.clock ?? { now: () => Date.now() };
  const accountsDir = join(init.dataDir, 'accounts');
  ensurePrivateDirectory(accountsDir);
  let network = init.network;
  const entries = new Map<string, AccountEntry>();

  for (const name of readdirSync(accountsDir).sort()) {
    if (!ACCOUNT_ID.test(name)) continue;
    const dir = join(accountsDir, name);
    const seedFile = readSeedFile(join(dir, 'seed.json'));
    const metaPath = join(dir, 'account.json');
    if (seedFile === undefined || !existsSync(metaPath)) {
      logger.warn({ account: name }, 'desktop: incomplete account directory skipped');
      continue;
    }
    ensurePrivateDirectory(dir);
    // A damaged account.json stops the daemon with a ConfigError naming the file and the field;
    // the file (and the account's seed and messages) are left as they are for the user to repair.
    const meta: AccountMeta | undefined = readStateFile(metaPath, accountMetaChecker);
    if (meta === undefined) continue;
    entries.set(name, { id: name, dir, meta, seedFile });
  }

  const summary = (entry: AccountEntry): AccountSummary => {
    const view: AccountSummary = {
      id: entry.id,
      sealed: entry.seedFile.sealed,
      locked: entry.running === undefined,
      phraseConfirmed: entry.meta.phraseConfirmed,
      sessionId: entry.meta.sessionId,
    };
    if (entry.meta.displayName !== undefined) view.displayName = entry.meta.displayName;
    return view;
  };

  /**
   * Every change of the accounts list or of an account's summary goes out on the event stream:
   * the UI takes the stream's word as the last (a late HTTP answer never undoes it).
   */
  const announceAccounts = () =>
    emit({ type: 'accounts', accounts: [...entries.values()].map(summary) });

  const writeMeta = (entry: AccountEntry) => {
    writePrivateFile(join(entry.dir, 'account.json'), `${JSON.stringify(entry.meta, null, 2)}\n`);
  };

  const entryOf = (id: string): AccountEntry => {
    const entry = entries.get(id);
    if (entry === undefined)
      throw new NotFoundError(`no account ${id}`, { details: { field: 'account' } });
    return entry;
  };
  const runningOf = (id: string): Running => {
    const entry = entryOf(id);
    if (entry.running === undefined) {
      throw new ForbiddenError('this account is locked: unlock it with its passphrase', {
        details: { reason: 'locked' },
      });
    }
    return entry.running;
  };
  const clientOf = (id: string): MurmurClient => {
    const running = runningOf(id);
    if (running.client === undefined) throw networkMissing();
    return running.client;
  };

  const checkId = (value: string): string => {
    if (!crypto.isSessionId(value)) {
      throw new InvalidSessionIdError(
        /^05[0-9a-f]{64}$/.test(value)
          ? 'this Session ID is not a valid key: check it was copied whole'
          : 'a Session ID is 66 characters: 05 followed by 64 hex digits (0-9, a-f)',
        { details: { field: 'sessionId' } },
      );
    }
    return value;
  };

  const view = (store: DesktopStore, message: StoredMessage): MessageView => {
    const edit = store.getEdit(message.id);
    const out: MessageView = {
      id: message.id,
      conversationId: message.conversationId,
      direction: message.direction,
      sender: message.sender,
      text: edit?.text ?? message.text,
      sentAt: message.sentAt,
      receivedAt: message.receivedAt,
      read: message.read,
      editedLocally: edit !== undefined,
    };
    if (message.displayName !== undefined) out.displayName = message.displayName;
    if (message.state !== undefined) out.state = message.state;
    if (message.error !== undefined) out.error = message.error;
    const expiresAt = store.getExpiry(message.id);
    if (expiresAt !== undefined) out.expiresAt = expiresAt;
    if (message.protocol !== undefined) out.protocol = message.protocol;
    if (message.direction === 'incoming') {
      const via = store.getDelivery(message.id);
      if (via !== undefined) out.via = via;
    }
    return out;
  };

  const startClient = async (entry: AccountEntry, running: Running) => {
    if (network === undefined || running.client !== undefined) return;
    const storage = createAccountStorage(running.sqlite, {
      get: (): StoredAccount => {
        const account: StoredAccount = {
          seed: running.seed.slice(),
          createdAt: entry.meta.createdAt,
        };
        if (entry.meta.displayName !== undefined) account.displayName = entry.meta.displayName;
        return account;
      },
      set: (account) => {
        if (!crypto.equalConstantTime(account.seed, running.seed)) {
          throw new AccountExistsError('this account directory holds another account');
        }
        const before = entry.meta.displayName;
        if (account.displayName === undefined) delete entry.meta.displayName;
        else entry.meta.displayName = account.displayName;
        writeMeta(entry);
        if (entry.meta.displayName !== before) announceAccounts();
      },
    });
    // Real-time delivery over relay circuits (polling stays on as the safety net); a devnet's
    // relays speak plain ws.
    const push = init.clientInit?.push;
    const client = createClient(
      {
        ...init.clientInit,
        seeds: network.seeds,
        push:
          push === false
            ? false
            : { relayScheme: relaySchemeFor(network), ...(typeof push === 'object' ? push : {}) },
      },
      {
        crypto,
        storage,
        fetch: components.fetch,
        webSocket: components.webSocket ?? nodeWebSocket,
        logger: logger.child({ account: entry.id }),
      },
    );
    running.client = client;
    running.offs.push(
      client.on('message', (message) => {
        void (async () => {
          running.store.setDelivery(message.id, message.via);
          // The sender's timer, carried in the message (as Session does): the copy here
          // disappears on it whatever this side's setting of the conversation is.
          const expiration = message.expiration;
          if (expiration?.mode === 'after-send') {
            running.store.setExpiry({
              messageId: message.id,
              conversationId: message.from,
              expiresAt: message.sentAt + expiration.seconds * 1000,
            });
          } else if (expiration?.mode === 'after-read') {
            running.store.addPendingRead(message.id, message.from, expiration.seconds);
          }
          const stored = await running.sqlite.getMessage(message.id);
          if (stored !== undefined) {
            emit({ type: 'message', account: entry.id, message: view(running.store, stored) });
          }
        })().catch((error: unknown) =>
          logger.warn({ err: error, account: entry.id }, 'desktop: incoming message not announced'),
        );
      }),
      client.on('disappearing-update', (update) => {
        // The contact changed the conversation's timer: this side's setting follows (Session's
        // expiration-timer-update), within what the API can show (up to 14 days).
        const setting: DisappearingSetting =
          update.expiration === null
            ? { mode: 'off', seconds: 0 }
            : { mode: update.expiration.mode, seconds: update.expiration.seconds };
        if (setting.seconds > MAX_TIMER_SECONDS) {
          logger.warn(
            { account: entry.id, seconds: setting.seconds },
            'desktop: a contact announced a timer longer than 14 days; setting not changed',
          );
          return;
        }
        running.store.setDisappearing(update.from, setting);
        emit({ type: 'conversations', account: entry.id });
      }),
      client.on('message-state', (event) => {
        emit({
          type: 'message-state',
          account: entry.id,
          id: event.id,
          conversationId: event.to,
          state: event.state,
          ...(event.protocol === undefined ? {} : { protocol: event.protocol }),
        });
      }),
      client.on('health', (health) => {
        emit({ type: 'health', account: entry.id, health: healthView(health) });
      }),
    );
    await client.start();
  };

  const open = async (entry: AccountEntry, seed: Uint8Array): Promise<void> => {
    const path = join(entry.dir, 'client.db');
    ensurePrivateFile(path);
    const sqlite = createSqliteStorage({ path });
    const running: Running = { seed, sqlite, store: createDesktopStore(sqlite.database), offs: [] };
    entry.running = running;
    await startClient(entry, running);
  };

  const stopRunning = async (running: Running) => {
    for (const off of running.offs.splice(0)) off();
    if (running.client !== undefined) {
      await running.client.stop().catch(() => undefined);
      running.client = undefined;
    }
  };

  const nextId = (): string => {
    for (let n = 1; ; n++) {
      const id = `a${n}`;
      if (!entries.has(id) && !existsSync(join(accountsDir, id))) return id;
    }
  };

  const add = async (
    seed: Uint8Array,
    options: { displayName?: string; passphrase?: string },
  ): Promise<AccountEntry> => {
    const identity = crypto.identityFromSeed(seed);
    const sessionId = identity.sessionId;
    crypto.wipeIdentity(identity);
    for (const other of entries.values()) {
      if (other.meta.sessionId === sessionId) {
        throw new AccountExistsError(`this account is already here (${other.id})`, {
          status: 409,
        });
      }
    }
    const id = nextId();
    const dir = join(accountsDir, id);
    ensurePrivateDirectory(dir);
    try {
      writeSeedFile(crypto, join(dir, 'seed.json'), seed, options.passphrase, init.seedLimits);
      const meta: AccountMeta = {
        version: 1,
        sessionId,
        createdAt: clock.now(),
        phraseConfirmed: false,
      };
      if (options.displayName !== undefined) meta.displayName = options.displayName;
      const seedFile = readSeedFile(join(dir, 'seed.json')) as SeedFile;
      const entry: AccountEntry = { id, dir, meta, seedFile };
      writeMeta(entry);
      entries.set(id, entry);
      await open(entry, seed);
      announceAccounts();
      return entry;
    } catch (error) {
      entries.delete(id);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  };

  const conversationDisplayName = (last: StoredMessage | undefined) =>
    last?.direction === 'incoming' ? last.displayName : undefined;

  const deleteMessage = async (
    accountId: string,
    running: Running,
    messageId: string,
    conversationId: string,
  ) => {
    await running.sqlite.deleteMessage(messageId);
    await running.sqlite.deleteOutboxEntry(messageId);
    running.store.forget(messageId);
    emit({ type: 'message-deleted', account: accountId, id: messageId, conversationId });
  };

  const manager: AccountManager = {
    get networkConfig() {
      return network;
    },

    list: () => [...entries.values()].map(summary),

    async create(options) {
      const identity = crypto.generateIdentity();
      const seed = identity.seed.slice();
      crypto.wipeIdentity(identity);
      const phrase = crypto.phraseFromSeed(seed);
      const entry = await add(seed, options);
      return { account: summary(entry), phrase };
    },

    async restore(options) {
      // Checked before anything is written: a bad phrase leaves no trace.
      const seed = crypto.seedFromPhrase(options.phrase);
      const entry = await add(seed, options);
      // A restored account knows its phrase: nothing to confirm.
      entry.meta.phraseConfirmed = true;
      writeMeta(entry);
      announceAccounts();
      return summary(entry);
    },

    async unlock(id, passphrase) {
      const entry = entryOf(id);
      if (entry.running !== undefined) return summary(entry);
      const seed = openSeedFile(crypto, entry.seedFile, passphrase);
      await open(entry, seed);
      announceAccounts();
      return summary(entry);
    },

    confirmPhrase(id, words) {
      const entry = entryOf(id);
      const running = runningOf(id);
      const phrase = crypto.phraseFromSeed(running.seed).split(' ');
      const positions = new Set(words.map((item) => item.position));
      if (positions.size !== words.length) {
        throw new InvalidInputError('each position may be given once', {
          details: { field: 'words' },
        });
      }
      for (const { position, word } of words) {
        if (position > phrase.length) {
          throw new InvalidInputError(`the phrase has ${phrase.length} words`, {
            details: { field: 'words' },
          });
        }
        if (phrase[position - 1] !== word.trim().toLowerCase()) {
          throw phraseMismatch(position);
        }
      }
      entry.meta.phraseConfirmed = true;
      writeMeta(entry);
      announceAccounts();
      return summary(entry);
    },

    revealPhrase(id, passphrase) {
      const entry = entryOf(id);
      const running = runningOf(id);
      if (entry.seedFile.sealed) {
        // Re-check the passphrase: an open UI tab alone must not reveal the phrase.
        const seed = openSeedFile(crypto, entry.seedFile, passphrase);
        crypto.wipe(seed);
      }
      return crypto.phraseFromSeed(running.seed);
    },

    async setDisplayName(id, name) {
      const entry = entryOf(id);
      const running = runningOf(id);
      if (running.client !== undefined) await running.client.account.setDisplayName(name);
      else {
        entry.meta.displayName = name;
        writeMeta(entry);
      }
      announceAccounts();
      return summary(entry);
    },

    async conversations(id) {
      const running = runningOf(id);
      const client = clientOf(id);
      const [list, contacts] = await Promise.all([
        client.conversations.list(),
        client.contacts.list(),
      ]);
      const seen = new Set<string>();
      const out: ConversationSummary[] = [];
      for (const conversation of list) {
        seen.add(conversation.sessionId);
        const item: ConversationSummary = {
          sessionId: conversation.sessionId,
          lastMessage: view(running.store, conversation.lastMessage),
          unreadCount: conversation.unreadCount,
          disappearing: running.store.getDisappearing(conversation.sessionId),
        };
        if (conversation.nickname !== undefined) item.nickname = conversation.nickname;
        const name = conversationDisplayName(conversation.lastMessage);
        if (name !== undefined) item.displayName = name;
        out.push(item);
      }
      for (const contact of contacts.sort((a, b) => b.createdAt - a.createdAt)) {
        if (seen.has(contact.sessionId)) continue;
        const item: ConversationSummary = {
          sessionId: contact.sessionId,
          unreadCount: 0,
          disappearing: running.store.getDisappearing(contact.sessionId),
        };
        if (contact.nickname !== undefined) item.nickname = contact.nickname;
        out.push(item);
      }
      return out;
    },

    async history(id, sessionId, options) {
      const running = runningOf(id);
      const client = clientOf(id);
      const limit = options.limit ?? 50;
      if (
        options.before !== undefined &&
        (await running.sqlite.getMessage(options.before)) === undefined
      ) {
        throw new NotFoundError(
          'no message with this ID: `before` must be a message of this conversation',
          {
            details: { field: 'before' },
          },
        );
      }
      const page = await client.conversations.history(checkId(sessionId), {
        limit: limit + 1,
        ...(options.before === undefined ? {} : { before: options.before }),
      });
      const now = clock.now();
      const messages: MessageView[] = [];
      for (const message of page.slice(0, limit)) {
        const item = view(running.store, message);
        if (item.expiresAt !== undefined && item.expiresAt <= now) continue;
        messages.push(item);
      }
      return { messages, more: page.length > limit };
    },

    async send(id, sessionId, text) {
      const running = runningOf(id);
      const client = clientOf(id);
      const to = checkId(sessionId);
      const setting = running.store.getDisappearing(to);
      // The timer goes in the message (the recipient's copy disappears too); an after-send one
      // is also the swarm TTL (the client derives it).
      const sent = await client.sendMessage(
        to,
        text,
        setting.mode === 'off'
          ? {}
          : { disappearing: { mode: setting.mode, seconds: setting.seconds } },
      );
      if (setting.mode !== 'off') {
        running.store.setExpiry({
          messageId: sent.id,
          conversationId: to,
          expiresAt: sent.sentAt + setting.seconds * 1000,
        });
      }
      const stored = await running.sqlite.getMessage(sent.id);
      if (stored === undefined) throw new NotFoundError('the message vanished before it was shown');
      emit({ type: 'conversations', account: id });
      return view(running.store, stored);
    },

    async retry(id, messageId) {
      const running = runningOf(id);
      const client = clientOf(id);
      const stored = await running.sqlite.getMessage(messageId);
      if (stored === undefined || stored.direction !== 'outgoing') {
        throw new NotFoundError('no outgoing message with this ID', { details: { field: 'id' } });
      }
      if (!(await client.retryMessage(messageId))) {
        throw new InvalidInputError('only a failed message can be retried', {
          details: { field: 'id', state: stored.state },
        });
      }
      return view(running.store, (await running.sqlite.getMessage(messageId)) ?? stored);
    },

    async editLocal(id, messageId, text) {
      const running = runningOf(id);
      const stored = await running.sqlite.getMessage(messageId);
      if (stored === undefined) {
        throw new NotFoundError('no message with this ID', { details: { field: 'id' } });
      }
      running.store.setEdit(messageId, { text, editedAt: clock.now() });
      const edited = view(running.store, stored);
      emit({ type: 'message-edited', account: id, message: edited });
      return edited;
    },

    async markRead(id, sessionId) {
      const running = runningOf(id);
      const client = clientOf(id);
      const to = checkId(sessionId);
      const changed = await client.conversations.markRead(to);
      running.store.startReadTimers(to, clock.now());
      if (changed > 0) emit({ type: 'conversations', account: id });
      return changed;
    },

    async addContact(id, sessionId, nickname) {
      const client = clientOf(id);
      const key = checkId(sessionId.trim().toLowerCase());
      if (key === client.sessionId) {
        throw new InvalidInputError('this is your own Session ID', {
          details: { field: 'sessionId' },
        });
      }
      const contact = await client.contacts.add(key, nickname === undefined ? {} : { nickname });
      emit({ type: 'conversations', account: id });
      return contact.nickname === undefined
        ? { sessionId: contact.sessionId, createdAt: contact.createdAt }
        : {
            sessionId: contact.sessionId,
            nickname: contact.nickname,
            createdAt: contact.createdAt,
          };
    },

    async setNickname(id, sessionId, nickname) {
      const client = clientOf(id);
      const key = checkId(sessionId);
      if ((await client.contacts.get(key)) === undefined) await client.contacts.add(key);
      const contact = await client.contacts.rename(key, nickname ?? undefined);
      emit({ type: 'conversations', account: id });
      return contact.nickname === undefined
        ? { sessionId: contact.sessionId, createdAt: contact.createdAt }
        : {
            sessionId: contact.sessionId,
            nickname: contact.nickname,
            createdAt: contact.createdAt,
          };
    },

    async setDisappearing(id, sessionId, setting) {
      const running = runningOf(id);
      const checked = checkDisappearing(setting, init.devTimers);
      const to = checkId(sessionId);
      running.store.setDisappearing(to, checked);
      // Announced to the contact, whose conversation follows (queued in the durable outbox;
      // without a network it waits there like a message).
      await running.client?.sendTimerUpdate(
        to,
        checked.mode === 'off' ? null : { mode: checked.mode, seconds: checked.seconds },
      );
      emit({ type: 'conversations', account: id });
      return checked;
    },

    async network(id) {
      const entry = entryOf(id);
      const running = runningOf(id);
      const client = running.client;
      // The client's times are on its own clock, the system's (it is given none).
      const now = Date.now();
      const out: NetworkView = {
        now,
        seeds: network?.seeds ?? [],
        health: client === undefined ? null : healthView(client.health()),
        paths:
          client === undefined
            ? []
            : client.paths().map((path) => ({
                ...path,
                ageMs: Math.max(0, now - path.builtAt),
              })),
        swarm: null,
      };
      if (network === undefined) {
        out.swarmError = 'no network is configured';
        return out;
      }
      try {
        const { nodes } = await fetchSeedNodes(
          { url: network.seeds[0] as string, timeoutMs: 10_000 },
          { fetch: components.fetch },
        );
        const swarmIds = [
          ...new Set(nodes.flatMap((node) => (node.swarmId === undefined ? [] : [node.swarmId]))),
        ];
        if (swarmIds.length === 0) {
          out.swarmError = 'the seed lists no swarms';
          return out;
        }
        const ids = swarmIds.map((hex) => swarmIdFromHex(hex));
        const mine = swarmIdToHex(swarmForPubkey(ids, entry.meta.sessionId));
        out.swarm = {
          id: mine,
          members: nodes
            .filter(
              (node) =>
                node.swarmId !== undefined && swarmIdToHex(swarmIdFromHex(node.swarmId)) === mine,
            )
            .map((node) => ({ ed25519: node.ed25519, ip: node.ip, port: node.port })),
        };
      } catch (error) {
        out.swarmError = `the seed did not answer: ${(error as Error).message}`;
      }
      return out;
    },

    async rebuildPaths(id) {
      const entry = entryOf(id);
      const running = runningOf(id);
      if (running.client === undefined) throw networkMissing();
      // A fresh client object on the same storage rebuilds its paths from the node list.
      await stopRunning(running);
      await running.sqlite.deleteValue('murmur:onion:paths');
      await startClient(entry, running);
    },

    async setNetwork(next) {
      network = next;
      for (const entry of entries.values()) {
        const running = entry.running;
        if (running === undefined) continue;
        await stopRunning(running);
        await running.sqlite.deleteValue('murmur:onion:paths');
        await startClient(entry, running);
      }
    },

    async sweep() {
      const now = clock.now();
      let deleted = 0;
      for (const entry of entries.values()) {
        const running = entry.running;
        if (running === undefined) continue;
        for (const expiry of running.store.dueExpiries(now)) {
          await deleteMessage(entry.id, running, expiry.messageId, expiry.conversationId);
          deleted++;
        }
      }
      return deleted;
    },

    counts() {
      let unlocked = 0;
      for (const entry of entries.values()) if (entry.running !== undefined) unlocked++;
      return { accounts: entries.size, unlocked };
    },

    outboxPending() {
      let pending = 0;
      for (const entry of entries.values()) {
        if (entry.running?.client !== undefined)
          pending += entry.running.client.health().outboxPending;
      }
      return pending;
    },

    async openAll(passphrase) {
      for (const entry of entries.values()) {
        if (entry.running !== undefined) continue;
        if (entry.seedFile.sealed) {
          if (passphrase === undefined) continue;
          const seed = entry.seedFile.sealed
            ? crypto.openWithPassphrase(
                new Uint8Array(Buffer.from(entry.seedFile.box, 'base64')),
                passphrase,
              )
            : undefined;
          if (seed === undefined) {
            logger.warn(
              { account: entry.id },
              'desktop: the passphrase does not open this account',
            );
            continue;
          }
          await open(entry, seed);
        } else {
          await open(entry, openSeedFile(crypto, entry.seedFile, undefined));
        }
      }
    },

    async close() {
      for (const entry of entries.values()) {
        const running = entry.running;
        if (running === undefined) continue;
        await stopRunning(running);
        await running.sqlite.close();
        crypto.wipe(running.seed);
        delete entry.running;
      }
    },
  };

  return manager;
}

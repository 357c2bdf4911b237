/**
 * @packageDocumentation
 * `@murmur/client`: the Murmur client SDK. One object holds an account, its contacts and
 * conversations, and sends and receives Session-compatible one-to-one messages through onion
 * paths, with what Session users asked for built in:
 *
 * - **network time** estimated from the nodes' answers: nothing is signed with a wrong clock,
 *   and a 406/425 answer resynchronises and retries instead of failing;
 * - **onion paths** that rebuild themselves and bootstrap again from the seeds (or the ledger)
 *   when the persisted state is stale or corrupted;
 * - a **durable outbox**: a message is encrypted once, kept in the storage with its state, and
 *   retried with backoff on fresh paths and other swarm members, across restarts, up to a
 *   bound that ends in a clear `DeliveryFailedError`;
 * - **polling that never silently stops**: last hash per namespace, catch-up after sleep or
 *   reconnect, a watchdog for stuck rounds, and a push-source interface for relay circuits;
 * - bounded caches and timers all stopped by `stop()`.
 *
 * Storage is a component: `createMemoryStorage()` here, `createSqliteStorage()` from
 * `@murmur/client/sqlite` on Node.
 *
 * @example
 * ```ts
 * import { loadCrypto } from '@murmur/crypto';
 * import { createClient } from '@murmur/client';
 * import { createSqliteStorage } from '@murmur/client/sqlite';
 *
 * const client = createClient(
 *   { seeds: ['http://127.0.0.1:38157/json_rpc'] },
 *   { crypto: await loadCrypto(), storage: createSqliteStorage({ path: 'alice.db' }) },
 * );
 * if ((await client.account.get()) === undefined) {
 *   const { sessionId, phrase } = await client.account.create({ displayName: 'Alice' });
 *   console.log(sessionId, phrase); // show the phrase once
 * }
 * client.on('message', (message) => console.log(message.from, message.text));
 * await client.start();
 * const { id } = await client.sendMessage(bobSessionId, 'hello');
 * await client.waitForDelivery(id, { signal: AbortSignal.timeout(60_000) });
 * await client.stop();
 * ```
 */
export type { AccountApi, AccountInfo, AccountOptions } from './account.js';
export type {
  CircuitPushEvent,
  CircuitPushInit,
} from './circuit-push/circuit-push-source.js';
export type { ClientPushInit } from './circuit-push/client-push.js';
export type {
  WebSocketFactory,
  WebSocketLike,
} from './circuit-push/websocket-link.js';
export {
  type ClientComponents,
  type ClientInit,
  createClient,
  DEFAULT_POLL_INTERVAL_MS,
  type MurmurClient,
  type OnionPathInfo,
  type SendOptions,
  type SendResult,
  type TimeInit,
  type TimerUpdateResult,
} from './client.js';
export type { ContactsApi } from './contacts.js';
export {
  type DecodedContent,
  type ExpirationMode,
  type MessageExpiration,
  type OpenedMessage,
  type SealedMessage,
  sealTextMessage,
  type TextContent,
} from './content.js';
export type { Conversation, ConversationsApi, HistoryOptions } from './conversations.js';
export {
  AccountExistsError,
  AccountMissingError,
  DeliveryFailedError,
  type DeliveryFailureReason,
  NotSyncedError,
} from './errors.js';
export type {
  ClientErrorEvent,
  ClientErrorSource,
  ClientEvents,
  ClientHealth,
  DeliveryPath,
  DisappearingUpdateEvent,
  HealthSummary,
  IncomingMessage,
  Listener,
  MessageStateEvent,
  OutgoingState,
  PollerState,
  SecuringState,
  TimeSyncEvent,
} from './events.js';
export type { NetworkTimeInit } from './network-time.js';
export type { DeliveredMessage, OutboxInit } from './outbox.js';
export {
  type AccountKeyStore,
  createMemoryAccountKeyStore,
  type StoredAccountSeed,
} from './pfs/account-key-store.js';
export {
  type AccountKeysManager,
  type AccountKeysManagerInit,
  createAccountKeysManager,
} from './pfs/account-keys-manager.js';
export type { PfsApi, PfsInit } from './pfs/client-pfs.js';
export {
  type BundleFetcher,
  createPeerKeyCache,
  decideSend,
  fetchPeerKeys,
  type PeerKeyCache,
  type PeerKeysEntry,
  type PeerKeysFetch,
  type PeerKeysState,
  type SendDecision,
  type SendSettings,
} from './pfs/peer-keys.js';
export {
  createPeerKeysService,
  type PeerKeysService,
  type PeerKeysServiceInit,
} from './pfs/peer-keys-service.js';
export { publishAccountBundle, swarmBundleFetchers } from './pfs/pfs-network.js';
export {
  type OpenedAnyMessage,
  openAnyStoredMessage,
  sealTextMessageV2,
  type V2Seal,
} from './pfs/v2-content.js';
export type { PushBatch, PushSource, PushStartOptions } from './push.js';
export { createMemoryStorage, type MemoryStorage } from './storage/memory.js';
export type {
  ClientStorage,
  Contact,
  ConversationRecord,
  HeldContent,
  HistoryQuery,
  MessageDirection,
  OutboxEntry,
  OutgoingMessageState,
  SeenHash,
  StoredAccount,
  StoredMessage,
} from './storage/types.js';
export type { SwarmCacheInit } from './swarm-cache.js';
export type { WatchdogInit } from './watchdog.js';

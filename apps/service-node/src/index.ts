/**
 * @packageDocumentation
 * `@murmur/service-node` (`murmur-node`): the Murmur service node. It stores messages for the
 * accounts of its swarm (SQLite), serves Session's storage RPC (`POST /storage_rpc/v1`), peels
 * onion layers (`POST /onion_req/v2`), follows the staking ledger to know its swarm, and sends
 * uptime proofs.
 *
 * It also links to the other members of its swarm over authenticated, encrypted WebSocket peer
 * links (`/peer/v1` on the storage port), forwards every swarm-wide request to them, catches up
 * after downtime, pushes the swarm's messages to joining members, moves accounts when swarms
 * split or merge, and relays onion layers over those links.
 *
 * Exported (the surface embedders and the benchmarks use; everything else is internal): the
 * launcher ({@link startNode}) and its configuration, the node's keys, the message store, the
 * network view, the RPC dispatcher and the {@link SwarmReplicator} interface, the peer network,
 * the HTTP app, metrics, rate limiter and load shedder.
 *
 * @example
 * ```ts
 * import { createRpcDispatcher, localOnlyReplicator, openMessageStore } from '@murmur/service-node';
 *
 * const store = openMessageStore({ path: '/var/lib/murmur-node/storage.db' });
 * const dispatcher = createRpcDispatcher({ store, network, keys, crypto, clock, logger,
 *   replicator: localOnlyReplicator, hardfork: HARDFORK, version: STORAGE_SERVER_VERSION });
 * const { status, body } = await dispatcher.handleBody('{"method":"info","params":{}}');
 * ```
 */

export { KeyFileError } from '@murmur/registry/key-files';
export { buildApp, type MurmurNodeAppOptions } from './app.js';
export {
  type ConfigInputs,
  type NodeConfig,
  type ResolvedConfig,
  resolveConfig,
} from './config.js';
export { PeerLinkError, type PeerLinkFailure } from './errors.js';
export {
  createKeyFile,
  KEY_FILE_NAME,
  keyFilePath,
  loadKeyFile,
  type NodeKeys,
  nodeKeysFromSeed,
} from './keys.js';
export { createNodeMetrics, type NodeMetrics, type NodeMetricsInit } from './metrics.js';
export type { NetworkView } from './network/network-view.js';
export {
  createStaticNetworkView,
  type StaticNetworkInput,
  type StaticNetworkView,
  type StaticNodeInput,
} from './network/static-network.js';
export {
  type CryptoOffload,
  type CryptoOffloadInit,
  createCryptoOffload,
} from './offload/crypto-offload.js';
export { ProxyTargetRefused } from './onion/proxy.js';
export {
  createPeerNetwork,
  type PeerNetwork,
  type PeerNetworkComponents,
  type PeerNetworkInit,
} from './peers/peer-network.js';
export { createRateLimiter, type RateLimiter, type RateLimiterInit } from './rate-limit.js';
export { type Cancellable, DeadlineList, RequestScope } from './request-scope.js';
export type { RpcContext } from './rpc/context.js';
export {
  createRpcDispatcher,
  type RpcDispatcher,
  type RpcDispatcherInit,
} from './rpc/dispatcher.js';
export {
  buildRetrieveAnswer,
  type RetrieveAnswer,
  type RetrieveAnswerFields,
  type RetrievedMessage,
} from './rpc/methods/retrieve-answer.js';
export { localOnlyReplicator, type SwarmReplicator } from './rpc/replicator.js';
export {
  type RunningNode,
  type StartNodeComponents,
  softwareVersion,
  startNode,
} from './server.js';
export {
  createLoadShedder,
  type LoadShedder,
  type LoadShedderInit,
  type ShedReason,
} from './shedding.js';
export {
  type MessageStore,
  type MessageStoreComponents,
  type MessageStoreInit,
  type NewMessage,
  openMessageStore,
  type StoredMessage,
  type StoreOutcome,
  type SyncMode,
} from './storage/message-store.js';
export {
  createTlsCredentials,
  deriveTlsScalar,
  loadOrCreateTlsCredentials,
  TLS_CERT_FILE_NAME,
  type TlsCredentials,
} from './tls.js';

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
 * Exported: the launcher ({@link startNode}), the message store, the network view, the RPC
 * dispatcher and the {@link SwarmReplicator} interface, the peer network and protocol, and the
 * replication layer (replicator, swarm sync).
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
export * from './app.js';
export * from './config.js';
export * from './errors.js';
export * from './keys.js';
export * from './metrics.js';
export * from './network/network-view.js';
export * from './network/static-network.js';
export * from './network/swarm-json.js';
export * from './onion/address-check.js';
export * from './onion/forwarder.js';
export * from './onion/handler.js';
export * from './onion/proxy.js';
export * from './onion/types.js';
export * from './peers/peer-link.js';
export * from './peers/peer-network.js';
export * from './peers/protocol.js';
export * from './rate-limit.js';
export * from './replication/job-queue.js';
export * from './replication/peer-replicator.js';
export * from './replication/swarm-sync.js';
export * from './rpc/auth.js';
export * from './rpc/context.js';
export * from './rpc/dispatcher.js';
export * from './rpc/replicator.js';
export * from './server.js';
export * from './shedding.js';
export * from './storage/expiry-sweeper.js';
export * from './storage/message-store.js';
export * from './storage/schema.js';
export * from './tls.js';

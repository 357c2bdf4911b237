/**
 * @packageDocumentation
 * `@murmur/service-node` (`murmur-node`): the Murmur service node. It stores messages for the
 * accounts of its swarm (SQLite), serves Session's storage RPC (`POST /storage_rpc/v1`), peels
 * onion layers (`POST /onion_req/v2`), follows the staking ledger to know its swarm, and sends
 * uptime proofs.
 *
 * The modules exported here are what the replication layer builds on: the message store, the
 * network view, the RPC dispatcher and the {@link SwarmReplicator} interface.
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
export * from './rate-limit.js';
export * from './rpc/auth.js';
export * from './rpc/context.js';
export * from './rpc/dispatcher.js';
export * from './rpc/replicator.js';
export * from './shedding.js';
export * from './storage/expiry-sweeper.js';
export * from './storage/message-store.js';
export * from './storage/schema.js';

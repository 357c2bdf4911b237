/**
 * @packageDocumentation
 * `@murmur/wire`: the formats Murmur speaks on the wire, in one place: every constant and limit,
 * the namespace rules, TypeBox schemas for the request and response of every storage RPC method
 * (used by the node to check requests and by the client to check answers), the onion
 * combined-payload, onion v4 and bencode codecs, and the error model with the HTTP status
 * mapping.
 *
 * @example
 * ```ts
 * import {
 *   errorFromResponse,
 *   parseRequestParams,
 *   parseResponse,
 *   WrongSwarmError,
 * } from '@murmur/wire';
 *
 * // On a node: typed, normalised parameters or a 400 with a message a person can act on.
 * const params = parseRequestParams('retrieve', { pubkey, lastHash: '', maxSize: -5 });
 *
 * // On a client: check what the node answered, or map its status to an error.
 * const answer = response.ok
 *   ? parseResponse('retrieve', await response.text())
 *   : undefined;
 * if (!response.ok) {
 *   const error = errorFromResponse(response.status, await response.text());
 *   if (error instanceof WrongSwarmError) useSwarm(error.members);
 * }
 * ```
 */
export * from './bencode.js';
export * from './combined-payload.js';
export * from './components.js';
export * from './constants.js';
export * from './encoding.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './namespaces.js';
export * from './onion-v4.js';
export * from './rpc.js';
export * from './schema-check.js';
export * from './schemas/batch.js';
export * from './schemas/common.js';
export * from './schemas/delete.js';
export * from './schemas/delete-all.js';
export * from './schemas/delete-before.js';
export * from './schemas/envelope.js';
export * from './schemas/expire.js';
export * from './schemas/expire-all.js';
export * from './schemas/get-expiries.js';
export * from './schemas/get-swarm.js';
export * from './schemas/info.js';
export * from './schemas/onion.js';
export * from './schemas/oxend-request.js';
export * from './schemas/retrieve.js';
export * from './schemas/seed.js';
export * from './schemas/store.js';
export * from './schemas/subaccount.js';
export * from './service-nodes.js';
export * from './status.js';
export * from './validate.js';

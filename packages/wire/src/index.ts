/**
 * @packageDocumentation
 * `@murmur/wire`: the formats Murmur speaks on the wire, in one place: every constant and limit,
 * the namespace rules, TypeBox schemas for the request and response of every storage RPC method
 * (used by the node to check requests and by the client to check answers), the onion
 * combined-payload and bencode codecs, and the error model with the HTTP status mapping.
 *
 * @example
 * ```ts
 * import { bytesToHex, WrongSwarmError } from '@murmur/wire';
 *
 * try {
 *   await store(message);
 * } catch (error) {
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
export * from './namespaces.js';
export * from './onion-v4.js';
export * from './schema-check.js';

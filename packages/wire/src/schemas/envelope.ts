/**
 * The body of `POST /storage_rpc/v1` (and of the final layer of an onion request to a node):
 * `{"method": ..., "params": {...}}`. Session desktop adds `"jsonrpc": "2.0"`, which is accepted
 * and ignored, as is any other extra key.
 */
import Type, { type Static } from 'typebox';
import { OptionalNullable } from './common.js';

/** The storage RPC request body. `params` may be absent or `null` (read as `{}`). */
export const StorageRpcRequestSchema = Type.Object(
  {
    method: Type.String({ minLength: 1, description: 'a method name' }),
    params: OptionalNullable(Type.Object({}, { description: 'an object of parameters' })),
    jsonrpc: Type.Optional(Type.String()),
  },
  { description: 'a JSON object {"method": ..., "params": {...}}' },
);

/** A storage RPC request body as it may arrive. */
export type StorageRpcRequestInput = Static<typeof StorageRpcRequestSchema>;

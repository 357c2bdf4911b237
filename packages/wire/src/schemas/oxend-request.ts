/**
 * `oxend_request`: Session clients refresh their node pool by asking nodes for the node list
 * through this method (endpoint `get_service_nodes`). Murmur answers it from its registry.
 */
import Type, { type Static } from 'typebox';
import { NetworkFields, OptionalNullable } from './common.js';
import { type ServiceNodesQuery, ServiceNodesResultSchema } from './seed.js';

/** What an `oxend_request` carries: the endpoint and its parameters. */
export const OxendRequestParamsSchema = Type.Object(
  {
    endpoint: Type.Union([Type.Literal('get_service_nodes'), Type.Literal('ons_resolve')], {
      description: '"get_service_nodes" or "ons_resolve"',
    }),
    params: OptionalNullable(Type.Object({}, { description: 'an object of parameters' })),
  },
  { description: 'an object of oxend_request parameters' },
);

/** `oxend_request` parameters as they may arrive. */
export type OxendRequestParamsInput = Static<typeof OxendRequestParamsSchema>;

/** `oxend_request` parameters after normalisation. */
export type OxendRequestParams =
  | { endpoint: 'get_service_nodes'; params: ServiceNodesQuery }
  | { endpoint: 'ons_resolve'; params: Record<string, unknown> };

/**
 * oxend's `ons_resolve` result: `encrypted_value` (and `nonce`) for a known name, nothing for
 * an unknown one (oxen-core `rpc/core_rpc_server.cpp`; desktop's `onsResolve.ts` reads a result
 * without `encrypted_value` as "not found").
 */
export const OnsResolveResultSchema = Type.Object({
  encrypted_value: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2})*$' })),
  nonce: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2})*$' })),
});

/** The answer to `oxend_request`: oxend's result in Session's `{"result"}`, plus `t` and `hf`. */
export const OxendRequestResponseSchema = Type.Object({
  result: Type.Union([ServiceNodesResultSchema, OnsResolveResultSchema]),
  ...NetworkFields,
});

/** The answer to `oxend_request` `get_service_nodes`. */
export type OxendRequestResponse = Static<typeof OxendRequestResponseSchema>;

/**
 * `active_nodes_bin` (session-android's `ListSnodeApi`): takes the node-list parameters Android
 * sends (`active_only`, `fields`; all ignored: every active node is listed).
 */
export const ActiveNodesBinParamsSchema = Type.Object(
  {},
  { description: 'an object (active_nodes_bin parameters are ignored)' },
);

/** The answer to `active_nodes_bin`: a JSON string, base64 of the 51-byte node records. */
export const ActiveNodesBinResponseSchema = Type.String({
  pattern: '^[A-Za-z0-9+/]*={0,2}$',
  description: 'base64 of 51-byte records',
});

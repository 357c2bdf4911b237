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

/** The answer to `oxend_request` `get_service_nodes`: oxend's result, plus `t` and `hf`. */
export const OxendRequestResponseSchema = Type.Object({
  result: ServiceNodesResultSchema,
  ...NetworkFields,
});

/** The answer to `oxend_request` `get_service_nodes`. */
export type OxendRequestResponse = Static<typeof OxendRequestResponseSchema>;

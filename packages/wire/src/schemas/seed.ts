/**
 * The seed endpoint (`POST /json_rpc`): the node list clients bootstrap from, in oxend's
 * JSON-RPC form (`get_n_service_nodes`, `get_service_nodes`). Its answers must have the content
 * type exactly `application/json` (`SEED_RESPONSE_CONTENT_TYPE`).
 */
import Type, { type Static } from 'typebox';
import {
  Ed25519PubkeySchema,
  Ipv4Schema,
  OptionalNullable,
  PortSchema,
  SwarmIdHexSchema,
  X25519PubkeySchema,
} from './common.js';

/** The node-list methods a seed (or `oxend_request`) answers. */
export const SeedMethodSchema = Type.Union(
  [Type.Literal('get_n_service_nodes'), Type.Literal('get_service_nodes')],
  { description: '"get_n_service_nodes" or "get_service_nodes"' },
);

/** Which nodes and fields a node-list request asks for. All optional. */
export const ServiceNodesQuerySchema = Type.Object(
  {
    active_only: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
    limit: OptionalNullable(
      Type.Integer({ minimum: 0, description: 'a non-negative integer (0 for all nodes)' }),
    ),
    fields: OptionalNullable(
      Type.Record(Type.String({ pattern: '^[a-z0-9_]{1,64}$' }), Type.Boolean(), {
        additionalProperties: false,
        description: 'an object mapping field names to true',
      }),
    ),
  },
  { description: 'an object of node-list parameters' },
);

/** Node-list parameters as they may arrive. */
export type ServiceNodesQueryInput = Static<typeof ServiceNodesQuerySchema>;

/** Node-list parameters after normalisation. */
export interface ServiceNodesQuery {
  /** Only nodes that are active (not decommissioned). Default false, as oxend's. */
  active_only: boolean;
  /** At most this many nodes, picked at random (absent or 0: all). */
  limit?: number;
  /** The fields to include, when the request selected some; absent: all fields. */
  fields?: string[];
}

/** A JSON-RPC request to a seed: `{jsonrpc?, id?, method, params?}`. */
export const SeedRequestSchema = Type.Object(
  {
    jsonrpc: Type.Optional(Type.String()),
    id: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
    method: SeedMethodSchema,
    params: OptionalNullable(ServiceNodesQuerySchema),
  },
  { description: 'a JSON-RPC object {"method": "get_n_service_nodes", "params": {...}}' },
);

/** A seed request as it may arrive. */
export type SeedRequestInput = Static<typeof SeedRequestSchema>;

/**
 * One node in a node list. Every field is optional because `fields` selects which ones are
 * sent. `relay_port` and `swarm_id` (hex, unlike oxend's number) are Murmur's additions.
 */
export const ServiceNodeStateSchema = Type.Object(
  {
    public_ip: Type.Optional(Ipv4Schema),
    storage_port: Type.Optional(PortSchema),
    pubkey_x25519: Type.Optional(X25519PubkeySchema),
    pubkey_ed25519: Type.Optional(Ed25519PubkeySchema),
    requested_unlock_height: Type.Optional(Type.Integer({ minimum: 0 })),
    relay_port: Type.Optional(PortSchema),
    swarm_id: Type.Optional(SwarmIdHexSchema),
  },
  { description: 'a service node state object' },
);

/** One node in a node list. */
export type ServiceNodeState = Static<typeof ServiceNodeStateSchema>;

/** The names of every field a node list can carry, in schema order. */
export const SERVICE_NODE_STATE_FIELDS: readonly (keyof ServiceNodeState)[] = Object.freeze(
  Object.keys(ServiceNodeStateSchema.properties) as (keyof ServiceNodeState)[],
);

/** The `result` of a node-list call: the nodes and the ledger height. */
export const ServiceNodesResultSchema = Type.Object({
  service_node_states: Type.Array(ServiceNodeStateSchema),
  height: Type.Integer({ minimum: 0 }),
});

/** The `result` of a node-list call. */
export type ServiceNodesResult = Static<typeof ServiceNodesResultSchema>;

/** A seed's answer: `{jsonrpc?, id?, result: {service_node_states, height}}`. */
export const SeedResponseSchema = Type.Object({
  jsonrpc: Type.Optional(Type.String()),
  id: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
  result: ServiceNodesResultSchema,
});

/** A seed's answer. */
export type SeedResponse = Static<typeof SeedResponseSchema>;

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

const FieldNameSchema = Type.String({ pattern: '^[a-z0-9_]{1,64}$' });

/**
 * Which nodes and fields a node-list request asks for, as oxend reads them (oxen-core
 * `rpc/core_rpc_server_command_parser.cpp` `parse_request(GET_SERVICE_NODES&)`). All optional.
 * `fields` is a list of names (what Android sends) or the older `{name: true}` object (desktop);
 * `"all"` asks for every field. `limit`: absent or 0 for every node, N for N random nodes, a
 * negative number for every node shuffled.
 */
export const ServiceNodesQuerySchema = Type.Object(
  {
    active_only: OptionalNullable(Type.Boolean({ description: 'a boolean' })),
    limit: OptionalNullable(
      Type.Integer({ description: 'an integer (0: all nodes; negative: all, shuffled)' }),
    ),
    fields: OptionalNullable(
      Type.Union(
        [
          Type.Array(FieldNameSchema, { maxItems: 64 }),
          Type.Record(FieldNameSchema, Type.Boolean(), { additionalProperties: false }),
        ],
        { description: 'a list of field names, or an object mapping field names to true' },
      ),
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
  /** At most this many nodes, picked at random (absent: all, in order; -1: all, shuffled). */
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
 * One node in a node list, with oxend's field names (oxen-core `rpc/core_rpc_server.cpp`
 * `fill_sn_response_entry`). Every field is optional because `fields` selects which ones are
 * sent. `swarm_id` is oxend's number and `swarm` its hex form; `storage_lmq_port` is 0 on Murmur
 * nodes (no QUIC/OMQ endpoint); `relay_port` is Murmur's addition. Older Murmur seeds sent
 * `swarm_id` in hex: still read.
 */
export const ServiceNodeStateSchema = Type.Object(
  {
    service_node_pubkey: Type.Optional(Ed25519PubkeySchema),
    public_ip: Type.Optional(Ipv4Schema),
    storage_port: Type.Optional(PortSchema),
    storage_lmq_port: Type.Optional(PortSchema),
    pubkey_x25519: Type.Optional(X25519PubkeySchema),
    pubkey_ed25519: Type.Optional(Ed25519PubkeySchema),
    requested_unlock_height: Type.Optional(Type.Integer({ minimum: 0 })),
    active: Type.Optional(Type.Boolean()),
    funded: Type.Optional(Type.Boolean()),
    swarm_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), SwarmIdHexSchema], {
        description: 'a 64-bit swarm ID (a number, or hex from older Murmur seeds)',
      }),
    ),
    swarm: Type.Optional(SwarmIdHexSchema),
    storage_server_version: Type.Optional(
      Type.Array(Type.Integer({ minimum: 0, maximum: 255 }), { minItems: 1, maxItems: 3 }),
    ),
    relay_port: Type.Optional(PortSchema),
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

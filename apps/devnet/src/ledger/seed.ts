/**
 * The Session-style seed endpoint, `POST /json_rpc`, which clients bootstrap their node list
 * from: `get_n_service_nodes` and `get_service_nodes` with `active_only`, `limit` and `fields`,
 * answered as `@murmur/wire`'s seed schema defines (Session's fields plus Murmur's `relay_port`
 * and `swarm_id`).
 *
 * What real clients need (PROTOCOL.md): the request comes without a Content-Type, so any (or
 * none) is accepted and the body is parsed here, never answered with 415; the answer's content
 * type is exactly `application/json`.
 *
 * Errors follow oxend's JSON-RPC server (oxen-core `src/rpc/http_server.cpp`): HTTP 200 with a
 * JSON-RPC error object — `-32700 Parse error` (not JSON), `-32600 Invalid Request` (no method),
 * `-32601 Method not found`, `-32602 Invalid params` (the detail in `error.data`).
 *
 * Nodes that have not sent an uptime proof have no address yet: like oxend they are listed
 * (unless `active_only` leaves them out) with `public_ip` `0.0.0.0` and port 0, which clients
 * drop. Decommissioned and unfunded nodes carry the unassigned swarm ID `ffffffffffffffff`.
 */
import { randomInt } from 'node:crypto';
import { listNodes, type RegistryState, type ServiceNodeRecord } from '@murmur/registry';
import { swarmIdToHex } from '@murmur/swarm';
import {
  MurmurError,
  parseSeedRequest,
  SEED_RESPONSE_CONTENT_TYPE,
  type ServiceNodeState,
  type ServiceNodesQuery,
} from '@murmur/wire';
import type { FastifyInstance } from 'fastify';

/** The methods the seed endpoint answers. */
export const SEED_METHODS: readonly string[] = Object.freeze([
  'get_n_service_nodes',
  'get_service_nodes',
]);

/** JSON-RPC error codes (as oxend uses them). */
export const JSON_RPC_ERRORS = Object.freeze({
  parseError: { code: -32700, message: 'Parse error' },
  invalidRequest: { code: -32600, message: 'Invalid Request' },
  methodNotFound: { code: -32601, message: 'Method not found' },
  invalidParams: { code: -32602, message: 'Invalid params' },
});

type JsonRpcId = string | number | null;

/** A JSON-RPC answer of the seed endpoint. */
export type SeedAnswer =
  | {
      jsonrpc: '2.0';
      id: JsonRpcId;
      result: { service_node_states: ServiceNodeState[]; height: number };
    }
  | {
      jsonrpc: '2.0';
      id: JsonRpcId;
      error: { code: number; message: string; data?: string };
    };

/** A node as the seed endpoint lists it, every field present. */
export function seedNodeState(node: ServiceNodeRecord): Required<ServiceNodeState> {
  return {
    public_ip: node.ip ?? '0.0.0.0',
    storage_port: node.storagePort ?? 0,
    pubkey_x25519: node.x25519,
    pubkey_ed25519: node.ed25519,
    requested_unlock_height: node.requestedUnlockHeight,
    relay_port: node.relayPort ?? 0,
    swarm_id: swarmIdToHex(node.swarmId),
  };
}

/**
 * The `result` of a node-list call on `state`: active nodes only when `active_only`, else every
 * registered node; `limit` picks that many at random; `fields` keeps only the named fields.
 */
export function serviceNodesResult(
  state: RegistryState,
  query: ServiceNodesQuery,
  random: (bound: number) => number = randomInt,
): { service_node_states: ServiceNodeState[]; height: number } {
  let nodes = query.active_only ? listNodes(state, { status: 'active' }) : listNodes(state);
  if (query.limit !== undefined && query.limit < nodes.length) {
    // Partial Fisher–Yates: the first `limit` entries become a uniform random sample.
    nodes = [...nodes];
    for (let i = 0; i < query.limit; i++) {
      const j = i + random(nodes.length - i);
      [nodes[i], nodes[j]] = [nodes[j] as ServiceNodeRecord, nodes[i] as ServiceNodeRecord];
    }
    nodes = nodes.slice(0, query.limit);
  }
  const wanted = query.fields === undefined ? undefined : new Set(query.fields);
  const states = nodes.map((node) => {
    const full = seedNodeState(node);
    if (wanted === undefined) return full;
    const picked: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(full)) if (wanted.has(key)) picked[key] = value;
    return picked as ServiceNodeState;
  });
  return { service_node_states: states, height: state.height };
}

function readId(value: unknown): JsonRpcId {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const { id } = value as { id: unknown };
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

function rpcError(
  id: JsonRpcId,
  error: { code: number; message: string },
  data?: string,
): SeedAnswer {
  return {
    jsonrpc: '2.0',
    id,
    error: data === undefined ? { ...error } : { ...error, data },
  };
}

/** Answers one seed request body (raw bytes or text, any content type) on `state`. */
export function answerSeedRequest(
  body: Uint8Array | string | undefined,
  state: RegistryState,
  random?: (bound: number) => number,
): SeedAnswer {
  let value: unknown;
  try {
    const text = typeof body === 'string' ? body : Buffer.from(body ?? []).toString('utf8');
    value = JSON.parse(text);
  } catch {
    return rpcError(null, JSON_RPC_ERRORS.parseError);
  }
  const id = readId(value);
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    typeof (value as { method?: unknown }).method !== 'string'
  ) {
    return rpcError(id, JSON_RPC_ERRORS.invalidRequest);
  }
  if (!SEED_METHODS.includes((value as { method: string }).method)) {
    return rpcError(id, JSON_RPC_ERRORS.methodNotFound);
  }
  let query: ServiceNodesQuery;
  try {
    query = parseSeedRequest(value).query;
  } catch (error) {
    const detail = MurmurError.isInstance(error) ? error.message : 'the parameters are not valid';
    return rpcError(id, JSON_RPC_ERRORS.invalidParams, detail);
  }
  return { jsonrpc: '2.0', id, result: serviceNodesResult(state, query, random) };
}

/** Options of {@link registerSeedRoute}. */
export interface SeedRouteOptions {
  /** The state to list (read at each request). */
  state: () => RegistryState;
  /** Largest request body, bytes. */
  bodyLimit: number;
}

/**
 * Registers `POST /json_rpc` on `app`, in its own encapsulated context whose only body parser
 * takes any content type (or none) as raw bytes.
 */
export async function registerSeedRoute(
  app: FastifyInstance,
  options: SeedRouteOptions,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.bodyLimit },
      (_request, body, done) => done(null, body),
    );
    scope.post('/json_rpc', async (request, reply) => {
      const answer = answerSeedRequest(
        request.body as Buffer | undefined,
        options.state(),
        undefined,
      );
      // Bytes skip fastify's serialiser and its `; charset=utf-8`: clients compare this exactly.
      return reply
        .code(200)
        .header('content-type', SEED_RESPONSE_CONTENT_TYPE)
        .send(Buffer.from(JSON.stringify(answer), 'utf8'));
    });
  });
}

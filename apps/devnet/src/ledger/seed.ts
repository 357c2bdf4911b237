/**
 * The Session-style seed endpoint, `POST /json_rpc`, which clients bootstrap their node list
 * from: `get_n_service_nodes` and `get_service_nodes` with `active_only`, `limit` and `fields`,
 * answered with oxend's fields through `@murmur/wire`'s one node-list encoder (the one nodes use
 * for `oxend_request`), plus Murmur's `relay_port`.
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
import { MurmurError, parseSeedRequest, type ServiceNodesQuery } from '@murmur/wire';
import {
  encodeServiceNodeState,
  type ListedServiceNode,
  SEED_RESPONSE_CONTENT_TYPE,
  type ServiceNodeState,
  selectServiceNodes,
} from '@murmur/wire/server';
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

/** A registry record as `@murmur/wire`'s node-list encoder takes it. */
export function listedNode(node: ServiceNodeRecord): ListedServiceNode {
  return {
    ed25519: node.ed25519,
    x25519: node.x25519,
    ip: node.ip ?? undefined,
    storagePort: node.storagePort ?? undefined,
    relayPort: node.relayPort ?? undefined,
    swarmId: node.swarmId,
    requestedUnlockHeight: node.requestedUnlockHeight,
    active: node.status === 'active',
  };
}

/** A node as the seed endpoint lists it, every field present (oxend's, plus `relay_port`). */
export function seedNodeState(node: ServiceNodeRecord): ServiceNodeState {
  return encodeServiceNodeState(listedNode(node));
}

/**
 * The `result` of a node-list call on `state`, as oxend selects (`@murmur/wire`'s
 * `selectServiceNodes`): active nodes only when `active_only`, else every registered node;
 * `limit` N picks N at random, a negative `limit` shuffles them all; `fields` (a list or the
 * older object, `"all"` for every one) keeps only the named fields.
 */
export function serviceNodesResult(
  state: RegistryState,
  query: ServiceNodesQuery,
  random: (bound: number) => number = randomInt,
): { service_node_states: ServiceNodeState[]; height: number } {
  const nodes = listNodes(state).map(listedNode);
  const states = selectServiceNodes(nodes, query, random).map((node) =>
    encodeServiceNodeState(node, query.fields),
  );
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

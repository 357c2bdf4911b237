/**
 * Bootstrap: the active node list from a seed endpoint (`POST /json_rpc`,
 * `get_n_service_nodes`), with the fields Session desktop asks for plus Murmur's relay port and
 * swarm ID, checked with `@murmur/wire`'s seed schema.
 */
import {
  type AbortOptions,
  errorFromResponse,
  fetchWithTimeout,
  InvalidInputError,
  InvalidResponseError,
  parseSeedResponse,
  throwIfAborted,
  utf8Encode,
} from '@murmur/wire';
import type { OnionNode } from './onion-node.js';

/** A node from a seed: an {@link OnionNode} and what else the seed said about it. */
export interface SeedNode extends OnionNode {
  /** The swarm the node belongs to (hex), when the seed sent it. */
  swarmId?: string;
  /** Murmur's relay (circuit) port, when the seed sent it. */
  relayPort?: number;
}

/** Options of {@link fetchSeedNodes}. */
export interface FetchSeedNodesInit {
  /** The seed's JSON-RPC URL, such as `https://seed1.example.org:4443/json_rpc`. */
  url: string;
  /** Ask for at most this many nodes (absent: all). */
  limit?: number;
  /** Time limit, ms (default 15 s). */
  timeoutMs?: number;
}

/** What {@link fetchSeedNodes} uses. */
export interface FetchSeedNodesComponents {
  fetch: typeof fetch;
}

/** The fields requested from the seed (Session desktop's, plus Murmur's). */
export const SEED_NODE_FIELDS = Object.freeze([
  'public_ip',
  'storage_port',
  'pubkey_x25519',
  'pubkey_ed25519',
  'requested_unlock_height',
  'relay_port',
  'swarm_id',
  'swarm',
] as const);

const DEFAULT_SEED_TIMEOUT_MS = 15_000;

/**
 * Fetches the active node list from a seed. Nodes at `0.0.0.0`, without a storage port or
 * without both keys are dropped (as Session clients do), and duplicates are merged.
 *
 * @throws `InvalidInputError` for a bad URL or limit; `InvalidResponseError` for an answer
 * that does not match the seed schema; the `errorFromResponse` error for a non-200 status;
 * `RequestTimeoutError` / `UpstreamFailedError` when the seed does not answer; `AbortError`.
 */
export async function fetchSeedNodes(
  init: FetchSeedNodesInit,
  components: FetchSeedNodesComponents,
  options: AbortOptions = {},
): Promise<{ nodes: SeedNode[]; height: number }> {
  let url: URL;
  try {
    url = new URL(init.url);
  } catch (cause) {
    throw new InvalidInputError('seed: `url` must be an absolute http(s) URL', { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('seed: `url` must use http or https');
  }
  if (
    init.limit !== undefined &&
    (!Number.isSafeInteger(init.limit) || init.limit < 0 || init.limit > 1_000_000)
  ) {
    throw new InvalidInputError('seed: `limit` must be a non-negative integer');
  }
  const timeoutMs = init.timeoutMs ?? DEFAULT_SEED_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidInputError('seed: `timeoutMs` must be a positive number');
  }
  if (typeof components?.fetch !== 'function') {
    throw new InvalidInputError('seed: components need `fetch`');
  }
  throwIfAborted(options.signal);

  const params: { active_only: true; fields: Record<string, boolean>; limit?: number } = {
    active_only: true,
    fields: Object.fromEntries(SEED_NODE_FIELDS.map((field) => [field, true])),
  };
  if (init.limit !== undefined && init.limit > 0) params.limit = init.limit;
  // Bytes, not a string: fetch then adds no Content-Type, as Session desktop sends it.
  const body = utf8Encode(
    JSON.stringify({ jsonrpc: '2.0', id: '0', method: 'get_n_service_nodes', params }),
  );

  const reply = await fetchWithTimeout(
    components.fetch,
    url.toString(),
    { method: 'POST', body: body as Uint8Array<ArrayBuffer> },
    { signal: options.signal, timeoutMs, peer: `seed ${url.host}` },
  );
  const status = reply.status;
  const text = new TextDecoder().decode(reply.body);
  if (status !== 200) throw errorFromResponse(status, text);

  const answer = parseSeedResponse(text);
  const nodes = new Map<string, SeedNode>();
  for (const state of answer.result.service_node_states) {
    const ip = state.public_ip;
    const port = state.storage_port;
    if (ip === undefined || ip === '0.0.0.0' || port === undefined || port === 0) continue;
    if (state.pubkey_ed25519 === undefined || state.pubkey_x25519 === undefined) continue;
    const node: SeedNode = {
      ed25519: state.pubkey_ed25519.toLowerCase(),
      x25519: state.pubkey_x25519.toLowerCase(),
      ip,
      port,
    };
    // `swarm` is the exact hex ID (oxend's); `swarm_id` is a number there (inexact above 2^53
    // in JavaScript), or hex from older Murmur seeds.
    if (state.swarm !== undefined) node.swarmId = state.swarm.toLowerCase();
    else if (typeof state.swarm_id === 'string') node.swarmId = state.swarm_id.toLowerCase();
    else if (typeof state.swarm_id === 'number') node.swarmId = state.swarm_id.toString(16);
    if (state.relay_port !== undefined && state.relay_port !== 0) node.relayPort = state.relay_port;
    nodes.set(node.ed25519, node);
  }
  if (answer.result.service_node_states.length > 0 && nodes.size === 0) {
    throw new InvalidResponseError('seed: no node in the answer has an address, a port and keys');
  }
  return { nodes: [...nodes.values()], height: answer.result.height };
}

/**
 * How a relay hop reaches the next node: over the peer link to it when one is open (as Session
 * forwards snode-to-snode over its node transport: a frame carrying the relay body, whose JSON
 * holds the hop number), else by an HTTP `POST /onion_req/v2` of the next layer to the next
 * node's storage port, as a client would, while a link is dialed in the background for the next
 * requests. The next node's answer is passed back unchanged; a timeout is 504 "Request time
 * out" and an unreachable node 502.
 */
import { RequestTimeoutError, utf8Encode } from '@murmur/wire';
import { ONION_RELAY_TIMEOUT_MS } from '@murmur/wire/server';
import type { ServiceNodeInfo } from '../network/network-view.js';
import type { PeerResponse } from '../peers/peer-link.js';
import type { PeerNetwork } from '../peers/peer-network.js';
import type { LoadShedder } from '../shedding.js';
import type { OnionReply, OnionRequestHandler } from './types.js';

/** Carries a relayed layer to the next node and brings its answer back. */
export interface OnionForwarder {
  /**
   * Sends `body` (the next layer, `encodeRelayBody(next)`) to `node` and resolves to its answer
   * as is. Never rejects: a timeout is 504 "Request time out", an unreachable node 502
   * "Next node is currently unreachable: <key>".
   */
  forward(
    node: ServiceNodeInfo,
    body: Uint8Array,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<OnionReply>;
}

/** Options of {@link createHttpOnionForwarder}. */
export interface HttpOnionForwarderInit {
  /** How long to wait for the next node, ms (default 30 s, as Session). */
  timeoutMs?: number | undefined;
  /** How the next node's storage port speaks (default `https`). */
  scheme?: 'http' | 'https' | undefined;
}

/**
 * An {@link OnionForwarder} over HTTP(S) to the next node's storage port (give a `fetch` that
 * accepts self-signed certificates for HTTPS: `createNodeFetch` of `@murmur/wire/node`).
 */
export function createHttpOnionForwarder(
  init: HttpOnionForwarderInit = {},
  components: { fetch?: typeof fetch | undefined } = {},
): OnionForwarder {
  const timeoutMs = init.timeoutMs ?? ONION_RELAY_TIMEOUT_MS;
  const fetchImpl = components.fetch ?? globalThis.fetch;
  const scheme = init.scheme ?? 'https';
  return {
    async forward(node, body, options = {}) {
      const url = `${scheme}://${node.ip}:${node.storagePort}/onion_req/v2`;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal =
        options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
      try {
        const response = await fetchImpl(url, { method: 'POST', body, signal });
        const bytes = new Uint8Array(await response.arrayBuffer());
        const contentType = response.headers.get('content-type') ?? undefined;
        return { status: response.status, body: bytes, contentType };
      } catch {
        if (timeout.aborted) return { status: 504, body: 'Request time out' };
        return { status: 502, body: `Next node is currently unreachable: ${node.ed25519}` };
      }
    },
  };
}

/** Options of {@link createPeerOnionForwarder}. */
export interface PeerOnionForwarderInit {
  /** How long to wait for the next node, ms (default 30 s, as Session). */
  timeoutMs?: number | undefined;
}

/** Components of {@link createPeerOnionForwarder}. */
export interface PeerOnionForwarderComponents {
  peers: PeerNetwork;
  /** Used when there is no open link to the next node (default: HTTP). */
  fallback?: OnionForwarder | undefined;
}

/**
 * An {@link OnionForwarder} over peer links: an `onion` request on the open link to the next
 * node, or, without one, the fallback (HTTP) while a link is dialed for later requests.
 */
export function createPeerOnionForwarder(
  init: PeerOnionForwarderInit,
  components: PeerOnionForwarderComponents,
): OnionForwarder {
  const timeoutMs = init.timeoutMs ?? ONION_RELAY_TIMEOUT_MS;
  const { peers } = components;
  const fallback = components.fallback ?? createHttpOnionForwarder({ timeoutMs });
  return {
    async forward(node, body, options = {}) {
      if (peers.link(node.ed25519) === undefined) {
        peers.connect(node.ed25519);
        return fallback.forward(node, body, options);
      }
      try {
        const answer = await peers.request(node.ed25519, { k: 'onion' }, body, {
          timeoutMs,
          signal: options.signal,
          connect: false,
        });
        return { status: answer.status, body: answer.body, contentType: answer.contentType };
      } catch (error) {
        if (error instanceof RequestTimeoutError) return { status: 504, body: 'Request time out' };
        return { status: 502, body: `Next node is currently unreachable: ${node.ed25519}` };
      }
    },
  };
}

/** Components of {@link serveRelayedOnionRequests}. */
export interface RelayedOnionComponents {
  peers: PeerNetwork;
  /** The node's onion handler (the same one `POST /onion_req/v2` uses). */
  onion: OnionRequestHandler;
  /** Overload shedding (503 while overloaded), as on the HTTP route. */
  shedder?: LoadShedder | undefined;
}

/** Handles the onion layers other nodes relay over peer links (`onion` requests). */
export function serveRelayedOnionRequests(components: RelayedOnionComponents): void {
  const { peers, onion, shedder } = components;
  peers.handle('onion', async (request) => {
    if (shedder !== undefined) {
      if (shedder.check() !== undefined) {
        return { status: 503, body: utf8Encode('Overloaded, try again shortly') };
      }
      const leave = shedder.enter();
      try {
        return replyOf(
          await onion.handle(request.body, {
            remoteAddress: request.remoteAddress ?? '',
            signal: request.signal,
          }),
        );
      } finally {
        leave();
      }
    }
    return replyOf(
      await onion.handle(request.body, {
        remoteAddress: request.remoteAddress ?? '',
        signal: request.signal,
      }),
    );
  });
}

function replyOf(reply: OnionReply): PeerResponse {
  if (typeof reply.body === 'string') {
    return {
      status: reply.status,
      body: utf8Encode(reply.body),
      contentType: 'text/plain; charset=utf-8',
    };
  }
  return { status: reply.status, body: reply.body, contentType: reply.contentType };
}

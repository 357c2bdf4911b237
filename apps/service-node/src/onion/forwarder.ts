/**
 * How a relay hop reaches the next node. For now an HTTP `POST /onion_req/v2` of the next layer
 * to the next node's storage port (as a client would), behind the {@link OnionForwarder}
 * interface so that the peer-link layer can carry it over authenticated node-to-node links
 * instead. The next node's answer is passed back unchanged.
 */
import { ONION_RELAY_TIMEOUT_MS } from '@murmur/wire';
import type { ServiceNodeInfo } from '../network/network-view.js';
import type { OnionReply } from './types.js';

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
}

/** An {@link OnionForwarder} over plain HTTP to the next node's storage port. */
export function createHttpOnionForwarder(
  init: HttpOnionForwarderInit = {},
  components: { fetch?: typeof fetch | undefined } = {},
): OnionForwarder {
  const timeoutMs = init.timeoutMs ?? ONION_RELAY_TIMEOUT_MS;
  const fetchImpl = components.fetch ?? globalThis.fetch;
  return {
    async forward(node, body, options = {}) {
      const url = `http://${node.ip}:${node.storagePort}/onion_req/v2`;
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

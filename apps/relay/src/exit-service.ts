/**
 * The exit's upstream, the relay's own node: storage RPC requests go to `POST
 * <nodeUrl>/storage_rpc/v1`, and SUBSCRIBE becomes a subscription at the node's monitor
 * endpoint (`/monitor/v1`, one link for every circuit, see `monitor-client.ts`) whose
 * notifications go down the circuit as NOTIFY cells. The circuit's DESTROY (or UNSUBSCRIBE)
 * closes the subscription at the node.
 */
import type { Notification } from '@murmur/circuits';
import type { ExitService } from '@murmur/circuits/relay';
import { MAX_CIRCUIT_RETRIEVE_SIZE } from '@murmur/circuits/relay';
import { bytesToHex, utf8Decode, utf8Encode } from '@murmur/wire';
import type { MonitorClient } from './monitor-client.js';

const bad = (code: number, body: string) => utf8Encode(JSON.stringify({ code, body }));

/** What {@link nodeExitService} uses. */
export interface NodeExitServiceOptions {
  /** The fetch for storage RPC (default the global one; nodes speak HTTPS, self-signed). */
  fetch?: typeof fetch | undefined;
  /** The link to the node's monitor endpoint; absent, SUBSCRIBE is answered with error 6. */
  monitor?: MonitorClient | undefined;
}

/** An exit service over the node's storage RPC and monitor endpoint. */
export function nodeExitService(
  nodeUrl: string,
  options: NodeExitServiceOptions = {},
): ExitService {
  const fetchImpl = options.fetch ?? fetch;
  const monitor = options.monitor;
  return {
    async subscribe(request, sink, { signal }) {
      if (monitor === undefined) {
        return {
          answer: {
            success: false,
            errcode: 6,
            error: 'this relay has no monitor subscription upstream',
          },
        };
      }
      const fields =
        'ed25519' in request
          ? { P: bytesToHex(request.ed25519) }
          : { p: bytesToHex(request.account) };
      const { answer, close } = await monitor.subscribe(
        {
          ...fields,
          n: request.namespaces,
          t: request.timestamp,
          s: bytesToHex(request.signature),
        },
        {
          notify(notification) {
            const out: Notification = {
              account: notification.account,
              hash: notification.hash,
              namespace: notification.namespace,
              timestamp: notification.timestamp,
              expiry: notification.expiry,
            };
            if (notification.data !== undefined) out.data = notification.data;
            sink.notify(out);
          },
          ended: (errcode, text) => sink.ended(errcode, text),
        },
        { signal },
      );
      if (!answer.success || close === undefined) return { answer };
      return { answer, subscription: { close } };
    },
    async request(body, { signal }) {
      let request: { method?: unknown; params?: unknown };
      try {
        request = JSON.parse(utf8Decode(body)) as typeof request;
      } catch {
        return bad(400, 'DATA must be UTF-8 JSON {method, params}');
      }
      if (
        typeof request.method !== 'string' ||
        typeof request.params !== 'object' ||
        request.params === null
      ) {
        return bad(400, 'DATA must be {method, params}');
      }
      const params = request.params as Record<string, unknown>;
      if (request.method === 'retrieve') {
        const asked =
          typeof params['max_size'] === 'number' ? params['max_size'] : MAX_CIRCUIT_RETRIEVE_SIZE;
        params['max_size'] = Math.min(asked, MAX_CIRCUIT_RETRIEVE_SIZE);
      }
      const response = await fetchImpl(`${nodeUrl.replace(/\/$/, '')}/storage_rpc/v1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method: request.method, params }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // A text body stays text.
      }
      return utf8Encode(JSON.stringify({ code: response.status, body: parsed }));
    },
  };
}

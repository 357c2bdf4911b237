/**
 * The exit's upstream: storage RPC requests go to the relay's own node (`POST
 * <nodeUrl>/storage_rpc/v1`). Monitor subscriptions need the node's monitor endpoint, which is
 * not built yet (issue 12, point 3): SUBSCRIBE is answered with error 6 until it is.
 */
import type { ExitService } from '@murmur/circuits';
import { MAX_CIRCUIT_RETRIEVE_SIZE } from '@murmur/circuits';
import { utf8Decode, utf8Encode } from '@murmur/wire';

const bad = (code: number, body: string) => utf8Encode(JSON.stringify({ code, body }));

/** An exit service over the node's storage RPC. */
export function nodeExitService(nodeUrl: string, fetchImpl: typeof fetch = fetch): ExitService {
  return {
    async subscribe() {
      return {
        answer: {
          success: false,
          errcode: 6,
          error: 'this relay has no monitor subscription upstream yet',
        },
      };
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

/**
 * A `fetch` for talking to service nodes from Node.js (`@murmur/wire/node`, Node only): HTTPS
 * without certificate checks, as Session's clients talk to nodes (desktop's `snodeHttpsAgent`
 * has `rejectUnauthorized: false`: node certificates are self-signed, and the onion layers and
 * request signatures carry the security), over keep-alive connections. Plain `http://` URLs work
 * too. Nothing global is changed: no `NODE_TLS_REJECT_UNAUTHORIZED`, no global dispatcher; pass
 * the function where a `fetch` is injected (`createClient(..., { fetch })`).
 *
 * Certificate checks stay on for every other host when {@link NodeFetchInit.verifyHosts} says
 * so (seeds with real certificates).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Options of {@link createNodeFetch}. */
export interface NodeFetchInit {
  /** Keep connections open between requests, as clients do (default true). */
  keepAlive?: boolean | undefined;
  /** At most this many sockets per host (default 16). */
  maxSockets?: number | undefined;
  /**
   * Hosts (`host` or `host:port`) whose certificates are checked (default none: every HTTPS
   * peer is a node with a self-signed certificate).
   */
  verifyHosts?: readonly string[] | undefined;
  /** Agents to use instead of the ones this function creates (tests, proxies). */
  agents?: { http?: HttpAgent; https?: HttpsAgent } | undefined;
}

/** A fetch with a `close()` that ends its keep-alive sockets. */
export type NodeFetch = typeof fetch & {
  /** Destroys the agents' sockets (call when done, so the process can exit). */
  close(): void;
};

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const given = init?.headers;
  if (given === undefined) return out;
  new Headers(given).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function bodyOf(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError(
    'createNodeFetch: only string, Uint8Array and ArrayBuffer bodies are supported',
  );
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Creates the fetch (see the module comment). */
export function createNodeFetch(init: NodeFetchInit = {}): NodeFetch {
  const keepAlive = init.keepAlive !== false;
  const maxSockets = init.maxSockets ?? 16;
  const httpAgent = init.agents?.http ?? new HttpAgent({ keepAlive, maxSockets });
  const insecure =
    init.agents?.https ?? new HttpsAgent({ keepAlive, maxSockets, rejectUnauthorized: false });
  const verified = new HttpsAgent({ keepAlive, maxSockets });
  const verifyHosts = new Set(init.verifyHosts ?? []);

  const nodeFetch = (input: string | URL | Request, options?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      return Promise.reject(
        new TypeError(`createNodeFetch: unsupported URL scheme ${url.protocol}`),
      );
    }
    const signal = options?.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const body = bodyOf(options?.body);
    const headers = headersOf(options);
    if (body !== undefined) headers['content-length'] = String(body.length);
    const checked = verifyHosts.has(url.hostname) || verifyHosts.has(url.host);
    return new Promise<Response>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method: options?.method ?? 'GET',
          headers,
          agent: secure ? (checked ? verified : insecure) : httpAgent,
        },
        (incoming: IncomingMessage) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value === undefined) continue;
              for (const one of Array.isArray(value) ? value : [value]) {
                responseHeaders.append(name, one);
              }
            }
            const status = incoming.statusCode ?? 500;
            const bytes = Buffer.concat(chunks);
            const nullBody = status === 204 || status === 304;
            resolve(
              new Response(nullBody ? null : bytes, {
                status,
                statusText: incoming.statusMessage ?? '',
                headers: responseHeaders,
              }),
            );
          });
        },
      );
      const onAbort = () => outgoing.destroy(abortError(signal as AbortSignal) as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      outgoing.on('close', () => signal?.removeEventListener('abort', onAbort));
      outgoing.on('error', (error) => {
        reject(
          signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: error }),
        );
      });
      outgoing.end(body);
    });
  };
  return Object.assign(nodeFetch as typeof fetch, {
    close() {
      httpAgent.destroy();
      insecure.destroy();
      verified.destroy();
    },
  });
}

/**
 * The exit role: POST the whole decrypted exit layer to `protocol://host:port{target}` of an
 * external server (SOGS, file servers) and pass its answer back raw (a v4 reply is already
 * encrypted for the client by the server).
 *
 * The host is resolved first and every address it resolves to must be public (see
 * `address-check.ts`) unless the node runs with `--devnet`; the connection then goes to the
 * checked address, so that a second DNS answer cannot point it elsewhere.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { MurmurError, type MurmurErrorOptions } from '@murmur/wire';
import { MAX_REQUEST_BODY_BYTES, ONION_PROXY_TIMEOUT_MS } from '@murmur/wire/server';
import { isPublicAddress } from './address-check.js';
import type { OnionReply } from './types.js';

/** An exit layer's destination. */
export interface ProxyTarget {
  host: string;
  target: string;
  port: number;
  protocol: 'http' | 'https';
  method: string;
  /** The bytes to POST (the whole decrypted exit layer). */
  body: Uint8Array;
}

/** Why a target was refused before any connection (the route answers 400 "Invalid url"). */
export class ProxyTargetRefused extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('TARGET_REFUSED', message, {
      ...options,
      retryable: false,
      status: options.status ?? 403,
    });
  }
}

/** Sends exit requests. */
export interface OnionProxy {
  /**
   * Calls the server and resolves to its status and raw body. Rejects with
   * {@link ProxyTargetRefused} for a target it may not call; transport failures resolve to 502,
   * timeouts to 504.
   */
  forward(target: ProxyTarget, options?: { signal?: AbortSignal | undefined }): Promise<OnionReply>;
}

/** Options of {@link createHttpOnionProxy}. */
export interface HttpOnionProxyInit {
  /** Allow loopback and private targets (devnets on one machine). Default false. */
  allowPrivateTargets?: boolean | undefined;
  /** How long to wait for the server, ms (default 25 s, as Session). */
  timeoutMs?: number | undefined;
  /** Largest answer passed back, bytes (default 10 MiB). */
  maxResponseBytes?: number | undefined;
}

/** Resolves a host to its addresses (injectable for tests). */
export type HostResolver = (host: string) => Promise<string[]>;

const defaultResolver: HostResolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** An {@link OnionProxy} over node:http / node:https. */
export function createHttpOnionProxy(
  init: HttpOnionProxyInit = {},
  components: { resolve?: HostResolver | undefined } = {},
): OnionProxy {
  const allowPrivate = init.allowPrivateTargets === true;
  const timeoutMs = init.timeoutMs ?? ONION_PROXY_TIMEOUT_MS;
  const maxResponseBytes = init.maxResponseBytes ?? MAX_REQUEST_BODY_BYTES;
  const resolve = components.resolve ?? defaultResolver;

  async function addressOf(host: string): Promise<string> {
    let addresses: string[];
    if (isIP(host) !== 0) addresses = [host];
    else {
      try {
        addresses = await resolve(host);
      } catch {
        throw new ProxyTargetRefused(`the host ${host} does not resolve`);
      }
    }
    if (addresses.length === 0) throw new ProxyTargetRefused(`the host ${host} does not resolve`);
    if (!allowPrivate) {
      const bad = addresses.find((address) => !isPublicAddress(address));
      if (bad !== undefined) {
        throw new ProxyTargetRefused(
          `the host ${host} is not a public address (${bad}); exit nodes only call public servers`,
        );
      }
    }
    return addresses[0] as string;
  }

  return {
    async forward(target, options = {}) {
      const address = await addressOf(target.host);
      const family = isIP(address);
      const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
        if ((lookupOptions as { all?: boolean }).all) {
          (callback as (error: null, addresses: { address: string; family: number }[]) => void)(
            null,
            [{ address, family }],
          );
        } else {
          callback(null, address, family);
        }
      };
      const client = target.protocol === 'https' ? https : http;
      return new Promise<OnionReply>((done) => {
        let settled = false;
        const finish = (reply: OnionReply) => {
          if (settled) return;
          settled = true;
          done(reply);
        };
        let request: http.ClientRequest;
        try {
          request = client.request(
            {
              host: target.host,
              port: target.port,
              path: target.target,
              method: 'POST',
              lookup: pinned,
              headers: {
                'content-type': 'application/octet-stream',
                'content-length': String(target.body.length),
              },
              timeout: timeoutMs,
              signal: options.signal,
            },
            (response) => {
              const chunks: Buffer[] = [];
              let size = 0;
              response.on('data', (chunk: Buffer) => {
                size += chunk.length;
                if (size > maxResponseBytes) {
                  request.destroy();
                  finish({ status: 502, body: 'The server answered more than the node passes on' });
                  return;
                }
                chunks.push(chunk);
              });
              response.on('end', () =>
                finish({
                  status: response.statusCode ?? 502,
                  body: new Uint8Array(Buffer.concat(chunks)),
                  contentType: response.headers['content-type'],
                }),
              );
              response.on('error', () =>
                finish({ status: 502, body: 'The server connection failed' }),
              );
            },
          );
        } catch {
          // Node refuses a path or host it cannot put on the request line: a bad target.
          finish({ status: 400, body: 'Invalid url' });
          return;
        }
        request.on('timeout', () => {
          request.destroy();
          finish({ status: 504, body: 'Request time out' });
        });
        request.on('error', () => finish({ status: 502, body: 'Could not reach the server' }));
        request.end(Buffer.from(target.body.buffer, target.body.byteOffset, target.body.length));
      });
    },
  };
}

/**
 * What keeps other web sites and other local users away from the daemon:
 *
 * - **Host check** (DNS rebinding): a page on `evil.example` that re-resolves its name to
 *   127.0.0.1 still sends `Host: evil.example`; only `127.0.0.1:<port>` and `localhost:<port>`
 *   are served.
 * - **Origin check**: a request a browser sends from another origin carries its `Origin`; only
 *   the daemon's own origin is accepted (WebSocket upgrades included).
 * - **Launch token**: 32 random bytes made at each start, in the URL the daemon opens (after
 *   `#`, so it never reaches a server log or a Referer). Every API call carries it
 *   (`X-Murmur-Token` or `Authorization: Bearer`, or the WebSocket subprotocol
 *   `murmur-token.<token>`); it is compared in constant time (`@murmur/crypto`). Another local
 *   user can reach the port but not read the token (it is printed to the owner's terminal
 *   only, and the data directory is 0700).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MurmurCrypto } from '@murmur/crypto';

/** Why a request was refused. */
export type Refusal =
  | { status: 403; error: 'HOST_REFUSED' | 'ORIGIN_REFUSED'; message: string }
  | { status: 401; error: 'TOKEN_REQUIRED'; message: string };

/** The checks of one daemon. */
export interface RequestGuard {
  readonly token: string;
  /** Refusal of a request's Host and Origin, or `undefined` when they are the daemon's. */
  checkSite(headers: IncomingHttpHeaders): Refusal | undefined;
  /** Refusal unless the request carries the token. */
  checkToken(headers: IncomingHttpHeaders): Refusal | undefined;
  /** The token from a WebSocket subprotocol list, checked. */
  tokenInProtocols(protocols: Iterable<string>): boolean;
  /** The port the daemon listens on (set after `listen`). */
  setPort(port: number): void;
}

/** The subprotocol prefix that carries the token on WebSocket upgrades. */
export const TOKEN_PROTOCOL_PREFIX = 'murmur-token.';
/** The subprotocol the daemon answers with. */
export const EVENTS_PROTOCOL = 'murmur.v1';

/** A guard with a fresh token (or the given one, for tests). */
export function createRequestGuard(crypto: MurmurCrypto, token?: string): RequestGuard {
  const secret = token ?? Buffer.from(crypto.randomBytes(32)).toString('hex');
  const secretBytes = new TextEncoder().encode(secret);
  let hosts = new Set<string>();
  let origins = new Set<string>();
  const matches = (candidate: string | undefined): boolean =>
    candidate !== undefined &&
    crypto.equalConstantTime(new TextEncoder().encode(candidate), secretBytes);
  return {
    token: secret,
    setPort(port) {
      hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
      origins = new Set([...hosts].map((host) => `http://${host}`));
    },
    checkSite(headers) {
      const host = headers.host?.toLowerCase();
      if (host === undefined || !hosts.has(host)) {
        return {
          status: 403,
          error: 'HOST_REFUSED',
          message: `this daemon answers only to ${[...hosts][0] ?? '127.0.0.1'} (Host ${JSON.stringify(host ?? '')} refused)`,
        };
      }
      const origin = headers.origin;
      if (origin !== undefined && !origins.has(origin.toLowerCase())) {
        return {
          status: 403,
          error: 'ORIGIN_REFUSED',
          message: `requests from ${JSON.stringify(origin.slice(0, 100))} are refused: only the daemon's own page may call it`,
        };
      }
      if (headers['sec-fetch-site'] === 'cross-site') {
        return { status: 403, error: 'ORIGIN_REFUSED', message: 'cross-site requests are refused' };
      }
      return undefined;
    },
    checkToken(headers) {
      const direct = headers['x-murmur-token'];
      const bearer = headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
      const candidate = typeof direct === 'string' && direct !== '' ? direct : bearer;
      if (matches(candidate)) return undefined;
      return {
        status: 401,
        error: 'TOKEN_REQUIRED',
        message:
          'missing or wrong launch token: open the URL murmur-desktop printed (it carries the token)',
      };
    },
    tokenInProtocols(protocols) {
      for (const protocol of protocols) {
        if (
          protocol.startsWith(TOKEN_PROTOCOL_PREFIX) &&
          matches(protocol.slice(TOKEN_PROTOCOL_PREFIX.length))
        ) {
          return true;
        }
      }
      return false;
    },
  };
}

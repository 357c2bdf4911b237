/**
 * Client side: builds an onion request, POSTs it to the guard's `/onion_req/v2` the way Session
 * desktop does (no Content-Type; `User-Agent` and `Accept-Language` only), and decodes the
 * answer. Network failures become typed path errors.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  fetchWithTimeout,
  InvalidInputError,
  type Logger,
  MurmurError,
  silentLogger,
  throwIfAborted,
} from '@murmur/wire';
import { type BuildOnionRequestInput, buildOnionRequest } from './build-request.js';
import { decodeOnionResponse, markOnionFailure, type OnionResponse } from './decode-response.js';

/** Headers Session desktop sends with every onion request (and nothing else). */
export const ONION_REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'User-Agent': 'WhatsApp',
  'Accept-Language': 'en-us',
});

/** The guard's route for onion requests. */
export const ONION_REQUEST_ROUTE = '/onion_req/v2';

/** The default time a whole onion request may take, ms. */
export const DEFAULT_ONION_REQUEST_TIMEOUT_MS = 30_000;

/** What {@link sendOnionRequest} needs: the build input plus transport options. */
export interface SendOnionRequestInput extends BuildOnionRequestInput {
  /** Cancels the request (the promise rejects with `AbortError`). */
  signal?: AbortSignal;
  /** Time limit for the whole exchange (default 30 s); past it: `RequestTimeoutError` (path). */
  timeoutMs?: number;
  /** How to reach the guard: `https` (default, as Session) or `http` (`--plain-http` nodes). */
  scheme?: 'http' | 'https';
}

/** What {@link sendOnionRequest} uses. */
export interface SendOnionRequestComponents {
  crypto: MurmurCrypto;
  /** The fetch to use (the global one, or one with a dispatcher/agent for proxies or TLS). */
  fetch: typeof fetch;
  logger?: Logger;
}

/**
 * Builds, sends and decodes one onion request.
 *
 * @returns what the destination answered (any status: check it, or use `destinationError`).
 * @throws errors marked for `onionFailureKind`: `RequestTimeoutError` (path) past `timeoutMs`,
 * `UpstreamFailedError` (path) when the guard cannot be reached, the errors of
 * `decodeOnionResponse` for a non-200 answer; `AbortError` (none) when `signal` fires;
 * `InvalidInputError` (none) for bad input.
 */
export async function sendOnionRequest(
  input: SendOnionRequestInput,
  components: SendOnionRequestComponents,
): Promise<OnionResponse> {
  if (typeof components?.fetch !== 'function' || typeof components.crypto !== 'object') {
    throw new InvalidInputError('sendOnionRequest: components need `crypto` and `fetch`');
  }
  const logger = components.logger ?? silentLogger();
  const timeoutMs = input.timeoutMs ?? DEFAULT_ONION_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidInputError('sendOnionRequest: `timeoutMs` must be a positive number');
  }
  const scheme = input.scheme ?? 'https';
  if (scheme !== 'http' && scheme !== 'https') {
    throw new InvalidInputError('sendOnionRequest: `scheme` must be "http" or "https"');
  }
  throwIfAborted(input.signal);

  const signalOptions = input.signal === undefined ? {} : { signal: input.signal };
  const request = await buildOnionRequest(components.crypto, input, signalOptions);
  const guard = request.guard;
  const url = `${scheme}://${guard.ip}:${guard.port}${ONION_REQUEST_ROUTE}`;

  let status: number;
  let body: Uint8Array;
  try {
    // A Uint8Array body gets no Content-Type from fetch, as Session desktop sends it.
    ({ status, body } = await fetchWithTimeout(
      components.fetch,
      url,
      {
        method: 'POST',
        headers: { ...ONION_REQUEST_HEADERS },
        body: request.body as Uint8Array<ArrayBuffer>,
      },
      { signal: input.signal, timeoutMs, peer: `guard ${guard.ip}:${guard.port}` },
    ));
  } catch (error: unknown) {
    if (!MurmurError.isInstance(error)) throw error;
    if (error.code === 'ABORTED') throw markOnionFailure(error, 'none');
    // A guard that times out or cannot be reached fails the whole path.
    Object.assign(error.details, { guard: guard.ed25519 });
    logger.debug({ guard: guard.ed25519, code: error.code }, 'onion: the guard did not answer');
    throw markOnionFailure(error, 'path');
  }
  if (status !== 200) {
    logger.debug({ guard: guard.ed25519, status }, 'onion: the path answered an error');
  }
  return decodeOnionResponse(components.crypto, request, { status, body }, signalOptions);
}

/**
 * Client side: reads the guard's answer to an onion request.
 *
 * - HTTP status other than 200: the **path** failed (a hop could not decrypt, find or reach the
 *   next node, timed out, was not ready...). The status becomes a `@murmur/wire` error
 *   (`errorFromResponse`), marked so that {@link onionFailureKind} tells the caller what to
 *   strike: the named node for a 502 "Next node not found: <key>", the path otherwise.
 * - HTTP 200: the **destination** answered. A service node's reply is base64 of the encrypted
 *   `{"status", "body"}`; an external server's is the raw encrypted v4 bencoded list. Whatever
 *   status the destination gave (421, 406, ...) is returned, not thrown.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  type AbortOptions,
  base64ToBytes,
  decodeOnionV4Response,
  errorFromResponse,
  InvalidInputError,
  InvalidResponseError,
  isBase64,
  MurmurError,
  NextNodeNotFoundError,
  parseOnionSnodeReply,
  throwIfAborted,
} from '@murmur/wire';
import type { OnionRequest } from './build-request.js';

/** What the destination answered. */
export interface OnionResponse {
  /** The destination's status: the storage RPC's, or the external server's. */
  status: number;
  /** The body: JSON-parsed when it is JSON, else text (bytes for a server's non-UTF-8 body). */
  body: unknown;
  /** A server's response headers (names lower-case). */
  headers?: Record<string, string>;
  /** A server's body as it came (v4 bodies may be binary). */
  bodyBytes?: Uint8Array;
}

/** What a failure means for the client's paths and nodes. */
export type OnionFailureKind = 'node' | 'path' | 'destination' | 'none';

const FAILURE_DETAIL = 'onionFailure';
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Marks an error with what failed (kept in `details.onionFailure`). */
export function markOnionFailure<E extends MurmurError>(error: E, kind: OnionFailureKind): E {
  Object.assign(error.details, { [FAILURE_DETAIL]: kind });
  return error;
}

function textOf(body: Uint8Array | string): string {
  if (typeof body === 'string') return body;
  return new TextDecoder().decode(body);
}

/** The error a guard's non-200 answer stands for, marked as a node or path failure. */
export function pathErrorFromResponse(
  status: number,
  body: Uint8Array | string,
  guardKey?: string,
): MurmurError {
  const text = textOf(body);
  const error = errorFromResponse(status, text);
  if (guardKey !== undefined) Object.assign(error.details, { guard: guardKey });
  const kind =
    error instanceof NextNodeNotFoundError && error.nodeKey !== undefined ? 'node' : 'path';
  return markOnionFailure(error, kind);
}

/**
 * The error a destination's answer stands for (`undefined` for a 2xx), marked as a destination
 * failure so that {@link onionFailureKind} never strikes the path for it.
 */
export function destinationError(response: OnionResponse): MurmurError | undefined {
  if (response.status >= 200 && response.status <= 299) return undefined;
  const body =
    typeof response.body === 'string' || response.body instanceof Uint8Array
      ? response.body
      : JSON.stringify(response.body ?? '');
  return markOnionFailure(errorFromResponse(response.status, body), 'destination');
}

const DESTINATION_CODES = new Set<string>([
  'WRONG_SWARM',
  'CLOCK_OUT_OF_SYNC',
  'BAD_SIGNATURE',
  'SIGNATURE_REQUIRED',
  'FORBIDDEN',
  'TTL_OUT_OF_RANGE',
  'NOT_FOUND',
  'RATE_LIMITED',
  'STORAGE_FULL',
]);
const PATH_CODES = new Set<string>([
  'REQUEST_TIMEOUT',
  'UPSTREAM_FAILED',
  'NODE_NOT_READY',
  'OVERLOADED',
]);

/**
 * What a failure of an onion request means for the client:
 * - `node`: strike the node named by `error.nodeKey` (a 502 "Next node not found");
 * - `path`: strike the path (a non-200 from the guard, a timeout, an unreachable guard, a reply
 *   that does not decrypt);
 * - `destination`: the destination itself answered an error (421 wrong swarm, 406 clock, 401,
 *   ...): do not strike the path; handle the error;
 * - `none`: nothing to strike (cancelled by the caller, invalid input, not an onion failure).
 *
 * Errors thrown by {@link decodeOnionResponse}, `sendOnionRequest` and {@link destinationError}
 * carry the answer; other Murmur errors are judged by their code.
 */
export function onionFailureKind(error: unknown): OnionFailureKind {
  if (!MurmurError.isInstance(error)) return 'none';
  const { [FAILURE_DETAIL]: marked } = error.details;
  if (marked === 'node' || marked === 'path' || marked === 'destination' || marked === 'none') {
    return marked;
  }
  if (error.code === 'NEXT_NODE_NOT_FOUND') {
    return typeof (error as Partial<NextNodeNotFoundError>).nodeKey === 'string' ? 'node' : 'path';
  }
  if (DESTINATION_CODES.has(error.code)) return 'destination';
  if (PATH_CODES.has(error.code)) return 'path';
  return 'none';
}

function bodyOf(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return bytes;
  }
  return parsedText(text);
}

function parsedText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function firstDecryption(
  crypto: MurmurCrypto,
  request: OnionRequest,
  candidates: Uint8Array[],
): Promise<Uint8Array | undefined> {
  for (const candidate of candidates) {
    try {
      return await crypto.decryptLayerResponse(candidate, request.responseKey, request.encType);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function base64Form(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  return trimmed.length > 0 && isBase64(trimmed) ? base64ToBytes(trimmed) : undefined;
}

/**
 * Decodes the guard's answer to `request`.
 *
 * @returns what the destination answered (any status, even 4xx/5xx).
 * @throws a `@murmur/wire` error marked for {@link onionFailureKind} when the path failed:
 * `NextNodeNotFoundError` (with `nodeKey`), `RequestTimeoutError`, `NodeNotReadyError`,
 * `InvalidInputError` ("Invalid ciphertext"), ...; `InvalidResponseError` (path) when a 200 body
 * does not decrypt with the request's key.
 */
export async function decodeOnionResponse(
  crypto: MurmurCrypto,
  request: OnionRequest,
  response: { status: number; body: Uint8Array | string },
  options: AbortOptions = {},
): Promise<OnionResponse> {
  throwIfAborted(options.signal);
  if (typeof response !== 'object' || response === null || !Number.isInteger(response.status)) {
    throw new InvalidInputError('onion response: `status` must be an integer');
  }
  if (!(response.body instanceof Uint8Array) && typeof response.body !== 'string') {
    throw new InvalidInputError('onion response: `body` must be bytes or a string');
  }
  if (!(request?.responseKey instanceof Uint8Array)) {
    throw new InvalidInputError('onion response: `request` must be the OnionRequest it answers');
  }
  if (response.status !== 200) {
    throw pathErrorFromResponse(response.status, response.body, request.guard.ed25519);
  }
  const raw =
    typeof response.body === 'string' ? new TextEncoder().encode(response.body) : response.body;
  const asBase64 = base64Form(textOf(response.body));
  const isNode = request.destination.type === 'node';
  const candidates = isNode
    ? [asBase64, raw].filter((c): c is Uint8Array => c !== undefined)
    : [raw, asBase64].filter((c): c is Uint8Array => c !== undefined);
  const plaintext = await firstDecryption(crypto, request, candidates);
  if (plaintext === undefined) {
    throw markOnionFailure(
      new InvalidResponseError(
        `onion response: the ${raw.length}-byte answer does not decrypt with the request's key`,
        { details: { guard: request.guard.ed25519 } },
      ),
      'path',
    );
  }

  try {
    if (isNode) {
      const reply = parseOnionSnodeReply(plaintext);
      return {
        status: reply.status,
        body: typeof reply.body === 'string' ? parsedText(reply.body) : reply.body,
      };
    }
    const reply = decodeOnionV4Response(plaintext);
    return {
      status: reply.code,
      body: bodyOf(reply.body),
      headers: reply.headers,
      bodyBytes: reply.body.slice(),
    };
  } catch (cause) {
    const error = MurmurError.isInstance(cause)
      ? new InvalidResponseError(`onion response: ${cause.message}`, { cause })
      : new InvalidResponseError('onion response: the decrypted reply is malformed', { cause });
    throw markOnionFailure(error, 'destination');
  }
}

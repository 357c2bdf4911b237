/**
 * The one place where HTTP statuses and their bodies become Murmur errors, and back. Session's
 * documented body texts ("Next node not found: <key>", "Snode not ready", the 421 JSON, ...) are
 * read and written here and nowhere else: the rest of the code branches on error classes and
 * codes, never on text.
 */
import { HARDFORK, INVALID_SWARM_ID } from './constants.js';
import {
  BadSignatureError,
  ClockOutOfSyncError,
  type ErrorCode,
  ForbiddenError,
  InvalidInputError,
  InvalidResponseError,
  MurmurError,
  NextNodeNotFoundError,
  NodeNotReadyError,
  NotFoundError,
  OverloadedError,
  RateLimitedError,
  RequestTimeoutError,
  SignatureRequiredError,
  StorageFullError,
  type SwarmMember,
  TooLargeError,
  TtlOutOfRangeError,
  UnsupportedError,
  UpstreamFailedError,
  WrongSwarmError,
} from './errors.js';
import { createChecker } from './schema-check.js';
import {
  type SwarmNode,
  toSwarmMember,
  toSwarmNode,
  WrongSwarmBodySchema,
} from './schemas/get-swarm.js';
import { parseJsonBody } from './validate.js';

/** The body Session nodes send with 502 when a relay cannot find the next node. */
const NEXT_NODE_NOT_FOUND_PREFIX = 'Next node not found: ';
/** The other 502 body of Session nodes: a next hop they know but cannot reach right now. */
const NEXT_NODE_UNREACHABLE_PREFIX = 'Next node is currently unreachable: ';
/** The body Session nodes send with 503 while they are starting. */
const SNODE_NOT_READY = 'Snode not ready';
/** The body Session nodes send with 406 for a `store` timestamp out of tolerance. */
const STORE_CLOCK_BODY = 'Timestamp error: check your clock';
/** Murmur's prefix for 403 answers that are not about a TTL. */
const FORBIDDEN_PREFIX = 'Forbidden: ';
/** Words in a 401 body that mark a missing (rather than a bad) signature. */
const SIGNATURE_REQUIRED_MARK = 'signature required';
/** The body of every 500 answer: nothing about the cause leaves the node. */
const INTERNAL_BODY = 'Internal error';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BODY_PREVIEW_LENGTH = 200;

const wrongSwarmBodyChecker = createChecker(WrongSwarmBodySchema);

/** The status each error code is answered with when the error carries none. */
export const STATUS_BY_ERROR_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_INPUT: 400,
  INVALID_BLOCK: 400,
  INVALID_RESPONSE: 502,
  SIGNATURE_REQUIRED: 401,
  BAD_SIGNATURE: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TTL_OUT_OF_RANGE: 403,
  CLOCK_OUT_OF_SYNC: 406,
  TOO_LARGE: 413,
  WRONG_SWARM: 421,
  RATE_LIMITED: 429,
  NEXT_NODE_NOT_FOUND: 502,
  PATH_UNAVAILABLE: 503,
  NODE_NOT_READY: 503,
  OVERLOADED: 503,
  STORAGE_FULL: 507,
  REQUEST_TIMEOUT: 504,
  UPSTREAM_FAILED: 502,
  UNSUPPORTED: 400,
  DECRYPTION_FAILED: 400,
  INVALID_SESSION_ID: 400,
  INVALID_PHRASE: 400,
  PAYLOAD_MALFORMED: 400,
  STALE_KEYS: 400,
  ACCOUNT_MISSING: 404,
  ACCOUNT_EXISTS: 409,
  NOT_SYNCED: 503,
  ABORTED: 503,
  CONFIG_INVALID: 400,
  USAGE: 400,
  MISSING_BUILD: 500,
  PORT_IN_USE: 409,
  BUSY: 409,
  TARGET_REFUSED: 403,
  QUORUM_REFUSED: 409,
  LEDGER_STORE_FAILED: 500,
  INTERNAL: 500,
});

/** An HTTP answer for an error: its status and a text or JSON body. */
export interface ErrorResponse {
  status: number;
  body: string | Record<string, unknown>;
}

/** Options of {@link responseFromError}. */
export interface ResponseFromErrorOptions {
  /** The RPC method that failed; picks Session's exact wording where clients expect it. */
  method?: string;
  /** The node's clock, ms: the `t` of a 421 body (omitted without it). */
  now?: number;
  /** The `hf` of a 421 body (default {@link HARDFORK}). */
  hardfork?: readonly [number, number];
}

function textOf(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return String(body);
  }
}

function preview(text: string): string {
  return text.length > BODY_PREVIEW_LENGTH ? `${text.slice(0, BODY_PREVIEW_LENGTH)}…` : text;
}

function wrongSwarmFrom(status: number, body: unknown, shown: string): WrongSwarmError {
  const message = `node answered ${status}: the account belongs to another swarm`;
  const details = { status, body: shown };
  try {
    const value = parseJsonBody(body, '421 body', { as: 'response' });
    if (!wrongSwarmBodyChecker.check(value)) {
      const problem = wrongSwarmBodyChecker.firstProblem(value);
      throw new InvalidResponseError(`421 body: ${problem?.text ?? 'is invalid'}`);
    }
    return new WrongSwarmError(
      message,
      { swarmId: value.swarm.toLowerCase(), members: value.snodes.map(toSwarmMember) },
      { details },
    );
  } catch (cause) {
    // Still a wrong-swarm answer: the caller refetches the swarm instead of using this list.
    return new WrongSwarmError(message, { members: [] }, { details, cause });
  }
}

/**
 * The error a node's (or relay's, or server's) non-2xx answer stands for. `body` is the text
 * of the answer, its bytes, or its parsed JSON.
 *
 * | status | error |
 * | --- | --- |
 * | 400 | `InvalidInputError` |
 * | 401 | `SignatureRequiredError` if the body says "signature required", else `BadSignatureError` |
 * | 403 | `ForbiddenError` if the body starts "Forbidden: ", else `TtlOutOfRangeError` |
 * | 404 | `NotFoundError` |
 * | 406, 425 | `ClockOutOfSyncError` (status kept) |
 * | 410 | `UnsupportedError` (status kept) |
 * | 413 | `TooLargeError` |
 * | 421 | `WrongSwarmError` with the members and swarm of the JSON body |
 * | 429 | `RateLimitedError` |
 * | 502 | `NextNodeNotFoundError` if the body is "Next node not found: <key>" or "Next node is currently unreachable: <key>", else `UpstreamFailedError` |
 * | 503 | `NodeNotReadyError` if the body starts "Snode not ready", else `OverloadedError` |
 * | 504 | `RequestTimeoutError` |
 * | 507 | `StorageFullError` |
 * | other 5xx | `UpstreamFailedError` (status kept) |
 * | anything else | `InvalidResponseError` |
 */
export function errorFromResponse(status: number, body: unknown): MurmurError {
  const text = textOf(body);
  const shown = preview(text);
  const details = { status, body: shown };
  const message = `node answered ${status}${shown === '' ? '' : `: ${shown}`}`;
  switch (status) {
    case 400:
      return new InvalidInputError(message, { details });
    case 401:
      return text.toLowerCase().includes(SIGNATURE_REQUIRED_MARK)
        ? new SignatureRequiredError(message, { details })
        : new BadSignatureError(message, { details });
    case 403:
      return text.startsWith(FORBIDDEN_PREFIX)
        ? new ForbiddenError(message, { details })
        : new TtlOutOfRangeError(message, { details });
    case 404:
      return new NotFoundError(message, { details });
    case 406:
    case 425:
      return new ClockOutOfSyncError(message, { details, status });
    case 410:
      return new UnsupportedError(message, { details, status });
    case 413:
      return new TooLargeError(message, { details });
    case 421:
      return wrongSwarmFrom(status, body, shown);
    case 429:
      return new RateLimitedError(message, { details });
    case 502: {
      const prefix = [NEXT_NODE_NOT_FOUND_PREFIX, NEXT_NODE_UNREACHABLE_PREFIX].find((p) =>
        text.startsWith(p),
      );
      if (prefix !== undefined) {
        const key = text.slice(prefix.length).trim();
        return new NextNodeNotFoundError(
          message,
          HEX_KEY.test(key) ? key.toLowerCase() : undefined,
          { details },
        );
      }
      return new UpstreamFailedError(message, { details, status });
    }
    case 503:
      return text.startsWith(SNODE_NOT_READY)
        ? new NodeNotReadyError(message, { details })
        : new OverloadedError(message, { details });
    case 504:
      return new RequestTimeoutError(message, { details });
    case 507:
      return new StorageFullError(message, { details });
    default:
      if (Number.isInteger(status) && status >= 500 && status <= 599) {
        return new UpstreamFailedError(message, { details, status });
      }
      return new InvalidResponseError(`unexpected answer: ${message}`, { details, status });
  }
}

/** The status an error is answered with (500 for anything that is not a Murmur error). */
export function statusForError(error: unknown): number {
  if (!MurmurError.isInstance(error)) return 500;
  return error.status ?? STATUS_BY_ERROR_CODE[error.code] ?? 500;
}

/**
 * The HTTP answer for an error, with bodies Session clients understand: the 421 JSON
 * `{snodes, swarm, t, hf}`, "Next node not found: <key>", "Snode not ready", and for a `store`
 * clock error "Timestamp error: check your clock". Other errors answer their message, which
 * Murmur words for people and keeps free of secrets. Anything that is not a Murmur error
 * answers 500 "Internal error": nothing about its cause leaves the node.
 */
export function responseFromError(
  error: unknown,
  options: ResponseFromErrorOptions = {},
): ErrorResponse {
  if (!MurmurError.isInstance(error)) return { status: 500, body: INTERNAL_BODY };
  const status = statusForError(error);
  switch (error.code) {
    case 'INTERNAL':
      return { status, body: INTERNAL_BODY };
    case 'WRONG_SWARM': {
      const wrong = error as Partial<WrongSwarmError>;
      const members: readonly SwarmMember[] = Array.isArray(wrong.members) ? wrong.members : [];
      const snodes: SwarmNode[] = members.map(toSwarmNode);
      const swarm = wrong.swarmId ?? INVALID_SWARM_ID.toString(16);
      const hf = [...(options.hardfork ?? HARDFORK)];
      const body =
        options.now === undefined ? { snodes, swarm, hf } : { snodes, swarm, t: options.now, hf };
      return { status, body };
    }
    case 'NEXT_NODE_NOT_FOUND': {
      const key = (error as Partial<NextNodeNotFoundError>).nodeKey;
      return {
        status,
        body:
          typeof key === 'string' ? `${NEXT_NODE_NOT_FOUND_PREFIX}${key}` : 'Next node not found',
      };
    }
    case 'NODE_NOT_READY':
      return { status, body: SNODE_NOT_READY };
    case 'FORBIDDEN':
      return {
        status,
        body: error.message.startsWith(FORBIDDEN_PREFIX)
          ? error.message
          : `${FORBIDDEN_PREFIX}${error.message}`,
      };
    case 'SIGNATURE_REQUIRED':
      return {
        status,
        body: error.message.toLowerCase().includes(SIGNATURE_REQUIRED_MARK)
          ? error.message
          : `${error.message} (request signature required)`,
      };
    case 'CLOCK_OUT_OF_SYNC':
      return { status, body: options.method === 'store' ? STORE_CLOCK_BODY : error.message };
    default:
      return { status, body: error.message };
  }
}

/**
 * The Murmur error model: one base class with a stable `code`, `retryable`, an HTTP `status`
 * where one applies, structured `details` and an ES2022 `cause`; one subclass per condition.
 *
 * Callers branch on `code` (or `instanceof` / `MurmurError.isInstance`), never on message text.
 * Messages are written for people and never contain secrets.
 */

const MARKER = Symbol.for('@murmur/wire/error');

/** Every error code Murmur uses. Codes are stable: they are part of the API. */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_BLOCK'
  | 'INVALID_RESPONSE'
  | 'SIGNATURE_REQUIRED'
  | 'BAD_SIGNATURE'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'TTL_OUT_OF_RANGE'
  | 'CLOCK_OUT_OF_SYNC'
  | 'TOO_LARGE'
  | 'WRONG_SWARM'
  | 'RATE_LIMITED'
  | 'NEXT_NODE_NOT_FOUND'
  | 'PATH_UNAVAILABLE'
  | 'NODE_NOT_READY'
  | 'OVERLOADED'
  | 'STORAGE_FULL'
  | 'REQUEST_TIMEOUT'
  | 'UPSTREAM_FAILED'
  | 'UNSUPPORTED'
  | 'DECRYPTION_FAILED'
  | 'INVALID_SESSION_ID'
  | 'INVALID_PHRASE'
  | 'PAYLOAD_MALFORMED'
  | 'STALE_KEYS'
  | 'ACCOUNT_MISSING'
  | 'ACCOUNT_EXISTS'
  | 'NOT_SYNCED'
  | 'ABORTED'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'MISSING_BUILD'
  | 'PORT_IN_USE'
  | 'BUSY'
  | 'TARGET_REFUSED'
  | 'QUORUM_REFUSED'
  | 'LEDGER_STORE_FAILED'
  | 'INTERNAL';

/** Options every error class takes besides its message. */
export interface MurmurErrorOptions {
  /** The error that led to this one (kept, readable with {@link MurmurError.walk}). */
  cause?: unknown | undefined;
  /** Structured context: a node key, a namespace, a field name. Never a secret. */
  details?: Record<string, unknown> | undefined;
  /** HTTP status override (for codes that map to more than one status, such as 406/425). */
  status?: number | undefined;
}

/** Base class of every error Murmur throws on purpose. */
export class MurmurError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Whether trying again (later, or on another path or node) may succeed. */
  readonly retryable: boolean;
  /** The HTTP status this condition is answered with, where it has one. */
  readonly status: number | undefined;
  /** Structured context for logs and callers. */
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    init: { retryable: boolean; status?: number | undefined } & MurmurErrorOptions,
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = init.retryable;
    this.status = init.status;
    this.details = init.details ?? {};
    Object.defineProperty(this, MARKER, { value: true });
  }

  /** True for a Murmur error, even one thrown by another copy of this package. */
  static isInstance(value: unknown): value is MurmurError {
    return typeof value === 'object' && value !== null && MARKER in value;
  }

  /**
   * Follows the `cause` chain from this error. Without a predicate it returns the deepest cause;
   * with one, the first error (this one included) for which it returns true, or `undefined`.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    const seen = new Set<unknown>();
    while (current !== undefined && current !== null && !seen.has(current)) {
      if (predicate?.(current)) return current;
      seen.add(current);
      const next: unknown = (current as { cause?: unknown }).cause;
      if (next === undefined || next === null) break;
      current = next;
    }
    return predicate === undefined ? current : undefined;
  }

  /** A JSON-safe view for structured logs (no stack, no cause objects). */
  toJSON(): { name: string; code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** A value given by a caller or a peer does not have the required type, length or form. */
export class InvalidInputError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('INVALID_INPUT', message, {
      ...options,
      retryable: false,
      status: options.status ?? 400,
    });
  }
}

/** A peer answered with something that does not match the protocol's schema. */
export class InvalidResponseError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('INVALID_RESPONSE', message, { ...options, retryable: true });
  }
}

/** A request that must be signed came without a signature. */
export class SignatureRequiredError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('SIGNATURE_REQUIRED', message, {
      ...options,
      retryable: false,
      status: options.status ?? 401,
    });
  }
}

/** A signature does not verify (or a key does not match the account it claims). */
export class BadSignatureError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('BAD_SIGNATURE', message, {
      ...options,
      retryable: false,
      status: options.status ?? 401,
    });
  }
}

/** The caller is not allowed to do this (for example a revoked subaccount). */
export class ForbiddenError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('FORBIDDEN', message, { ...options, retryable: false, status: options.status ?? 403 });
  }
}

/** The thing asked for does not exist (for example `delete` with `required` and no match). */
export class NotFoundError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('NOT_FOUND', message, { ...options, retryable: false, status: options.status ?? 404 });
  }
}

/** A TTL or expiry outside the limits of the namespace. Session answers 403. */
export class TtlOutOfRangeError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('TTL_OUT_OF_RANGE', message, {
      ...options,
      retryable: false,
      status: options.status ?? 403,
    });
  }
}

/**
 * A timestamp too far from the node's clock (406; Session clients also treat 425 so). Not
 * retryable as is: resynchronise the network time, then retry once.
 */
export class ClockOutOfSyncError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('CLOCK_OUT_OF_SYNC', message, {
      ...options,
      retryable: false,
      status: options.status ?? 406,
    });
  }
}

/** A body, message or frame larger than the protocol allows. */
export class TooLargeError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('TOO_LARGE', message, { ...options, retryable: false, status: options.status ?? 413 });
  }
}

/** One member of the swarm a pubkey belongs to, as a 421 answer lists it. */
export interface SwarmMember {
  /** Ed25519 public key, lower-case hex. */
  pubkeyEd25519: string;
  /** X25519 public key, lower-case hex. */
  pubkeyX25519: string;
  /** IPv4 address. */
  ip: string;
  /** Storage RPC (HTTPS) port. */
  port: number;
}

/**
 * The pubkey belongs to another swarm (421). Carries that swarm, so the caller can replace its
 * cached list and retry there.
 */
export class WrongSwarmError extends MurmurError {
  /** The swarm the pubkey maps to, hex swarm ID (as nodes print it), when the answer gave it. */
  readonly swarmId: string | undefined;
  /** Its members, as the answering node knows them. */
  readonly members: readonly SwarmMember[];

  constructor(
    message: string,
    swarm: { swarmId?: string; members: readonly SwarmMember[] },
    options: MurmurErrorOptions = {},
  ) {
    super('WRONG_SWARM', message, { ...options, retryable: true, status: options.status ?? 421 });
    this.swarmId = swarm.swarmId;
    this.members = swarm.members;
  }
}

/** Too many requests from this address (429). */
export class RateLimitedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('RATE_LIMITED', message, { ...options, retryable: true, status: options.status ?? 429 });
  }
}

/** An onion hop could not reach or find the next node (502 "Next node not found"). */
export class NextNodeNotFoundError extends MurmurError {
  /** Ed25519 key (hex) of the node that could not be reached, when the answer names it. */
  readonly nodeKey: string | undefined;

  constructor(message: string, nodeKey?: string, options: MurmurErrorOptions = {}) {
    super('NEXT_NODE_NOT_FOUND', message, {
      ...options,
      retryable: true,
      status: options.status ?? 502,
    });
    this.nodeKey = nodeKey;
  }
}

/** The node is not ready yet (it does not follow the ledger or know its swarm): 503. */
export class NodeNotReadyError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('NODE_NOT_READY', message, {
      ...options,
      retryable: true,
      status: options.status ?? 503,
    });
  }
}

/** The node sheds load instead of falling over: 503, try again shortly or elsewhere. */
export class OverloadedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('OVERLOADED', message, { ...options, retryable: true, status: options.status ?? 503 });
  }
}

/** The node's store reached its size cap and refuses new messages (507). */
export class StorageFullError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('STORAGE_FULL', message, { ...options, retryable: true, status: options.status ?? 507 });
  }
}

/** A request to another node or server timed out (504). */
export class RequestTimeoutError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('REQUEST_TIMEOUT', message, {
      ...options,
      retryable: true,
      status: options.status ?? 504,
    });
  }
}

/** A node or server further along failed in a way not covered by a more precise error (5xx). */
export class UpstreamFailedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('UPSTREAM_FAILED', message, {
      ...options,
      retryable: true,
      status: options.status ?? 502,
    });
  }
}

/** A feature the protocol knows but Murmur refuses (such as `aes-cbc` onion layers): 400. */
export class UnsupportedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('UNSUPPORTED', message, { ...options, retryable: false, status: options.status ?? 400 });
  }
}

/** A ciphertext could not be opened or authenticated. */
export class DecryptionFailedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('DECRYPTION_FAILED', message, {
      ...options,
      retryable: false,
      status: options.status ?? 400,
    });
  }
}

/** A Session ID that is not `05` followed by the hex of a valid X25519 public key. */
export class InvalidSessionIdError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('INVALID_SESSION_ID', message, {
      ...options,
      retryable: false,
      status: options.status ?? 400,
    });
  }
}

/** A recovery phrase with an unknown word, a bad checksum or the wrong number of words. */
export class InvalidPhraseError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('INVALID_PHRASE', message, { ...options, retryable: false });
  }
}

/** A binary payload (onion combined payload, bencode) that is truncated, oversized or malformed. */
export class PayloadMalformedError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('PAYLOAD_MALFORMED', message, {
      ...options,
      retryable: false,
      status: options.status ?? 400,
    });
  }
}

/**
 * Signed keys that are valid but too old to use: a published account-key bundle whose creation
 * time is more than 48 h ago (a swarm node may be replaying it), or one dated in the future.
 * Retryable: fetching again (from another node) may find the current bundle.
 */
export class StaleKeysError extends MurmurError {
  constructor(message: string, options: MurmurErrorOptions = {}) {
    super('STALE_KEYS', message, { ...options, retryable: true, status: options.status ?? 400 });
  }
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortError extends MurmurError {
  constructor(message = 'The operation was aborted', options: MurmurErrorOptions = {}) {
    super('ABORTED', message, { ...options, retryable: false });
  }
}

/** Something failed inside Murmur itself (500). The message is generic; the cause has details. */
export class InternalError extends MurmurError {
  constructor(message = 'Internal error', options: MurmurErrorOptions = {}) {
    super('INTERNAL', message, { ...options, retryable: true, status: options.status ?? 500 });
  }
}

/** Throws an {@link AbortError} (with the signal's reason as cause) if the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('The operation was aborted', { cause: signal.reason });
}

/**
 * `promise`, or an {@link AbortError} (with the signal's reason as cause) as soon as `signal`
 * fires, for a caller who stops waiting on shared work that goes on for others (a sync, a
 * resync). The listener is removed once `promise` settles.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

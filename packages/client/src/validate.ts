/**
 * Checks of what callers give the client: names, texts, TTLs, namespaces, limits. Each gives an
 * `InvalidInputError` whose message says what is expected, and never echoes a secret.
 */
import type { MurmurCrypto } from '@murmur/crypto';
import {
  InvalidInputError,
  InvalidSessionIdError,
  isValidNamespace,
  TTL_MAX_PUBLIC_MS,
  TTL_MIN_MS,
  TtlOutOfRangeError,
} from '@murmur/wire';

/** The longest display name or nickname, in characters (code points). */
export const MAX_NAME_LENGTH = 64;

// Control characters (C0, DEL, C1), line and paragraph separators, bidi overrides and isolates.
const FORBIDDEN_IN_NAMES = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * A display name or nickname: a string of 1 to 64 characters after trimming, without control
 * or text-direction characters. Returns it trimmed.
 */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new InvalidInputError(`${what} must be a string`, { details: { field: what } });
  }
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (length === 0 || length > MAX_NAME_LENGTH) {
    throw new InvalidInputError(`${what} must have 1 to ${MAX_NAME_LENGTH} characters`, {
      details: { field: what, length },
    });
  }
  if (FORBIDDEN_IN_NAMES.test(trimmed)) {
    throw new InvalidInputError(`${what} must not contain control or text-direction characters`, {
      details: { field: what },
    });
  }
  return trimmed;
}

/** A message text: a non-empty string. (Its size is checked once sealed.) */
export function checkText(value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidInputError('the message text must be a string', {
      details: { field: 'text' },
    });
  }
  if (value.length === 0) {
    throw new InvalidInputError('the message text must not be empty', {
      details: { field: 'text' },
    });
  }
  return value;
}

/** A Session ID, lower-cased; `InvalidSessionIdError` otherwise. */
export function checkSessionId(crypto: MurmurCrypto, value: unknown, what: string): string {
  if (typeof value !== 'string') {
    throw new InvalidSessionIdError(
      `${what} must be a Session ID string ("05" + 64 hex characters)`,
    );
  }
  const id = value.trim().toLowerCase();
  crypto.parseSessionId(id);
  return id;
}

/** A TTL for a direct message: an integer from 10 s to 14 days, ms. */
export function checkTtl(value: unknown, what = 'ttlMs'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(`${what} must be an integer number of milliseconds`, {
      details: { field: what },
    });
  }
  if (value < TTL_MIN_MS || value > TTL_MAX_PUBLIC_MS) {
    throw new TtlOutOfRangeError(
      `${what} must be from ${TTL_MIN_MS} ms (10 s) to ${TTL_MAX_PUBLIC_MS} ms (14 days)`,
      { details: { field: what, min: TTL_MIN_MS, max: TTL_MAX_PUBLIC_MS }, status: 400 },
    );
  }
  return value;
}

/** The namespaces to poll: 1 to 20 distinct valid namespaces. */
export function checkNamespaces(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 20) {
    throw new InvalidInputError('`namespaces` must list 1 to 20 namespaces', {
      details: { field: 'namespaces' },
    });
  }
  const seen = new Set<number>();
  for (const namespace of value) {
    if (!isValidNamespace(namespace)) {
      throw new InvalidInputError('`namespaces` must hold integers from -32768 to 32767', {
        details: { field: 'namespaces' },
      });
    }
    if (seen.has(namespace)) {
      throw new InvalidInputError(`\`namespaces\` lists ${namespace} twice`, {
        details: { field: 'namespaces' },
      });
    }
    seen.add(namespace);
  }
  return [...value] as number[];
}

/** A positive duration in ms. */
export function checkDuration(value: unknown, what: string, fallback: number): number {
  const out = value ?? fallback;
  if (typeof out !== 'number' || !Number.isFinite(out) || out <= 0) {
    throw new InvalidInputError(`${what} must be a positive number of milliseconds`, {
      details: { field: what },
    });
  }
  return out;
}

/** A page size: an integer from 1 to `max`. */
export function checkLimit(value: unknown, fallback: number, max: number): number {
  const out = value ?? fallback;
  if (typeof out !== 'number' || !Number.isSafeInteger(out) || out < 1 || out > max) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${max}`, {
      details: { field: 'limit' },
    });
  }
  return out;
}

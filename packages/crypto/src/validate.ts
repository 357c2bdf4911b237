/**
 * Input checks done at the door of every operation, before any libsodium call. Each failure is
 * an `InvalidInputError` that names the field and says what was expected; values themselves
 * are never put in messages (they may be secret).
 */
import { InvalidInputError } from '@murmur/wire';
import type { KeyPair } from './types.js';

/** A short, secret-free description of a value's type and size, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function lengthsText(lengths: readonly number[]): string {
  return lengths.length === 1 ? `${lengths[0]} bytes` : `${lengths.join(' or ')} bytes`;
}

/** Throws unless `value` is a Uint8Array (of exactly `length` bytes, when given). */
export function requireBytes(
  value: unknown,
  field: string,
  length?: number,
): asserts value is Uint8Array {
  if (value instanceof Uint8Array && (length === undefined || value.length === length)) return;
  const expected = length === undefined ? 'a Uint8Array' : `a Uint8Array of ${length} bytes`;
  throw new InvalidInputError(`${field} must be ${expected}, got ${describeValue(value)}`, {
    details: {
      field,
      expected: length,
      actual: value instanceof Uint8Array ? value.length : undefined,
    },
  });
}

/** Throws unless `value` is a Uint8Array whose length is one of `lengths`. */
export function requireBytesOfLengths(
  value: unknown,
  field: string,
  lengths: readonly number[],
): asserts value is Uint8Array {
  if (value instanceof Uint8Array && lengths.includes(value.length)) return;
  throw new InvalidInputError(
    `${field} must be a Uint8Array of ${lengthsText(lengths)}, got ${describeValue(value)}`,
    {
      details: {
        field,
        expected: lengths,
        actual: value instanceof Uint8Array ? value.length : undefined,
      },
    },
  );
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function requireInteger(
  value: unknown,
  field: string,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  throw new InvalidInputError(
    `${field} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : describeValue(value)}`,
    { details: { field, min, max } },
  );
}

/** Throws unless `value` is a key pair with a `publicKeyLength`/`secretKeyLength` byte pair. */
export function requireKeyPair(
  value: unknown,
  field: string,
  publicKeyLength: number,
  secretKeyLength: number,
): asserts value is KeyPair {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError(`${field} must be a key pair, got ${describeValue(value)}`, {
      details: { field },
    });
  }
  const pair = value as Partial<KeyPair>;
  requireBytes(pair.publicKey, `${field}.publicKey`, publicKeyLength);
  requireBytes(pair.secretKey, `${field}.secretKey`, secretKeyLength);
}

function assertKeyPairOf(
  value: unknown,
  field: string,
  kind: 'X25519' | 'Ed25519',
  secretKeyLength: number,
): asserts value is KeyPair {
  const pair = value as Partial<KeyPair> | null;
  if (
    typeof value === 'object' &&
    pair !== null &&
    pair.publicKey instanceof Uint8Array &&
    pair.publicKey.length === 32 &&
    pair.secretKey instanceof Uint8Array &&
    pair.secretKey.length === secretKeyLength
  ) {
    return;
  }
  throw new InvalidInputError(
    `${field} must be an ${kind} key pair (32-byte public key, ${secretKeyLength}-byte secret key)`,
    { details: { field } },
  );
}

/**
 * Throws {@link InvalidInputError} (`details.field` is `field`) unless `value` is an X25519 key
 * pair: a 32-byte public key and a 32-byte secret key. The packages' one key-pair check.
 */
export function assertX25519KeyPair(value: unknown, field: string): asserts value is KeyPair {
  assertKeyPairOf(value, field, 'X25519', 32);
}

/**
 * Throws {@link InvalidInputError} (`details.field` is `field`) unless `value` is an Ed25519 key
 * pair: a 32-byte public key and libsodium's 64-byte secret key.
 */
export function assertEd25519KeyPair(value: unknown, field: string): asserts value is KeyPair {
  assertKeyPairOf(value, field, 'Ed25519', 64);
}

/** Throws unless `value` is an object (an identity, a params bag). */
export function requireObject(value: unknown, field: string): asserts value is object {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  throw new InvalidInputError(`${field} must be an object, got ${describeValue(value)}`, {
    details: { field },
  });
}

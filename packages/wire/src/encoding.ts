/**
 * Strict conversions between bytes and the text forms the protocol uses (hex, base64, UTF-8).
 * Every decoder rejects malformed input with an {@link InvalidInputError} that names the field.
 */
import { InvalidInputError } from './errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Lower-case hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/**
 * Bytes of a hex string (either case). With `length`, the result must have exactly that many
 * bytes. `field` names the value in the error message.
 */
export function hexToBytes(
  hex: string,
  options: { length?: number; field?: string } = {},
): Uint8Array {
  const field = options.field ?? 'value';
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) {
    throw new InvalidInputError(`${field} must be an even-length hex string`, {
      details: { field },
    });
  }
  if (options.length !== undefined && hex.length !== options.length * 2) {
    throw new InvalidInputError(
      `${field} must be ${options.length} bytes (${options.length * 2} hex characters), got ${hex.length} characters`,
      { details: { field, expected: options.length * 2, actual: hex.length } },
    );
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** True for an even-length hex string (of exactly `length` bytes when given). */
export function isHex(value: unknown, length?: number): value is string {
  return (
    typeof value === 'string' &&
    HEX_RE.test(value) &&
    (length === undefined || value.length === length * 2)
  );
}

/** Standard base64 (RFC 4648 alphabet) of `bytes`, padded unless `padded` is false. */
export function bytesToBase64(bytes: Uint8Array, options: { padded?: boolean } = {}): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  const out = btoa(text);
  return options.padded === false ? out.replace(/=+$/, '') : out;
}

/**
 * Bytes of a standard base64 string; padding is optional (Session sends both forms).
 * Rejects other alphabets, whitespace and impossible lengths.
 */
export function base64ToBytes(text: string, options: { field?: string } = {}): Uint8Array {
  const field = options.field ?? 'value';
  if (typeof text !== 'string' || !BASE64_RE.test(text)) {
    throw new InvalidInputError(`${field} must be standard base64`, { details: { field } });
  }
  const binary = atob(text.length % 4 === 0 ? text : text + '='.repeat(4 - (text.length % 4)));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** True for a standard base64 string (padding optional). */
export function isBase64(value: unknown): value is string {
  return typeof value === 'string' && BASE64_RE.test(value);
}

/** UTF-8 bytes of `text`. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text of UTF-8 `bytes`; invalid UTF-8 is an {@link InvalidInputError}. */
export function utf8Decode(bytes: Uint8Array, options: { field?: string } = {}): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    const field = options.field ?? 'value';
    throw new InvalidInputError(`${field} is not valid UTF-8`, { cause, details: { field } });
  }
}

/** One array holding every part, in order. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-wise equality. Not constant-time: use `@murmur/crypto`'s `equalConstantTime` for secrets. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

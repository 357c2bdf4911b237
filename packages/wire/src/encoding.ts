/**
 * Strict conversions between bytes and the text forms the protocol uses (hex, base64, UTF-8).
 * Every decoder rejects malformed input with an {@link InvalidInputError} that names the field.
 */
import { InvalidInputError } from './errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/** The two hex digits of every byte value. */
const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Node's Buffer where there is one (its base64 codec is native; `btoa`/`atob` are not). */
interface NodeBufferLike {
  toString(encoding: 'base64'): string;
  write(text: string, encoding: 'base64'): number;
}
const NodeBuffer = (
  globalThis as {
    Buffer?: { from(buffer: ArrayBufferLike, offset: number, length: number): NodeBufferLike };
  }
).Buffer;

/** Lower-case hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX_PAIRS[bytes[i] as number];
  return out;
}

/** The value of a hex digit's character code, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87; // a-f, A-F
  return -1;
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
  const notHex = () =>
    new InvalidInputError(`${field} must be an even-length hex string`, { details: { field } });
  if (typeof hex !== 'string' || hex.length % 2 !== 0) throw notHex();
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = hexDigit(hex.charCodeAt(2 * i));
    const low = hexDigit(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) throw notHex();
    out[i] = (high << 4) | low;
  }
  if (options.length !== undefined && hex.length !== options.length * 2) {
    throw new InvalidInputError(
      `${field} must be ${options.length} bytes (${options.length * 2} hex characters), got ${hex.length} characters`,
      { details: { field, expected: options.length * 2, actual: hex.length } },
    );
  }
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
  const out =
    NodeBuffer === undefined
      ? portableBytesToBase64(bytes)
      : NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
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
  if (NodeBuffer === undefined) return portableBase64ToBytes(text);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array(Math.floor(((text.length - padding) * 3) / 4));
  NodeBuffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'base64');
  return out;
}

/** {@link bytesToBase64} (padded) without Node's Buffer. Internal; exported for tests. */
export function portableBytesToBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** {@link base64ToBytes} of checked text without Node's Buffer. Internal; exported for tests. */
export function portableBase64ToBytes(text: string): Uint8Array {
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

const BASE32Z = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/**
 * z-base-32 of `bytes` (most significant bits first, the last group padded with zero bits), as
 * Session prints node addresses (`<base32z of the Ed25519 key>.snode`).
 */
export function bytesToBase32z(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32Z[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32Z[(buffer << (5 - bits)) & 31];
  return out;
}

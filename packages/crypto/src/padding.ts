/**
 * Session's message padding, applied to the protobuf `Content` before encryption.
 */
import { PayloadMalformedError } from '@murmur/wire';
import { requireBytes } from './validate.js';

/** Padded messages are a multiple of this many bytes. */
export const PADDING_BLOCK = 160;
/** The byte that ends the message and starts the padding. */
export const PADDING_TERMINATOR = 0x80;

/**
 * `bytes ‖ 0x80 ‖ zeros`, `160 − ((n + 1) mod 160)` zeros for `n` bytes, so the result is a
 * multiple of 160 bytes; when `n + 1` already is, a whole block of zeros follows (as Session).
 */
export function padMessage(bytes: Uint8Array): Uint8Array {
  requireBytes(bytes, 'bytes');
  const withTerminator = bytes.length + 1;
  const out = new Uint8Array(withTerminator + PADDING_BLOCK - (withTerminator % PADDING_BLOCK));
  out.set(bytes, 0);
  out[bytes.length] = PADDING_TERMINATOR;
  return out;
}

/**
 * Removes Session padding: trailing zero bytes, then the 0x80 before them. Accepts the current
 * lengths (multiples of 160) and the older `160k − 1` lengths alike; the length itself is not
 * checked, as no Session client checks it. A message whose last non-zero byte is not 0x80 was
 * not padded and comes back whole, as Session clients treat it.
 *
 * @throws PayloadMalformedError if there is no non-zero byte at all (empty or all zeros).
 */
export function unpadMessage(bytes: Uint8Array): Uint8Array {
  requireBytes(bytes, 'bytes');
  let end = bytes.length - 1;
  while (end >= 0 && bytes[end] === 0) end--;
  if (end < 0) {
    throw new PayloadMalformedError('The padded message has no 0x80 terminator (it is all zeros)');
  }
  if (bytes[end] !== PADDING_TERMINATOR) return bytes.slice();
  return bytes.slice(0, end);
}

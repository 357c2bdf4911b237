/**
 * HKDF-SHA256 (RFC 5869) over the backend's HMAC-SHA256.
 */
import type { SodiumBackend } from './backends/types.js';
import { requireBytes, requireInteger } from './validate.js';

/** The longest HKDF-SHA256 output: 255 blocks of 32 bytes. */
export const HKDF_SHA256_MAX_LENGTH = 255 * 32;

/** HKDF-SHA256 of `length` bytes. An empty salt means 32 zero bytes, as RFC 5869 says. */
export function hkdfSha256(
  sodium: SodiumBackend,
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  requireBytes(ikm, 'ikm');
  requireBytes(salt, 'salt');
  requireBytes(info, 'info');
  requireInteger(length, 'length', 0, HKDF_SHA256_MAX_LENGTH);
  // HMAC pads its key with zeros to the block size, so an empty salt is the RFC's zero salt.
  const pseudorandomKey = sodium.hmacSha256(salt, ikm);
  const out = new Uint8Array(length);
  const block = new Uint8Array(32 + info.length + 1);
  let previous = 0;
  for (let offset = 0, counter = 1; offset < length; counter++) {
    block.set(info, previous);
    block[previous + info.length] = counter;
    const output = sodium.hmacSha256(
      pseudorandomKey,
      block.subarray(0, previous + info.length + 1),
    );
    out.set(output.subarray(0, Math.min(32, length - offset)), offset);
    offset += 32;
    block.set(output, 0);
    previous = 32;
    sodium.wipe(output);
  }
  sodium.wipe(block);
  sodium.wipe(pseudorandomKey);
  return out;
}

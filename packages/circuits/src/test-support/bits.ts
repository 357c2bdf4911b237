/**
 * Helpers of the codec property tests: flip one bit, and check that a codec is canonical under a
 * flip (it refuses the flipped bytes, or reads a different value that encodes back to exactly
 * those bytes, so no value has two encodings and no flip goes unnoticed).
 */
import { MurmurError } from '@murmur/wire';
import { expect } from 'vitest';

/** A copy of `bytes` with bit `bit` flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

/** Decodes `flipped`: `undefined` when refused with a Murmur error (anything else fails). */
export function tryDecode<T>(decode: (bytes: Uint8Array) => T, flipped: Uint8Array): T | undefined {
  try {
    return decode(flipped);
  } catch (error) {
    expect(MurmurError.isInstance(error)).toBe(true);
    return undefined;
  }
}

/** Asserts the flip of `bit` in `encoded` is refused or decodes to a value encoding to it. */
export function expectFlipNoticed<T>(
  encoded: Uint8Array,
  bit: number,
  decode: (bytes: Uint8Array) => T,
  encode: (value: T) => Uint8Array,
): 'refused' | 'changed' {
  const flipped = flipBit(encoded, bit);
  const value = tryDecode(decode, flipped);
  if (value === undefined) return 'refused';
  expect(encode(value)).toEqual(flipped);
  return 'changed';
}

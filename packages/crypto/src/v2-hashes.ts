/**
 * The hashes of Session Protocol V2 (keyed and personalised BLAKE2b, SHA3-256, SHAKE256), from
 * one of two implementations that give the same bytes: `@noble/hashes` (pure JavaScript, the
 * reference) and libsodium 1.0.22's WebAssembly build, which Murmur already loads for ML-KEM and
 * which is about 10 times faster for the 1 KiB inner dict (sodium-native has no personalised
 * BLAKE2b, SHA3 or SHAKE). The test suite checks that both agree byte for byte.
 */
import { UnsupportedError } from '@murmur/wire';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';

/** The hashes V2 needs. */
export interface V2Hashes {
  readonly source: 'libsodium' | 'noble';
  /** BLAKE2b of `message` with `key` (up to 64 bytes) and a 16-byte personalisation. */
  blake2b(
    message: Uint8Array,
    key: Uint8Array,
    personalization: Uint8Array,
    outputLength: number,
  ): Uint8Array;
  /** SHA3-256. */
  sha3_256(message: Uint8Array): Uint8Array;
  /** SHAKE256 squeezed to `outputLength` bytes. */
  shake256(message: Uint8Array, outputLength: number): Uint8Array;
}

/** The `@noble/hashes` implementation. */
export const nobleV2Hashes: V2Hashes = {
  source: 'noble',
  blake2b: (message, key, personalization, outputLength) =>
    blake2b(message, { dkLen: outputLength, key, personalization }),
  sha3_256: (message) => sha3_256(message),
  shake256: (message, outputLength) => shake256(message, { dkLen: outputLength }),
};

interface RawSodium {
  _malloc(size: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
  _crypto_generichash_blake2b_salt_personal(...args: number[]): number;
  _crypto_hash_sha3256?(...args: number[]): number;
  _crypto_xof_shake256?(...args: number[]): number;
}

/**
 * The libsodium (WebAssembly) implementation, through the module's own functions and one
 * scratch buffer (grown when a message needs more; everything written there is wiped after
 * each call). Rejects where that build lacks a function.
 */
export async function loadLibsodiumV2Hashes(): Promise<V2Hashes> {
  const module = await import('libsodium-wrappers-sumo');
  await module.default.ready;
  const raw = (module.default as unknown as { libsodium?: RawSodium }).libsodium;
  if (
    raw === undefined ||
    typeof raw._crypto_generichash_blake2b_salt_personal !== 'function' ||
    typeof raw._crypto_hash_sha3256 !== 'function' ||
    typeof raw._crypto_xof_shake256 !== 'function'
  ) {
    throw new UnsupportedError('This libsodium build has no personalised BLAKE2b, SHA3 or SHAKE');
  }
  const sodium = raw;
  const sha3 = raw._crypto_hash_sha3256.bind(raw);
  const shake = raw._crypto_xof_shake256.bind(raw);
  let size = 0;
  let pointer = 0;
  /** A scratch area of at least `bytes` (the heap view is read again after any allocation). */
  const scratch = (bytes: number): number => {
    if (bytes > size) {
      if (pointer !== 0) sodium._free(pointer);
      size = Math.max(bytes, 4096);
      pointer = sodium._malloc(size);
      if (pointer === 0) throw new UnsupportedError('libsodium could not allocate memory');
    }
    return pointer;
  };
  const finish = (base: number, out: number, outputLength: number, used: number): Uint8Array => {
    const heap = sodium.HEAPU8;
    const result = heap.slice(out, out + outputLength);
    heap.fill(0, base, base + used);
    return result;
  };
  return {
    source: 'libsodium',
    blake2b(message, key, personalization, outputLength) {
      // out (64) | key (64) | personalisation (16) | message
      const used = 144 + message.length;
      const base = scratch(used);
      const heap = sodium.HEAPU8;
      heap.set(key, base + 64);
      heap.set(personalization, base + 128);
      heap.set(message, base + 144);
      const code = sodium._crypto_generichash_blake2b_salt_personal(
        base,
        outputLength,
        base + 144,
        message.length,
        0,
        base + 64,
        key.length,
        0,
        base + 128,
      );
      if (code !== 0) throw new UnsupportedError('libsodium refused the BLAKE2b parameters');
      return finish(base, base, outputLength, used);
    },
    sha3_256(message) {
      const used = 32 + message.length;
      const base = scratch(used);
      sodium.HEAPU8.set(message, base + 32);
      sha3(base, base + 32, message.length, 0);
      return finish(base, base, 32, used);
    },
    shake256(message, outputLength) {
      const used = outputLength + message.length;
      const base = scratch(used);
      sodium.HEAPU8.set(message, base + outputLength);
      shake(base, outputLength, base + outputLength, message.length, 0);
      return finish(base, base, outputLength, used);
    },
  };
}

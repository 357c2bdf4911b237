/**
 * {@link loadCrypto}: picks and loads a backend and an AES-GCM source.
 */
import { InvalidInputError, UnsupportedError } from '@murmur/wire';
import { loadAesGcm } from './aes-gcm.js';
import type { SodiumBackend } from './backends/types.js';
import { loadMlKem768 } from './mlkem.js';
import { createMurmurCrypto } from './murmur-crypto.js';
import type { LoadCryptoOptions, MurmurCrypto } from './types.js';
import { loadLibsodiumV2Hashes, nobleV2Hashes } from './v2-hashes.js';

async function loadNative(): Promise<SodiumBackend> {
  const { loadNativeBackend } = await import('./backends/native.js');
  return loadNativeBackend();
}

async function loadWasm(): Promise<SodiumBackend> {
  const { loadWasmBackend } = await import('./backends/wasm.js');
  return loadWasmBackend();
}

async function loadBackend(backend: LoadCryptoOptions['backend']): Promise<SodiumBackend> {
  if (backend === 'native') {
    try {
      return await loadNative();
    } catch (cause) {
      throw new UnsupportedError(
        'The native crypto backend needs sodium-native, which could not be loaded here (it runs on Node only); use { backend: "wasm" } or leave backend unset',
        { cause, details: { backend } },
      );
    }
  }
  if (backend === undefined) {
    try {
      return await loadNative();
    } catch {
      // Not on Node, or the native addon is missing: the WebAssembly build does the same work.
    }
  }
  try {
    return await loadWasm();
  } catch (cause) {
    throw new UnsupportedError(
      'The WebAssembly crypto backend (libsodium-wrappers-sumo) could not be loaded',
      {
        cause,
        details: { backend: 'wasm' },
      },
    );
  }
}

/**
 * Loads `@murmur/crypto` on a backend.
 *
 * - `backend: 'native'`: sodium-native; rejects with an `UnsupportedError` where it cannot load.
 * - `backend: 'wasm'`: libsodium-wrappers-sumo (WebAssembly), anywhere.
 * - no backend: native when sodium-native loads, else wasm.
 *
 * AES-GCM comes from node:crypto on Node and from WebCrypto elsewhere (`aesGcm` chooses).
 * Each call loads its own object: nothing is shared between the objects it returns.
 *
 * @example
 * ```ts
 * const crypto = await loadCrypto();
 * const alice = crypto.generateIdentity();
 * ```
 */
export async function loadCrypto(options: LoadCryptoOptions = {}): Promise<MurmurCrypto> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('loadCrypto options must be an object');
  }
  const { backend, aesGcm, mlkem } = options;
  if (mlkem !== undefined && mlkem !== 'libsodium' && mlkem !== 'noble') {
    throw new InvalidInputError('options.mlkem must be "libsodium" or "noble"', {
      details: { field: 'mlkem' },
    });
  }
  if (backend !== undefined && backend !== 'native' && backend !== 'wasm') {
    throw new InvalidInputError('options.backend must be "native" or "wasm"', {
      details: { field: 'backend' },
    });
  }
  if (aesGcm !== undefined && aesGcm !== 'node' && aesGcm !== 'webcrypto') {
    throw new InvalidInputError('options.aesGcm must be "node" or "webcrypto"', {
      details: { field: 'aesGcm' },
    });
  }
  const sodium = await loadBackend(backend);
  let aes: Awaited<ReturnType<typeof loadAesGcm>>;
  try {
    aes = await loadAesGcm(aesGcm);
  } catch (cause) {
    throw new UnsupportedError(
      `AES-GCM is not available here (${aesGcm === 'node' ? 'node:crypto' : 'node:crypto or WebCrypto'})`,
      { cause, details: { aesGcm } },
    );
  }
  const kem = await loadMlKem768(mlkem);
  // With libsodium's ML-KEM, its BLAKE2b, SHA3 and SHAKE too (same bytes, ~10x faster than
  // @noble/hashes); with `mlkem: 'noble'`, everything V2 hashes comes from @noble/hashes.
  const hashes =
    kem.source === 'libsodium'
      ? await loadLibsodiumV2Hashes().catch(() => nobleV2Hashes)
      : nobleV2Hashes;
  return createMurmurCrypto(sodium, aes, kem, hashes);
}

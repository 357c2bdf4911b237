import { InvalidInputError } from '@murmur/wire';
import { describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { hex, LAYER_VECTORS, RFC7748_DH } from './test-support/fixtures.js';
import type { CryptoBackend } from './types.js';

describe('loadCrypto', () => {
  it('picks the native backend on Node when sodium-native loads', async () => {
    const crypto = await loadCrypto();
    expect(crypto.backend).toBe('native');
    expect(crypto.aesGcm).toBe('node');
  });

  it('loads the backend asked for, a new object each call', async () => {
    const wasm = await loadCrypto({ backend: 'wasm' });
    expect(wasm.backend).toBe('wasm');
    expect(await loadCrypto({ backend: 'wasm' })).not.toBe(wasm);
  });

  it('refuses unknown options with a typed error', async () => {
    await expect(loadCrypto({ backend: 'openssl' as CryptoBackend })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(loadCrypto({ aesGcm: 'libsodium' as 'node' })).rejects.toThrow(InvalidInputError);
    await expect(loadCrypto(null as unknown as undefined)).rejects.toThrow(InvalidInputError);
  });

  it('gives the same AES-GCM layers through WebCrypto as through node:crypto', async () => {
    const webcrypto = await loadCrypto({ backend: 'wasm', aesGcm: 'webcrypto' });
    expect(webcrypto.aesGcm).toBe('webcrypto');
    const vector = LAYER_VECTORS['aes-gcm'];
    const layer = await webcrypto.encryptLayer(
      hex(LAYER_VECTORS.request),
      hex(RFC7748_DH.bobPublic),
      'aes-gcm',
      {
        ephemeralSecretKey: hex(RFC7748_DH.aliceSecret),
        nonce: hex(vector.requestNonce),
      },
    );
    expect(layer.ciphertext).toEqual(hex(vector.ciphertext));
    expect(
      await webcrypto.decryptLayerResponse(hex(vector.responseCiphertext), layer.key, 'aes-gcm'),
    ).toEqual(hex(LAYER_VECTORS.response));
  });
});

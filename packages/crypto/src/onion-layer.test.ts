import {
  bytesToHex,
  DecryptionFailedError,
  InvalidInputError,
  UnsupportedError,
} from '@murmur/wire';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { BACKENDS } from './test-support/backends.js';
import { hex, LAYER_VECTORS, RFC7748_DH } from './test-support/fixtures.js';
import type { KeyPair, LayerEncryption, MurmurCrypto } from './types.js';

const MODES: readonly LayerEncryption[] = ['aes-gcm', 'xchacha20'];

describe.each(BACKENDS)('onion layers on the %s backend', (backend) => {
  let crypto: MurmurCrypto;
  const node: KeyPair = {
    publicKey: hex(RFC7748_DH.bobPublic),
    secretKey: hex(RFC7748_DH.bobSecret),
  };
  beforeAll(async () => {
    crypto = await loadCrypto({ backend });
  });

  describe.each(MODES)('%s', (mode) => {
    const vector = LAYER_VECTORS[mode];
    const nonceLength = mode === 'aes-gcm' ? 12 : 24;

    it('client side matches the fixed vector', async () => {
      const layer = await crypto.encryptLayer(hex(LAYER_VECTORS.request), node.publicKey, mode, {
        ephemeralSecretKey: hex(RFC7748_DH.aliceSecret),
        nonce: hex(vector.requestNonce),
      });
      expect(bytesToHex(layer.ciphertext)).toBe(vector.ciphertext);
      expect(bytesToHex(layer.ephemeralPublicKey)).toBe(RFC7748_DH.alicePublic);
      expect(bytesToHex(layer.key)).toBe(vector.key);
      const response = await crypto.decryptLayerResponse(
        hex(vector.responseCiphertext),
        layer.key,
        mode,
      );
      expect(bytesToHex(response)).toBe(LAYER_VECTORS.response);
    });

    it('node side opens the vector and answers with the same key', async () => {
      const opened = await crypto.decryptLayer(
        hex(vector.ciphertext),
        node,
        hex(RFC7748_DH.alicePublic),
        mode,
      );
      expect(bytesToHex(opened.plaintext)).toBe(LAYER_VECTORS.request);
      expect(bytesToHex(opened.key)).toBe(vector.key);
      const answer = await crypto.encryptLayerResponse(
        hex(LAYER_VECTORS.response),
        opened.key,
        mode,
        {
          nonce: hex(vector.responseNonce),
        },
      );
      expect(bytesToHex(answer)).toBe(vector.responseCiphertext);
    });

    it('round-trips request and response with fresh keys (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 1500 }),
          fc.uint8Array({ maxLength: 300 }),
          async (request, response) => {
            const relay = crypto.x25519KeyPair();
            const layer = await crypto.encryptLayer(request, relay.publicKey, mode);
            expect(layer.ciphertext).toHaveLength(nonceLength + request.length + 16);
            const opened = await crypto.decryptLayer(
              layer.ciphertext,
              relay,
              layer.ephemeralPublicKey,
              mode,
            );
            expect(opened.plaintext).toEqual(request);
            expect(opened.key).toEqual(layer.key);
            const answer = await crypto.encryptLayerResponse(response, opened.key, mode);
            expect(await crypto.decryptLayerResponse(answer, layer.key, mode)).toEqual(response);
          },
        ),
        { numRuns: 30 },
      );
    });

    it('treats null options as none', async () => {
      const layer = await crypto.encryptLayer(
        new Uint8Array(4),
        node.publicKey,
        mode,
        null as unknown as undefined,
      );
      expect(
        await crypto.encryptLayerResponse(
          new Uint8Array(4),
          layer.key,
          mode,
          null as unknown as undefined,
        ),
      ).toHaveLength(nonceLength + 20);
    });

    it('uses a fresh ephemeral key for every layer', async () => {
      const a = await crypto.encryptLayer(new Uint8Array(4), node.publicKey, mode);
      const b = await crypto.encryptLayer(new Uint8Array(4), node.publicKey, mode);
      expect(a.ephemeralPublicKey).not.toEqual(b.ephemeralPublicKey);
      expect(a.key).not.toEqual(b.key);
    });

    it('fails with DecryptionFailedError for any single flipped bit of a layer or a response', async () => {
      for (const [ciphertext, open] of [
        [
          hex(vector.ciphertext),
          (bytes: Uint8Array) =>
            crypto.decryptLayer(bytes, node, hex(RFC7748_DH.alicePublic), mode),
        ],
        [
          hex(vector.responseCiphertext),
          (bytes: Uint8Array) => crypto.decryptLayerResponse(bytes, hex(vector.key), mode),
        ],
      ] as const) {
        for (let bit = 0; bit < ciphertext.length * 8; bit++) {
          const tampered = ciphertext.slice();
          tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
          await expect(open(tampered)).rejects.toThrow(DecryptionFailedError);
        }
      }
    });

    it('refuses anything too short to be a layer, without crashing', async () => {
      for (let length = 0; length < nonceLength + 16; length++) {
        await expect(
          crypto.decryptLayerResponse(new Uint8Array(length), hex(vector.key), mode),
        ).rejects.toThrow(DecryptionFailedError);
        await expect(
          crypto.decryptLayer(new Uint8Array(length), node, hex(RFC7748_DH.alicePublic), mode),
        ).rejects.toThrow(DecryptionFailedError);
      }
    });

    it('refuses low-order keys and keys or nonces of the wrong length', async () => {
      await expect(
        crypto.encryptLayer(new Uint8Array(1), new Uint8Array(32), mode),
      ).rejects.toThrow(InvalidInputError);
      await expect(
        crypto.decryptLayer(hex(vector.ciphertext), node, new Uint8Array(32), mode),
      ).rejects.toThrow(DecryptionFailedError);
      await expect(
        crypto.encryptLayer(new Uint8Array(1), new Uint8Array(31), mode),
      ).rejects.toThrow(InvalidInputError);
      await expect(
        crypto.encryptLayer(new Uint8Array(1), node.publicKey, mode, {
          nonce: new Uint8Array(nonceLength + 1),
        }),
      ).rejects.toThrow(InvalidInputError);
      await expect(
        crypto.decryptLayerResponse(hex(vector.ciphertext), new Uint8Array(16), mode),
      ).rejects.toThrow(InvalidInputError);
      await expect(
        crypto.decryptLayer(
          hex(vector.ciphertext),
          { publicKey: node.publicKey } as KeyPair,
          hex(RFC7748_DH.alicePublic),
          mode,
        ),
      ).rejects.toThrow(InvalidInputError);
    });
  });

  it('refuses aes-cbc because it has no MAC, and any unknown mode', async () => {
    for (const mode of ['aes-cbc', 'cbc']) {
      const error = await crypto
        .encryptLayer(new Uint8Array(1), node.publicKey, mode as LayerEncryption)
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toContain('no MAC');
      await expect(
        crypto.decryptLayerResponse(
          new Uint8Array(40),
          new Uint8Array(32),
          mode as LayerEncryption,
        ),
      ).rejects.toThrow(UnsupportedError);
    }
    for (const mode of ['gcm', 'xchacha20-poly1305', '', 7, undefined]) {
      await expect(
        crypto.decryptLayer(
          new Uint8Array(40),
          node,
          hex(RFC7748_DH.alicePublic),
          mode as LayerEncryption,
        ),
      ).rejects.toThrow(UnsupportedError);
    }
  });

  it('keys the two modes differently from the same shared secret', async () => {
    const options = { ephemeralSecretKey: hex(RFC7748_DH.aliceSecret) };
    const gcm = await crypto.encryptLayer(new Uint8Array(1), node.publicKey, 'aes-gcm', options);
    const chacha = await crypto.encryptLayer(
      new Uint8Array(1),
      node.publicKey,
      'xchacha20',
      options,
    );
    expect(gcm.key).not.toEqual(chacha.key);
    expect(
      bytesToHex(crypto.hmacSha256(new TextEncoder().encode('LOKI'), hex(RFC7748_DH.shared))),
    ).toBe(bytesToHex(gcm.key));
  });
});

/**
 * The two backends must give byte-identical results wherever the output is deterministic.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from './load-crypto.js';
import { loadBoth } from './test-support/backends.js';
import { hex, IDENTITIES } from './test-support/fixtures.js';
import type { CryptoBackend, LayerEncryption, MurmurCrypto } from './types.js';

describe('native and wasm agree byte for byte', () => {
  let both: Record<CryptoBackend, MurmurCrypto>;
  beforeAll(async () => {
    both = await loadBoth();
  });
  const seed32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const bytes = fc.uint8Array({ maxLength: 600 });

  it('identities from 32- and 16-byte seeds', () => {
    fc.assert(
      fc.property(fc.oneof(seed32, fc.uint8Array({ minLength: 16, maxLength: 16 })), (seed) => {
        expect(both.native.identityFromSeed(seed)).toEqual(both.wasm.identityFromSeed(seed));
        expect(both.native.phraseFromSeed(seed)).toBe(both.wasm.phraseFromSeed(seed));
      }),
      { numRuns: 50 },
    );
  });

  it('signatures, request signatures and message hashes', () => {
    fc.assert(
      fc.property(
        seed32,
        bytes,
        fc.integer({ min: -32768, max: 32767 }),
        fc.nat(),
        (seed, message, namespace, timestamp) => {
          const identity = both.native.identityFromSeed(seed);
          const secretKey = identity.ed25519.secretKey;
          expect(both.native.sign(message, secretKey)).toEqual(both.wasm.sign(message, secretKey));
          const params = { namespace, timestamp };
          expect(both.native.signRequest('retrieve', params, secretKey)).toBe(
            both.wasm.signRequest('retrieve', params, secretKey),
          );
          expect(both.native.messageHash(identity.sessionId, namespace, message)).toBe(
            both.wasm.messageHash(identity.sessionId, namespace, message),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('hashes, MACs, key derivation and X25519', () => {
    fc.assert(
      fc.property(
        bytes,
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 16, max: 64 }),
        seed32,
        seed32,
        (data, key, length, a, b) => {
          expect(both.native.blake2b(data, length)).toEqual(both.wasm.blake2b(data, length));
          expect(both.native.sha256(data)).toEqual(both.wasm.sha256(data));
          expect(both.native.hmacSha256(key, data)).toEqual(both.wasm.hmacSha256(key, data));
          expect(both.native.hkdfSha256(data, key, a, length * 3)).toEqual(
            both.wasm.hkdfSha256(data, key, a, length * 3),
          );
          const publicKey = both.wasm.x25519(
            b,
            hex('0900000000000000000000000000000000000000000000000000000000000000'),
          );
          expect(both.native.x25519(a, publicKey)).toEqual(both.wasm.x25519(a, publicKey));
          expect(both.native.x25519PublicKey(a)).toEqual(both.wasm.x25519PublicKey(a));
          const nonce = b.subarray(0, 12);
          const sealed = both.native.chacha20Poly1305Encrypt(data, nonce, a, key);
          expect(both.wasm.chacha20Poly1305Encrypt(data, nonce, a, key)).toEqual(sealed);
          expect(both.wasm.chacha20Poly1305Decrypt(sealed, nonce, a, key)).toEqual(data);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('padding', () => {
    fc.assert(
      fc.property(bytes, (data) => {
        expect(both.native.padMessage(data)).toEqual(both.wasm.padMessage(data));
      }),
    );
  });

  it('Session Protocol and intermediate messages with fixed ephemeral keys, and each opens the other', async () => {
    const alice = both.native.identityFromSeed(hex(IDENTITIES.alice.seed));
    const bob = both.native.identityFromSeed(hex(IDENTITIES.bob.seed));
    await fc.assert(
      fc.asyncProperty(
        bytes,
        seed32,
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        async (message, ephemeralSecretKey, iv) => {
          const v1 = both.native.encryptForRecipient(message, alice, bob.sessionId, {
            ephemeralSecretKey,
          });
          expect(
            both.wasm.encryptForRecipient(message, alice, bob.sessionId, { ephemeralSecretKey }),
          ).toEqual(v1);
          const options = { ephemeralSecretKey, iv };
          const intermediate = await both.native.encryptIntermediate(
            message,
            alice,
            bob.sessionId,
            options,
          );
          expect(
            await both.wasm.encryptIntermediate(message, alice, bob.sessionId, options),
          ).toEqual(intermediate);
          const random = both.wasm.encryptForRecipient(message, alice, bob.sessionId);
          expect(both.native.decryptIncoming(random, bob).plaintext).toEqual(message);
          expect(
            both.wasm.decryptIncoming(
              both.native.encryptForRecipient(message, alice, bob.sessionId),
              bob,
            ).plaintext,
          ).toEqual(message);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('Session Protocol V2: account keys, bundles, V2 and no-PFS messages; each opens the other', async () => {
    const noble = await loadCrypto({ backend: 'native', mlkem: 'noble' });
    const alice = both.native.identityFromSeed(hex(IDENTITIES.alice.seed));
    fc.assert(
      fc.property(
        bytes,
        seed32,
        seed32,
        seed32,
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (message, recipientSeed, accountSeed, ephemeralSecretKey, random) => {
          const bob = both.native.identityFromSeed(recipientSeed);
          const keys = both.native.accountKeysFromSeed(accountSeed);
          for (const other of [both.wasm, noble]) {
            expect(other.accountKeysFromSeed(accountSeed)).toEqual(keys);
          }
          const published = {
            mlkem768PublicKey: keys.mlkem768.publicKey,
            x25519PublicKey: keys.x25519.publicKey,
            created: 1767225600,
          };
          const bundle = both.native.encodeAccountKeyBundle(published, bob, {
            signatureRandom: random,
          });
          expect(
            both.wasm.encodeAccountKeyBundle(published, bob, { signatureRandom: random }),
          ).toEqual(bundle);
          const options = { ephemeralSecretKey, mlkemRandom: random.subarray(0, 32) };
          const v2 = both.native.encryptV2(message, alice, bob.sessionId, published, options);
          expect(both.wasm.encryptV2(message, alice, bob.sessionId, published, options)).toEqual(
            v2,
          );
          expect(noble.encryptV2(message, alice, bob.sessionId, published, options)).toEqual(v2);
          const noPfsOptions = {
            ephemeralSecretKey,
            keyIndicator: random.subarray(0, 2),
            filler: new Uint8Array(1088).fill(random[5] as number),
          };
          const noPfs = both.native.encryptV2NoPfs(message, alice, bob.sessionId, noPfsOptions);
          expect(both.wasm.encryptV2NoPfs(message, alice, bob.sessionId, noPfsOptions)).toEqual(
            noPfs,
          );
          const fresh = both.native.encryptV2(message, alice, bob.sessionId, published);
          for (const reader of [both.wasm, noble]) {
            expect(reader.decryptIncoming(fresh, bob, { accountKeys: [keys] }).plaintext).toEqual(
              message,
            );
          }
          expect(
            both.native.decryptIncoming(
              both.wasm.encryptV2(message, alice, bob.sessionId, published),
              bob,
              { accountKeys: [keys] },
            ).protocol,
          ).toBe('v2');
        },
      ),
      { numRuns: 15 },
    );
  });

  it.each(['aes-gcm', 'xchacha20'] as const)(
    '%s layers and responses with fixed keys and nonces',
    async (mode: LayerEncryption) => {
      const nonceLength = mode === 'aes-gcm' ? 12 : 24;
      await fc.assert(
        fc.asyncProperty(
          bytes,
          seed32,
          seed32,
          fc.uint8Array({ minLength: nonceLength, maxLength: nonceLength }),
          async (message, ephemeral, nodeSecret, nonce) => {
            const nodePublic = both.native.x25519(
              nodeSecret,
              hex('0900000000000000000000000000000000000000000000000000000000000000'),
            );
            const options = { ephemeralSecretKey: ephemeral, nonce };
            const native = await both.native.encryptLayer(message, nodePublic, mode, options);
            const wasm = await both.wasm.encryptLayer(message, nodePublic, mode, options);
            expect(wasm).toEqual(native);
            expect(
              await both.wasm.encryptLayerResponse(message, native.key, mode, { nonce }),
            ).toEqual(await both.native.encryptLayerResponse(message, native.key, mode, { nonce }));
          },
        ),
        { numRuns: 30 },
      );
    },
  );
});

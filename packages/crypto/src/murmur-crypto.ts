/**
 * Builds the {@link MurmurCrypto} object over one loaded backend and one AES-GCM source. Every
 * method is written once, in the module that owns it; this file binds them and implements the
 * small primitives.
 */
import { InvalidInputError } from '@murmur/wire';
import type { AesGcm } from './aes-gcm.js';
import type { SodiumBackend } from './backends/types.js';
import { hkdfSha256 } from './hkdf.js';
import { generateIdentity, identityFromSeed, wipeIdentity } from './identity.js';
import { decryptIntermediate, encryptIntermediate } from './intermediate.js';
import { messageHash } from './message-hash.js';
import {
  decryptLayer,
  decryptLayerResponse,
  encryptLayer,
  encryptLayerResponse,
} from './onion-layer.js';
import { padMessage, unpadMessage } from './padding.js';
import { phraseFromSeed, seedFromPhrase } from './phrase.js';
import {
  signedRequestBytes,
  signedRequestMessage,
  signRequest,
  verifyRequest,
} from './request-signing.js';
import { createSenderIdCache } from './sender-id-cache.js';
import { isSessionId, parseSessionId } from './session-id.js';
import { decryptIncoming, encryptForRecipient } from './session-protocol.js';
import type { MurmurCrypto } from './types.js';
import { requireBytes, requireInteger } from './validate.js';

/** Nonce length of IETF ChaCha20-Poly1305. */
export const CHACHA20_POLY1305_NONCE_LENGTH = 12;
/** Tag length of ChaCha20-Poly1305. */
export const CHACHA20_POLY1305_TAG_LENGTH = 16;

/** The largest `randomBytes` request (1 GiB is far beyond any use; it guards against typos). */
const MAX_RANDOM_BYTES = 1 << 30;

/** The MurmurCrypto object of a backend and an AES-GCM source. */
export function createMurmurCrypto(sodium: SodiumBackend, aes: AesGcm): MurmurCrypto {
  const senderIdOf = createSenderIdCache(sodium);
  return {
    backend: sodium.name,
    aesGcm: aes.source,

    generateIdentity: () => generateIdentity(sodium),
    identityFromSeed: (seed) => identityFromSeed(sodium, seed),
    wipeIdentity: (identity) => wipeIdentity(sodium, identity),
    phraseFromSeed,
    seedFromPhrase,
    parseSessionId,
    isSessionId,

    encryptForRecipient: (plaintext, sender, recipientSessionId, options) =>
      encryptForRecipient(sodium, plaintext, sender, recipientSessionId, options),
    decryptIncoming: (ciphertext, recipient) =>
      decryptIncoming(sodium, senderIdOf, ciphertext, recipient),
    padMessage,
    unpadMessage,
    encryptIntermediate: (plaintext, sender, recipientSessionId, options) =>
      encryptIntermediate(sodium, aes, plaintext, sender, recipientSessionId, options),
    decryptIntermediate: (ciphertext, recipient) =>
      decryptIntermediate(sodium, senderIdOf, aes, ciphertext, recipient),

    encryptLayer: (plaintext, recipientX25519PublicKey, encType, options) =>
      encryptLayer(sodium, aes, plaintext, recipientX25519PublicKey, encType, options),
    decryptLayerResponse: (ciphertext, key, encType) =>
      decryptLayerResponse(sodium, aes, ciphertext, key, encType),
    decryptLayer: (ciphertext, node, senderEphemeralPublicKey, encType) =>
      decryptLayer(sodium, aes, ciphertext, node, senderEphemeralPublicKey, encType),
    encryptLayerResponse: (plaintext, key, encType, options) =>
      encryptLayerResponse(sodium, aes, plaintext, key, encType, options),

    signedRequestMessage,
    signedRequestBytes,
    signRequest: (method, params, secretKey) => signRequest(sodium, method, params, secretKey),
    verifyRequest: (method, params, signature, publicKey) =>
      verifyRequest(sodium, method, params, signature, publicKey),
    messageHash: (pubkeyHex, namespace, data) => messageHash(sodium, pubkeyHex, namespace, data),

    sign(message, ed25519SecretKey) {
      requireBytes(message, 'message');
      requireBytes(ed25519SecretKey, 'ed25519SecretKey', 64);
      return sodium.signDetached(message, ed25519SecretKey);
    },

    proSignatureDecoy(scalars) {
      if (scalars !== undefined) {
        requireBytes(scalars.r, 'scalars.r', 32);
        requireBytes(scalars.s, 'scalars.s', 32);
      }
      const r = scalars?.r ?? sodium.ed25519ScalarRandom();
      const point = sodium.ed25519ScalarMultBaseNoclamp(r);
      if (point === undefined) {
        throw new InvalidInputError('scalars.r must not be zero', {
          details: { field: 'scalars.r' },
        });
      }
      const out = new Uint8Array(64);
      out.set(point, 0);
      out.set(scalars?.s ?? sodium.ed25519ScalarRandom(), 32);
      return out;
    },

    verify(signature, message, ed25519PublicKey) {
      requireBytes(signature, 'signature');
      requireBytes(message, 'message');
      requireBytes(ed25519PublicKey, 'ed25519PublicKey', 32);
      // libsodium reads exactly 64 bytes: any other length is a bad signature, not a prefix.
      if (signature.length !== 64) return false;
      return sodium.verifyDetached(signature, message, ed25519PublicKey);
    },

    ed25519KeyPairFromSeed(seed32) {
      requireBytes(seed32, 'seed32', 32);
      return sodium.signSeedKeyPair(seed32);
    },

    ed25519PublicKeyToX25519(publicKey) {
      requireBytes(publicKey, 'publicKey', 32);
      const out = sodium.ed25519PublicKeyToX25519(publicKey);
      if (out === undefined) {
        throw new InvalidInputError('publicKey is not a valid Ed25519 point (or has low order)', {
          details: { field: 'publicKey' },
        });
      }
      return out;
    },

    x25519KeyPair() {
      const secretKey = sodium.randomBytes(32);
      return { publicKey: sodium.scalarMultBase(secretKey), secretKey };
    },

    x25519PublicKey(secretKey) {
      requireBytes(secretKey, 'secretKey', 32);
      return sodium.scalarMultBase(secretKey);
    },

    x25519(secretKey, publicKey) {
      requireBytes(secretKey, 'secretKey', 32);
      requireBytes(publicKey, 'publicKey', 32);
      const out = sodium.scalarMult(secretKey, publicKey);
      if (out === undefined) {
        throw new InvalidInputError(
          'publicKey is a low-order X25519 point: the shared secret would be all zeros',
          { details: { field: 'publicKey' } },
        );
      }
      return out;
    },

    blake2b(data, outputLength = 32, key) {
      requireBytes(data, 'data');
      requireInteger(outputLength, 'outputLength', 16, 64);
      if (key !== undefined) {
        requireBytes(key, 'key');
        if (key.length < 16 || key.length > 64) {
          throw new InvalidInputError(`key must be 16 to 64 bytes, got ${key.length} bytes`, {
            details: { field: 'key' },
          });
        }
      }
      return sodium.blake2b(data, outputLength, key);
    },

    sha256(data) {
      requireBytes(data, 'data');
      return sodium.sha256(data);
    },

    hmacSha256(key, data) {
      requireBytes(key, 'key');
      requireBytes(data, 'data');
      return sodium.hmacSha256(key, data);
    },

    hkdfSha256: (ikm, salt, info, length) => hkdfSha256(sodium, ikm, salt, info, length),

    chacha20Poly1305Encrypt(plaintext, nonce, key, additionalData) {
      requireBytes(plaintext, 'plaintext');
      requireBytes(nonce, 'nonce', CHACHA20_POLY1305_NONCE_LENGTH);
      requireBytes(key, 'key', 32);
      if (additionalData !== undefined) requireBytes(additionalData, 'additionalData');
      return sodium.chacha20Poly1305Encrypt(plaintext, additionalData, nonce, key);
    },

    chacha20Poly1305Decrypt(ciphertext, nonce, key, additionalData) {
      requireBytes(ciphertext, 'ciphertext');
      requireBytes(nonce, 'nonce', CHACHA20_POLY1305_NONCE_LENGTH);
      requireBytes(key, 'key', 32);
      if (additionalData !== undefined) requireBytes(additionalData, 'additionalData');
      if (ciphertext.length < CHACHA20_POLY1305_TAG_LENGTH) return undefined;
      return sodium.chacha20Poly1305Decrypt(ciphertext, additionalData, nonce, key);
    },

    randomBytes(length) {
      requireInteger(length, 'length', 0, MAX_RANDOM_BYTES);
      return sodium.randomBytes(length);
    },

    equalConstantTime(a, b) {
      requireBytes(a, 'a');
      requireBytes(b, 'b');
      if (a.length !== b.length) return false;
      return a.length === 0 || sodium.equalConstantTime(a, b);
    },

    wipe(bytes) {
      requireBytes(bytes, 'bytes');
      if (bytes.length > 0) sodium.wipe(bytes);
    },
  };
}
